/// <reference lib="dom" />
import { h } from './dom.ts';

const TOKEN = /("(?:\\.|[^"\\])*")(\s*:)?|\b(true|false|null)\b|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;

/**
 * Pretty JSON with colored keys and values, built from text nodes and spans (no `innerHTML`), so a
 * state holding `<script>` in a string shows as text.
 */
export function jsonView(value: unknown, testId?: string): HTMLElement {
  const text = JSON.stringify(value, null, 2) ?? 'undefined';
  const pre = h('pre', { class: 'json', 'data-testid': testId });
  let last = 0;
  for (const m of text.matchAll(TOKEN)) {
    const at = m.index ?? 0;
    if (at > last) pre.append(text.slice(last, at));
    if (m[1] !== undefined && m[2] !== undefined) {
      pre.append(h('span', { class: 'j-key' }, m[1]), m[2]);
    } else {
      const cls = m[1] !== undefined ? 'j-str' : m[3] === 'null' ? 'j-null' : m[3] !== undefined ? 'j-bool' : 'j-num';
      pre.append(h('span', { class: cls }, m[0]));
    }
    last = at + m[0].length;
  }
  if (last < text.length) pre.append(text.slice(last));
  return pre;
}
