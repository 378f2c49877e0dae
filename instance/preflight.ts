import { Kafka, logLevel } from 'kafkajs';
import postgres from 'postgres';
import { InfrastructureError } from '../schemas/index.ts';

/**
 * Before starting: can the configured broker and database be reached? One clear message naming
 * which one failed and how to fix it, instead of a retry storm and a stack trace.
 */
export async function checkInfrastructure(opts: { brokers: string[]; databaseUrl: string }): Promise<void> {
  const sql = postgres(opts.databaseUrl, { max: 1, connect_timeout: 5, onnotice: () => {} });
  try {
    await sql`select 1`;
  } catch (e) {
    throw new InfrastructureError(`cannot reach Postgres at ${redact(opts.databaseUrl)}: ${(e as Error).message}. Check DATABASE_URL (or postgres.* in pipeline.yaml) and that the server accepts connections.`);
  } finally {
    await sql.end({ timeout: 1 }).catch(() => {});
  }
  const admin = new Kafka({ clientId: 'actorstream-preflight', brokers: opts.brokers, logLevel: logLevel.NOTHING, connectionTimeout: 3000, retry: { retries: 1 } }).admin();
  try {
    await admin.connect();
    await admin.describeCluster();
  } catch (e) {
    throw new InfrastructureError(`cannot reach Kafka at ${opts.brokers.join(',')}: ${(e as Error).message}. Check KAFKA_BROKERS (or kafka.bootstrap_servers); for a local broker: npm run kafka -- start`);
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
