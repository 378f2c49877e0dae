import { describe, expect, test } from 'bun:test';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { SCRATCH_PREFIX, createScratchDir, removeAbandonedScratchDirs } from './scratch-dir.ts';

const parent = () => mkdtempSync(join(tmpdir(), 'actorstream-scratch-test-'));

describe('scratch directories of the embedded PGlite', () => {
  test('a fresh empty directory under the parent, named after this process; remove() deletes it with its files, once', () => {
    const p = parent();
    const dir = createScratchDir(p);
    expect(dirname(dir.path)).toBe(p);
    expect(basename(dir.path)).toStartWith(`${SCRATCH_PREFIX}${process.pid}-`);
    expect(readdirSync(dir.path)).toEqual([]);
    mkdirSync(join(dir.path, 'base'));
    writeFileSync(join(dir.path, 'base', '1'), 'page');
    dir.remove();
    expect(existsSync(dir.path)).toBe(false);
    dir.remove();
  });

  test('two in one parent never share a directory', () => {
    const p = parent();
    expect(createScratchDir(p).path).not.toBe(createScratchDir(p).path);
  });

  test('directories of processes that no longer run are removed; live owners, this process and other names are left', () => {
    const p = parent();
    const dead = createScratchDir(p, 111).path;
    const live = createScratchDir(p, 222).path;
    const mine = createScratchDir(p).path;
    const other = join(p, 'actorstream-pglite-notapid-x');
    mkdirSync(other);
    const removed = removeAbandonedScratchDirs(p, (pid) => pid === 222);
    expect(removed).toEqual([dead]);
    expect([existsSync(dead), existsSync(live), existsSync(mine), existsSync(other)]).toEqual([false, true, true, true]);
  });

  test('by default "no longer runs" asks the OS: an exited child is gone, our parent process runs', () => {
    const p = parent();
    const exited = spawnSync(process.execPath, ['--version']).pid;
    const gone = createScratchDir(p, exited).path;
    const running = createScratchDir(p, process.ppid).path;
    expect(removeAbandonedScratchDirs(p)).toEqual([gone]);
    expect(existsSync(running)).toBe(true);
  });

  test('a parent that does not exist has nothing to remove', () => {
    expect(removeAbandonedScratchDirs(join(parent(), 'missing'))).toEqual([]);
  });
});
