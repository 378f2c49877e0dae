/**
 * Progress of `actorstream analytics rebuild`, on stderr: a bar on a terminal, a line every 5 s
 * otherwise (logs, CI). Same look as `actorstream ingest`.
 */
import { Presets, SingleBar } from 'cli-progress';

export interface RebuildProgress {
  update(done: number): void;
  stop(): void;
}

export function createRebuildProgress(table: string, total: number): RebuildProgress {
  if (process.stderr.isTTY) {
    const bar = new SingleBar({ format: `${table} {bar} {percentage}% | {value}/{total} entities | eta {eta_formatted}`, stream: process.stderr, hideCursor: true, fps: 5 }, Presets.shades_classic);
    bar.start(total, 0);
    return { update: (done) => bar.update(done), stop: () => bar.stop() };
  }
  let last = Date.now();
  return {
    update(done) {
      if (Date.now() - last < 5_000) return;
      last = Date.now();
      process.stderr.write(`${table}: ${done}/${total} entities\n`);
    },
    stop() {},
  };
}
