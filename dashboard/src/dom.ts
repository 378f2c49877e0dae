/// <reference lib="dom" />
/**
 * A tiny element builder: text always goes through `textContent`, never `innerHTML`, so nothing the
 * server sends (alert summaries, entity keys) can inject markup.
 */
export type Child = Node | string | number | null | undefined | false;
export type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

/**
 * @example
 * h('button', { class: 'btn', 'data-testid': 'x', onclick: () => go() }, 'Go')
 */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(name.slice(2), value);
    // Through CSSOM, not the style attribute, which the page's Content-Security-Policy blocks.
    else if (name === 'style') el.style.cssText = String(value);
    else if (value === true) el.setAttribute(name, '');
    else el.setAttribute(name, String(value));
  }
  append(el, children);
  return el;
}

export function append(el: Element, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'number' ? String(c) : c);
  }
}

/** Replaces an element's children (cheap enough at one snapshot a second). */
export function replace(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

/** Sets text only when it changed, so the browser does not relayout for nothing. */
export function setText(el: Element, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

export function byTestId<T extends HTMLElement = HTMLElement>(root: ParentNode, id: string): T {
  const el = root.querySelector<T>(`[data-testid="${id}"]`);
  if (!el) throw new Error(`dashboard: element [data-testid="${id}"] is missing from index.html`);
  return el;
}

/** The "waiting for events…" line every panel shows until it has something to show. */
export function emptyState(text: string, testId?: string): HTMLElement {
  return h('div', { class: 'empty', 'data-testid': testId }, text);
}
