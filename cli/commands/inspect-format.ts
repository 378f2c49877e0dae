/**
 * The text form of `actorstream inspect` (its `--json` form is the Inspection object itself):
 * aligned labels for a terminal, the state as indented JSON so nested fields stay readable.
 */
import type { Alert } from '../../schemas/index.ts';

export interface Inspection {
  type: string;
  key: string;
  found: boolean;
  stateVersion?: number;
  state?: unknown;
  quarantine?: string | null;
  /** When the state was last committed (ISO). */
  updatedAt?: string;
  shard: { id: string; partition: number; partitions: number; partitionsFrom: string };
  owner: { ownerId: string; epoch: number; httpAddress: string | null; acquiredAt: string } | null;
  /** The shard's next input offsets (source topic and inbox), as committed. */
  offsets: { topic: string; partition: number; nextOffset: number }[];
  /** Newest first. */
  alerts: Alert[];
  /** With `--at`: the entity's state at that event time, rebuilt from its kept history. */
  stateAt?: StateAt;
}

/** The state at an event time and what it was rebuilt from, or why there is none (times ISO). */
export type StateAt =
  | {
    at: string;
    /** Asked by offset: the source record the state is right after. */
    through?: { topic: string; partition: number; offset: number };
    found: true;
    state: unknown;
    quarantine: string | null;
    /** The kept snapshot it was rebuilt from: its latest event time, and when its checkpoint committed. */
    snapshot: { at: string; committedAt: string } | null;
    /** Inputs read back from the log and applied after the snapshot, timers fired, records read. */
    replayed: { inputs: number; timers: number; recordsRead: number };
  }
  | { at: string; found: false; reason: string; oldestAt?: string };

export function formatInspection(i: Inspection): string {
  const out: string[] = [`${i.type} ${i.key}`];
  const row = (label: string, value: string) => out.push(`  ${label.padEnd(11)}${value}`);
  if (i.found) {
    row('committed', `${i.updatedAt} (state version ${i.stateVersion})`);
    row('quarantine', i.quarantine ?? 'no');
    row('state', indent(JSON.stringify(i.state, null, 2)));
  } else {
    row('state', 'none committed');
  }
  if (i.stateAt) formatStateAt(i.stateAt, row);
  row('shard', `${i.shard.id} (partition ${i.shard.partition} of ${i.shard.partitions}, from ${i.shard.partitionsFrom})`);
  row('owner', i.owner ? `${i.owner.ownerId}, epoch ${i.owner.epoch}, since ${i.owner.acquiredAt}${i.owner.httpAddress ? `, ${i.owner.httpAddress}` : ''}` : 'never acquired');
  row('offsets', i.offsets.length ? i.offsets.map((o) => `${o.topic}[${o.partition}] → ${o.nextOffset}`).join(', ') : 'none committed');
  if (i.alerts.length === 0) row('alerts', 'none');
  else {
    row('alerts', `${i.alerts.length} most recent`);
    for (const a of i.alerts) out.push(`    ${new Date(a.ts).toISOString()}  ${a.severity.padEnd(8)} ${a.type}  ${a.details?.summary ?? ''}  [${a.id}]`);
  }
  return out.join('\n') + '\n';
}

function formatStateAt(s: StateAt, row: (label: string, value: string) => void): void {
  if (!s.found) {
    row('at', s.at);
    row('state then', `none: ${s.reason}`);
    return;
  }
  const record = s.through ? `right after ${s.through.topic}[${s.through.partition}] offset ${s.through.offset}, ` : '';
  row('at', `${s.at} (${record}${s.quarantine === null ? 'not quarantined then' : `quarantined then: ${s.quarantine}`})`);
  row('state then', indent(JSON.stringify(s.state, null, 2)));
  const r = s.replayed;
  row('rebuilt', `from ${s.snapshot ? `the snapshot at ${s.snapshot.at} (committed ${s.snapshot.committedAt})` : 'its creation'}, then ${plural(r.inputs, 'input')} applied of ${plural(r.recordsRead, 'record')} read, ${plural(r.timers, 'timer')} fired`);
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function indent(json: string): string {
  return json.split('\n').join(`\n${' '.repeat(13)}`);
}
