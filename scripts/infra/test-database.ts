import { redactUrl } from '../../instance/preflight.ts';
import postgres from 'postgres';

/** Default server when DATABASE_URL is unset: the local Postgres with trust auth. */
export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  /** Connection URL of the fresh database this run owns. */
  url: string;
  name: string;
  drop(): Promise<void>;
}

/**
 * Creates a fresh, uniquely named database for one test run so runs never see each other's rows,
 * on the server of `DATABASE_URL` (or the local default). `drop()` removes it again.
 * Throws with a message naming the server and how to fix it when Postgres cannot be reached.
 */
export async function createTestDatabase(baseUrl = process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL): Promise<TestDatabase> {
  const name = `actorstream_test_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = postgres(baseUrl, { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    await admin.unsafe(`CREATE DATABASE ${name}`);
  } catch (e) {
    await admin.end({ timeout: 1 });
    throw new Error(
      `cannot create a test database on ${redactUrl(baseUrl)}: ${(e as Error).message}. ` +
        'Start PostgreSQL on 127.0.0.1:5432 (trust auth) or set DATABASE_URL to a server where this user may CREATE DATABASE.',
    );
  }
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      // WITH (FORCE) ends connections a crashed test may have left behind.
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end({ timeout: 5 });
    },
  };
}
