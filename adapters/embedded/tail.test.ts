import { afterEach, describe, expect, test } from 'bun:test';
import type { TailOptions, TailRecord } from '../../engine/index.ts';
import { createInProcessLog, type InProcessLog } from './in-process-log.ts';
import { consumeAll, createTopic, keyOn, runSource, sleep, until, writeTo } from './test-helpers.ts';

/** Tails (LogClient.tail) and close() of the in-process log. */
let log: InProcessLog;
afterEach(async () => {
  await log?.close();
});

/** Starts a tail collecting the values it is handed. */
async function tail(topic: string, opts: TailOptions) {
  const values: string[] = [];
  const records: TailRecord[] = [];
  const t = await log.tail(topic, opts, (batch) => {
    records.push(...batch);
    values.push(...batch.map((r) => r.value!));
  });
  return { values, records, stop: () => t.stop() };
}

describe('in-process log: tail', () => {
  test('from the beginning: every record, then new ones, in order per partition, decoded as text', async () => {
    log = createInProcessLog();
    await createTopic(log, 't', 2);
    await writeTo(log, 't', 0, ['a0', 'a1'], { h: 'v' }); // with the key keyOn(0, 2)
    await writeTo(log, 't', 1, ['b0']);
    const t = await tail('t', { from: 'beginning' });
    await writeTo(log, 't', 0, ['a2']);
    await until(() => t.values.length === 4);
    expect(t.values.filter((v) => v.startsWith('a'))).toEqual(['a0', 'a1', 'a2']);
    expect(t.records.find((r) => r.value === 'a1')).toEqual({ topic: 't', partition: 0, offset: '1', key: keyOn(0, 2), value: 'a1', headers: { h: 'v' }, timestamp: expect.any(Number) });
  });

  test('from the end: only records appended after the tail started', async () => {
    log = createInProcessLog();
    await createTopic(log, 't', 2);
    await writeTo(log, 't', 0, ['old0']);
    await writeTo(log, 't', 1, ['old1']);
    const t = await tail('t', { from: 'end' });
    await writeTo(log, 't', 1, ['new1']);
    await writeTo(log, 't', 0, ['new0']);
    await until(() => t.values.length === 2);
    await sleep(30);
    expect(t.values.sort()).toEqual(['new0', 'new1']);
  });

  test('with a groupId the position is kept across tails of that group; stop ends deliveries and leaves the group', async () => {
    log = createInProcessLog();
    const admin = await log.admin();
    await createTopic(log, 't', 1);
    await writeTo(log, 't', 0, ['r0', 'r1', 'r2']);
    const first = await tail('t', { from: 'beginning', groupId: 'feed' });
    await until(() => first.values.length === 3);
    expect(await admin.groupMembers('feed')).toHaveLength(1);
    await first.stop();
    expect(await admin.groupMembers('feed')).toEqual([]);
    await writeTo(log, 't', 0, ['r3', 'r4']);
    await sleep(30);
    expect(first.values).toEqual(['r0', 'r1', 'r2']);
    // the group's position wins over `from` (as a committed offset wins over the reset policy)
    const second = await tail('t', { from: 'beginning', groupId: 'feed' });
    await until(() => second.values.length === 2);
    await sleep(30);
    expect(second.values).toEqual(['r3', 'r4']);
  });

  test('a tail from the end with a groupId keeps that end as its position even if it read nothing', async () => {
    log = createInProcessLog();
    await createTopic(log, 't', 1);
    await writeTo(log, 't', 0, ['before']);
    const first = await tail('t', { from: 'end', groupId: 'feed' });
    await first.stop();
    await writeTo(log, 't', 0, ['while away']);
    const second = await tail('t', { from: 'end', groupId: 'feed' });
    await until(() => second.values.length === 1);
    expect(second.values).toEqual(['while away']);
  });

  test('without a groupId every tail has its own position', async () => {
    log = createInProcessLog();
    await createTopic(log, 't', 1);
    await writeTo(log, 't', 0, ['x', 'y']);
    const one = await tail('t', { from: 'beginning' });
    const two = await tail('t', { from: 'beginning' });
    await until(() => one.values.length === 2 && two.values.length === 2);
    expect(two.values).toEqual(one.values);
  });

  test('an unknown topic is refused', async () => {
    log = createInProcessLog();
    await expect(log.tail('nope', { from: 'end' }, () => {})).rejects.toMatchObject({ code: 'UNKNOWN_TOPIC' });
  });
});

describe('in-process log: close', () => {
  test('stops every source and tail, and drops all topics, records and group members', async () => {
    log = createInProcessLog();
    const admin = await log.admin();
    await createTopic(log, 't', 1);
    await writeTo(log, 't', 0, ['a']);
    let batches = 0;
    let current: (() => boolean) | undefined;
    await runSource(log, { topics: ['t'] }, (d) => {
      batches++;
      current = () => d.control.current();
      consumeAll(d);
    });
    const t = await tail('t', { from: 'beginning' });
    await until(() => batches === 1 && t.values.length === 1);
    await log.close();
    expect(current!()).toBe(false);
    expect(await admin.groupMembers('g')).toEqual([]);
    expect(await admin.partitionCount('t')).toBeUndefined();
    // the log is empty but usable: a topic of the same name starts from offset 0 again
    await createTopic(log, 't', 1);
    await writeTo(log, 't', 0, ['b']);
    await sleep(30);
    expect([batches, t.values]).toEqual([1, ['a']]);
    expect(await admin.offsets('t')).toEqual([{ partition: 0, low: 0, high: 1 }]);
  });
});

describe('in-process log: retention of what every group committed', () => {
  const low = async (topic: string) => (await (await log.admin()).offsets(topic)).map((o) => o.low);

  test('records every named group has committed past are dropped; a group behind keeps them; throwaway tails keep nothing', async () => {
    log = createInProcessLog({ lookBackRecords: 0 });
    await createTopic(log, 't', 1);
    await writeTo(log, 't', 0, ['r0', 'r1', 'r2', 'r3']);
    const a = await tail('t', { from: 'beginning', groupId: 'a' });
    await until(() => a.values.length === 4);
    await until(async () => (await low('t'))[0] === 4); // only group a: all it read is released
    await a.stop();

    await writeTo(log, 't', 0, ['r4', 'r5']);
    const b = await tail('t', { from: 'end', groupId: 'b' }); // b commits the end (6): a, at 4, is behind
    const throwaway = await tail('t', { from: 'beginning' });
    await until(() => throwaway.values.length === 2);
    await sleep(50);
    expect(await low('t')).toEqual([4]);
    const again = await tail('t', { from: 'beginning', groupId: 'a' }); // a resumes at its commit
    await until(() => again.values.length === 2);
    expect(again.values).toEqual(['r4', 'r5']);
    await until(async () => (await low('t'))[0] === 6);
    await Promise.all([b.stop(), throwaway.stop(), again.stop()]);
  });

  test('the newest lookBackRecords committed records stay, for reading back', async () => {
    log = createInProcessLog({ lookBackRecords: 2 });
    await createTopic(log, 't', 1);
    await writeTo(log, 't', 0, ['r0', 'r1', 'r2', 'r3', 'r4']);
    const a = await tail('t', { from: 'beginning', groupId: 'a' });
    await until(() => a.values.length === 5);
    await until(async () => (await low('t'))[0] === 3);
    await a.stop();
  });

  test('with lookBackMs, committed records older than it leave too, also on a partition with no new commits', async () => {
    log = createInProcessLog({ lookBackRecords: 100, lookBackMs: 150, lookBackSweepMs: 40 });
    await createTopic(log, 't', 1);
    await writeTo(log, 't', 0, ['old-0', 'old-1']);
    const a = await tail('t', { from: 'beginning', groupId: 'a' });
    await until(() => a.values.length === 2);
    await sleep(60);
    expect(await low('t')).toEqual([0]); // committed, but younger than 150 ms: kept for looking back
    await a.stop();
    await writeTo(log, 't', 0, ['new-2']); // not read by anyone yet: uncommitted records always stay
    await until(async () => (await low('t'))[0] === 2, 2_000); // the sweep, with no commit since
    await sleep(300);
    expect(await low('t')).toEqual([2]);
  });

  test('with lookBackMs, a topic no group reads (alerts, dead letters) keeps only its newest lookBackRecords', async () => {
    log = createInProcessLog({ lookBackRecords: 2, lookBackMs: 60_000, lookBackSweepMs: 40 });
    await createTopic(log, 'unread', 2);
    await createTopic(log, 'read', 1);
    await writeTo(log, 'unread', 0, ['u0', 'u1', 'u2', 'u3', 'u4']);
    await writeTo(log, 'unread', 1, ['v0']);
    await writeTo(log, 'read', 0, ['r0', 'r1', 'r2', 'r3', 'r4']);
    // A topic a group reads loses only what that group committed (the end, here), but its newest 2.
    const reader = await tail('read', { from: 'end', groupId: 'late' });
    await until(async () => (await low('unread'))[0] === 3);
    await sleep(200);
    expect(await low('unread')).toEqual([3, 0]);
    expect(await low('read')).toEqual([3]); // committed at the end by the reader: the newest 2 stay
    await reader.stop();
  });
});

describe('in-process log: a tail of one partition from an offset', () => {
  test('reads that partition from the offset on, and nothing of the others', async () => {
    log = createInProcessLog();
    await createTopic(log, 't', 2);
    await writeTo(log, 't', 0, ['p0-0', 'p0-1']);
    await writeTo(log, 't', 1, ['p1-0', 'p1-1', 'p1-2']);
    const t = await tail('t', { from: { partition: 1, offset: 1 } });
    await until(() => t.values.length === 2);
    await sleep(30);
    expect(t.values).toEqual(['p1-1', 'p1-2']);
    await t.stop();
  });
});
