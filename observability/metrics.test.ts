import { describe, expect, test } from 'bun:test';
import { createMetrics } from './metrics.ts';

describe('metrics', () => {
  test('consumer lag series of a released shard disappear (they would feed lag alerts)', async () => {
    const m = createMetrics();
    m.observer.lag!({ topic: 'user_events', partition: 2, lag: 40 });
    m.observer.lag!({ topic: 'user_events', partition: 3, lag: 7 });
    expect(await m.render()).toContain('actorstream_consumer_lag{topic="user_events",partition="2"} 40');
    m.observer.released!({ shard: 'user/2', partitions: [{ topic: 'user_events', partition: 2 }, { topic: 'app.user.inbox', partition: 2 }] });
    const text = await m.render();
    expect(text).not.toContain('partition="2"');
    expect(text).toContain('actorstream_consumer_lag{topic="user_events",partition="3"} 7');
  });

  test('a checkpoint counts rows by kind, dead letters by topic and code, and HANDLER_ERROR as a quarantine', async () => {
    const m = createMetrics();
    m.observer.checkpointed!({
      shard: 'sku/0', atMs: 1000, durationMs: 12, appendTimesMs: [900], traced: [],
      rows: { states: 3, offsets: 1, outbox: 2, alerts: 0, timers: 0 },
      deadLetters: [{ topic: 'inventory_events', code: 'HANDLER_ERROR', count: 1 }, { topic: 'inventory_events', code: 'INVALID_JSON', count: 2 }],
    });
    const text = await m.render();
    expect(text).toContain('actorstream_checkpoint_rows_total{kind="states"} 3');
    expect(text).toContain('actorstream_dead_letters_total{topic="inventory_events",code="INVALID_JSON"} 2');
    expect(text).toContain('actorstream_quarantines_total{actor="sku"} 1');
    expect(text).toContain('actorstream_event_to_durable_seconds_count 1');
  });

  test('inputs out of event-time order are counted per actor type, summed over batches', async () => {
    const m = createMetrics();
    const batch = { shard: 'sku/1', actorType: 'sku', topic: 'app.sku.inbox', partition: 1, records: 4, consumed: 4, applied: 4, deadLettered: 0, duplicatesDropped: 0, mergeWaitsTimedOut: 0, awaitsTimedOut: 0, appendTimesMs: [], atMs: 0, applyMs: 1, traced: [] };
    m.observer.batchApplied!({ ...batch, outOfEventTimeOrder: 2 });
    m.observer.batchApplied!({ ...batch, outOfEventTimeOrder: 0 });
    m.observer.batchApplied!({ ...batch, outOfEventTimeOrder: 1 });
    expect(await m.render()).toContain('actorstream_inputs_out_of_event_time_order_total{actor="sku"} 3');
  });

  test('origins a merging shard stopped waiting for are counted per actor type', async () => {
    const m = createMetrics();
    const batch = { shard: 'user/0', actorType: 'user', topic: 'app.user.inbox', partition: 0, records: 1, consumed: 1, applied: 0, deadLettered: 0, duplicatesDropped: 0, outOfEventTimeOrder: 0, appendTimesMs: [], atMs: 0, applyMs: 1, traced: [] };
    m.observer.batchApplied!({ ...batch, mergeWaitsTimedOut: 2, awaitsTimedOut: 0 });
    m.observer.batchApplied!({ ...batch, mergeWaitsTimedOut: 0, awaitsTimedOut: 1 });
    const text = await m.render();
    expect(text).toContain('actorstream_merge_waits_timed_out_total{actor="user"} 2');
    expect(text).toContain('actorstream_awaits_timed_out_total{actor="user"} 1');
  });

  test('process memory is exported split by kind, so a soak can tell the JS heap from the rest of RSS', async () => {
    const text = await createMetrics().render();
    for (const kind of ['rss', 'heap_used', 'heap_total', 'external', 'array_buffers']) {
      expect(text).toMatch(new RegExp(`^actorstream_process_memory_bytes\\{kind="${kind}"\\} [1-9]\\d*$`, 'm'));
    }
  });
});
