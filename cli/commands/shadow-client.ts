import type { LogClient, OutgoingRecord } from '../../engine/index.ts';
import { dlqTopicOf } from '../../schemas/index.ts';

/**
 * The log as a shadow replay may use it: it reads the live source topics, but writes only topics
 * of its own (`owned`). A record for a live source topic's dead-letter topic is dropped and
 * counted — the live pipeline dead-lettered that record already; any other write to a topic that
 * is not the shadow's throws, so no bug can reach live topics.
 */
export function shadowLogClient(client: LogClient, owned: (topic: string) => boolean, liveSources: readonly string[]): LogClient & { droppedDeadLetters(): number } {
  const liveDlqs = new Set(liveSources.map(dlqTopicOf));
  let dropped = 0;
  const keep = (records: readonly OutgoingRecord[]): OutgoingRecord[] =>
    records.filter((r) => {
      if (owned(r.topic)) return true;
      if (liveDlqs.has(r.topic)) {
        dropped++;
        return false;
      }
      throw new Error(`a shadow replay may not write to ${r.topic}`);
    });
  return {
    ...client,
    async sink() {
      const sink = await client.sink();
      return {
        ...sink,
        send: async (records) => {
          const kept = keep(records);
          if (kept.length > 0) await sink.send(kept);
        },
      };
    },
    droppedDeadLetters: () => dropped,
  };
}
