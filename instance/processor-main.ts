/**
 * A bare processor process (no HTTP API), configured like `actorstream run` (instance/config.ts:
 * pipeline.yaml and the environment), but only against Kafka and Postgres. Prints `ready` once it
 * has joined the group; SIGTERM stops it gracefully: final checkpoint and relay, leave the group,
 * exit 0. The tests SIGKILL and SIGSTOP it.
 */
import { clusterClient } from './cluster-client.ts';
import { startProcessor } from '../engine/index.ts';
import { loadConfig } from './config.ts';
import { configureAllocator } from '../runtime/allocator.ts';
import { stoppedLine } from './stopped-line.ts';

const config = loadConfig(process.env);
if (config.instance.mode === 'embedded') {
  console.error('processor-main runs against Kafka and Postgres: set KAFKA_BROKERS and DATABASE_URL (or PIPELINE_CONFIG)');
  process.exit(2);
}
// As `actorstream run` starts (cli/commands/run.ts), so the SIGKILL and SIGSTOP
// tests exercise the restart in place too: the pid they signal is the one that processes.
configureAllocator();
const log = (line: string) => console.log(`[processor ${process.pid}] ${line}`);
const { brokers, kafkaClient, groupInstanceId, ...options } = config.instance.processor;
const processor = await startProcessor({
  ...options,
  client: await clusterClient({ client: kafkaClient ?? 'kafkajs', clientId: options.ownerId, brokers, groupInstanceId }),
  log,
  onFatal(e) {
    log(`fatal: ${e.message}; exiting so the process restarts from its checkpoints`);
    process.exit(70);
  },
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
        console.log(stoppedLine(t));
        process.exit(0);
      },
      (e) => {
        console.error(`stop failed: ${e}`);
        process.exit(1);
      },
    );
  });
}
