/**
 * Restore cost of a shard's states, the part of recovery that grows with entities:
 *   bun bench/restore-states.ts [entities=1000000] [partitions=6] [workers=1]
 * Commits `entities` realistic user states spread over `partitions` shards (one fenced commit per
 * 50k rows), then times what an owner does on assignment for every shard: load the snapshot from
 * Postgres and open it in a shard worker (structured clone into the worker + migration check) —
 * eagerly (every state) and lazily (`lazy_restore_above`: only entities with a timer; the keys are
 * read and handed over afterwards, while the shard runs — timed separately), 3 rounds each, interleaved.
 * Failure detection (the consumer session timeout) comes on top; see bench/runtime.ts.
 * Uses DATABASE_URL's server (default 127.0.0.1:5432) with a fresh database it drops afterwards.
 */
import postgres from 'postgres';
import { userActor } from '../actors/user.ts';
import { createWorkerPool } from '../engine/shard/worker-pool.ts';
import { shardId } from '../engine/index.ts';
import { createCheckpointStore } from '../store/checkpoint-store.ts';
import { migrate } from '../store/migrations.ts';
import { createTestDatabase } from '../scripts/infra/test-database.ts';

const entities = Number(process.argv[2] ?? 1_000_000);
const partitions = Number(process.argv[3] ?? 6);
const workers = Number(process.argv[4] ?? 1);
const db = await createTestDatabase(process.env.DATABASE_URL);
const sql = postgres(db.url, { max: 8, onnotice: () => {} });
try {
  await migrate(sql);
  const store = createCheckpointStore(sql);
  const epochs = new Map<number, number>();
  for (let p = 0; p < partitions; p++) epochs.set(p, await store.acquire(shardId('user', p), 'bench'));
  const t0 = performance.now();
  const CHUNK = 50_000;
  for (let start = 0; start < entities; start += CHUNK) {
    const byPartition = new Map<number, { actorType: string; key: string; partition: number; stateVersion: number; state: unknown }[]>();
    for (let i = start; i < Math.min(entities, start + CHUNK); i++) {
      const key = `u-${i}`;
      const p = i % partitions;
      const list = byPartition.get(p) ?? [];
      list.push({ actorType: 'user', key, partition: p, stateVersion: userActor.stateVersion, state: realisticUser(key, i) });
      byPartition.set(p, list);
    }
    for (const [p, states] of byPartition) {
      await store.commit({ shard: shardId('user', p), epoch: epochs.get(p)!, states, offsets: [], outbox: [], alerts: [], inboxPositions: [], timersAdded: [], timersRemoved: [] });
    }
  }
  console.log(`seeded ${entities} user states in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  await sql`vacuum analyze actor_states`;

  // Eager (every state read and parsed) and lazy (states on their next input, keys afterwards) restores,
  // interleaved, 3 rounds each: the same rows, the same Postgres, side by side.
  const results: Record<'eager' | 'lazy', number[]> = { eager: [], lazy: [] };
  for (let round = 0; round < 3; round++) {
    for (const mode of ['eager', 'lazy'] as const) {
      const pool = createWorkerPool(workers, (e) => { throw e; });
      const t1 = performance.now();
      let loadMs = 0;
      let opened = 0;
      let stored = 0;
      let keysMs = 0;
      // Every shard open (a lazy one runs from here); then, for lazy, every key handed over as well.
      let restoredMs = 0;
      await Promise.all(
        Array.from({ length: partitions }, async (_, p) => {
          const id = shardId('user', p);
          const l0 = performance.now();
          const snap = await store.load(id, 'user', p, mode === 'lazy' ? { lazyAbove: 0 } : {});
          loadMs = Math.max(loadMs, performance.now() - l0);
          const host = pool.hostFor(id);
          const size = await host.open(
            { actorType: 'user', partition: p, app: 'bench', sourceTopic: 'user_events', alertsTopic: 'alerts', actors: {} },
            { states: snap.states, storedUnknown: snap.storedUnknown, offsets: snap.offsets, inboxPositions: snap.inboxPositions, timers: [] },
          );
          opened += size;
          restoredMs = Math.max(restoredMs, performance.now() - t1);
          // The keys a lazy restore reads afterwards (engine/shard-lifecycle.ts): the shard already runs meanwhile.
          if (snap.storedUnknown) {
            const keys = await store.storedKeys(id, 'user', p);
            stored += keys.length;
            await host.storedKeys(id, keys);
            keysMs = Math.max(keysMs, performance.now() - t1);
          }
        }),
      );
      const seconds = restoredMs / 1000;
      results[mode].push(seconds);
      console.log(`${mode} restore: ${opened} entities in memory, ${stored} left in Postgres, ${partitions} shards, ${workers} worker(s): ${seconds.toFixed(2)} s (slowest Postgres load ${(loadMs / 1000).toFixed(2)} s${mode === 'lazy' ? `; keys handed over after ${(keysMs / 1000).toFixed(2)} s` : ''})`);
      await pool.terminate();
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[1]!;
  for (const mode of ['eager', 'lazy'] as const) console.log(`${mode}: median ${median(results[mode]).toFixed(2)} s (${results[mode].map((x) => x.toFixed(2)).join(', ')})`);
} finally {
  await sql.end();
  await db.drop();
}

/** A user after a few logins and payments: the shape and size the fraud rules keep (~430 B on the heap). */
function realisticUser(key: string, i: number): unknown {
  const state = userActor.initial(key) as Record<string, unknown>;
  let s = state;
  const now = 1_700_000_000_000 + i;
  for (let k = 0; k < 3; k++) {
    const t = userActor.handle(s, { kind: 'event', event: { id: `e-${i}-${k}`, type: 'login_succeeded', v: 1, ts: now + k * 1000, data: { userId: key, country: 'DE', ip: '10.0.0.1', deviceId: `d-${i % 7}` } } as never }, { key, now: now + k * 1000 });
    s = t.state as Record<string, unknown>;
  }
  return s;
}
