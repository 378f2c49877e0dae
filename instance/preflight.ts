import { Kafka, logLevel, type Admin } from 'kafkajs';
import { InfrastructureError } from '../schemas/index.ts';
import { openPool, ping, type Sql } from '../store/index.ts';
import { quietKafkajsTimerWarning } from './kafkajs-warnings.ts';

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

/** A kafkajs client whose admin has answered a metadata request. */
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
    return { kafka, admin };
  } catch (e) {
    await admin.disconnect().catch(() => {});
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
