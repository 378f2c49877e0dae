import { OBSERVER_METHODS, type ProcessorObserver } from '../engine/index.ts';

/** One observer that calls each given observer in turn (metrics, the dashboard's live stats, a bench). */
export function composeObservers(...observers: (ProcessorObserver | undefined)[]): ProcessorObserver {
  const list = observers.filter((o): o is ProcessorObserver => Boolean(o));
  const out: ProcessorObserver = {};
  for (const name of OBSERVER_METHODS) {
    const fns = list.map((o) => o[name]).filter(Boolean) as ((e: never) => void)[];
    if (fns.length > 0) (out as Record<string, (e: never) => void>)[name] = (e: never) => {
      for (const f of fns) f(e);
    };
  }
  return out;
}
