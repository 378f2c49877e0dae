import { describe, expect, test } from 'bun:test';
import { generateEvents } from '../generator/index.ts';
import { inboxTopicOf } from '../schemas/index.ts';
import { closingEvents } from './support/oracle.ts';
import { createPipelineEnv, waitUntilSettled, type PipelineEnv } from './support/pipeline-env.ts';
import { spawnProcessor, type ProcessorProcess } from './support/processor-process.ts';

/**
 * Lag that tells the truth (issue #17): the offsets committed to the consumer group are for lag
 * tools and autoscalers only — Postgres holds the offsets of truth — but they must catch up with
 * what was checkpointed, also for a partition that gets no new input after a crash. Killed near the
 * end of its input and restarted, the group's committed offsets must reach the log end of every
 * input partition (source and inbox) once the run has settled.
 */
const PARTITIONS = 3;

/** Per `topic:partition`, how far the group's committed offset is behind the log end (only those behind). */
async function groupLag(e: PipelineEnv, groupId: string, topics: string[]): Promise<Record<string, number>> {
  const behind: Record<string, number> = {};
  for (const topic of topics) {
    const ends = await e.admin.fetchTopicOffsets(topic);
    const [committed] = await e.admin.fetchOffsets({ groupId, topics: [topic] });
    for (const end of ends) {
      const at = Number(committed?.partitions.find((p) => p.partition === end.partition)?.offset ?? -1);
      const lag = Number(end.high) - Math.max(0, at);
      if (Number(end.high) > 0 && lag > 0) behind[`${topic}:${end.partition}`] = lag;
    }
  }
  return behind;
}

/** Source records whose offsets are checkpointed in Postgres, over every partition. */
async function checkpointedSourceRecords(env: PipelineEnv): Promise<number> {
  const [row] = await env.sql`select coalesce(sum(next_offset), 0)::int as n from input_offsets where topic = any(${Object.values(env.topics.source)})`;
  return row!.n;
}

describe('runtime: committed group offsets', () => {
  test('killed near the end of the input and restarted: the group catches up with the log end on every input partition', async () => {
    const env = await createPipelineEnv(PARTITIONS);
    const started: ProcessorProcess[] = [];
    try {
      const { events } = generateEvents({ seed: 31, count: 20_000, users: 1000, skus: 200, minPerPattern: 1 });
      await env.produce([...events, ...closingEvents(events, PARTITIONS)]);
      started.push(await spawnProcessor(env.processorEnv('lag-a')));
      // Near the end: most source records are checkpointed, so partitions finish right after the restart.
      while ((await checkpointedSourceRecords(env)) < events.length * 0.9) await new Promise((r) => setTimeout(r, 50));
      started[0]!.kill('SIGKILL');
      await started[0]!.exited();
      started.push(await spawnProcessor(env.processorEnv('lag-b')));
      await waitUntilSettled(env);

      const groupId = `${env.app}-group`;
      const inputs = [...Object.values(env.topics.source), ...['sku', 'order', 'user'].map((t) => inboxTopicOf(env.app, t))];
      let behind = await groupLag(env, groupId, inputs);
      // Committed each checkpoint pass (200 ms here): give it a few passes, never minutes.
      for (const end = Date.now() + 10_000; Object.keys(behind).length > 0 && Date.now() < end; behind = await groupLag(env, groupId, inputs)) {
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(behind).toEqual({});
    } finally {
      for (const p of started) p.kill('SIGKILL');
      await env.close();
    }
  }, 240_000);
});
