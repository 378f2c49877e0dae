/**
 * What the operator commands (ingest, migrate, inspect, replay) share: the exit-code contract as
 * error classes, the configuration they read (the same loadConfig as `actorstream run`, so one
 * pipeline.yaml / environment drives every command), and connections that fail with one clear
 * message instead of a retry storm.
 *
 * Exit codes (cli/main.ts maps the errors): 0 ok · 1 failure (CommandFailed, anything unexpected)
 * · 2 usage or configuration (UsageError, ConfigError, citty's argument errors) · 3 infrastructure
 * unreachable (InfrastructureError).
 */
import { Kafka, logLevel, type Admin } from 'kafkajs';
import postgres from 'postgres';
import { loadConfig } from '../../instance/config.ts';
import type { TopicNames } from '../../runtime/kafka/topics.ts';
import { ConfigError, InfrastructureError } from '../../schemas/index.ts';

/** Bad arguments: exit 2, with a pointer to `--help`. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The command ran and failed (or found nothing): exit 1 (or `code`), message on stderr. */
export class CommandFailed extends Error {
  override name = 'CommandFailed';
  constructor(message: string, readonly code = 1) {
    super(message);
  }
}

/** The settings an operator command needs, resolved from pipeline.yaml and the environment. */
export interface CommandSettings {
  /** Empty when the command did not need Kafka and none was configured in the environment. */
  brokers: string[];
  /** Empty when the command did not need Postgres and none was configured in the environment. */
  databaseUrl: string;
  app: string;
  groupId: string;
  partitions: number;
  topics: TopicNames;
  /** Where the configuration came from, for messages. */
  source: string;
}

/** Longer help, printed after citty's usage by `--help` (citty's description is one table cell). */
export function withDetails<T extends object>(command: T, details: string): T {
  Object.defineProperty(command, DETAILS, { value: details });
  return command;
}

export function detailsOf(command: object): string | undefined {
  return (command as { [DETAILS]?: string })[DETAILS];
}

const DETAILS = Symbol('details');

/** A stand-in for the side of the configuration a command does not use; never connected to. */
const UNUSED = { kafka: 'unused.invalid:9092', postgres: 'postgres://unused.invalid/unused' } as const;

/**
 * The configuration of `actorstream run` (instance/config.ts), for a command that needs Kafka,
 * Postgres or both. `run` insists on both or neither (the embedded default); a command that needs
 * one side only accepts a configuration that names just that side, and says precisely which
 * setting is missing otherwise.
 */
export function loadCommandSettings(command: string, configPath: string | undefined, needs: { kafka: boolean; postgres: boolean }): CommandSettings {
  const env = { ...process.env };
  const path = configPath ?? env.PIPELINE_CONFIG;
  const fill = (e: typeof env, side: 'kafka' | 'postgres') => {
    const name = side === 'kafka' ? 'KAFKA_BROKERS' : 'DATABASE_URL';
    return e[name] ? e : { ...e, [name]: UNUSED[side] };
  };
  const withUnneeded = [needs.kafka ? null : 'kafka', needs.postgres ? null : 'postgres'].reduce(
    (e, side) => (side ? fill(e, side as 'kafka' | 'postgres') : e),
    env,
  );
  let config;
  try {
    config = loadConfig(withUnneeded, path);
  } catch (e) {
    // Fails only because a side this command needs is missing? Then say that, not run's wording.
    if (e instanceof ConfigError && !throws(() => loadConfig(fill(fill(env, 'kafka'), 'postgres'), path))) {
      throw new ConfigError(missingMessage(command, needs, path));
    }
    throw e;
  }
  const p = config.instance.processor;
  if (config.instance.mode === 'embedded') throw new ConfigError(missingMessage(command, needs, path));
  return {
    brokers: p.brokers.filter((b) => b !== UNUSED.kafka),
    databaseUrl: p.databaseUrl === UNUSED.postgres ? '' : p.databaseUrl,
    app: p.app,
    groupId: p.groupId,
    partitions: p.partitions,
    topics: p.topics!,
    source: path ?? 'environment',
  };
}

function missingMessage(command: string, needs: { kafka: boolean; postgres: boolean }, path: string | undefined): string {
  const sides = [
    needs.kafka ? { what: 'Kafka', env: 'KAFKA_BROKERS', key: 'kafka.bootstrap_servers' } : undefined,
    needs.postgres ? { what: 'Postgres', env: 'DATABASE_URL', key: 'postgres.url or postgres.host' } : undefined,
  ].filter((x) => x !== undefined);
  const what = sides.map((s) => s.what).join(' and ');
  const envs = sides.map((s) => s.env).join(' and ');
  const keys = sides.map((s) => s.key).join(' and ');
  const file = path ? `add ${keys} to ${path}` : `pass --config pipeline.yaml with ${keys}`;
  return `${command} needs ${what}: set ${envs}, or ${file} (the embedded default of 'actorstream run' keeps nothing for ${command} to work on)`;
}

function throws(fn: () => unknown): boolean {
  try {
    fn();
    return false;
  } catch {
    return true;
  }
}

/** A postgres.js pool that has answered `select 1`; InfrastructureError (exit 3) otherwise. */
export async function connectPostgres(url: string, max = 2): Promise<postgres.Sql> {
  const sql = postgres(url, { max, connect_timeout: 5, onnotice: () => {} });
  try {
    await sql`select 1`;
    return sql;
  } catch (e) {
    await sql.end({ timeout: 1 }).catch(() => {});
    throw new InfrastructureError(`cannot reach Postgres at ${redact(url)}: ${(e as Error).message}. Check DATABASE_URL (or postgres.* in pipeline.yaml).`);
  }
}

/** A kafkajs client whose admin has answered a metadata request; InfrastructureError (exit 3) otherwise. */
export async function connectKafka(brokers: string[], clientId: string): Promise<{ kafka: Kafka; admin: Admin }> {
  quietKafkajsTimerWarning();
  const kafka = new Kafka({
    clientId,
    brokers,
    connectionTimeout: 3_000,
    retry: { retries: 2, initialRetryTime: 300 },
    // One message below says what failed and what to do; kafkajs's own retry logs are noise.
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.describeCluster();
  } catch (e) {
    await admin.disconnect().catch(() => {});
    throw new InfrastructureError(`cannot reach Kafka at ${brokers.join(',')}: ${(e as Error).message}. Check KAFKA_BROKERS (or kafka.bootstrap_servers in pipeline.yaml).`);
  }
  return { kafka, admin };
}

/** Partitions of a topic, or undefined when it does not exist. */
export async function partitionCount(admin: Admin, topic: string): Promise<number | undefined> {
  if (!(await admin.listTopics()).includes(topic)) return undefined;
  const [meta] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
  return meta?.partitions.length;
}

/**
 * kafkajs 2.2.4 arms its throttle timer with a negative delay when nothing throttles (harmless),
 * and current runtimes print a TimeoutNegativeWarning for it. Drop that one warning only.
 */
function quietKafkajsTimerWarning(): void {
  if (quieted) return;
  quieted = true;
  const previous = process.listeners('warning');
  process.removeAllListeners('warning');
  process.on('warning', (w) => {
    if (w.name === 'TimeoutNegativeWarning') return;
    if (previous.length === 0) process.stderr.write(`${w.name}: ${w.message}\n`);
    for (const listener of previous) listener(w);
  });
}
let quieted = false;

export function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
