import type { DeltaStateRow, ShardDelta } from './shard-api.ts';

/**
 * Turns each state of `delta` into its JSON text, where a shard worker takes the delta, before it
 * is posted to the store's thread (issue #19). Posting copies an object graph property by property
 * and the store's thread rebuilds it, only to `JSON.stringify` it for the statement: of one
 * delta's post, the states were ~60% (58,710 state rows of a 300k backlog run: ~280 ms to clone).
 * One stringify here replaces all three; a string crosses as one copy, and the store writes it as
 * it is (store/json-rows.ts `stateJsonOf`), byte for byte what it would have made of the object.
 *
 * A state JSON cannot encode (a BigInt, a cycle) keeps the error's message instead; the store
 * refuses its row with it as a data error, as it would have refused the object, so checkpoint
 * isolation quarantines that entity and the rest commits.
 */
export function statesAsJsonText(delta: ShardDelta): ShardDelta {
  delta.states = delta.states.map(asJsonText);
  return delta;
}

function asJsonText(row: DeltaStateRow): DeltaStateRow {
  const { state, ...rest } = row;
  try {
    return { ...rest, stateJson: JSON.stringify(state) };
  } catch (e) {
    return { ...rest, unencodable: (e as Error)?.message ?? String(e) };
  }
}
