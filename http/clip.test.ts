import { describe, expect, test } from 'bun:test';
import { clip, ECHO_MAX } from './clip.ts';

describe('clip', () => {
  test('short strings unchanged; long ones cut to the limit plus an ellipsis', () => {
    expect(clip('abc')).toBe('abc');
    expect(clip('x'.repeat(ECHO_MAX))).toBe('x'.repeat(ECHO_MAX));
    expect(clip('x'.repeat(10_000))).toBe(`${'x'.repeat(64)}…`);
    expect(clip('abcdef', 3)).toBe('abc…');
  });

  test('never splits a surrogate pair (the answer stays well-formed Unicode)', () => {
    const s = `${'a'.repeat(63)}😀tail`;
    expect(clip(s).isWellFormed()).toBe(true);
    expect(clip(s)).toBe(`${'a'.repeat(63)}…`);
  });
});
