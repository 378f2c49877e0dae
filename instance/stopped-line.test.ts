import { describe, expect, test } from 'bun:test';
import { stoppedLine } from './stopped-line.ts';

describe('stopped line', () => {
  const totals = { applied: 120, deadLettered: 2, duplicatesDropped: 3, skippedBelowOffset: 9, outOfEventTimeOrder: 4, mergeWaitsTimedOut: 0, awaitsTimedOut: 0 };

  test('says what the processor applied, dead-lettered, dropped as duplicates and applied out of event-time order', () => {
    expect(stoppedLine(totals)).toBe('stopped: applied 120, dead-lettered 2, duplicates dropped 3, out of event-time order 4');
  });

  test('names event-time merge waits that timed out only when there were some', () => {
    expect(stoppedLine({ ...totals, mergeWaitsTimedOut: 3 })).toBe('stopped: applied 120, dead-lettered 2, duplicates dropped 3, out of event-time order 4, event-time merge waits timed out 3');
  });

  test('names waits for answers that timed out only when there were some', () => {
    expect(stoppedLine({ ...totals, awaitsTimedOut: 2 })).toBe('stopped: applied 120, dead-lettered 2, duplicates dropped 3, out of event-time order 4, waits for answers timed out 2');
  });
});
