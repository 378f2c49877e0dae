/**
 * A processor process, configured by environment (the CLI's `run` builds on the same
 * startProcessor). Prints `ready` once it has joined the group; SIGTERM stops it gracefully:
 * stop fetching, final checkpoint and relay, leave the group, exit 0.
 *
 *   KAFKA_BROKERS, DATABASE_URL, APP (default actorstream), GROUP_ID (default <APP>-processor),
 *   PARTITIONS (default 6), CHECKPOINT_INTERVAL_MS (default 200), OWNER_ID (default host-pid),
 *   TOPIC_PREFIX (default none: the contract's topic names)
 */
import { hostname } from 'node:os';
import { orderActor } from '../actors/order.ts';
import { skuActor } from '../actors/sku.ts';
import { userActor } from '../actors/user.ts';
import { topicNames } from './kafka/topics.ts';
import { startProcessor } from './processor.ts';

const env = process.env;
const app = env.APP ?? 'actorstream';
const processor = await startProcessor({
  brokers: (env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
  databaseUrl: env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  app,
  groupId: env.GROUP_ID ?? `${app}-processor`,
  actors: [skuActor, orderActor, userActor],
  topics: topicNames(env.TOPIC_PREFIX ?? ''),
  partitions: Number(env.PARTITIONS ?? 6),
  checkpointIntervalMs: Number(env.CHECKPOINT_INTERVAL_MS ?? 200),
  ownerId: env.OWNER_ID ?? `${hostname()}-${process.pid}`,
  log: (line) => console.log(`[processor ${process.pid}] ${line}`),
});
console.log('ready');

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    processor.stop().then(
      () => {
        const t = processor.totals();
        console.log(`stopped: applied ${t.applied}, dead-lettered ${t.deadLettered}, duplicates dropped ${t.duplicatesDropped}`);
        process.exit(0);
      },
      (e) => {
        console.error(`stop failed: ${e}`);
        process.exit(1);
      },
    );
  });
}
