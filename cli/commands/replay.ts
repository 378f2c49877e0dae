/**
 * `actorstream replay --type <type|all> --from <point>`: rebuild actor state from the log.
 *
 * It resets, in one Postgres transaction, the type's committed states, timers, inbox positions and
 * unpublished outbox rows, and sets its offsets of truth to the restart positions; the processors
 * then rebuild it on their next assignment (replay-plan.ts says why this design).
 *
 * What keeps it exactly-once:
 * - Processors must be stopped: they hold state in memory and would write it back. Refused while
 *   the consumer group has members, unless --force (which fences them; see the help text).
 * - Actor messages must not be applied twice. A type that SENDS messages (sku → order, order → sku
 *   and user) would send them all again to receivers that are not rebuilt, and receivers dedup by
 *   per-origin sequence numbers that a rebuild does not reuse. So such a type is only rebuilt
 *   with every type (`--type all`: sources from --from, inboxes from their end, since the rebuilt
 *   senders send everything again). A type that only receives (user) can be rebuilt alone: its
 *   inbox is re-read from the same point as its source, and its senders are left alone.
 *
 * Exit codes: 0 reset done (or --dry-run) · 1 refused (processors running, topic missing) ·
 * 2 usage/configuration · 3 Kafka or Postgres unreachable.
 */
import { defineCommand } from 'citty';
import type { Admin } from 'kafkajs';
import { buildActors } from '../../actors/registry.ts';
import { inboxTopicOf } from '../../schemas/index.ts';
import { CommandFailed, connectKafka, connectPostgres, loadCommandSettings, UsageError, withDetails, type CommandSettings } from './command-support.ts';
import { parseFrom, planReplay, resetForReplay, type ReplayFrom, type ReplayPlan, type ReplayTarget } from './replay-plan.ts';

/**
 * Actor types whose handlers return `send` effects (actors/sku.ts: reservation results to orders;
 * actors/order.ts: stock commands to SKUs, payment facts to users). tests/cli-commands.test.ts
 * checks this against what the actors actually send in the pure test driver.
 */
export const SENDING_TYPES: ReadonlySet<string> = new Set(['sku', 'order']);

export const replayCommand = withDetails(defineCommand({
  meta: { name: 'replay', description: "Rebuild actor state from the Kafka log by resetting the type's checkpoints (processors stopped)" },
  args: {
    type: { type: 'string', required: true, description: "Actor type to rebuild: 'user' alone, or 'all' (sku, order and user)", valueHint: 'user|all' },
    from: {
      type: 'string',
      required: true,
      description: "Restart point: 'earliest', an offset (< 10^12, every partition of the source topic; --type all only), an ISO time or epoch ms (Kafka record time)",
      valueHint: 'earliest|offset|time',
    },
    config: { type: 'string', description: 'pipeline.yaml (default: $PIPELINE_CONFIG; KAFKA_BROKERS, DATABASE_URL, APP, GROUP_ID, TOPIC_PREFIX override it)' },
    'dry-run': { type: 'boolean', description: 'Print the plan (restart offsets, rows to delete) and change nothing' },
    force: { type: 'boolean', description: 'Reset even while the consumer group has members (fences them; restart them afterwards)' },
  },
  async run({ args }) {
    const from = parseFrom(args.from);
    if (!from) throw new UsageError(`--from must be 'earliest', an offset, an ISO time or epoch milliseconds (got '${args.from}')`);
    const settings = loadCommandSettings('replay', args.config, { kafka: true, postgres: true });
    const targets = targetsOf(args.type, from, settings);
    const { admin } = await connectKafka(settings.brokers, 'actorstream-replay');
    const sql = await connectPostgres(settings.databaseUrl).catch(async (e) => {
      await admin.disconnect().catch(() => {});
      throw e;
    });
    try {
      const [present] = await sql`select to_regclass('actor_states') is not null as ok`;
      if (!present?.ok) throw new CommandFailed(`no checkpoint tables in the database: nothing to replay (run 'actorstream migrate' first)`);
      const members = await groupMembers(admin, settings.groupId);
      const plan = await planReplay(admin, sql, targets, from);
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
      const fenced = await resetForReplay(sql, targets, plan);
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
  --from 1234          that offset in every partition of the source topic (clamped to the log; --type all only)
  --from 2026-01-31T12:00:00Z | 1769860800000
                       the first record whose Kafka timestamp (produce time, not event time) is at or after it
Events before --from are not in the rebuilt state. Alerts already raised stay; their ids are deterministic, so the
rebuild does not duplicate them in Postgres (the alerts topic does get them again; consumers dedup by id).

Which types: 'user' only receives actor messages and is rebuilt alone (its inbox restarts at the same point as its
source). 'sku' and 'order' send messages to other types; rebuilt alone they would send them again and receivers
would apply them twice, so they are rebuilt with every type: --type all restarts the sources at --from and every
inbox at its end, since the rebuilt senders send every message again.

Processors: stop every member of the consumer group first (it is refused while the group has members): they hold
state in memory and would write it back. --force resets anyway and fences them — their checkpoints for these shards
are refused and they drop the shards until the next rebalance — so restart them afterwards. Outbox rows a fenced
processor is publishing at that moment can still land in an inbox, so --force is for members that are known dead
(e.g. a crashed processor still listed until its session times out).

Exit codes: 0 reset done (or --dry-run) · 1 refused (processors running, a topic missing) · 2 usage or configuration
            · 3 Kafka or Postgres unreachable`);

function targetsOf(type: string, from: ReplayFrom, settings: CommandSettings): ReplayTarget[] {
  const actors = buildActors();
  const target = (a: (typeof actors)[number], inbox: ReplayTarget['inbox']): ReplayTarget => ({
    type: a.type,
    sourceTopic: settings.topics.source[a.sourceTopic],
    inboxTopic: inboxTopicOf(settings.app, a.type),
    inbox,
  });
  if (type === 'all') return actors.map((a) => target(a, 'end'));
  const actor = actors.find((a) => a.type === type);
  if (!actor) throw new UsageError(`unknown actor type '${type}' (one of: ${actors.map((a) => a.type).join(', ')}, all)`);
  if (SENDING_TYPES.has(actor.type)) {
    throw new UsageError(
      `${actor.type} sends messages to other actor types; rebuilt alone, it would send them again and the receivers would apply them twice. Use --type all`,
    );
  }
  if (from.kind === 'offset') {
    throw new UsageError(`an offset positions only the source topic; to rebuild ${actor.type} alone its inbox must restart at the same point: use 'earliest' or a time`);
  }
  return [target(actor, 'from')];
}

/** Members of the consumer group (client id @ host), empty when no processor is running. */
async function groupMembers(admin: Admin, groupId: string): Promise<string[]> {
  const { groups } = await admin.describeGroups([groupId]);
  return (groups[0]?.members ?? []).map((m) => `${m.clientId}@${m.clientHost}`);
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
