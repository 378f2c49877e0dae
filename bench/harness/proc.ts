/**
 * CPU time and memory of processes from /proc (Linux): the contender, the broker and Postgres are
 * measured from outside, the same way for every contender whatever its runtime.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times. */
export const CLK_TCK = (() => {
  const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const n = Number(r.stdout?.trim());
  return Number.isFinite(n) && n > 0 ? n : 100;
})();

/** User + system CPU seconds of a live process (all its threads), or undefined when it is gone. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may contain spaces: fields are counted after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return undefined;
  }
}

/** User + system CPU seconds of each thread of a live process, by thread id, with the thread's name. */
export function threadCpuSeconds(pid: number): Map<number, { name: string; seconds: number }> {
  const out = new Map<number, { name: string; seconds: number }>();
  let tids: string[] = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(tid), { name: Number(tid) === pid ? 'main' : name, seconds: (Number(fields[11]) + Number(fields[12])) / CLK_TCK });
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

/**
 * CPU of one process's threads between two samples, as % of one core, grouped by what they are:
 * `main`, each shard `Worker` on its own (Worker 1, 2, … by thread id), and the runtime's helpers
 * by name (JIT, GC, allocator, pools), busiest first. Threads that ended in between are lost.
 */
export function threadCpuBetween(
  a: Map<number, { name: string; seconds: number }>,
  b: Map<number, { name: string; seconds: number }>,
  wallMs: number,
): { name: string; pct: number }[] {
  const groups = new Map<string, number>();
  let worker = 0;
  for (const [tid, t] of [...b].sort(([x], [y]) => x - y)) {
    const used = t.seconds - (a.get(tid)?.seconds ?? 0);
    const name = t.name === 'Worker' ? `Worker ${++worker}` : t.name.replace(/\s*\d+$/, '');
    groups.set(name, (groups.get(name) ?? 0) + used);
  }
  return [...groups]
    .map(([name, seconds]) => ({ name, pct: round((100 * seconds) / Math.max(wallMs / 1000, 0.001), 1) }))
    .filter((g) => g.pct >= 0.5)
    .sort((x, y) => y.pct - x.pct);
}

/** Resident set size now and its peak (VmHWM), in MB; undefined when the process is gone. */
export function memoryMb(pid: number): { rss: number; peak: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

/** CPU seconds of a set of processes at one instant. */
export interface CpuSample {
  atMs: number;
  seconds: Map<number, number>;
}

export function sampleCpu(pids: Iterable<number>): CpuSample {
  const seconds = new Map<number, number>();
  for (const pid of pids) {
    const s = cpuSeconds(pid);
    if (s !== undefined) seconds.set(pid, s);
  }
  return { atMs: Date.now(), seconds };
}

/**
 * CPU used between two samples as a percentage of one core. A process present only in the later
 * sample started in between and counts from zero; one that exited in between is lost (Postgres
 * autovacuum workers, a few ms each).
 */
export function cpuBetween(a: CpuSample, b: CpuSample): { seconds: number; pct: number } {
  let seconds = 0;
  for (const [pid, s] of b.seconds) seconds += s - (a.seconds.get(pid) ?? 0);
  const wall = (b.atMs - a.atMs) / 1000;
  return { seconds: round(seconds, 2), pct: wall > 0 ? round((100 * seconds) / wall, 1) : 0 };
}

/** Live processes whose command name is `comm` (e.g. every Postgres backend and worker of the local server). */
export function pidsNamed(comm: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === comm) out.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

/** User + system CPU seconds of `pids` together, unrounded (those gone count nothing). */
export function cpuSecondsOf(pids: readonly number[]): number {
  let total = 0;
  for (const pid of pids) total += cpuSeconds(pid) ?? 0;
  return total;
}

/** The process listening on a local TCP port (root, or the same user, can read its fds). */
export function listeningPid(port: number): number | undefined {
  const inodes = new Set<string>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== '0A') continue; // 0A = LISTEN
      if (parseInt(f[1]!.split(':')[1]!, 16) === port) inodes.add(f[9]!);
    }
  }
  if (inodes.size === 0) return undefined;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${entry}/fd/${fd}`));
        if (m && inodes.has(m[1]!)) return Number(entry);
      } catch {
        // fd closed meanwhile
      }
    }
  }
  return undefined;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
