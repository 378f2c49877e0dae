import { spawn, type ChildProcess } from 'node:child_process';

/**
 * A processor running as a real OS process (`bun instance/processor-main.ts`), so tests can stop it
 * with SIGTERM, SIGKILL or SIGSTOP exactly as an operator or a crash would.
 */
export interface ProcessorProcess {
  readonly pid: number;
  readonly output: string[];
  kill(signal: NodeJS.Signals): void;
  exited(): Promise<number | null>;
}

/** `script`: the process's entry (tests/support/throttled-processor-main.ts reads a partition slowly). */
export async function spawnProcessor(env: Record<string, string>, readyTimeoutMs = 60_000, script = 'instance/processor-main.ts'): Promise<ProcessorProcess> {
  const child: ChildProcess = spawn('node_modules/.bin/bun', [script], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`processor not ready in ${readyTimeoutMs} ms:\n${output.join('')}`)), readyTimeoutMs);
    const onData = (chunk: Buffer) => {
      output.push(chunk.toString());
      if (process.env.PROCESSOR_OUTPUT) process.stderr.write(chunk);
      if (/^ready$/m.test(chunk.toString())) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (c: Buffer) => {
      output.push(c.toString());
      if (process.env.PROCESSOR_OUTPUT) process.stderr.write(c);
    });
    void exit.then((code) => {
      clearTimeout(timer);
      reject(new Error(`processor exited with ${code} before ready:\n${output.join('')}`));
    });
  });
  return {
    pid: child.pid!,
    output,
    kill: (signal) => void child.kill(signal),
    exited: () => exit,
  };
}
