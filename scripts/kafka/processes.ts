import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';

/** How long a broker gets to shut down cleanly after SIGTERM before it is killed. */
const STOP_GRACE_MS = 15_000;

/** SIGTERM (Kafka then shuts down cleanly), SIGKILL if it is still there after the grace period. */
export async function terminate(target: ChildProcess | number | undefined, exited: () => boolean): Promise<void> {
  const pid = typeof target === 'number' ? target : target?.pid;
  if (pid === undefined || exited()) return;
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(pid, s);
    } catch {
      // already gone
    }
  };
  signal('SIGTERM');
  if (await until(exited, STOP_GRACE_MS)) return;
  signal('SIGKILL');
  await until(exited, 5_000);
}

/**
 * Kills the broker and removes its data when this process ends without calling `stop()`: on normal
 * exit, and on SIGINT/SIGTERM, after which the signal is raised again so the process still dies of it.
 */
export function cleanUpOnExit(dir: string, child: () => ChildProcess | undefined): () => void {
  const cleanUp = () => {
    const pid = child()?.pid;
    try {
      if (pid !== undefined) process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
    removeDir(dir);
  };
  const onSignal = (s: NodeJS.Signals) => {
    try {
      cleanUp();
    } finally {
      forget();
      if (process.listenerCount(s) === 0) process.kill(process.pid, s);
    }
  };
  const forget = () => {
    process.off('exit', cleanUp);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
  process.on('exit', cleanUp);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return forget;
}

/** A just-killed broker may still be closing files: retry instead of failing on ENOTEMPTY. */
export function removeDir(dir: string): void {
  try {
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  } catch {
    // a leftover directory in the temp dir is not worth failing a run for
  }
}

/** Whether `pid` is a live Kafka broker, so a recycled pid is never signalled. */
export function isBroker(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const proc = `/proc/${pid}`;
  if (!existsSync(proc)) return true; // no procfs (macOS): trust the pid
  try {
    const zombie = / Z /.test(readFileSync(`${proc}/stat`, 'utf8').replace(/^.*\)/, ''));
    return !zombie && readFileSync(`${proc}/cmdline`, 'utf8').includes('kafka.Kafka');
  } catch {
    return false;
  }
}

async function until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}
