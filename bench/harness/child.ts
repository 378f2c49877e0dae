/**
 * A contender child process speaking the JSON-lines protocol of bench/contenders/protocol.ts:
 * waits for its `ready` and `done` lines, keeps its stderr tail for error messages, stops it.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface ContenderMessage {
  event: string;
  [k: string]: unknown;
}

export interface ContenderProcess {
  readonly pid: number;
  /** Resolves with the next protocol line of this kind; rejects on `error` or exit. */
  waitFor(event: 'ready' | 'done', timeoutMs: number): Promise<ContenderMessage>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
  kill(): Promise<void>;
  stderrTail(): string;
}

export function spawnContender(cmd: string, args: string[], env: Record<string, string>, opts: { echo?: boolean } = {}): ContenderProcess {
  const child: ChildProcess = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const messages: ContenderMessage[] = [];
  const waiters: { event: string; resolve(m: ContenderMessage): void; reject(e: Error): void }[] = [];
  let stderr = '';
  let failure: Error | undefined;
  let signal: NodeJS.Signals | null = null;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code, sig) => ((signal = sig), resolve(code))));
  child.once('error', (e) => fail(new Error(`could not start ${cmd}: ${e.message}`)));

  let buffered = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl).trim();
      buffered = buffered.slice(nl + 1);
      if (!line.startsWith('{')) {
        stderr = (stderr + `[stdout] ${line}\n`).slice(-20_000);
        continue;
      }
      let m: ContenderMessage;
      try {
        m = JSON.parse(line) as ContenderMessage;
      } catch {
        continue;
      }
      if (m.event === 'error') fail(new Error(`${cmd} reported: ${String(m.message)}\n${tail()}`));
      else deliver(m);
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-20_000);
    if (opts.echo) process.stderr.write(chunk);
  });
  void exited.then((code) => fail(new Error(`${cmd} ${args.join(' ')} ${code === null ? `was killed by ${signal}` : `exited with ${code}`}\n${tail()}`)));

  function deliver(m: ContenderMessage): void {
    const i = waiters.findIndex((w) => w.event === m.event);
    if (i >= 0) waiters.splice(i, 1)[0]!.resolve(m);
    else messages.push(m);
  }
  function fail(e: Error): void {
    failure ??= e;
    for (const w of waiters.splice(0)) w.reject(failure);
  }
  function tail(): string {
    return stderr.split('\n').slice(-25).join('\n');
  }

  return {
    pid: child.pid ?? -1,
    waitFor(event, timeoutMs) {
      const i = messages.findIndex((m) => m.event === event);
      if (i >= 0) return Promise.resolve(messages.splice(i, 1)[0]!);
      if (failure) return Promise.reject(failure);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no '${event}' from ${cmd} within ${timeoutMs} ms\n${tail()}`)), timeoutMs);
        waiters.push({
          event,
          resolve: (m) => (clearTimeout(timer), resolve(m)),
          reject: (e) => (clearTimeout(timer), reject(e)),
        });
      });
    },
    async stop(graceMs = 30_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      failure ??= new Error('stopped');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
    async kill() {
      failure ??= new Error('killed');
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    stderrTail: tail,
  };
}
