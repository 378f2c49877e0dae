import { describe, expect, test } from 'bun:test';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * docs/writing-actors.md cannot rot: every ```ts block in it is an excerpt of a real file, named
 * on the line just above the fence (`<!-- excerpt: examples/cart-abandonment/cart.ts -->`, a path
 * from the repository root), and must appear in that file character for character. Change the
 * example and this test names the block to update; a ```ts block without a source is refused, so
 * no code can be written into the tutorial that nothing checks. Relative links must resolve too.
 */
const ROOT = resolve(import.meta.dir, '..');
const DOC = 'docs/writing-actors.md';

export interface Excerpt {
  /** The file it claims to come from, relative to the repository root. */
  source: string | undefined;
  /** Line of the opening fence (1-based), to name the block in a failure. */
  line: number;
  code: string;
}

/** The ```ts / ```typescript blocks of a markdown text, each with the source named just above it. */
export function tsBlocks(markdown: string): Excerpt[] {
  const lines = markdown.split('\n');
  const out: Excerpt[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(ts|typescript)\s*$/.test(lines[i]!)) continue;
    const end = lines.findIndex((l, j) => j > i && /^```\s*$/.test(l));
    if (end < 0) throw new Error(`${DOC}:${i + 1}: a code block that is never closed`);
    const source = /^<!--\s*excerpt:\s*(\S+)\s*-->\s*$/.exec(lines[i - 1] ?? '')?.[1];
    out.push({ source, line: i + 1, code: lines.slice(i + 1, end).join('\n') });
    i = end;
  }
  return out;
}

/** Why an excerpt does not hold against the files under `root`, or undefined when it does. */
export function excerptProblem(e: Excerpt, root: string): string | undefined {
  if (!e.source) return `the ts block at line ${e.line} names no source: put <!-- excerpt: path/from/repo/root.ts --> on the line above it`;
  const path = resolve(root, e.source);
  if (relative(root, path).startsWith('..')) return `line ${e.line}: ${e.source} is outside the repository`;
  if (!existsSync(path)) return `line ${e.line}: ${e.source} does not exist`;
  if (e.code.trim() === '') return `line ${e.line}: an empty excerpt`;
  if (!readFileSync(path, 'utf8').includes(e.code)) return `the block at line ${e.line} is no longer in ${e.source}: copy the current text from it`;
  return undefined;
}

/** GitHub's anchors for the headings of a markdown text: lower case, punctuation dropped, spaces to '-'. */
function headingSlugs(markdown: string): string[] {
  return [...markdown.matchAll(/^#{1,6} (.+)$/gm)].map((m) => m[1]!.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-'));
}

describe(DOC, () => {
  const markdown = readFileSync(join(ROOT, DOC), 'utf8');
  const blocks = tsBlocks(markdown);

  test('shows the example through excerpts of both of its files', () => {
    const sources = new Set(blocks.map((b) => b.source));
    expect(sources).toContain('examples/cart-abandonment/cart.ts');
    expect(sources).toContain('examples/cart-abandonment/cart.test.ts');
  });

  test('every ts block is in the file it names, verbatim', () => {
    expect(blocks.map((b) => excerptProblem(b, ROOT)).filter(Boolean)).toEqual([]);
  });

  test('every relative link points at a file or folder that exists', () => {
    const links = [...markdown.matchAll(/\]\(([^)\s#]+)(?:#[^)]*)?\)/g)].map((m) => m[1]!).filter((l) => !/^[a-z]+:/.test(l));
    expect(links.length).toBeGreaterThan(0);
    expect(links.filter((l) => !existsSync(resolve(ROOT, dirname(DOC), l)))).toEqual([]);
  });

  test('every #anchor names a heading of its markdown file', () => {
    const anchors = [...markdown.matchAll(/\]\(([^)\s#]*\.md)?#([^)\s]+)\)/g)].map((m) => ({ file: m[1] ? resolve(ROOT, dirname(DOC), m[1]) : join(ROOT, DOC), anchor: m[2]! }));
    expect(anchors.length).toBeGreaterThan(0);
    expect(anchors.filter((a) => !headingSlugs(readFileSync(a.file, 'utf8')).includes(a.anchor))).toEqual([]);
  });
});

describe('the excerpt check', () => {
  const fixture = join(ROOT, 'examples/cart-abandonment/cart.ts');
  const real = readFileSync(fixture, 'utf8').split('\n').slice(0, 3).join('\n');
  const doc = (source: string, code: string) => `text\n<!-- excerpt: ${source} -->\n\`\`\`ts\n${code}\n\`\`\`\nmore\n`;

  test('accepts a block found verbatim in its file, and reads its source and line', () => {
    const [block] = tsBlocks(doc('examples/cart-abandonment/cart.ts', real));
    expect(block).toEqual({ source: 'examples/cart-abandonment/cart.ts', line: 3, code: real });
    expect(excerptProblem(block!, ROOT)).toBeUndefined();
  });

  test('refuses a block the file no longer holds, one without a source, and a missing file', () => {
    const changed = tsBlocks(doc('examples/cart-abandonment/cart.ts', real.replace('a', 'A')))[0]!;
    expect(excerptProblem(changed, ROOT)).toBe('the block at line 3 is no longer in examples/cart-abandonment/cart.ts: copy the current text from it');
    const unsourced = tsBlocks('```ts\nconst x = 1;\n```\n')[0]!;
    expect(excerptProblem(unsourced, ROOT)).toMatch(/^the ts block at line 1 names no source/);
    const missing = tsBlocks(doc('examples/nope.ts', 'x'))[0]!;
    expect(excerptProblem(missing, ROOT)).toBe('line 3: examples/nope.ts does not exist');
    expect(excerptProblem(tsBlocks(doc('../outside.ts', 'x'))[0]!, ROOT)).toBe('line 3: ../outside.ts is outside the repository');
  });

  test('a whitespace change is a change; other fenced languages are not excerpts', () => {
    const reindented = tsBlocks(doc('examples/cart-abandonment/cart.ts', real.replace(/^/gm, ' ')))[0]!;
    expect(excerptProblem(reindented, ROOT)).toMatch(/is no longer in/);
    expect(tsBlocks('```sh\nnpm start\n```\n```yaml\na: 1\n```\n')).toEqual([]);
  });
});
