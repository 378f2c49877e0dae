import type { Sql } from './pool.ts';

/** A committed offset of truth: the next input offset of one topic partition. */
export interface InputOffset {
  topic: string;
  partition: number;
  nextOffset: number;
}

/**
 * The offsets of truth `shard` has committed for some of its input `topics`, by topic name. The
 * checkpoint writes them (store/checkpoint-writes.ts); a processor restores all of them at once
 * (`CheckpointStore.load`), this read is for operators looking at one shard.
 */
export async function shardInputOffsets(sql: Sql, shard: string, topics: readonly string[]): Promise<InputOffset[]> {
  const rows = await sql`select topic, partition, next_offset from input_offsets where shard = ${shard} and topic = any(${topics as string[]}::text[]) order by topic`;
  return rows.map((r) => ({ topic: r.topic as string, partition: Number(r.partition), nextOffset: Number(r.next_offset) }));
}
