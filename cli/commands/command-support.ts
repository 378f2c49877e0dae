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
import type { ActorDefinition } from '../../actors/actor.ts';
import { loadActorModules } from '../../actors/modules.ts';
import { buildActors, type ActorsConfig } from '../../actors/registry.ts';
import { loadConfig } from '../../instance/config.ts';
import type { TopicNames } from '../../engine/index.ts';
import { ConfigError } from '../../schemas/index.ts';

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
  /** The actors' configuration, actor modules included (see commandActors). */
  actorsConfig: ActorsConfig;
  /** The actor types that keep history (`history.actors` / HISTORY_ACTORS): `inspect --at` rebuilds only those. */
  historyActors: readonly string[];
  /** The processor's bound on future event times: a rebuild must reject what the processor rejected. */
  maxFutureMs?: number;
}

/** The deployment's actor types — the built-in ones and those of its actor modules (loaded here). */
export async function commandActors(settings: Pick<CommandSettings, 'actorsConfig'>): Promise<ActorDefinition<any>[]> {
  await loadActorModules(settings.actorsConfig.modules ?? []);
  return buildActors(settings.actorsConfig);
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
    actorsConfig: p.actorsConfig ?? {},
    historyActors: p.historyActors ?? [],
    maxFutureMs: p.maxFutureMs,
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

// Connections that fail with one clear InfrastructureError (exit 3): the same ones `run` checks with.
export { connectKafka, connectPostgres } from '../../instance/preflight.ts';
