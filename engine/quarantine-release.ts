import type { CheckpointerContext } from './checkpointer.ts';
import type { Owned } from './owned-shard.ts';

/** What releasing a quarantined entity came to (Processor.release). */
export type ReleaseOutcome =
  | { kind: 'not-owned' }
  | { kind: 'not-quarantined' }
  | {
      kind: 'released';
      /** Parked inputs there were, applied, and skipped as already applied. */
      parked: number;
      applied: number;
      duplicates: number;
      /** Null when the entity is healthy again; else the error of the parked input that threw again (it and the rest stay parked). */
      quarantine: string | null;
    };

/** A release asked of a shard, carried out by its next checkpoint (see runReleases). */
export interface QueuedRelease {
  key: string;
  resolve(outcome: ReleaseOutcome): void;
  reject(error: Error): void;
}

type ReleaseContext = Pick<CheckpointerContext, 'store' | 'isCurrent' | 'log'>;

/**
 * Carries out the releases queued on shard `id`, between two of its checkpoints. It runs right after
 * a commit of the shard (`committed`), inside the checkpointer's one-pass-at-a-time order, so no
 * delta of the shard is in flight: every input parked up to that commit is in Postgres, and the
 * worker holds those parked since. The worker applies both (engine/shard/release.ts), and
 * `commitNext` commits the result — states, effects, lifted quarantine and the deletion of the
 * applied rows in one transaction (it returns the keys Postgres refused, or undefined when the
 * commit failed). A crash before it leaves the entity quarantined with its inputs
 * parked; a release asked again then starts over. Nothing is applied twice.
 */
export async function runReleases(ctx: ReleaseContext, id: string, o: Owned, committed: boolean, commitNext: () => Promise<readonly string[] | undefined>): Promise<void> {
  const queued = o.releases!.splice(0);
  if (!committed || !ctx.isCurrent(id, o)) {
    for (const q of queued) q.reject(new Error(`shard ${id} could not be committed before the release; nothing was released — ask again`));
    return;
  }
  const done: [QueuedRelease, ReleaseOutcome][] = [];
  for (const q of queued) {
    try {
      done.push([q, await releaseOne(ctx, id, o, q.key)]);
    } catch (e) {
      q.reject(e as Error);
    }
  }
  if (!done.some(([, r]) => r.kind === 'released')) return done.forEach(([q, r]) => q.resolve(r));
  const refused = await commitNext();
  for (const [q, r] of done) {
    if (r.kind !== 'released') q.resolve(r);
    else if (!refused) q.reject(new Error(`the release of ${o.actor.type} '${q.key}' was not committed (the shard is restored from its last checkpoint, where the entity is still quarantined) — ask again`));
    else if (refused.includes(q.key)) q.resolve({ ...r, applied: 0, quarantine: UNSTORABLE_AGAIN });
    else q.resolve(r);
  }
}

/** A released state Postgres refused: the entity stays quarantined and its inputs parked (engine/checkpoint-isolation.ts). */
const UNSTORABLE_AGAIN = 'UNSTORABLE: Postgres refused the released state; the entity stays quarantined with its inputs parked';

async function releaseOne(ctx: ReleaseContext, id: string, o: Owned, key: string): Promise<ReleaseOutcome> {
  const type = o.actor.type;
  const [parked, [stored], live] = await Promise.all([ctx.store.parkedInputs(type, key), ctx.store.loadStates(type, [key]), o.host.query(id, key)]);
  const quarantined = typeof live === 'object' ? live.quarantine !== null : stored?.quarantine != null;
  if (!quarantined && parked.length === 0) return { kind: 'not-quarantined' };
  // The host is addressed by shard id: a holding replaced during the reads above must not release in its successor.
  if (!ctx.isCurrent(id, o)) throw new Error(`shard ${id} was restored meanwhile; nothing was released — ask again`);
  const result = await o.host.release(id, key, parked, stored, Date.now());
  if (!result) throw new Error(`shard ${id} is no longer open on this instance — ask again`);
  return { kind: 'released', parked: parked.length, ...result };
}
