import type { LogClient, TailRecord } from '../engine/index.ts';
import type { Alert } from '../schemas/index.ts';

/**
 * Live alerts for this instance's SSE clients, read from the `alerts` topic (where the outbox relay
 * publishes every committed alert of every instance), so a client sees the whole cluster's alerts
 * wherever it connects. Each instance reads with its own consumer group from the log end; the last
 * `capacity` alerts stay in memory for reconnects (`Last-Event-ID`). The relay is at-least-once
 * towards Kafka (a crash between publish and delete republishes), so alerts are deduplicated by
 * their deterministic id.
 */
export interface AlertFeed {
  subscribe(listener: (alert: Alert) => void): () => void;
  /** Alerts after the one with `id`, oldest first; undefined when `id` is no longer buffered. */
  since(id: string): Alert[] | undefined;
  stop(): Promise<void>;
}

export async function startAlertFeed(client: Pick<LogClient, 'tail'>, opts: { topic: string; groupId: string; capacity?: number; log?: (l: string) => void }): Promise<AlertFeed> {
  const capacity = opts.capacity ?? 1000;
  const buffer: Alert[] = [];
  const ids = new Set<string>();
  const listeners = new Set<(a: Alert) => void>();
  const receive = (records: TailRecord[]) => {
    for (const r of records) {
      const alert = decodeAlert(r);
      if (!alert) {
        opts.log?.(`alert feed: skipped an undecodable record at ${r.topic}:${r.partition}@${r.offset}`);
        continue;
      }
      if (ids.has(alert.id)) continue;
      ids.add(alert.id);
      buffer.push(alert);
      if (buffer.length > capacity) ids.delete(buffer.shift()!.id);
      for (const l of listeners) l(alert);
    }
  };
  const tail = await client.tail(opts.topic, { from: 'end', groupId: opts.groupId }, receive);
  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    since(id) {
      const i = buffer.findIndex((a) => a.id === id);
      return i < 0 ? undefined : buffer.slice(i + 1);
    },
    async stop() {
      listeners.clear();
      await tail.stop();
    },
  };
}

function decodeAlert(r: TailRecord): Alert | undefined {
  try {
    const alert = JSON.parse(r.value ?? '') as Alert;
    return typeof alert?.id === 'string' ? alert : undefined;
  } catch {
    return undefined;
  }
}
