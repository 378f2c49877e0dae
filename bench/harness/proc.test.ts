import { expect, test } from 'bun:test';
import { threadCpuBetween, threadCpuSeconds } from './proc.ts';

test('thread CPU is grouped as main, each shard worker, and the runtime helpers by name, busiest first', () => {
  const t = (name: string, seconds: number) => ({ name, seconds });
  const a = new Map([[10, t('main', 1)], [11, t('Worker', 0)], [12, t('Worker', 1)], [13, t('JITWorker', 0)], [14, t('Bun Pool 0', 0)], [15, t('Bun Pool 1', 0)]]);
  const b = new Map([[10, t('main', 2.5)], [11, t('Worker', 0.8)], [12, t('Worker', 2)], [13, t('JITWorker', 0.2)], [14, t('Bun Pool 0', 0.1)], [15, t('Bun Pool 1', 0.1)], [16, t('Worker', 0.5)]]);
  expect(threadCpuBetween(a, b, 2_000)).toEqual([
    { name: 'main', pct: 75 },
    { name: 'Worker 2', pct: 50 },
    { name: 'Worker 1', pct: 40 },
    { name: 'Worker 3', pct: 25 }, // started between the samples: counted from zero
    { name: 'JITWorker', pct: 10 },
    { name: 'Bun Pool', pct: 10 },
  ]);
});

test('the threads of this very process are read from /proc, the main one named main', () => {
  const threads = threadCpuSeconds(process.pid);
  expect(threads.get(process.pid)?.name).toBe('main');
  expect(threadCpuSeconds(2 ** 30).size).toBe(0); // no such process
});
