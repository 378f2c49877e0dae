import type { Membership } from './membership.ts';
import type { Owned } from './owned-shard.ts';
import type { TopicAdmin } from './topic-admin.ts';

/**
 * Measures source partitions' ends again for shards whose inbox records wait on an end older than
 * the records (engine/shard/inbox-gate.ts). A source partition with nothing new is not fetched, so
 * the end its shard knows can predate the records; a measurement started after they were received
 * settles it: either the source has more to read first, or it is caught up and they pass.
 *
 * One measurement per source topic at a time (a ListOffsets of the whole topic serves each of its
 * partitions held here), at most one every MIN_INTERVAL_MS: a live shard whose source is quiet asks
 * with every inbox batch. Shards asking while one runs are measured by the next.
 */
export const MIN_INTERVAL_MS = 20;

export interface SourceEndsDeps {
  admin: Pick<TopicAdmin, 'offsets'>;
  membership: Pick<Membership, 'held'>;
  /** The shard's topics: [source, inbox]. */
  topicsOf(o: Owned): string[];
  /** After `o`'s end was noted: offer what waits to the shard again. */
  measured(o: Owned): Promise<void> | void;
  log(line: string): void;
}

export class SourceEnds {
  /** Shards waiting for the next measurement of their source topic. */
  #waiting = new Map<string, Set<Owned>>();
  #running = new Set<string>();
  #lastStart = new Map<string, number>();
  /** Topics whose last measurement failed: said once, not every MIN_INTERVAL_MS while the broker is away. */
  #failing = new Set<string>();
  #stopped = false;

  constructor(private readonly deps: SourceEndsDeps) {}

  /** `o` has inbox records waiting on a stale end of its source partition: measure it (soon). */
  request(o: Owned): void {
    if (this.#stopped) return;
    const topic = this.deps.topicsOf(o)[0]!;
    let waiting = this.#waiting.get(topic);
    if (!waiting) this.#waiting.set(topic, (waiting = new Set()));
    waiting.add(o);
    if (!this.#running.has(topic)) void this.#run(topic);
  }

  /** When the latest measurement of `o`'s source topic started (-Infinity before any): records received before it may pass for caught up. */
  measuredAt(o: Owned): number {
    return this.#lastStart.get(this.deps.topicsOf(o)[0]!) ?? -Infinity;
  }

  stop(): void {
    this.#stopped = true;
  }

  async #run(topic: string): Promise<void> {
    this.#running.add(topic);
    try {
      while (!this.#stopped && (this.#waiting.get(topic)?.size ?? 0) > 0) {
        const wait = (this.#lastStart.get(topic) ?? -Infinity) + MIN_INTERVAL_MS - Date.now();
        // At least a turn of the event loop: shards asking in the same one share the measurement.
        await (wait > 0 ? new Promise((r) => setTimeout(r, wait)) : Promise.resolve());
        if (this.#stopped) break;
        const shards = [...this.#waiting.get(topic)!];
        this.#waiting.delete(topic);
        await this.#measure(topic, shards);
      }
    } finally {
      this.#running.delete(topic);
    }
  }

  async #measure(topic: string, shards: Owned[]): Promise<void> {
    const startedAt = Date.now(); // every end below is at least as fresh as this
    this.#lastStart.set(topic, startedAt);
    let ends: { partition: number; high: number }[];
    try {
      ends = await this.deps.admin.offsets(topic);
    } catch (e) {
      // The records keep waiting; the shard asks again when they are next offered.
      if (!this.#failing.has(topic)) this.deps.log(`could not measure the end of ${topic} (inbox records wait for it; said once until it works again): ${(e as Error).message}`);
      this.#failing.add(topic);
      return;
    }
    if (this.#failing.delete(topic)) this.deps.log(`measured the end of ${topic} again`);
    for (const o of shards) {
      const end = ends.find((x) => x.partition === o.partition);
      if (this.#stopped || !end || this.deps.membership.held(o.id) !== o) continue;
      try {
        await o.host.noteSourceEnd(o.id, end.high, startedAt);
        await this.deps.measured(o);
      } catch (e) {
        // Retired or closed meanwhile: its next owner measures the end when it takes the shard.
        if (this.deps.membership.held(o.id) === o) this.deps.log(`could not note the end of ${topic}[${o.partition}] for ${o.id}: ${(e as Error).message}`);
      }
    }
  }
}
