/**
 * `actorstream inspect <type> <key>`: what Postgres holds for one entity — its last committed
 * state, the shard it lives in (Kafka's murmur2 partition of the key, as every component computes
 * it), that shard's owner and epoch, its next input offsets, and the entity's recent alerts. It
 * reads the checkpoint tables only (no processor needs to run), so it is the tool for "what did
 * we commit for this key, and who owns it now" — the live state may be up to one checkpoint
 * interval ahead; GET /v1/<type>s/<key> on any instance gives that one. With `--at <time>` it also
 * prints the state the entity had at that event time, rebuilt from its kept history and the log
 * (cli/commands/inspect-at.ts; Kafka is needed then).
 *
 * Exit codes: 0 found · 1 no committed state for the key (with --at: no state at that time, and
 * why) · 2 usage/configuration · 3 Postgres or Kafka unreachable.
 */
import { defineCommand } from 'citty';
import { inboxTopicOf } from '../../schemas/index.ts';
import { partitionOf } from '../../adapters/kafkajs/index.ts';
import { shardId, sourceTopicName, type TopicAdmin } from '../../engine/index.ts';
import { entityAlerts, entitySnapshot, schemaPresent, shardInputOffsets, shardOwner, type Sql } from '../../store/index.ts';
import { CommandFailed, commandActors, connectKafka, connectPostgres, loadCommandSettings, UsageError, withDetails } from './command-support.ts';
import { inspectStateAt, parseAt } from './inspect-at.ts';
import { formatInspection, type Inspection } from './inspect-format.ts';

export const inspectCommand = withDetails(defineCommand({
  meta: { name: 'inspect', description: "Print an entity's committed state, shard, shard owner and epoch, and recent alerts" },
  args: {
    type: { type: 'positional', required: true, description: 'Entity type: sku, order or user', valueHint: 'type' },
    key: { type: 'positional', required: true, description: 'Entity key, e.g. SKU-000042, o-000123, u-000042', valueHint: 'key' },
    config: { type: 'string', description: 'pipeline.yaml (default: $PIPELINE_CONFIG; DATABASE_URL, KAFKA_BROKERS, APP, TOPIC_PREFIX override it)' },
    partitions: { type: 'string', description: "Partitions of the type's source topic; given, Kafka is not asked for them", valueHint: 'N' },
    alerts: { type: 'string', description: 'How many recent alerts to show', default: '10', valueHint: 'N' },
    json: { type: 'boolean', description: 'Print one JSON document instead of text' },
    at: { type: 'string', description: "Also print the state at this event time (ISO time or epoch ms) or right after offset:N of the entity's source partition, rebuilt from the kept history (history.actors)", valueHint: 'time|offset:N' },
  },
  async run({ args }) {
    const given = args.partitions === undefined ? undefined : positiveInt(args.partitions, '--partitions');
    const alertLimit = positiveInt(args.alerts ?? '10', '--alerts', 0);
    const at = args.at === undefined ? undefined : parseAt(args.at);
    // --at reads the entity's records back from the log: Kafka even when --partitions is given.
    const needsKafka = given === undefined || at !== undefined;
    const settings = loadCommandSettings('inspect', args.config, { kafka: needsKafka, postgres: true });
    const actors = await commandActors(settings);
    const actor = actors.find((a) => a.type === args.type || `${a.type}s` === args.type);
    if (!actor) throw new UsageError(`unknown entity type '${args.type}' (one of: ${actors.map((a) => a.type).join(', ')})`);
    const sourceTopic = sourceTopicName(settings.topics, actor.sourceTopic);
    const kafka = needsKafka ? await connectKafka(settings.brokers, 'actorstream-inspect') : undefined;
    let inspection: Inspection;
    try {
      const partitions = given ?? (await partitionsFromKafka(kafka!.admin, sourceTopic));
      const sql = await connectPostgres(settings.databaseUrl);
      try {
        inspection = await readInspection(sql, { type: actor.type, key: args.key, sourceTopic, inboxTopic: inboxTopicOf(settings.app, actor.type), partitions, partitionsFrom: given === undefined ? `kafka ${sourceTopic}` : '--partitions', alertLimit });
        if (at !== undefined) inspection.stateAt = await inspectStateAt(settings, actors, sql, kafka!.client, kafka!.admin, actor.type, args.key, at);
      } finally {
        await sql.end({ timeout: 5 });
      }
    } finally {
      await kafka?.admin.disconnect().catch(() => {});
    }
    process.stdout.write(args.json ? `${JSON.stringify(inspection, null, 2)}\n` : formatInspection(inspection));
    if (inspection.stateAt && !inspection.stateAt.found) {
      throw new CommandFailed(`no state of ${actor.type} '${args.key}' at ${inspection.stateAt.at}: ${inspection.stateAt.reason}`);
    }
    if (!inspection.stateAt && !inspection.found) {
      throw new CommandFailed(`no committed state for ${actor.type} '${args.key}' (it may have no events yet, or they are not checkpointed yet)`);
    }
  },
}), `Reads the checkpoint tables in Postgres: the last committed state (the live one may be up to one checkpoint interval
ahead: GET /v1/<type>s/<key> on any instance), the shard (Kafka's murmur2 partition of the key over the source topic's
partition count, read from Kafka unless --partitions is given), the shard's owner and epoch, its next input offsets,
and the entity's most recent alerts. No processor needs to run.

--at <time> (an ISO time or epoch ms) also prints the state the entity had at that event time and what it was rebuilt
from: the last snapshot its checkpoints kept before then, plus its inputs after it read back from Kafka (only for
actor types in history.actors / HISTORY_ACTORS; GET /v1/entities/<type>/<key>/history?at= answers the same).

Exit codes: 0 found · 1 no committed state for the key (with --at: no state at that time, with the reason) · 2 usage
or configuration · 3 Postgres or Kafka unreachable`);

async function partitionsFromKafka(admin: TopicAdmin, topic: string): Promise<number> {
  const n = await admin.partitionCount(topic);
  if (n === undefined) throw new CommandFailed(`topic ${topic} does not exist in Kafka (has a processor run with this configuration?); pass --partitions N to inspect anyway`);
  return n;
}

/** What the checkpoint tables hold for the entity and its shard. */
async function readInspection(sql: Sql, q: { type: string; key: string; sourceTopic: string; inboxTopic: string; partitions: number; partitionsFrom: string; alertLimit: number }): Promise<Inspection> {
  if (!(await schemaPresent(sql))) throw new CommandFailed(`no checkpoint tables in the database: run 'actorstream migrate' (or start a processor) first`);
  const partition = partitionOf(q.key, q.partitions);
  const shard = shardId(q.type, partition);
  const stored = await entitySnapshot(sql, q.type, q.key);
  return {
    type: q.type,
    key: q.key,
    found: stored !== undefined,
    ...(stored ? { stateVersion: stored.stateVersion, state: stored.state, quarantine: stored.quarantine, updatedAt: new Date(stored.updatedAt).toISOString() } : {}),
    shard: { id: shard, partition, partitions: q.partitions, partitionsFrom: q.partitionsFrom },
    owner: await ownerOf(sql, shard),
    offsets: await shardInputOffsets(sql, shard, [q.sourceTopic, q.inboxTopic]),
    alerts: await entityAlerts(sql, q.type, q.key, q.alertLimit),
  };
}

async function ownerOf(sql: Sql, shard: string): Promise<Inspection['owner']> {
  const owner = await shardOwner(sql, shard);
  if (!owner) return null;
  return { ownerId: owner.ownerId, epoch: owner.epoch, httpAddress: owner.httpAddress, acquiredAt: owner.acquiredAt.toISOString() };
}

function positiveInt(raw: string, name: string, min = 1): number {
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < min) throw new UsageError(`${name} must be a whole number ≥ ${min} (got '${raw}')`);
  return Number(raw);
}
