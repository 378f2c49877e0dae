import { describe, expect, test } from 'bun:test';
import { applyRecords } from './shard-host.ts';
import type { Shard } from './shard.ts';
import type { ShardCounters } from './shard-api.ts';
import type { SourceRecord } from './records.ts';

/**
 * A shard with something to report once already pending (timestamps of held inputs released at a
 * checkpoint, a wish for a fresher source end), whose batch needs a passivated key until it is read back.
 */
const counters: ShardCounters = { applied: 0, deadLettered: 0, duplicatesDropped: 0, skippedBelowOffset: 0, timersFired: 0, outOfEventTimeOrder: 0, mergeWaitsTimedOut: 0, awaitsTimedOut: 0 };

function pendingShard() {
  let missing = ['sku-1'];
  let timestamps = [17, 18];
  let endWanted = true;
  const shard = {
    counters,
    size: () => 1,
    missingKeys: () => missing,
    apply: (records: SourceRecord[]) => records.length,
    takeAppliedTimestamps: () => {
      const t = timestamps;
      timestamps = [];
      return t;
    },
    takeEndWanted: () => {
      const w = endWanted;
      endWanted = false;
      return w;
    },
    rehydrated: () => void (missing = []),
  };
  return shard;
}

const record = { key: 'sku-1', offset: 0 } as unknown as SourceRecord;

describe('applyRecords', () => {
  test('a result that only names passivated keys takes nothing: the apply after the rehydrate reports it', () => {
    const s = pendingShard();
    const first = applyRecords(s as unknown as Shard, [record], undefined);
    expect(first).toEqual({ consumed: 0, counters, size: 1, needs: ['sku-1'] });
    s.rehydrated();
    const second = applyRecords(s as unknown as Shard, [record], undefined);
    expect(second).toEqual({ consumed: 1, counters, size: 1, appliedTimestamps: [17, 18], endWanted: true });
  });
});
