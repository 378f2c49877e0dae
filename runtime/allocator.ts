/**
 * Bun's allocator (mimalloc) returns freed pages to the operating system after a short delay, and
 * the hot path allocates and frees large buffers per batch (fetches, postgres.js's statement
 * buffers, worker messages): every batch then pays page faults and zero-filling for memory it had a
 * moment ago. `MIMALLOC_PURGE_DELAY=-1` keeps freed pages. Measured side by side (bench/README.md,
 * "Allocator at start"): backlog events/s ×1.65–2.2 on Bun, ~140 MB more peak RSS; the processor's
 * CPU per event less than half.
 *
 * mimalloc reads the setting once, when the process starts, so a process started without it
 * replaces itself (execve: same pid, same stdio, same signals — a supervisor or a SIGKILL test sees
 * no difference) with one that has it. `actorstream run` does so against Kafka and Postgres only:
 * the embedded default's start-up peak (~1 GB of external memory in its first second) would stay
 * resident for good (RSS 718 MB instead of 262 MB ten seconds in).
 *
 * Left alone: Deno (V8 and its allocator have no such option), a runtime without `process.execve`,
 * and any process whose environment sets MIMALLOC_PURGE_DELAY already, to whatever value — that is
 * how an operator (or a bench contender) chooses mimalloc's own default instead.
 */

/** The mimalloc setting this runtime starts with. */
export const PURGE_DELAY = '-1';

interface ReexecRuntime {
  isBun: boolean;
  env: Record<string, string | undefined>;
  execPath: string;
  execArgv: readonly string[];
  argv: readonly string[];
  /** The runtime can replace this process in place (`process.execve`). */
  canExecve: boolean;
}

type Execve = (file: string, args: string[], env: Record<string, string | undefined>) => never;

/**
 * What to execve for the allocator setting, or undefined when this process keeps running as it is.
 * A compiled binary's argv[1] is its embedded entry (`/$bunfs/root/…`), which the binary supplies
 * itself; `bun file.ts` needs its runtime flags (`--smol`, `--cpu-prof`) and the script again.
 */
export function allocatorReexec(rt: ReexecRuntime): { file: string; args: string[]; env: Record<string, string | undefined> } | undefined {
  if (!rt.isBun || rt.env.MIMALLOC_PURGE_DELAY !== undefined || !rt.canExecve) return undefined;
  const compiled = rt.argv[1]?.startsWith('/$bunfs/') ?? false;
  const args = compiled ? [rt.execPath, ...rt.argv.slice(2)] : [rt.execPath, ...rt.execArgv, ...rt.argv.slice(1)];
  return { file: rt.execPath, args, env: { ...rt.env, MIMALLOC_PURGE_DELAY: PURGE_DELAY } };
}

/** Restarts this process in place with the allocator setting, when it needs one (see above); returns otherwise. */
export function configureAllocator(): void {
  const proc = process as typeof process & { execve?: Execve };
  const plan = allocatorReexec({
    isBun: 'Bun' in globalThis,
    env: process.env,
    execPath: process.execPath,
    execArgv: process.execArgv,
    argv: process.argv,
    canExecve: typeof proc.execve === 'function',
  });
  if (plan) proc.execve!(plan.file, plan.args, plan.env);
}
