import { describe, expect, test } from 'bun:test';
import { allocatorReexec } from './allocator.ts';

describe('allocatorReexec', () => {
  test('bun file.ts restarts with its runtime flags, its script and arguments, and the setting', () => {
    const plan = allocatorReexec({
      isBun: true,
      env: { PATH: '/bin' },
      execPath: '/usr/bin/bun',
      execArgv: ['--smol'],
      argv: ['/usr/bin/bun', '/app/cli/main.ts', 'run', '--config', 'p.yaml'],
      canExecve: true,
    });
    expect(plan).toEqual({
      file: '/usr/bin/bun',
      args: ['/usr/bin/bun', '--smol', '/app/cli/main.ts', 'run', '--config', 'p.yaml'],
      env: { PATH: '/bin', MIMALLOC_PURGE_DELAY: '1000' },
    });
  });

  test('a compiled binary restarts with its own arguments only (the embedded entry is its own)', () => {
    const plan = allocatorReexec({
      isBun: true,
      env: {},
      execPath: '/app/actorstream',
      execArgv: [],
      argv: ['bun', '/$bunfs/root/actorstream', 'run'],
      canExecve: true,
    });
    expect(plan?.args).toEqual(['/app/actorstream', 'run']);
  });

  test('an environment that sets MIMALLOC_PURGE_DELAY, to anything, is left alone', () => {
    for (const value of ['-1', '10', '']) {
      expect(allocatorReexec({ isBun: true, env: { MIMALLOC_PURGE_DELAY: value }, execPath: 'bun', execArgv: [], argv: ['bun', 'x.ts'], canExecve: true })).toBeUndefined();
    }
  });

  test('Deno, or a runtime without execve, runs as it is', () => {
    expect(allocatorReexec({ isBun: false, env: {}, execPath: 'deno', execArgv: [], argv: ['deno', 'x.ts'], canExecve: true })).toBeUndefined();
    expect(allocatorReexec({ isBun: true, env: {}, execPath: 'bun', execArgv: [], argv: ['bun', 'x.ts'], canExecve: false })).toBeUndefined();
  });
});
