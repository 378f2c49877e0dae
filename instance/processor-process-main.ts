import { clusterClient } from './cluster-client.ts';
import { startProcessor } from '../engine/index.ts';
import type { LogClient } from '../engine/log-client.ts';
import { loadConfig } from './config.ts';
import { configureAllocator } from '../runtime/allocator.ts';
import { stoppedLine } from './stopped-line.ts';

/**
 * The body of a bare processor process (instance/processor-main.ts): configured like `actorstream
 * run` from the environment, against Kafka and Postgres only. Prints `ready` once it has joined the
 * group; SIGTERM stops it gracefully (final checkpoint and relay, leave the group, exit 0).
 * `wrapClient` lets a test process read its log differently (one partition slowly) while it stays
 * a real process that SIGKILL can stop.
 */
export async function runProcessorProcess(wrapClient: (client: LogClient) => LogClient = (c) => c): Promise<void> {
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
  const client = await clusterClient({ client: kafkaClient ?? 'kafkajs', clientId: options.ownerId, brokers, groupInstanceId });
  const processor = await startProcessor({
    ...options,
    client: wrapClient(client),
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
          console.log(stoppedLine(processor.totals()));
          process.exit(0);
        },
        (e) => {
          console.error(`stop failed: ${e}`);
          process.exit(1);
        },
      );
    });
  }
}
