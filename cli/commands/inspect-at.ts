/**
 * `actorstream inspect <type> <key> --at <time | offset:N>`: the entity's state at a past event
 * time, or right after source offset N of its partition was applied, rebuilt by the engine's own
 * time travel (engine/entity-history.ts) from the snapshots its checkpoints keep and the log after
 * them — the same answer as GET /v1/entities/:type/:key/history?at=.
 */
import type { ActorDefinition } from '../../actors/actor.ts';
import { entityStateAt, logGoneReason, type EntityHistoryDeps, type HistoryResult } from '../../engine/entity-history.ts';
import { pointErrorReason, type HistoryPoint } from '../../engine/history-point.ts';
import { sourceTopicName, type LogClient, type TopicAdmin } from '../../engine/index.ts';
import type { Sql } from '../../store/index.ts';
import { UsageError, type CommandSettings } from './command-support.ts';
import type { StateAt } from './inspect-format.ts';

/** The ECMAScript Date range: a later `--at` could not be printed as a time. */
const MAX_TIME_MS = 8.64e15;

/**
 * Parses `--at`: epoch milliseconds, an ISO date/time (a bare date is its UTC midnight), or
 * `offset:N`, a source offset of the entity's partition.
 *
 * @example parseAt('2026-12-01T10:00:00Z') // { at: 1796119200000 }
 * @example parseAt('offset:1234') // { offset: 1234 }
 */
export function parseAt(raw: string): HistoryPoint {
  const s = raw.trim();
  const offset = /^offset:(\d{1,16})$/.exec(s)?.[1];
  if (offset !== undefined && Number.isSafeInteger(Number(offset))) return { offset: Number(offset) };
  const ms = /^\d{1,16}$/.test(s) ? Number(s) : /^\d{4}-\d\d-\d\d/.test(s) ? Date.parse(s) : NaN;
  if (!Number.isSafeInteger(ms) || ms > MAX_TIME_MS) throw new UsageError(`--at must be an ISO time (2026-12-01T10:00:00Z), epoch milliseconds or offset:N (got '${raw}')`);
  return { at: ms };
}

/** The entity's state at `at`, as `inspect` prints it. */
export async function inspectStateAt(settings: CommandSettings, actors: readonly ActorDefinition<any>[], sql: Sql, client: LogClient, admin: Pick<TopicAdmin, 'offsets'>, type: string, key: string, at: HistoryPoint): Promise<StateAt> {
  const deps: EntityHistoryDeps = {
    sql,
    client,
    admin,
    app: settings.app,
    actors,
    historyTypes: new Set(settings.historyActors),
    sourceTopicOf: (actor) => sourceTopicName(settings.topics, actor.sourceTopic),
    maxFutureMs: settings.maxFutureMs,
  };
  return toStateAt(await entityStateAt(deps, type, key, at), type, key, at);
}

/** The engine's answer in the command's terms: ISO times, and a reason an operator can act on. */
export function toStateAt(r: HistoryResult, type: string, key: string, at: HistoryPoint): StateAt {
  const when = 'at' in at ? iso(at.at) : `offset:${at.offset}`;
  switch (r.kind) {
    case 'found': {
      const a = r.answer;
      const through = a.through ? { through: a.through } : {};
      return { at: iso(a.at), ...through, found: true, state: a.state, quarantine: a.quarantine, snapshot: a.snapshot && { at: iso(a.snapshot.at), committedAt: a.snapshot.committedAt }, replayed: a.replayed };
    }
    case 'no-record':
    case 'not-an-event':
      return { at: when, found: false, reason: pointErrorReason(r) };
    case 'not-kept':
      return { at: when, found: false, reason: `${type} keeps no history: add it to history.actors in pipeline.yaml (or HISTORY_ACTORS); its states are kept from then on` };
    case 'unknown':
      return { at: when, found: false, reason: `no history of ${type} '${key}': it has not changed since history was kept for ${type}, or does not exist` };
    case 'log-gone':
      return { at: when, found: false, reason: logGoneReason(r) };
    case 'before-history':
      return {
        at: when,
        found: false,
        reason: `its oldest kept state is from ${iso(r.oldestAt)}: it did not exist yet, or older history was deleted (history.retention_hours)`,
        oldestAt: iso(r.oldestAt),
      };
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

