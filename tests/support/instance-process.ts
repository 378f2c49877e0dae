import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/**
 * A whole instance (`actorstream run`: processor + HTTP API) as a real OS process, so tests reach
 * it over HTTP and can SIGKILL it like a crash. Resolves once GET /readyz answers 200.
 */
export interface InstanceProcess {
  readonly pid: number;
  readonly url: string;
  readonly output: string[];
  kill(signal: NodeJS.Signals): void;
  exited(): Promise<number | null>;
}

export async function spawnInstance(env: Record<string, string>, opts: { readyTimeoutMs?: number; command?: string[] } = {}): Promise<InstanceProcess> {
  const port = Number(env.HTTP_PORT ?? (await freePort()));
  const [cmd, ...args] = opts.command ?? ['node_modules/.bin/bun', 'cli/main.ts', 'run'];
  const child: ChildProcess = spawn(cmd!, args, { env: { ...process.env, ...env, HTTP_PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const onData = (chunk: Buffer) => {
    output.push(chunk.toString());
    if (process.env.PROCESSOR_OUTPUT) process.stderr.write(chunk);
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  let exitCode: number | null | undefined;
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve((exitCode = code))));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 90_000);
  for (;;) {
    if (exitCode !== undefined) throw new Error(`instance exited with ${exitCode} before ready:\n${output.join('')}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`instance not ready in time:\n${output.join('')}`);
    }
    const ok = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1000) }).then((r) => r.status === 200, () => false);
    if (ok) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  return { pid: child.pid!, url, output, kill: (s) => void child.kill(s), exited: () => exit };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Polls `check` until it returns a value (not undefined), or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 30_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${last}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
