import { afterEach } from 'bun:test';
import { createPipelineEnv, waitUntilSettled, type PipelineEnv } from './pipeline-env.ts';
import { spawnProcessor, type ProcessorProcess } from './processor-process.ts';

/**
 * Runs one processor of `e` as `owner` (with `opts.env` on top of the env's) until the pipeline has
 * settled (`waitUntilSettled`, its default bound unless `opts.timeoutMs`), then stops it with SIGTERM.
 */
export async function runUntilSettled(e: PipelineEnv, owner: string, opts: { timeoutMs?: number; env?: Record<string, string> } = {}): Promise<void> {
  const p = await spawnProcessor({ ...e.processorEnv(owner), ...opts.env });
  try {
    await waitUntilSettled(e, opts.timeoutMs);
  } finally {
    p.kill('SIGTERM');
    await p.exited();
  }
}

/**
 * The processor processes a test file has running: started for an env and owner id, stopped by a
 * signal (and forgotten once exited), and whatever a failed test left running killed in `afterEach`.
 */
export class SpawnedProcessors {
  private readonly running: ProcessorProcess[] = [];

  /** Starts a processor of `e` as `owner`, with `extra` environment on top of the env's; `script`: see spawnProcessor. */
  readonly start = async (e: Pick<PipelineEnv, 'processorEnv'>, owner: string, extra: Record<string, string> = {}, script?: string): Promise<ProcessorProcess> => {
    const p = await spawnProcessor({ ...e.processorEnv(owner), ...extra }, undefined, script);
    this.running.push(p);
    return p;
  };

  /** Sends `signal` and waits for the process to exit. */
  readonly stop = async (p: ProcessorProcess, signal: NodeJS.Signals): Promise<void> => {
    p.kill(signal);
    await p.exited();
    const i = this.running.indexOf(p);
    if (i >= 0) this.running.splice(i, 1);
  };

  /** SIGKILLs every process still running (a test's `afterEach`). */
  killAll(): void {
    for (const p of this.running.splice(0)) p.kill('SIGKILL');
  }
}

/** What a broker test file shares: see `brokerTestRun`. */
export interface BrokerTestRun {
  /** Creates the running test's pipeline env (fresh topics and database); closed after the test. */
  open(partitions: number): Promise<PipelineEnv>;
  readonly processes: SpawnedProcessors;
  readonly start: SpawnedProcessors['start'];
  readonly stop: SpawnedProcessors['stop'];
}

/**
 * The set-up every broker test file with spawned processors repeats: an env per test, opened by
 * the test, and after each test whatever it left running SIGKILLed and the env closed. Call it
 * once at the top of the file (it registers the `afterEach`).
 */
export function brokerTestRun(): BrokerTestRun {
  const processes = new SpawnedProcessors();
  let env: PipelineEnv | undefined;
  afterEach(async () => {
    processes.killAll();
    await env?.close();
    env = undefined;
  });
  return {
    open: async (partitions) => (env = await createPipelineEnv(partitions)),
    processes,
    start: processes.start,
    stop: processes.stop,
  };
}
