import { ORIGIN_HEADER } from './shard/records.ts';
import { headerText, type PackableMessage } from './shard/record-batch.ts';
import type { ApplyResult } from './shard/shard-host.ts';

/**
 * Which messages of a batch handed over in memory (engine/local-delivery.ts) a shard took. They
 * have no offsets to keep a prefix of, and only an origin's own messages must stay in sequence, so
 * an origin whose message must wait for the source partition stops alone, from that message on
 * (ApplyResult.memoryWaits); every other message of the batch was taken.
 */

/** How many messages of each origin a shard took: a prefix of that origin's messages in the batch. */
export type TakenByOrigin = Map<string | undefined, number>;

/** The origin shard a message handed over in memory names (its `x-origin` header), as the shard reads it. */
export function originOf(m: Pick<PackableMessage, 'headers'>): string | undefined {
  const origin = m.headers?.[ORIGIN_HEADER];
  return origin === undefined ? undefined : headerText(origin);
}

/**
 * Per record of `records`, whether the shard took it; undefined when it took a plain prefix of
 * `r.consumed` records (every fetched batch, and a memory batch where no origin waited).
 */
export function takenMask(records: readonly Pick<PackableMessage, 'headers'>[], r: Pick<ApplyResult, 'memoryWaits'>): boolean[] | undefined {
  if (!r.memoryWaits) return undefined;
  const waitsFrom = new Map<string | undefined, number>();
  for (const i of r.memoryWaits) waitsFrom.set(originOf(records[i]!), i);
  return records.map((m, i) => !(i >= (waitsFrom.get(originOf(m)) ?? Infinity)));
}

/**
 * `r` itself, or an error when its waits do not add up to its count: the processor would then
 * drop from the queues messages the shard did not apply (a loss), or keep ones it did.
 */
export function checkedTaken<R extends Pick<ApplyResult, 'consumed' | 'memoryWaits'>>(records: readonly Pick<PackableMessage, 'headers'>[], r: R): R {
  const mask = takenMask(records, r);
  const taken = mask?.filter(Boolean).length ?? r.consumed;
  if (taken !== r.consumed) throw new Error(`the shard reports ${r.consumed} memory messages taken, but its waits leave ${taken}`);
  return r;
}

/** Whether record `i` was taken, by the mask or else the prefix of `consumed`. */
export function wasTaken(mask: readonly boolean[] | undefined, consumed: number, i: number): boolean {
  return mask ? mask[i]! : i < consumed;
}

/** Adds `records` to `into`, per origin; returns `into`. */
export function countByOrigin(records: readonly Pick<PackableMessage, 'headers'>[], into: TakenByOrigin = new Map()): TakenByOrigin {
  for (const m of records) {
    const origin = originOf(m);
    into.set(origin, (into.get(origin) ?? 0) + 1);
  }
  return into;
}

/**
 * Each origin's messages received by `measuredAt` (a prefix of that origin's), then the rest; each
 * part keeps the order of `records`, so every origin's messages stay in sequence. Empty parts left out.
 */
export function partsByReceipt<M extends PackableMessage>(records: readonly M[], measuredAt: number): M[][] {
  const early: M[] = [];
  const late: M[] = [];
  const lateOrigins = new Set<string | undefined>();
  for (const m of records) {
    const origin = originOf(m);
    if (!lateOrigins.has(origin) && Number(m.timestamp) <= measuredAt) early.push(m);
    else {
      lateOrigins.add(origin);
      late.push(m);
    }
  }
  return [early, late].filter((part) => part.length > 0);
}
