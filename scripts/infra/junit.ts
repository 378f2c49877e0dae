/**
 * What a `bun test --reporter=junit` file says: totals, and each failure with its message. The
 * failures are printed again at the end of `npm test`, because a CI log is often kept only by its
 * tail: a failed hook shows there as "(unnamed)", and its cause was scrolled away.
 */
export interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

export interface Failure {
  /** "suite > test", as bun prints it. */
  test: string;
  file: string;
  /** The failure's text (message and stack), up to MAX_TEXT characters. */
  text: string;
}

const MAX_TEXT = 600;

export function junitCounts(xml: string): Counts {
  // The root <testsuites> element carries the totals of the whole run.
  const root = /<testsuites\b[^>]*>/.exec(xml)?.[0] ?? '';
  const attr = (name: string) => Number(new RegExp(`\\b${name}="(\\d+)"`).exec(root)?.[1] ?? 0);
  const tests = attr('tests');
  const failed = attr('failures') + attr('errors');
  const skipped = attr('skipped');
  return { passed: tests - failed - skipped, failed, skipped };
}

export function junitFailures(xml: string): Failure[] {
  const failures: Failure[] = [];
  const testcase = /<testcase\b([^>]*?)(?:\/>|>([\s\S]*?)<\/testcase>)/g;
  for (const [, attrs, body] of xml.matchAll(testcase)) {
    const failure = /<(failure|error)\b([^>]*?)(?:\/>|>([\s\S]*?)<\/\1>)/.exec(body ?? '');
    if (!failure) continue;
    const attr = (s: string, name: string) => unescapeXml(new RegExp(`\\b${name}="([^"]*)"`).exec(s)?.[1] ?? '');
    const text = unescapeXml(failure[3] ?? '') || attr(failure[2]!, 'message');
    failures.push({ test: `${attr(attrs!, 'classname')} > ${attr(attrs!, 'name')}`, file: attr(attrs!, 'file'), text: text.trim().slice(0, MAX_TEXT) });
  }
  return failures;
}

function unescapeXml(s: string): string {
  return s.replace(/&(#\d+|#x[0-9a-f]+|quot|apos|lt|gt|amp);/gi, (_, e: string) => {
    if (e[0] === '#') return String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : Number(e.slice(1)));
    return { quot: '"', apos: "'", lt: '<', gt: '>', amp: '&' }[e.toLowerCase()]!;
  });
}
