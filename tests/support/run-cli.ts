import { spawn } from 'node:child_process';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `bun cli/main.ts <args>` as an operator would, with `env` over this process's environment and `stdin` fed in. */
export function runCli(args: string[], env: Record<string, string | undefined>, stdin = ''): Promise<CliResult> {
  const child = spawn('node_modules/.bin/bun', ['cli/main.ts', ...args], { env: { ...process.env, ...env } as NodeJS.ProcessEnv, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c));
  child.stderr.on('data', (c: Buffer) => (stderr += c));
  child.stdin.end(stdin);
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}
