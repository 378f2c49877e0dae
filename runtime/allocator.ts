/**
 * Bun's allocator (mimalloc) returns freed pages to the operating system ~10 ms after they fall
 * idle, and the hot path allocates and frees large buffers per batch (fetches, postgres.js's
 * statement buffers, worker messages): every batch then pays page faults and zero-filling for
 * memory it had a moment ago. A purge delay of one second keeps pages across batches and still
 * returns a peak once it is over. Measured side by side (bench/README.md, "Allocator at start"):
 * backlog events/s ×1.65–2.2 on Bun for keeping pages, and a 1 s delay as fast as keeping them for
 * good (39.3k vs 39.7k median) with ~90 MB less peak RSS.
 *
 * mimalloc reads the setting once, when the process starts, so a process started without it
 * replaces itself (execve: same pid, same stdio, same signals — a supervisor or a SIGKILL test sees
 * no difference) with one that has it. `actorstream run` does so against Kafka and Postgres only:
 * the embedded default at 2,000 events/s spent the same CPU either way, and one soak with the
 * setting grew its RSS by ~300 MB after 15 minutes (a second one did not; see bench/README.md), so
 * it keeps mimalloc's default.
 *
 * Left alone: Deno (V8 and its allocator have no such option), a runtime without `process.execve`,
 * and any process whose environment sets MIMALLOC_PURGE_DELAY already, to whatever value — that is
 * how an operator (or a bench contender) chooses another setting (`-1`: never return pages; `10`:
 * mimalloc's own default).
 */

/** The mimalloc setting this runtime starts with. */
export const PURGE_DELAY = '1000';

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
