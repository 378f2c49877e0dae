/**
 * `actorstream replay --type <type|all> --from <point>`: rebuild actor state from the log.
 *
 * It resets, in one Postgres transaction, the types' committed states, timers, inbox positions and
 * unpublished outbox rows, and sets their offsets of truth to the restart positions; the
 * processors then rebuild them on their next assignment (replay-plan.ts says why this design).
 *
 * What keeps it exactly-once:
 * - Processors must be stopped: they hold state in memory and would write it back. Refused while
 *   the consumer group has members, unless --force (which fences them; see the help text).
 * - No actor message may be applied twice or lost. Receivers drop duplicates by per-origin
 *   sequence numbers, and a rebuilt sender sends every message again under NEW sequence numbers;
 *   an inbox that already holds an earlier rebuild's messages holds every message twice. So a
 *   type is only ever rebuilt together with every type it exchanges messages with (its connected
 *   component in ACTOR_MESSAGES), sources from --from and every inbox from its END: each message
 *   the rebuild needs is sent again by a rebuilt sender, exactly once. With today's actors
 *   (sku ↔ order → user, order → sku_affinity) that component is every type.
 *
 * Exit codes: 0 reset done (or --dry-run) · 1 refused (processors running, topic missing) ·
 * 2 usage/configuration · 3 Kafka or Postgres unreachable.
 */
import { defineCommand } from 'citty';
import type { ActorDefinition } from '../../actors/actor.ts';
import { inboxTopicOf } from '../../schemas/index.ts';
import { sourceTopicName } from '../../engine/index.ts';
import { CommandFailed, commandActors, connectKafka, connectPostgres, loadCommandSettings, UsageError, withDetails, type CommandSettings } from './command-support.ts';
import { resetForReplay, schemaPresent } from '../../store/index.ts';
import { parseFrom, planReplay, type ReplayFrom, type ReplayPlan, type ReplayTarget } from './replay-plan.ts';
import { shadowReplay, type Baseline } from './shadow-replay.ts';
import { formatDiff } from './shadow-diff.ts';
import { writeFileSync } from 'node:fs';

/**
 * Which actor types send messages to which (effects of kind 'send': actors/sku.ts reservation
 * results to orders; actors/order.ts stock commands to SKUs, payment facts to users, and
 * recommendations' bought_together to sku_affinity, docs/recommendations.md).
 * tests/cli-replay.test.ts checks it against what the actors send in the pure test driver.
 */
export const ACTOR_MESSAGES: Readonly<Record<string, readonly string[]>> = { sku: ['order'], order: ['sku', 'user', 'sku_affinity'], user: [], sku_affinity: [] };

/** `type` and every type it exchanges actor messages with, directly or not (sorted). */
export function messageComponent(type: string): string[] {
  const seen = new Set([type]);
  const queue = [type];
  while (queue.length > 0) {
    const t = queue.shift()!;
    const linked = [...(ACTOR_MESSAGES[t] ?? []), ...Object.keys(ACTOR_MESSAGES).filter((s) => ACTOR_MESSAGES[s]!.includes(t))];
    for (const n of linked) {
      if (seen.has(n)) continue;
      seen.add(n);
      queue.push(n);
    }
  }
  return [...seen].sort();
}

export const replayCommand = withDetails(defineCommand({
  meta: { name: 'replay', description: "Rebuild actor state from the Kafka log by resetting the type's checkpoints (processors stopped)" },
  args: {
    type: { type: 'string', description: 'Actor type to rebuild (with every type it exchanges messages with), or all; not with --shadow', valueHint: 'sku|order|user|all' },
    from: {
      type: 'string',
      required: true,
      description: "Restart point: 'earliest', an offset (< 10^12, every partition of the source topics), an ISO time or epoch ms (Kafka record time)",
      valueHint: 'earliest|offset|time',
    },
    config: { type: 'string', description: 'pipeline.yaml (default: $PIPELINE_CONFIG; KAFKA_BROKERS, DATABASE_URL, APP, GROUP_ID, TOPIC_PREFIX override it)' },
    'dry-run': { type: 'boolean', description: 'Print the plan (restart offsets, rows to delete) and change nothing' },
    force: { type: 'boolean', description: 'Reset even while the consumer group has members (fences them; restart them afterwards)' },
    shadow: { type: 'boolean', description: "Don't touch the live pipeline: run --config's actors over the log into a schema and topics of their own, and print how their decisions differ from live" },
    keep: { type: 'boolean', description: 'With --shadow: keep its schema and topics afterwards (named in the output)' },
    out: { type: 'string', description: 'With --shadow: also write the diff as JSON to this file' },
    timeout: { type: 'string', description: 'With --shadow: seconds each replay may take to catch up with the log (default 600)' },
    baseline: { type: 'string', description: "With --shadow: replay the same log range with this pipeline.yaml too (e.g. the live one) and compare the two replays instead of shadow and live" },
  },
  async run({ args }) {
    const from = parseFrom(args.from);
    if (!from) throw new UsageError(`--from must be 'earliest', an offset, an ISO time or epoch milliseconds (got '${args.from}')`);
    if (args.shadow) return runShadow(args, from);
    const shadowOnly = (['baseline', 'keep', 'out', 'timeout'] as const).filter((k) => args[k] !== undefined && args[k] !== false);
    if (shadowOnly.length > 0) throw new UsageError(`${shadowOnly.map((k) => `--${k}`).join(', ')} only go with --shadow`);
    if (!args.type) throw new UsageError('--type is required (an actor type, or all)');
    const settings = loadCommandSettings('replay', args.config, { kafka: true, postgres: true });
    const { targets, why } = targetsOf(args.type, settings, await commandActors(settings));
    const { admin } = await connectKafka(settings.brokers, 'actorstream-replay');
    const sql = await connectPostgres(settings.databaseUrl).catch(async (e) => {
      await admin.disconnect().catch(() => {});
      throw e;
    });
    try {
      if (!(await schemaPresent(sql))) throw new CommandFailed(`no checkpoint tables in the database: nothing to replay (run 'actorstream migrate' first)`);
      const members = await admin.groupMembers(settings.groupId);
      const plan = await planReplay(admin, sql, targets, from);
      if (why) console.log(why);
      process.stdout.write(describePlan(targets, from, plan, settings.groupId, members));
      if (args['dry-run']) {
        console.log('dry run: nothing changed');
        return;
      }
      if (members.length > 0 && !args.force) {
        throw new CommandFailed(
          `consumer group ${settings.groupId} has ${members.length} member(s) (${members.join(', ')}): stop its processors first — ` +
            'they hold state in memory that would be written back. --force resets anyway and fences them (restart them afterwards).',
        );
      }
      const fenced = await resetForReplay(sql, plan);
      console.log(`reset ${targets.map((t) => t.type).join(', ')}: ${plan.counts.states} state(s), ${plan.counts.timers} timer(s), ${plan.counts.outbox} unpublished outbox row(s) deleted; ${fenced} shard owner(s) fenced`);
      console.log(members.length > 0
        ? 'the running processors are fenced for these shards: restart them (a rolling restart is enough) to rebuild'
        : "start the processors ('actorstream run'): each shard rebuilds from the positions above when it is assigned");
    } finally {
      await sql.end({ timeout: 5 });
      await admin.disconnect().catch(() => {});
    }
  },
}), `How it works: in ONE Postgres transaction it deletes the type's committed states, timers, inbox positions and
unpublished outbox rows, sets its input offsets of truth to the restart positions, and bumps its shards' epochs. The
processors then rebuild the type when they next start (each shard restores nothing and reads from those positions).

  --from earliest      the start of each partition: a full rebuild
  --from 1234          that offset in every partition of the source topics (clamped to what the log holds)
  --from 2026-01-31T12:00:00Z | 1769860800000
                       the first record whose Kafka timestamp (produce time, not event time) is at or after it
Events before --from are not in the rebuilt state. Alerts already raised stay; their ids are deterministic, so the
rebuild does not duplicate them in Postgres (the alerts topic does get them again; the alert feed dedups by id),
and dead letters of re-read records go to the .dlq topics again.

--shadow (a what-if, the live pipeline keeps running): runs the actors of --config (e.g. changed actors.fraud
thresholds, or a new version of an actor module) over the live source topics from --from to where they end now,
in a Postgres schema and topics of its own (<app>-shadow-<id>.*), then prints per rule the alerts it would add and
remove (with examples) and, from the log start, the entities whose state would differ; --out writes it as JSON.
Live tables and topics are only read; the shadow's schema, topics and consumer group are removed afterwards unless --keep.
  actorstream replay --shadow --config new-rules.yaml --from 2026-12-01T00:00:00Z
A shadow merges the inputs of user and sku_affinity in event time (as processing.event_time_merge does), so its
fraud alerts and affinities do not depend on how fast each partition was read. The live run decided in its own
arrival order, so part of a diff against live can be that, not the change. --baseline live.yaml replays the same
log range a second time with live.yaml's actors and compares the two replays: then the diff is the change alone
(and states compare from any --from, since both start empty there).
  actorstream replay --shadow --config new-rules.yaml --baseline pipeline.yaml --from earliest

Which types: a type is rebuilt together with every type it exchanges actor messages with (sku <-> order -> user:
today that is all of them). A rebuilt sender sends all its messages again, under new sequence numbers that the
receivers' duplicate check cannot match with the old ones; so every receiver is rebuilt too and reads its inbox
from its END (only the messages the rebuild sends). Rebuilding one type alone would apply messages twice.

Processors: stop every member of the consumer group first (it is refused while the group has members): they hold
state in memory and would write it back. --force resets anyway and fences them — their checkpoints for these shards
are refused and they drop the shards until the next rebalance — so restart them afterwards. Outbox rows a fenced
processor is publishing at that moment can still land in an inbox, so --force is for members that are known dead
(e.g. a crashed processor still listed until its session times out).

Exit codes: 0 reset done (or --dry-run) · 1 refused (processors running, a topic missing) · 2 usage or configuration
            · 3 Kafka or Postgres unreachable`);

async function runShadow(args: { config?: string; baseline?: string; keep?: boolean; out?: string; timeout?: string; type?: string }, from: ReplayFrom): Promise<void> {
  if (args.type) throw new UsageError('--shadow replays every actor type: drop --type');
  const timeoutS = args.timeout === undefined ? 600 : Number(args.timeout);
  if (!Number.isFinite(timeoutS) || timeoutS <= 0) throw new UsageError(`--timeout must be a positive number of seconds (got '${args.timeout}')`);
  const settings = loadCommandSettings('replay', args.config, { kafka: true, postgres: true });
  const actors = await commandActors(settings);
  const baseline = args.baseline === undefined ? undefined : await baselineOf(args.baseline);
  const { admin } = await connectKafka(settings.brokers, 'actorstream-shadow');
  const sql = await connectPostgres(settings.databaseUrl).catch(async (e) => {
    await admin.disconnect().catch(() => {});
    throw e;
  });
  try {
    if (!(await schemaPresent(sql))) throw new CommandFailed('no checkpoint tables in the database: no live pipeline to compare with');
    const result = await shadowReplay(settings, actors, sql, admin, { from, keep: Boolean(args.keep), timeoutMs: timeoutS * 1000, ...(baseline ? { baseline } : {}), log: (line) => console.log(line) });
    console.log(`shadow replayed ${result.records} source records${baseline ? ' twice (baseline and shadow)' : ''} in ${result.seconds.toFixed(1)} s${result.droppedDeadLetters ? ` (${result.droppedDeadLetters} dead letters not written again)` : ''}`);
    process.stdout.write(formatDiff(result.diff, result.against === 'live' ? 'live' : 'baseline'));
    // With --keep, each replay has said what it kept.
    if (!args.keep) console.log('the shadow schemas and topics are removed; live tables and topics were only read');
    if (args.out) writeFileSync(args.out, `${JSON.stringify({ from, ...result }, null, 2)}\n`);
  } finally {
    await sql.end({ timeout: 5 });
    await admin.disconnect().catch(() => {});
  }
}

/** The actors of `--baseline`'s configuration; only its actors part is used (brokers, database and topics are --config's). */
async function baselineOf(path: string): Promise<Baseline> {
  const settings = loadCommandSettings('replay', path, { kafka: false, postgres: false });
  return { actorsConfig: settings.actorsConfig, actors: await commandActors(settings) };
}

function targetsOf(type: string, settings: CommandSettings, actors: readonly ActorDefinition<any>[]): { targets: ReplayTarget[]; why?: string } {
  const known = actors.map((a) => a.type as string);
  if (type !== 'all' && !known.includes(type)) throw new UsageError(`unknown actor type '${type}' (one of: ${known.join(', ')}, all)`);
  const types = type === 'all' ? known : messageComponent(type);
  const targets = actors
    .filter((a) => types.includes(a.type))
    .map((a) => ({ type: a.type, sourceTopic: sourceTopicName(settings.topics, a.sourceTopic), inboxTopic: inboxTopicOf(settings.app, a.type), readModelTable: a.readModel?.table }));
  const others = types.filter((t) => t !== type);
  const why = type !== 'all' && others.length > 0
    ? `${type} exchanges actor messages with ${others.join(', ')}: they are rebuilt together, so every message is applied exactly once (see --help)`
    : undefined;
  return { targets, ...(why ? { why } : {}) };
}

function describePlan(targets: ReplayTarget[], from: ReplayFrom, plan: ReplayPlan, groupId: string, members: string[]): string {
  const what = from.kind === 'earliest' ? 'the start of the log' : from.kind === 'offset' ? `offset ${from.offset}` : new Date(from.ms).toISOString();
  const out = [
    `replay ${targets.map((t) => t.type).join(', ')} from ${what}`,
    `  consumer group ${groupId}: ${members.length === 0 ? 'no members (processors stopped)' : `${members.length} member(s) running`}`,
    `  deletes: ${plan.counts.states} state(s), ${plan.counts.timers} timer(s), ${plan.counts.inboxPositions} inbox position(s), ${plan.counts.outbox} unpublished outbox row(s), ${plan.counts.offsets} input offset(s)`,
    `  restart positions (${plan.shards.length} shards):`,
    ...plan.positions.map((p) => `    ${p.topic}[${p.partition}] → ${p.offset}${p.note ? `  (${p.note})` : ''}`),
  ];
  return out.join('\n') + '\n';
}
