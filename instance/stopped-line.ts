import type { Totals } from '../engine/index.ts';

/**
 * The last line a processor prints when it stops cleanly: what it did, for whoever reads its log.
 * Event-time merge waits that timed out (an origin taken as idle after a silence) are named only
 * when there were some: each is a place where a merged type may have decided in arrival order;
 * so are waits for answers that timed out (an entity's held inputs applied before its answers).
 */
export function stoppedLine(t: Totals): string {
  const waits = t.mergeWaitsTimedOut > 0 ? `, event-time merge waits timed out ${t.mergeWaitsTimedOut}` : '';
  const awaits = t.awaitsTimedOut > 0 ? `, waits for answers timed out ${t.awaitsTimedOut}` : '';
  return `stopped: applied ${t.applied}, dead-lettered ${t.deadLettered}, duplicates dropped ${t.duplicatesDropped}, out of event-time order ${t.outOfEventTimeOrder}${waits}${awaits}`;
}
