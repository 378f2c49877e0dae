/** The machine a run measured, for the report: cores, memory, CPU model, runtimes. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../scripts/kafka/jars.ts';

export interface Machine {
  nproc: number;
  memoryGb: number;
  cpuModel: string;
  kernel: string;
  bun: string;
  deno: string;
  java: string;
  postgres?: string;
}

export function describeMachine(postgresVersion?: string): Machine {
  const cpuinfo = safe(() => readFileSync('/proc/cpuinfo', 'utf8'), '');
  return {
    nproc: availableParallelism(),
    memoryGb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    cpuModel: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? 'unknown',
    kernel: release(),
    bun: version(join(REPO_ROOT, 'node_modules', '.bin', 'bun'), ['--version']),
    deno: version(join(REPO_ROOT, 'node_modules', '.bin', 'deno'), ['--version']).split('\n')[0]!,
    java: version('java', ['-version']).split('\n')[0]!,
    postgres: postgresVersion,
  };
}

function version(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return ((r.stdout || '') + (r.stderr || '')).trim() || 'not found';
}

function safe<T>(fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch {
    return fallback;
  }
}
