import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A directory that lives as long as one process: where the embedded default's PGlite keeps its
 * files. On disk rather than in memory (`memory://`) because PGlite's in-memory file system holds
 * every page ever written in the process's memory, next to the copy in shared_buffers: with the
 * generator running, RSS grew with the database (issue #17). On disk the database grows the
 * directory, and only shared_buffers stay in memory.
 *
 * The name carries the owner's pid, so a directory left behind by a process that died without
 * cleaning up (SIGKILL, crash) is recognised and removed by the next one that starts in the same
 * parent (`removeAbandonedScratchDirs`): nothing in it outlives its process anyway, since the
 * embedded log it checkpoints against is in memory.
 */
export interface ScratchDir {
  readonly path: string;
  /** Removes the directory and everything in it; a second call does nothing. */
  remove(): void;
}

/** Prefix of every scratch directory: `actorstream-pglite-<pid>-<random>`. */
export const SCRATCH_PREFIX = 'actorstream-pglite-';

/**
 * Creates a fresh, empty directory under `parent` (which must exist) for this process.
 * @example
 * const dir = createScratchDir(tmpdir());
 * const pg = await startPgliteServer({ dataDir: dir.path });
 * // … at exit
 * await pg.close();
 * dir.remove();
 */
export function createScratchDir(parent: string, pid: number = process.pid): ScratchDir {
  const path = mkdtempSync(join(parent, `${SCRATCH_PREFIX}${pid}-`));
  let removed = false;
  return {
    path,
    remove() {
      if (removed) return;
      removed = true;
      rmSync(path, { recursive: true, force: true });
    },
  };
}

/**
 * Removes the scratch directories under `parent` whose owning process no longer runs; returns
 * their paths. Directories of live processes (other instances on this host) are left alone.
 */
export function removeAbandonedScratchDirs(parent: string, isAlive: (pid: number) => boolean = processAlive): string[] {
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const pid = ownerOf(name);
    if (pid === undefined || pid === process.pid || isAlive(pid)) continue;
    const path = join(parent, name);
    try {
      rmSync(path, { recursive: true, force: true });
      removed.push(path);
    } catch {
      // Not ours to remove after all (another user's, read-only): leave it.
    }
  }
  return removed;
}

function ownerOf(name: string): number | undefined {
  const m = /^actorstream-pglite-(\d+)-[^/]+$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

/** Signal 0 checks existence only. EPERM: it runs, under another user. */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === 'EPERM';
  }
}
