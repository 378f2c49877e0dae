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

/** What the JS heap holds after a full collection, and the process's memory before and after it. */
export interface HeapCensus {
  before: NodeJS.MemoryUsage;
  after: NodeJS.MemoryUsage;
  /** Bun only (JSC's heap statistics): live objects, and the most common object types. */
  objects?: { count: number; bytes: number; commonTypes: [string, number][] };
}

/** A heap census: full collection, memory before and after, and on Bun the live objects by type. */
export async function heapCensus(): Promise<HeapCensus> {
  const before = process.memoryUsage();
  fullGc();
  const census: HeapCensus = { before, after: process.memoryUsage() };
  if (!g.Bun) return census;
  const { heapStats } = await import('bun:jsc');
  const h = heapStats();
  const commonTypes = Object.entries(h.objectTypeCounts as Record<string, number>).sort((a, b) => b[1] - a[1]).slice(0, 25);
  census.objects = { count: h.objectCount, bytes: h.heapSize, commonTypes };
  return census;
}
