/**
 * The areas a main-thread CPU profile is grouped by (bench/profile-areas.ts), in priority order:
 * a sample belongs to the first area any frame of its stack matches. The same grouping as the
 * hand-made tables in bench/README.md ("Where the main thread's time goes").
 */
export const AREAS: readonly { area: string; frame: RegExp }[] = [
  { area: 'relay produce', frame: /engine\/outbox-relay|store\/outbox|kafkajs\/src\/producer/ },
  { area: 'local delivery', frame: /engine\/local-delivery/ },
  { area: 'checkpoint', frame: /engine\/checkpoint|store\/checkpoint|store\/json-rows/ },
  { area: 'shard apply', frame: /engine\/shard\/|\/actors\// },
  { area: 'fetch+decode', frame: /kafkajs\/src\/(consumer|protocol\/recordBatch|protocol\/messageSet)|engine\/intake|adapters\/kafkajs\/kafkajs-source/ },
  { area: 'postgres other', frame: /node_modules\/postgres\// },
  { area: 'kafkajs other', frame: /node_modules\/kafkajs\// },
];

/** The parts of Chrome's .cpuprofile format (Bun's --cpu-prof) that the grouping reads. */
export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string }; children?: number[] }[];
  samples: number[];
}

/** Samples per area (and `other`, and `idle` for the profiler's idle frames), largest first. */
export function areaShares(profile: CpuProfile): { area: string; samples: number }[] {
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const areaOfNode = new Map<number, string>();
  const areaOf = (id: number): string => {
    const known = areaOfNode.get(id);
    if (known !== undefined) return known;
    let best = AREAS.length;
    let idle = false;
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)!.callFrame;
      if (at === id && /^\(idle\)$|^\(program\)$/.test(frame.functionName)) idle = true;
      const i = AREAS.findIndex((a) => a.frame.test(frame.url));
      if (i >= 0 && i < best) best = i;
    }
    const area = idle ? 'idle' : best < AREAS.length ? AREAS[best]!.area : 'other';
    areaOfNode.set(id, area);
    return area;
  };
  const counts = new Map<string, number>();
  for (const id of profile.samples) counts.set(areaOf(id), (counts.get(areaOf(id)) ?? 0) + 1);
  return [...counts].map(([area, samples]) => ({ area, samples })).sort((a, b) => b.samples - a.samples);
}
