/**
 * `actorstream run`: the main job — a processor instance (consumer group member, exactly-once
 * checkpoints to Postgres) with the HTTP API and the live dashboard.
 * - With Kafka and Postgres configured (pipeline.yaml and/or KAFKA_BROKERS + DATABASE_URL): joins
 *   that cluster's consumer group.
 * - With neither: the embedded default — an in-process log, PGlite and the built-in generator, so
 *   everything can be seen working with no infrastructure. Nothing in it is durable.
 * - The API binds 127.0.0.1 unless HTTP_HOST / http.host says otherwise; a non-loopback bind without
 *   API tokens refuses to start (exit 2) unless --insecure or ALLOW_INSECURE=true.
 * SIGTERM/SIGINT: stop fetching, final checkpoint, leave the group, exit 0.
 * Exit codes: 0 stopped cleanly, 1 runtime failure, 2 bad configuration, 3 infrastructure unreachable.
 */
import { defineCommand } from 'citty';
import { checkExposure, loadConfig } from '../../instance/config.ts';
import { configureAllocator } from '../../runtime/allocator.ts';
import { checkInfrastructure } from '../../instance/preflight.ts';
import { startInstance } from '../../instance/start-instance.ts';
import { stoppedLine } from '../../instance/stopped-line.ts';
import { ConfigError, InfrastructureError } from '../../schemas/index.ts';
import { startTracing } from '../../observability/tracing.ts';

export const runCommand = defineCommand({
  meta: { name: 'run', description: 'Run a pipeline instance: processor + HTTP API + dashboard (embedded default when no Kafka/Postgres is configured)' },
  args: {
    config: { type: 'string', description: 'Path of pipeline.yaml (default: $PIPELINE_CONFIG)' },
    port: { type: 'string', description: 'HTTP port (default: $HTTP_PORT, http.port, 8080)' },
    rate: { type: 'string', description: 'Embedded default: generated events per second (default 500; 0 = none)' },
    seconds: { type: 'string', description: 'Stop after this many seconds (default: until SIGTERM/Ctrl-C)' },
    insecure: { type: 'boolean', description: 'Allow a non-loopback HTTP bind without API tokens (trusted networks only; also ALLOW_INSECURE=true)' },
  },
  async run({ args }) {
    const env = { ...process.env };
    if (args.port) env.HTTP_PORT = args.port;
    if (args.rate) env.GENERATOR_RATE = args.rate;
    let config;
    try {
      config = loadConfig(env, args.config ?? env.PIPELINE_CONFIG);
      // Against Kafka and Postgres the job runs on Bun with the allocator setting it is measured
      // with; the embedded default gains nothing from it and keeps mimalloc's own (runtime/allocator.ts).
      if (config.instance.mode === 'external') configureAllocator();
      const warning = checkExposure(config.instance.http, Boolean(args.insecure) || config.allowInsecure);
      if (warning) console.error(`actorstream run: ${warning}`);
      if (config.instance.mode === 'external') await checkInfrastructure(config.instance.processor);
    } catch (e) {
      if (e instanceof ConfigError) exit(2, `configuration: ${e.message}`);
      if (e instanceof InfrastructureError) exit(3, e.message);
      throw e;
    }
    const tracing = await startTracing({ serviceName: config.instance.processor.app, ...config.tracing });
    const instance = await startInstance({ ...config.instance, version: VERSION, tracing }, (l) => console.log(l));
    const mode = config.instance.mode === 'embedded'
      ? `embedded default (in-process log + PGlite, generator at ${config.instance.generatorRate} events/s; NOT durable)`
      : `Kafka ${config.instance.processor.brokers.join(',')}, group ${config.instance.processor.groupId}`;
    console.log(`actorstream ${VERSION} running: ${mode}`);
    console.log(`dashboard and API on ${instance.url} (bound to ${config.instance.http.hostname})  (config: ${config.source})`);
    await new Promise<void>((resolve) => {
      for (const s of ['SIGINT', 'SIGTERM'] as const) process.once(s, () => resolve());
      if (args.seconds) setTimeout(resolve, Number(args.seconds) * 1000);
    });
    console.log('stopping: final checkpoint, leaving the group…');
    await instance.stop();
    await tracing.stop();
    const t = instance.processor.totals();
    console.log(stoppedLine(t));
    process.exit(0);
  },
});

const VERSION = '0.1.0';

function exit(code: number, message: string): never {
  console.error(`actorstream run: ${message}`);
  process.exit(code);
}
