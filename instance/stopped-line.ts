import type { Totals } from '../engine/index.ts';

/** The last line a processor prints when it stops cleanly: what it did, for whoever reads its log. */
export function stoppedLine(t: Totals): string {
  return `stopped: applied ${t.applied}, dead-lettered ${t.deadLettered}, duplicates dropped ${t.duplicatesDropped}, out of event-time order ${t.outOfEventTimeOrder}`;
}
