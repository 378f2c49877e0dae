/// <reference lib="dom" />
import { setText } from '../dom.ts';
import type { Loaded } from './api.ts';

/**
 * What a business panel shows instead of (or over) its data. `data-state` on the panel says which,
 * so checks and styles need not read the text.
 */
export type PanelState = 'loading' | 'empty' | 'error' | 'ok';

export interface StateView {
  show(state: PanelState, text?: string): void;
  /**
   * The answer's data, or undefined after showing why there is none. A failed refresh keeps the
   * last good picture on screen (dimmed under the message) rather than blanking the panel.
   */
  unwrap<T>(loaded: Loaded<T>): T | undefined;
}

export function stateView(panel: HTMLElement, overlay: HTMLElement): StateView {
  let shownData = false;
  const show = (state: PanelState, text = '') => {
    if (panel.dataset.state !== state) panel.dataset.state = state;
    overlay.hidden = state === 'ok';
    overlay.classList.toggle('error', state === 'error');
    setText(overlay, text);
    if (state === 'ok') shownData = true;
  };
  return {
    show,
    unwrap(loaded) {
      if (loaded.ok) return loaded.data;
      show('error', shownData ? `Could not refresh (${loaded.error}); showing the last answer` : `Could not load: ${loaded.error}`);
      return undefined;
    },
  };
}
