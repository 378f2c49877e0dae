/**
 * `actorstream replay --shadow --config <changed pipeline.yaml> --from <point>`: what would the
 * pipeline have decided over the log with this configuration? A processor of its own — its own
 * consumer group, inbox and alert topics (`<app>-<id>.*`), and its own Postgres schema — runs the
 * configured actors over the live source topics from `--from` to where they end now, then its
 * alerts (and, from the log's start, its states) are compared with the live ones. Live state and
 * topics are only read: the schema is reached through a search_path of its own, and writes to
 * any topic not the shadow's are refused (a live dead-letter topic's are dropped: the live run
 * wrote them). The schema, topics and consumer group are removed afterwards unless `--keep`.
 *
 * A shadow always merges the inputs of user, sku_affinity and sku in event time (docs/determinism.md):
 * a replay is a catch-up, where arrival order depends on read speeds, and a what-if whose answer
 * moved with them would not be evidence. With `--baseline <pipeline.yaml>` the same log range is
 * replayed a second time with that configuration (the live one, typically) and the two replays
 * are compared instead of shadow and live: what differs then is what the configuration changes,
 * not also what the live run decided in its own arrival order.
 */
import type { ActorDefinition } from '../../actors/actor.ts';
import { inboxTopicOf } from '../../schemas/index.ts';
import { sourceTopicName, startProcessor, type TopicAdmin, type TopicNames } from '../../engine/index.ts';
import { clusterClient } from '../../instance/cluster-client.ts';
import { committedAlerts, committedStates, createShadowSchema, dropShadowSchema, migrate, openPool, resetForReplay, shadowDatabaseUrl, shadowProgress, type Sql } from '../../store/index.ts';
import { CommandFailed, type CommandSettings } from './command-support.ts';
import { replayScope, type ReplayFrom } from './replay-plan.ts';
import { shadowLogClient } from './shadow-client.ts';
import { diffAlerts, diffStates, type ShadowDiff } from './shadow-diff.ts';

export interface ShadowOptions {
  from: ReplayFrom;
  /** Keep the shadow's schema and topics for inspection. */
  keep: boolean;
  /** Give up when the shadow has not caught up with the log within this long. */
  timeoutMs: number;
  /** Compare with a replay of this configuration's actors (same log range) instead of the live tables. */
  baseline?: Baseline;
  log: (line: string) => void;
}

export interface ShadowResult {
  /** The shadow's schema and app name (its topics start with it). */
  schema: string;
  app: string;
  /** What the diff's `live` side is: the live tables, or a replay of the baseline configuration. */
  against: 'live' | { baseline: { schema: string; app: string } };
  diff: ShadowDiff;
  /** Source records replayed (sum over partitions of end − start). */
  records: number;
  droppedDeadLetters: number;
  seconds: number;
}

/** One replay of the log range into a schema and topics of its own, still there until `release`. */
interface Replayed {
  schema: string;
  app: string;
  sql: Sql;
  records: number;
  droppedDeadLetters: number;
  /** Closes its pool and removes its schema and topics, unless they are to be kept. */
  release(): Promise<void>;
}

/** The configuration a `--baseline` replay runs: its actors, and the actors part of its settings that shard workers rebuild them from. */
export interface Baseline {
  actorsConfig: CommandSettings['actorsConfig'];
  actors: readonly ActorDefinition<any>[];
}

const POLL_MS = 250;

export async function shadowReplay(settings: CommandSettings, actors: readonly ActorDefinition<any>[], liveSql: Sql, admin: TopicAdmin, opts: ShadowOptions): Promise<ShadowResult> {
  const started = Date.now();
  const id = `shadow_${started.toString(36)}`;
  // Both replays (and the live comparison) end where the log ends now: later traffic is not part of it.
  const ends = await endOffsets(admin, sourceTopicsOf(settings, [...actors, ...(opts.baseline?.actors ?? [])]));
  const range = { ends, from: opts.from, timeoutMs: opts.timeoutMs, keep: opts.keep, log: opts.log };
  const shadow = await replayInto(settings, actors, liveSql, admin, { ...range, id });
  try {
    if (!opts.baseline) {
      const diff = await compareWithLive(liveSql, shadow.sql, actors, opts.from);
      return { schema: shadow.schema, app: shadow.app, against: 'live', diff, records: shadow.records, droppedDeadLetters: shadow.droppedDeadLetters, seconds: (Date.now() - started) / 1000 };
    }
    const base = await replayInto({ ...settings, actorsConfig: opts.baseline.actorsConfig }, opts.baseline.actors, liveSql, admin, { ...range, id: `${id}_base` });
    try {
      const diff = await compareReplays(base.sql, shadow.sql, [...new Set([...actors, ...opts.baseline.actors].map((a) => a.type))]);
      return {
        schema: shadow.schema, app: shadow.app, against: { baseline: { schema: base.schema, app: base.app } }, diff,
        records: shadow.records, droppedDeadLetters: shadow.droppedDeadLetters, seconds: (Date.now() - started) / 1000,
      };
    } finally {
      await base.release();
    }
  } finally {
    await shadow.release();
  }
}

interface ReplayRange {
  /** The schema's name; the app (and so the topics) is derived from it. */
  id: string;
  /** Where the log ended at the start, by `<topic>:<partition>` (of every replay's source topics). */
  ends: Map<string, number>;
  from: ReplayFrom;
  /** This replay's own time to catch up. */
  timeoutMs: number;
  /** Keep the schema and topics afterwards, also when the replay failed. */
  keep: boolean;
  log: (line: string) => void;
}

/**
 * Replays `actors` over their source topics from `range.from` to `range.ends` into schema
 * `range.id` and topics of its own; `release` removes them (or, with `keep`, leaves them and says so).
 */
async function replayInto(settings: CommandSettings, actors: readonly ActorDefinition<any>[], liveSql: Sql, admin: TopicAdmin, range: ReplayRange): Promise<Replayed> {
  const { id } = range;
  const app = `${settings.app}-${id.replaceAll('_', '-')}`;
  const topics: TopicNames = { ...settings.topics, alerts: `${app}.alerts` };
  const sources = sourceTopicsOf(settings, actors);
  // Only this replay's topics: one it does not consume would never be caught up with.
  const ends = new Map([...range.ends].filter(([tp]) => sources.includes(tp.slice(0, tp.lastIndexOf(':')))));
  const owned = (topic: string) => topic.startsWith(`${app}.`);
  const shadowUrl = shadowDatabaseUrl(settings.databaseUrl, id);
  const groupId = `${app}-processor`;
  let sql: Sql | undefined;
  const release = async () => {
    await sql?.end({ timeout: 5 });
    if (range.keep) return range.log(`kept: schema ${id}, topics ${app}.*, consumer group ${groupId}`);
    await dropShadowSchema(liveSql, id).catch((e) => range.log(`could not drop schema ${id}: ${(e as Error).message}`));
    await admin.deleteTopics(shadowTopics(app, actors)).catch((e) => range.log(`could not delete the topics of ${app}: ${(e as Error).message}`));
    await admin.deleteGroup(groupId).catch((e) => range.log(`could not delete consumer group ${groupId}: ${(e as Error).message}`));
  };
  try {
    await createShadowSchema(liveSql, id);
    sql = openPool(shadowUrl, { max: 2, applicationName: `actorstream ${app}` });
    const client = shadowLogClient(await clusterClient({ client: 'kafkajs', clientId: app, brokers: settings.brokers }), owned, sources);
    await migrate(sql);
    await admin.ensureTopics({ app, actors, partitions: settings.partitions, topics });
    const targets = actors.map((a) => ({ type: a.type, sourceTopic: sourceTopicName(settings.topics, a.sourceTopic), inboxTopic: inboxTopicOf(app, a.type) }));
    // The shadow's offsets of truth start at --from; its own inboxes are new (end = 0).
    const scope = await replayScope(admin, targets, range.from);
    await resetForReplay(sql, scope);
    const records = scope.positions.filter((p) => sources.includes(p.topic)).reduce((n, p) => n + Math.max(0, (ends.get(`${p.topic}:${p.partition}`) ?? 0) - p.offset), 0);
    range.log(`shadow ${app}: ${records} source records from ${describeFrom(range.from)}, schema ${id}, user, sku_affinity and sku inputs merged in event time`);
    const processor = await startProcessor({
      client, databaseUrl: shadowUrl, app, groupId, topics, partitions: settings.partitions, checkpointIntervalMs: 200,
      ownerId: `${app}-1`, actorsConfig: settings.actorsConfig, eventTimeMerge: true,
      onFatal: (e) => range.log(`shadow processor failed: ${e.message}`),
    });
    try {
      await caughtUp(sql, admin, ends, actors.map((a) => inboxTopicOf(app, a.type)), Date.now() + range.timeoutMs);
    } finally {
      await processor.stop();
    }
    return { schema: id, app, sql, records, droppedDeadLetters: client.droppedDeadLetters(), release };
  } catch (e) {
    await release();
    throw e;
  }
}

function sourceTopicsOf(settings: CommandSettings, actors: readonly ActorDefinition<any>[]): string[] {
  return [...new Set(actors.map((a) => sourceTopicName(settings.topics, a.sourceTopic)))];
}

/** The topics a shadow creates for itself: inboxes, their dead letters, alerts. */
function shadowTopics(app: string, actors: readonly ActorDefinition<any>[]): string[] {
  return [...actors.flatMap((a) => [inboxTopicOf(app, a.type), `${inboxTopicOf(app, a.type)}.dlq`]), `${app}.alerts`];
}

async function endOffsets(admin: TopicAdmin, topics: readonly string[]): Promise<Map<string, number>> {
  const ends = new Map<string, number>();
  for (const topic of topics) for (const o of await admin.offsets(topic)) ends.set(`${topic}:${o.partition}`, o.high);
  return ends;
}

/**
 * Waits until the shadow committed every source record up to `ends` (the log as it stood at the
 * start: later live traffic is not part of the comparison), relayed its outbox and applied its
 * inboxes to their end, twice in a row (a message relayed in between would show as a new end).
 */
async function caughtUp(sql: Sql, admin: TopicAdmin, ends: Map<string, number>, inboxes: readonly string[], deadline: number): Promise<void> {
  let calm = 0;
  let last = '';
  while (Date.now() < deadline) {
    const inboxEnds = await endOffsets(admin, inboxes);
    const { offsets, outbox } = await shadowProgress(sql);
    const behind = [...ends, ...inboxEnds].filter(([tp, end]) => (offsets.get(tp) ?? 0) < end);
    const mark = JSON.stringify([...inboxEnds]);
    calm = behind.length === 0 && outbox === 0 && mark === last ? calm + 1 : 0;
    if (calm >= 2) return;
    last = mark;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  throw new CommandFailed('the shadow replay did not catch up with the log in time (raise --timeout)');
}

async function compareWithLive(liveSql: Sql, sql: Sql, actors: readonly ActorDefinition<any>[], from: ReplayFrom): Promise<ShadowDiff> {
  // Live alerts decided on the replayed part of the log: all of it from the start; from a time, by
  // event time from then (produce time and event time agree closely in a live pipeline).
  const since = from.kind === 'time' ? from.ms : undefined;
  const [live, shadow] = await Promise.all([committedAlerts(liveSql, since), committedAlerts(sql)]);
  const alerts = diffAlerts(live, shadow);
  if (from.kind !== 'earliest') return { alerts, states: { skipped: 'the shadow starts empty, so only a replay from the log start (--from earliest) has states to compare with live (--baseline compares from any point)' } };
  return { alerts, states: await diffCommittedStates(liveSql, sql, actors.map((a) => a.type)) };
}

/** Two replays of the same log range: both started empty at --from, so alerts and states compare whole. */
async function compareReplays(baseSql: Sql, sql: Sql, types: readonly string[]): Promise<ShadowDiff> {
  const [base, shadow] = await Promise.all([committedAlerts(baseSql), committedAlerts(sql)]);
  return { alerts: diffAlerts(base, shadow), states: await diffCommittedStates(baseSql, sql, types) };
}

async function diffCommittedStates(baseSql: Sql, sql: Sql, types: readonly string[]): Promise<ShadowDiff['states']> {
  const [base, shadow] = await Promise.all([committedStates(baseSql, [...types]), committedStates(sql, [...types])]);
  return diffStates(base, shadow);
}

function describeFrom(from: ReplayFrom): string {
  return from.kind === 'earliest' ? 'the log start' : from.kind === 'offset' ? `offset ${from.offset}` : new Date(from.ms).toISOString();
}
