import { readFileSync } from 'node:fs';

/** Resident memory of a process by kind (/proc/<pid>/status), in MB. */
export interface ResidentMb {
  rss: number;
  /** Private anonymous pages: heaps, allocator arenas, WASM memory. */
  anon: number;
  /** Pages of mapped files: the executable, shared libraries. */
  file: number;
}

export function residentOf(pid: number): ResidentMb {
  const fields = new Map(readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').map((l) => {
    const [name, value] = l.split(':');
    return [name!, Number(value?.trim().split(/\s+/)[0] ?? NaN) / 1024] as const;
  }));
  return { rss: fields.get('VmRSS') ?? NaN, anon: fields.get('RssAnon') ?? NaN, file: fields.get('RssFile') ?? NaN };
}

/** Resident kB of each mapping (/proc/<pid>/smaps), keyed by its start address and what it maps. */
export function mappingsOf(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  let current: string | undefined;
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const header = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (header) {
      const sizeMb = (parseInt(header[2]!, 16) - parseInt(header[1]!, 16)) / 2 ** 20;
      current = `${header[1]} ${header[3] || '[anon]'} (${sizeMb.toFixed(0)} MB mapped)`;
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss && current) out.set(current, Number(rss[1]));
  }
  return out;
}

/**
 * The mappings whose resident size changed most between two snapshots, largest first (MB):
 * tells whether growth is one arena (an allocator keeping pages, WASM memory) or spread out.
 */
export function largestChanges(before: Map<string, number>, after: Map<string, number>, n: number): { mapping: string; mb: number }[] {
  const names = new Set([...before.keys(), ...after.keys()]);
  return [...names]
    .map((mapping) => ({ mapping, mb: ((after.get(mapping) ?? 0) - (before.get(mapping) ?? 0)) / 1024 }))
    .sort((a, b) => Math.abs(b.mb) - Math.abs(a.mb))
    .slice(0, n);
}
