import type postgres from 'postgres';
import { writeCheckpointRows } from './checkpoint-writes.ts';
import type { Checkpoint } from './checkpoint-store.ts';

/**
 * Finding what in a checkpoint Postgres refuses. A checkpoint is one transaction, so one value
 * Postgres rejects (U+0000 in text, a lone surrogate in jsonb, a number out of bigint range, an
 * index row over its size limit) fails all of it, and a shard that retried the same delta would
 * fail forever. The rows are grouped by the entity whose effects they are (state, sends, alerts,
 * timers) — dead letters, which come from a record, each form a group of their own — and the
 * groups are bisected, each probe in a savepoint that is always rolled back.
 */
export interface Unstorable {
  /** The entity whose rows Postgres refuses, or the outbox index of a dead letter it refuses. */
  group: { entityKey: string } | { deadLetter: number };
  /** Postgres's reason (SQLSTATE and message). */
  error: string;
}

/**
 * True for Postgres errors caused by the data (SQLSTATE classes 22 data exception, 23 integrity
 * violation, 54 program limit exceeded), as opposed to a lost connection, a timeout or a fence:
 * only these are worth isolating, since retrying the same rows can never succeed.
 */
export function isDataError(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^(22|23|54)[0-9A-Z]{3}$/.test(code);
}

/** See CheckpointStore.findUnstorable. Probes cost O(bad · log groups) statements. */
export async function findUnstorable(sql: postgres.Sql, cp: Checkpoint, processedEventsTable?: string): Promise<Unstorable[]> {
  const groups = groupsOf(cp);
  const found: Unstorable[] = [];
  await sql
    .begin(async (tx) => {
      const probe = async (ids: readonly string[]): Promise<string | undefined> => {
        try {
          await tx.savepoint(async (sp) => {
            await writeCheckpointRows(sp, [subset(cp, new Set(ids), groups)], processedEventsTable);
            throw ROLLBACK;
          });
        } catch (e) {
          if (e === ROLLBACK) return undefined;
          if (isDataError(e)) return describe(e);
          throw e;
        }
        return undefined;
      };
      const search = async (ids: readonly string[], knownError?: string): Promise<void> => {
        const error = knownError ?? (await probe(ids));
        if (error === undefined) return;
        if (ids.length === 1) {
          found.push({ group: groupOf(ids[0]!), error });
          return;
        }
        const mid = ids.length >> 1;
        await search(ids.slice(0, mid));
        await search(ids.slice(mid));
      };
      await search([...groups.keys()]);
      throw ROLLBACK; // nothing a probe wrote may stay, even what passed
    })
    .catch((e) => {
      if (e !== ROLLBACK) throw e;
    });
  return found;
}

const ROLLBACK = Symbol('rollback');

type Rows = Pick<Checkpoint, 'shard' | 'states' | 'outbox' | 'alerts' | 'timersAdded' | 'readModel' | 'aggregates' | 'processed'>;

interface Group {
  states: number[];
  outbox: number[];
  alerts: number[];
  timers: number[];
  readModel: number[];
  processed: number[];
  /** [table index, row index] of aggregate rows kept per entity (a shard isolating refused rows keeps them so). */
  aggregates: [number, number][];
}

/** Group id → indices of its rows in each list of the checkpoint. */
function groupsOf(cp: Checkpoint): Map<string, Group> {
  const groups = new Map<string, Group>();
  const at = (id: string) => {
    let g = groups.get(id);
    if (!g) groups.set(id, (g = { states: [], outbox: [], alerts: [], timers: [], readModel: [], processed: [], aggregates: [] }));
    return g;
  };
  cp.states.forEach((s, i) => at(`e:${s.key}`).states.push(i));
  cp.outbox.forEach((m, i) => at(m.from === undefined ? `d:${i}` : `e:${m.from}`).outbox.push(i));
  cp.alerts.forEach((a, i) => at(`e:${cp.alertFrom?.[i] ?? a.entityKey}`).alerts.push(i));
  cp.timersAdded.forEach((t, i) => at(`e:${t.key}`).timers.push(i));
  cp.readModel?.rows.forEach((r, i) => at(`e:${String(r[0])}`).readModel.push(i));
  cp.processed?.forEach((p, i) => at(`e:${p.key}`).processed.push(i));
  cp.aggregates?.forEach((a, t) => a.rows.forEach((r, j) => r.key !== undefined && at(`e:${r.key}`).aggregates.push([t, j])));
  return groups;
}

function subset(cp: Checkpoint, ids: Set<string>, groups: ReturnType<typeof groupsOf>): Rows {
  const pick = <T>(list: readonly T[], field: 'states' | 'outbox' | 'alerts' | 'timers' | 'readModel' | 'processed'): T[] => {
    const idx: number[] = [];
    for (const id of ids) idx.push(...groups.get(id)![field]);
    return idx.sort((a, b) => a - b).map((i) => list[i]!);
  };
  const rows: Rows = { shard: cp.shard, states: pick(cp.states, 'states'), outbox: pick(cp.outbox, 'outbox'), alerts: pick(cp.alerts, 'alerts'), timersAdded: pick(cp.timersAdded, 'timers') };
  if (cp.readModel) rows.readModel = { ...cp.readModel, rows: pick(cp.readModel.rows, 'readModel') };
  if (cp.processed) rows.processed = pick(cp.processed, 'processed');
  if (cp.aggregates) {
    const chosen = new Set<string>();
    for (const id of ids) for (const [t, j] of groups.get(id)!.aggregates) chosen.add(`${t}:${j}`);
    rows.aggregates = cp.aggregates.map((a, t) => ({ ...a, rows: a.rows.filter((_, j) => chosen.has(`${t}:${j}`)) }));
  }
  return rows;
}

function groupOf(id: string): Unstorable['group'] {
  return id.startsWith('e:') ? { entityKey: id.slice(2) } : { deadLetter: Number(id.slice(2)) };
}

function describe(e: unknown): string {
  const err = e as { code?: string; message?: string };
  return `${err.code ?? 'error'} ${err.message ?? String(e)}`;
}
