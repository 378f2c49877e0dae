import type { CarriedState, ShardDelta } from './shard-api.ts';
import { thrownMessage } from '../../actors/transition-checks.ts';

/**
 * A delta as a shard worker posts it to the store's thread (issue #19), in place.
 *
 * States become their JSON text. Posting copies an object graph property by property and the
 * store's thread rebuilds it, only to `JSON.stringify` it for the statement: of one delta's post,
 * the states were ~60% (58,710 state rows of a 300k backlog run: ~280 ms to clone). One stringify
 * here replaces all three; a string crosses as one copy, and the store writes it as it is
 * (store/json-rows.ts `stateJsonOf`), byte for byte what it writes for the object inline. A state
 * JSON cannot encode (a BigInt, a cycle) keeps the error's message instead; the store refuses its
 * row with it as a data error, as it refuses the object, so checkpoint isolation quarantines that
 * entity and the rest commits. History snapshots (`keepHistory`) go the same way, so both tables
 * get the same text.
 *
 * Alerts and added timers (and the timers of history snapshots) become the plain data their JSON
 * is (the shard checked they encode before any effect happened; actors/apply-input.ts): JSON is
 * all the store writes of them, and a value JSON drops but a post refuses (a function in an
 * alert's details) can no longer fail the post.
 * Read-model rows and aggregate dimensions need nothing here: a row is a plain copy of plain cells
 * when it is projected (actors/projection.ts `projectRow`, which refuses a cell JSON cannot encode),
 * and a dimension is checked to be a string, number, boolean or null and kept in an array of the
 * fold's own (engine/shard/aggregate-fold.ts). A delta that fails its post anyway restores the
 * shard (engine/checkpoint-shard.ts `TakeFailed`).
 */
export function postableDelta(delta: ShardDelta): ShardDelta {
  delta.states = delta.states.map(asJsonText);
  if (delta.history) delta.history = delta.history.map((h) => ({ ...asJsonText(h), timers: plainData(h.timers) }));
  if (delta.alerts.length > 0) delta.alerts = delta.alerts.map(plainData);
  if (delta.timersAdded.length > 0) delta.timersAdded = delta.timersAdded.map((t) => ({ ...t, timer: plainData(t.timer) }));
  return delta;
}

function asJsonText<R extends CarriedState>(row: R): R {
  const { state, ...rest } = row;
  try {
    return { ...rest, stateJson: JSON.stringify(state) } as R;
  } catch (e) {
    return { ...rest, unencodable: thrownMessage(e) } as R;
  }
}

/** `v` as the JSON the store would write of it, parsed back; `v` itself when JSON cannot hold it (the store refuses it then). */
function plainData<T>(v: T): T {
  try {
    const text = JSON.stringify(v);
    return text === undefined ? v : (JSON.parse(text) as T);
  } catch {
    return v;
  }
}
