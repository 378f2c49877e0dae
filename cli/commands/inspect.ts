/**
 * `actorstream inspect <type> <key>`: what Postgres holds for one entity — its last committed
 * state, the shard it lives in (Kafka's murmur2 partition of the key, as every component computes
 * it), that shard's owner and epoch, its next input offsets, and the entity's recent alerts. It
 * reads the checkpoint tables only (no processor needs to run), so it is the tool for "what did
 * we commit for this key, and who owns it now" — the live state may be up to one checkpoint
 * interval ahead; GET /v1/<type>s/<key> on any instance gives that one.
 *
 * Exit codes: 0 found · 1 no committed state for the key · 2 usage/configuration · 3 Postgres or
 * Kafka unreachable.
 */
import { defineCommand } from 'citty';
import { inboxTopicOf } from '../../schemas/index.ts';
import { partitionOf } from '../../adapters/kafkajs/index.ts';
import { shardId, sourceTopicName } from '../../engine/index.ts';
import { entityAlerts, entitySnapshot, schemaPresent, shardInputOffsets, shardOwner, type Sql } from '../../store/index.ts';
import { CommandFailed, commandActors, connectKafka, connectPostgres, loadCommandSettings, UsageError, withDetails, type CommandSettings } from './command-support.ts';
import { formatInspection, type Inspection } from './inspect-format.ts';

export const inspectCommand = withDetails(defineCommand({
  meta: { name: 'inspect', description: "Print an entity's committed state, shard, shard owner and epoch, and recent alerts" },
  args: {
    type: { type: 'positional', required: true, description: 'Entity type: sku, order or user', valueHint: 'type' },
    key: { type: 'positional', required: true, description: 'Entity key, e.g. SKU-000042, o-000123, u-000042', valueHint: 'key' },
    config: { type: 'string', description: 'pipeline.yaml (default: $PIPELINE_CONFIG; DATABASE_URL, KAFKA_BROKERS, APP, TOPIC_PREFIX override it)' },
    partitions: { type: 'string', description: "Partitions of the type's source topic; given, Kafka is not asked", valueHint: 'N' },
    alerts: { type: 'string', description: 'How many recent alerts to show', default: '10', valueHint: 'N' },
    json: { type: 'boolean', description: 'Print one JSON document instead of text' },
  },
  async run({ args }) {
    const given = args.partitions === undefined ? undefined : positiveInt(args.partitions, '--partitions');
    const alertLimit = positiveInt(args.alerts ?? '10', '--alerts', 0);
    const settings = loadCommandSettings('inspect', args.config, { kafka: given === undefined, postgres: true });
    const actors = await commandActors(settings);
    const actor = actors.find((a) => a.type === args.type || `${a.type}s` === args.type);
    if (!actor) throw new UsageError(`unknown entity type '${args.type}' (one of: ${actors.map((a) => a.type).join(', ')})`);
    const sourceTopic = sourceTopicName(settings.topics, actor.sourceTopic);
    const partitions = given ?? (await partitionsFromKafka(settings, sourceTopic));
    const partition = partitionOf(args.key, partitions);
    const shard = shardId(actor.type, partition);

    const sql = await connectPostgres(settings.databaseUrl);
    let inspection: Inspection;
    try {
      if (!(await schemaPresent(sql))) throw new CommandFailed(`no checkpoint tables in the database: run 'actorstream migrate' (or start a processor) first`);
      const stored = await entitySnapshot(sql, actor.type, args.key);
      inspection = {
        type: actor.type,
        key: args.key,
        found: stored !== undefined,
        ...(stored ? { stateVersion: stored.stateVersion, state: stored.state, quarantine: stored.quarantine, updatedAt: new Date(stored.updatedAt).toISOString() } : {}),
        shard: { id: shard, partition, partitions, partitionsFrom: given === undefined ? `kafka ${sourceTopic}` : '--partitions' },
        owner: await ownerOf(sql, shard),
        offsets: await shardInputOffsets(sql, shard, [sourceTopic, inboxTopicOf(settings.app, actor.type)]),
        alerts: await entityAlerts(sql, actor.type, args.key, alertLimit),
      };
    } finally {
      await sql.end({ timeout: 5 });
    }
    process.stdout.write(args.json ? `${JSON.stringify(inspection, null, 2)}\n` : formatInspection(inspection));
    if (!inspection.found) {
      throw new CommandFailed(`no committed state for ${actor.type} '${args.key}' (it may have no events yet, or they are not checkpointed yet)`);
    }
  },
}), `Reads the checkpoint tables in Postgres: the last committed state (the live one may be up to one checkpoint interval
ahead: GET /v1/<type>s/<key> on any instance), the shard (Kafka's murmur2 partition of the key over the source topic's
partition count, read from Kafka unless --partitions is given), the shard's owner and epoch, its next input offsets,
and the entity's most recent alerts. No processor needs to run.

Exit codes: 0 found · 1 no committed state for the key · 2 usage or configuration · 3 Postgres or Kafka unreachable`);

async function partitionsFromKafka(settings: CommandSettings, topic: string): Promise<number> {
  const { admin } = await connectKafka(settings.brokers, 'actorstream-inspect');
  try {
    const n = await admin.partitionCount(topic);
    if (n === undefined) throw new CommandFailed(`topic ${topic} does not exist in Kafka (has a processor run with this configuration?); pass --partitions N to inspect anyway`);
    return n;
  } finally {
    await admin.disconnect().catch(() => {});
  }
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
