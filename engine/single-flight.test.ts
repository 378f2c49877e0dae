import { describe, expect, test } from 'bun:test';
import { SingleFlight } from './single-flight.ts';

describe('SingleFlight', () => {
  test('requests during a run share one more run after it; each resolves after a run that began after it', async () => {
    const log: string[] = [];
    const gates: (() => void)[] = [];
    const f = new SingleFlight(async () => {
      log.push(`run ${gates.length + 1}`);
      await new Promise<void>((r) => gates.push(r));
    });
    const first = f.run();
    const second = f.run();
    const third = f.run();
    let done = 0;
    for (const p of [first, second, third]) void p.then(() => done++);
    gates[0]!();
    await new Promise((r) => setTimeout(r, 0));
    expect(log).toEqual(['run 1', 'run 2']);
    expect(done).toBe(0);
    gates[1]!();
    await Promise.all([first, second, third]);
    expect(log).toEqual(['run 1', 'run 2']);
  });

  test('a failed run rejects its requests and leaves the next request free to run', async () => {
    let fail = true;
    const f = new SingleFlight(async () => {
      if (fail) throw new Error('Kafka refused');
    });
    await expect(f.run()).rejects.toThrow('Kafka refused');
    fail = false;
    await f.run();
  });
});
