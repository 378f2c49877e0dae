import { describe, expect, test } from 'bun:test';
import { IntakeLanes } from './intake-lanes.ts';

/** A batch apply that runs until released, recording when it starts and ends. */
function gatedApply(name: string, log: string[]) {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  return {
    apply: async () => {
      log.push(`start ${name}`);
      await gate;
      log.push(`end ${name}`);
    },
    release: () => release(),
  };
}

const tick = () => new Promise((r) => setTimeout(r, 0));
const fail = (e: unknown) => {
  throw e;
};

describe('IntakeLanes', () => {
  test('applies one partition\'s batches one at a time, in the order they entered', async () => {
    const lanes = new IntakeLanes();
    const log: string[] = [];
    const a = gatedApply('a', log);
    const b = gatedApply('b', log);
    const c = gatedApply('c', log);
    void lanes.enter('t', 0, a.apply, fail);
    void lanes.enter('t', 0, b.apply, fail);
    void lanes.enter('t', 0, c.apply, fail);
    await tick();
    expect(log).toEqual(['start a']);
    c.release();
    b.release();
    a.release();
    await lanes.idle();
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });

  test('entering resolves once the batch ahead is done, not this one: the client fetches while it applies', async () => {
    const lanes = new IntakeLanes();
    const log: string[] = [];
    const a = gatedApply('a', log);
    const b = gatedApply('b', log);
    await lanes.enter('t', 0, a.apply, fail); // nothing ahead: returns at once
    let bEntered = false;
    void lanes.enter('t', 0, b.apply, fail).then(() => (bEntered = true));
    await tick();
    expect(bEntered).toBe(false); // a is still being applied
    a.release();
    await tick();
    await tick();
    expect(bEntered).toBe(true);
    expect(log).toEqual(['start a', 'end a', 'start b']);
    b.release();
    await lanes.idle();
  });

  test('partitions do not wait for each other', async () => {
    const lanes = new IntakeLanes();
    const log: string[] = [];
    const a = gatedApply('a', log);
    const b = gatedApply('b', log);
    void lanes.enter('t', 0, a.apply, fail);
    void lanes.enter('t', 1, b.apply, fail);
    await tick();
    expect(log).toEqual(['start a', 'start b']);
    a.release();
    b.release();
    await lanes.idle();
  });

  test('a refetch drops the batches queued behind, and later batches run again', async () => {
    const lanes = new IntakeLanes();
    const log: string[] = [];
    const a = gatedApply('a', log);
    const b = gatedApply('b', log);
    const c = gatedApply('c', log);
    void lanes.enter('t', 0, async () => {
      await a.apply();
      lanes.refetch('t', 0); // a could not be applied: its records (and b's) are fetched again
    }, fail);
    void lanes.enter('t', 0, b.apply, fail);
    a.release();
    await tick();
    void lanes.enter('t', 0, c.apply, fail); // fetched after the seek
    c.release();
    b.release();
    await lanes.idle();
    expect(log).toEqual(['start a', 'end a', 'start c', 'end c']);
  });

  test('an apply that throws goes to onError and the lane goes on', async () => {
    const lanes = new IntakeLanes();
    const errors: string[] = [];
    const log: string[] = [];
    void lanes.enter('t', 0, async () => {
      throw new Error('boom');
    }, (e) => errors.push((e as Error).message));
    void lanes.enter('t', 0, async () => void log.push('next'), fail);
    await lanes.idle();
    expect(errors).toEqual(['boom']);
    expect(log).toEqual(['next']);
  });
});
