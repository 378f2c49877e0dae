/**
 * The infrastructure of one bench run: a Kafka broker (given, or this machine's benchmark broker on
 * port 39092) and Postgres databases named bench_* created per contender and dropped afterwards,
 * with the process ids to measure them by.
 */
import postgres from 'postgres';
import { ensureKafka } from '../../scripts/kafka/local-kafka.ts';
import { listeningPid } from './proc.ts';

export const BENCH_KAFKA_PORT = 39092;
export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export interface Infra {
  brokers: string[];
  /** How the broker was found, for the report. */
  brokerSource: string;
  /** The broker's pid when it runs on this machine. */
  brokerPid?: number;
  databaseUrl: string;
  /** Postgres' postmaster pid when it runs on this machine. */
  postmasterPid?: number;
  admin: postgres.Sql;
  createDatabase(label: string): Promise<BenchDatabase>;
  /** Pids of the server processes serving `database` plus Postgres' own background processes. */
  postgresPids(database: string): Promise<number[]>;
  close(): Promise<void>;
}

export interface BenchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

export async function setUpInfra(opts: { brokers?: string; databaseUrl?: string; log: (line: string) => void }): Promise<Infra> {
  let brokers: string[];
  let brokerSource: string;
  let stopKafka = async () => {};
  if (opts.brokers) {
    brokers = opts.brokers.split(',').map((b) => b.trim()).filter(Boolean);
    brokerSource = `--brokers ${brokers.join(',')}`;
  } else {
    // KAFKA_BROKERS (as `npm test` sets it) wins inside ensureKafka; else our own broker on 39092.
    const handle = await ensureKafka({ port: BENCH_KAFKA_PORT, log: (l) => opts.log(`[kafka] ${l}`) });
    brokers = handle.brokers;
    brokerSource = process.env.KAFKA_BROKERS ? 'KAFKA_BROKERS' : handle.started ? `started on port ${BENCH_KAFKA_PORT} for this run` : `already running on port ${BENCH_KAFKA_PORT}`;
    stopKafka = () => handle.stop();
  }
  const databaseUrl = opts.databaseUrl ?? process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
  const admin = postgres(databaseUrl, { max: 1, onnotice: () => {}, connect_timeout: 10 });
  await admin`select 1`;
  const brokerPid = localPort(brokers[0]!);
  const pgUrl = new URL(databaseUrl);
  const postmasterPid = isLocal(pgUrl.hostname) ? listeningPid(Number(pgUrl.port || 5432)) : undefined;
  const created = new Set<string>();

  return {
    brokers,
    brokerSource,
    brokerPid: brokerPid === undefined ? undefined : listeningPid(brokerPid),
    databaseUrl,
    postmasterPid,
    admin,
    async createDatabase(label) {
      const name = `bench_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
      await admin.unsafe(`CREATE DATABASE ${name}`);
      created.add(name);
      const url = new URL(databaseUrl);
      url.pathname = `/${name}`;
      return {
        name,
        url: url.toString(),
        async drop() {
          created.delete(name);
          await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        },
      };
    },
    async postgresPids(database) {
      if (postmasterPid === undefined) return [];
      const rows = await admin`select pid from pg_stat_activity where datname = ${database} or (datname is null and backend_type <> 'client backend')`;
      return [postmasterPid, ...rows.map((r) => Number(r.pid))];
    },
    async close() {
      for (const name of created) await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
      await admin.end({ timeout: 5 });
      await stopKafka();
    },
  };
}

/** The port of a broker address on this machine, else undefined. */
function localPort(address: string): number | undefined {
  const i = address.lastIndexOf(':');
  return isLocal(address.slice(0, i)) ? Number(address.slice(i + 1)) : undefined;
}

function isLocal(host: string): boolean {
  return host === '127.0.0.1' || host === 'localhost' || host === '::1' || host === '[::1]';
}
