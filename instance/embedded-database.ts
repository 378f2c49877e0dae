import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createScratchDir, removeAbandonedScratchDirs, startPgliteServer, type PgliteServer } from '../adapters/embedded/index.ts';

/** `embedded.data_dir` / EMBEDDED_DATA_DIR value that keeps PGlite's files in memory. */
export const IN_MEMORY = 'memory';

/**
 * The embedded default's Postgres: PGlite in a scratch directory of its own under `parent`
 * (default the OS temp directory), removed when the server closes, or in memory with `memory`.
 * Why on disk: PGlite's in-memory file system keeps every page of a database that only grows
 * (orders, alerts, read models) in the process's memory (issue #17). Why scratch: the in-process
 * log restarts empty, so a database that outlived it would hold offsets of records that no longer
 * exist. Scratch directories left by a killed process are removed first.
 */
export async function startEmbeddedDatabase(parent: string = tmpdir(), log: (line: string) => void = () => {}): Promise<PgliteServer> {
  if (parent === IN_MEMORY) return startPgliteServer();
  mkdirSync(parent, { recursive: true });
  for (const path of removeAbandonedScratchDirs(parent)) log(`[embedded] removed ${path}, left by a process that no longer runs`);
  const dir = createScratchDir(parent);
  try {
    const pg = await startPgliteServer({ dataDir: dir.path });
    return {
      ...pg,
      async close() {
        await pg.close();
        dir.remove();
      },
    };
  } catch (e) {
    dir.remove();
    throw e;
  }
}
