import { describe, expect, test } from 'bun:test';
import { junitCounts, junitFailures } from './junit.ts';

/** What bun 1.4 writes for a failing beforeAll, a passing test and a failing test. */
const XML = `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="bun test" tests="4" assertions="0" failures="2" skipped="1" time="0.1">
  <testsuite name="a.test.ts" file="a.test.ts" tests="4" failures="2" skipped="1">
    <testsuite name="hooks before" file="a.test.ts" line="2" tests="1" failures="1" skipped="0">
      <testcase name="(unnamed)" classname="hooks before" time="0.689" file="a.test.ts" assertions="0">
        <failure type="Error" message="boom &quot;before&quot;">Error: boom &quot;before&quot;&#10;      at a.test.ts:2:89&#10;</failure>
      </testcase>
    </testsuite>
    <testsuite name="s" file="a.test.ts" line="3" tests="3" failures="1" skipped="1">
      <testcase name="y" classname="s" time="0.1" file="a.test.ts" line="3" assertions="1" />
      <testcase name="z &lt;3" classname="s" time="0.1" file="a.test.ts" line="4" assertions="1">
        <failure type="AssertionError" message="expected 1" />
      </testcase>
      <testcase name="w" classname="s" time="0" file="a.test.ts" line="5"><skipped /></testcase>
    </testsuite>
  </testsuite>
</testsuites>`;

describe('junit', () => {
  test('totals come from the root element', () => {
    expect(junitCounts(XML)).toEqual({ passed: 1, failed: 2, skipped: 1 });
  });

  test("each failure with its test's name and its text, unescaped; a failure without text gives its message", () => {
    expect(junitFailures(XML)).toEqual([
      { test: 'hooks before > (unnamed)', file: 'a.test.ts', text: 'Error: boom "before"\n      at a.test.ts:2:89' },
      { test: 's > z <3', file: 'a.test.ts', text: 'expected 1' },
    ]);
  });
});
