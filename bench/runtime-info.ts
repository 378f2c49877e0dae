/**
 * The few runtime-specific calls the benchmarks need, behind feature detection, so every bench
 * runs unchanged on Bun and on Deno (STYLE 6: no `Bun.*` / `Deno.*` outside one place).
 */
const g = globalThis as { Bun?: { version: string; gc(force: boolean): void }; Deno?: { version: { deno: string } }; gc?: () => void };

/** e.g. `bun 1.4.4` or `deno 2.9.6`. */
export function runtimeName(): string {
  if (g.Bun) return `bun ${g.Bun.version}`;
  if (g.Deno) return `deno ${g.Deno.version.deno}`;
  return 'unknown runtime';
}

/** A full, synchronous garbage collection where the runtime offers one (Deno: with --v8-flags=--expose-gc). */
export function fullGc(): void {
  if (g.Bun) g.Bun.gc(true);
  else g.gc?.();
}
