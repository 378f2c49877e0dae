import { kafkajsClusterClient } from '../adapters/kafkajs/index.ts';
import type { LogClient, TopicAdmin } from '../engine/index.ts';
import { InfrastructureError } from '../schemas/index.ts';
import { openPool, ping, type Sql } from '../store/index.ts';

/**
 * Reaching the configured broker and database, for `actorstream run` and the operator commands:
 * one clear InfrastructureError (exit 3) naming which one failed and how to fix it, instead of a
 * retry storm and a stack trace.
 */

/** Before starting an instance: both answer, or the start stops with the reason. */
export async function checkInfrastructure(opts: { brokers: string[]; databaseUrl: string }): Promise<void> {
  const sql = await connectPostgres(opts.databaseUrl, 1);
  await sql.end({ timeout: 1 }).catch(() => {});
  const { admin } = await connectKafka(opts.brokers, 'actorstream-preflight');
  await admin.disconnect().catch(() => {});
}

/** A postgres.js pool that has answered a statement (`ping`). */
export async function connectPostgres(url: string, max = 2): Promise<Sql> {
  const sql = openPool(url, { max, connectTimeoutSeconds: 5 });
  try {
    await ping(sql);
    return sql;
  } catch (e) {
    await sql.end({ timeout: 1 }).catch(() => {});
    throw new InfrastructureError(
      `cannot reach Postgres at ${redactUrl(url)}: ${(e as Error).message}. Check DATABASE_URL (or postgres.* in pipeline.yaml) and that the server accepts connections.`,
    );
  }
}

/** A client of the cluster (kafkajs, failing fast) whose admin has answered a metadata request. */
export async function connectKafka(brokers: string[], clientId: string): Promise<{ client: LogClient; admin: TopicAdmin }> {
  const client = kafkajsClusterClient(clientId, brokers, { failFast: true });
  let admin: TopicAdmin | undefined;
  try {
    admin = await client.admin();
    await admin.ping();
    return { client, admin };
  } catch (e) {
    await admin?.disconnect().catch(() => {});
    throw new InfrastructureError(
      `cannot reach Kafka at ${brokers.join(',')}: ${(e as Error).message}. Check KAFKA_BROKERS (or kafka.bootstrap_servers in pipeline.yaml); for a local broker: npm run kafka -- start`,
    );
  }
}

/** A connection URL fit for messages: the password masked. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<unparseable URL>';
  }
}
