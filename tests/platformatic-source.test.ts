import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { Admin as PlatformaticAdmin } from '@platformatic/kafka';
import type { Admin } from 'kafkajs';
import { kafkajsClusterClient } from '../adapters/kafkajs/index.ts';
import { platformaticLogClient } from '../adapters/platformatic/index.ts';
import { batchesFollowAssignments, brokerFixture, closeAll, type BrokerFixture, keyOn, lastAssignment, recording, recordsOn, runSource } from '../adapters/platformatic/test-helpers.ts';
import { sourceOptions as options, uniquePrefix, waitUntil } from '../adapters/platformatic/test-helpers.ts';
import type { LogClient, RecordSink, RecordSource, SourceOptions, TopicAdmin } from '../engine/index.ts';

/**
 * The platformatic RecordSource against a real broker, as the engine relies on it: the
 * co-partitioned group assignment and rebalances (told before any batch of a generation), the
 * redelivery / seek / pause rules, concurrency, commits, static membership.
 */
let broker: BrokerFixture['broker'];
let client: LogClient;
let admin: TopicAdmin;
let sink: RecordSink;
let witness: Admin;
let sources: RecordSource[];
let fixture: BrokerFixture;
const prefix = uniquePrefix('s');

beforeAll(async () => {
  fixture = await brokerFixture(prefix);
  ({ broker, client, admin, sink, witness, sources } = fixture);
}, 120_000);

afterAll(() => fixture?.close(), 30_000);

const topicsWith = (names: string[], partitions: number, perPartition: number) => recordsOn(admin, sink, names, partitions, perPartition);
const started = (c: LogClient, opts: SourceOptions, rec: ReturnType<typeof recording>, concurrency = 4) => runSource(sources, c, opts, rec, concurrency);

describe('platformatic source: the group', () => {
  test('two sources split source + inbox topics co-partitioned; when one leaves, the other gets everything, told before its batches', async () => {
    const [srcA, inA, srcB, inB] = ['a_events', 'app.a.inbox', 'b_events', 'app.b.inbox'].map((t) => `${prefix}${t}`) as [string, string, string, string];
    await topicsWith([srcA, inA, srcB, inB], 4, 3);
    const shardOf = (t: string) => (t === srcA || t === inA ? 'a' : 'b');
    const opts = options(`${prefix}split`, [srcA, inA, srcB, inB], shardOf);
    const one = recording();
    const two = recording();
    await started(client, opts, one);
    const second = await started(platformaticLogClient(`${prefix}second`, broker.brokers), opts, two);
    await waitUntil(() => lastAssignment(one.events).length === 8 && lastAssignment(two.events).length === 8, 30_000, () => `${lastAssignment(one.events).length} + ${lastAssignment(two.events).length}`);
    const owned = [lastAssignment(one.events), lastAssignment(two.events)].map((tps) => tps.map((tp) => `${tp.topic}:${tp.partition}`));
    expect(owned[0]!.filter((tp) => owned[1]!.includes(tp))).toEqual([]);
    for (const tps of [lastAssignment(one.events), lastAssignment(two.events)]) {
      const of = (topic: string) => tps.filter((tp) => tp.topic === topic).map((tp) => tp.partition);
      expect(of(inA)).toEqual(of(srcA));
      expect(of(inB)).toEqual(of(srcB));
    }
    expect(await admin.groupMembers(opts.groupId)).toHaveLength(2);
    await second.disconnect();
    await waitUntil(() => lastAssignment(one.events).length === 16, 30_000, () => `${lastAssignment(one.events).length} assigned`);
    const before = one.events.length;
    await sink.send([0, 1, 2, 3].map((p) => ({ topic: srcB, key: keyOn(p, 4), value: 'after' })));
    await waitUntil(() => new Set(one.events.slice(before).filter((e) => e.kind === 'batch' && e.topic === srcB).map((e) => e.kind === 'batch' && e.partition)).size === 4, 30_000, () => 'batches after the handover');
    expect(batchesFollowAssignments(one.events)).toEqual([]);
    expect(batchesFollowAssignments(two.events)).toEqual([]);
    expect(await admin.groupMembers(opts.groupId)).toEqual([`${prefix}client@/127.0.0.1`]);
  }, 90_000);

  test('commits while a member joins do not set off further rebalances: one new generation, then the group holds', async () => {
    const topic = `${prefix}storm`;
    await topicsWith([topic], 4, 1);
    const opts = options(`${prefix}storm`, [topic]);
    const one = recording((_b, _c) => {});
    const two = recording((_b, _c) => {});
    const first = await started(client, opts, one);
    const second = await client.source(opts);
    sources.push(second);
    // The engine commits after every checkpoint; here every 50 ms, from both members, throughout.
    let committing = true;
    const commits = [first, second].map(async (s, i) => {
      while (committing) {
        await s.commit([{ topic, partition: i, offset: 1 }]).catch(() => {});
        await new Promise((r) => setTimeout(r, 50));
      }
    });
    await second.run(two.handlers, { concurrency: 4 });
    await waitUntil(() => lastAssignment(one.events).length === 2, 30_000, () => 'split');
    await new Promise((r) => setTimeout(r, 4_000));
    committing = false;
    await Promise.all(commits);
    const generations = (events: typeof one.events) => events.filter((e) => e.kind === 'assigned').length;
    expect([generations(one.events), generations(two.events)]).toEqual([2, 1]);
    await closeAll(sources);
  }, 60_000);

  test('a kafkajs member and a platformatic member share one group (same protocol): co-partitioned split', async () => {
    const [src, inbox] = [`${prefix}mix_events`, `${prefix}app.mix.inbox`];
    await topicsWith([src, inbox], 4, 1);
    const opts = options(`${prefix}mixed`, [src, inbox]);
    const ours = recording();
    const theirs = recording();
    await started(client, opts, ours);
    await started(kafkajsClusterClient(`${prefix}kafkajs`, broker.brokers), opts, theirs);
    await waitUntil(() => lastAssignment(ours.events).length === 4 && lastAssignment(theirs.events).length === 4, 30_000, () => 'split');
    for (const tps of [lastAssignment(ours.events), lastAssignment(theirs.events)]) {
      expect(tps.filter((tp) => tp.topic === inbox).map((tp) => tp.partition)).toEqual(tps.filter((tp) => tp.topic === src).map((tp) => tp.partition));
    }
    await closeAll(sources);
  }, 90_000);

  test('static membership: with groupInstanceId the member joins under that instance id', async () => {
    const topic = `${prefix}static`;
    await topicsWith([topic], 1, 1);
    const rec = recording();
    await started(platformaticLogClient(`${prefix}static`, broker.brokers, { groupInstanceId: `${prefix}pod-1` }), options(`${prefix}static`, [topic]), rec);
    const described = new PlatformaticAdmin({ clientId: `${prefix}describe`, bootstrapBrokers: broker.brokers });
    const group = (await described.describeGroups({ groups: [`${prefix}static`] })).get(`${prefix}static`)!;
    await described.close();
    expect([...group.members.values()].map((m) => m.groupInstanceId)).toEqual([`${prefix}pod-1`]);
    await closeAll(sources);
  }, 60_000);
});

describe('platformatic source: positions', () => {
  test('unconsumed records come again; consumedThrough moves past; a seek makes the batch not current and refetches from there', async () => {
    const topic = `${prefix}seek`;
    await topicsWith([topic], 1, 10);
    const firsts: string[] = [];
    let source!: RecordSource;
    let currentAfterSeek: boolean | undefined;
    const rec = recording((b, c) => {
      firsts.push(b.records[0]!.offset);
      if (firsts.length === 2) c.consumedThrough('4');
      if (firsts.length === 3) {
        source.seek({ topic, partition: 0 }, 2);
        currentAfterSeek = c.current();
      }
      if (firsts.length >= 4) c.consumedThrough(b.lastOffset);
    });
    source = await started(client, options(`${prefix}seek`, [topic]), rec, 1);
    await waitUntil(() => firsts.length >= 4, 20_000, () => firsts.join(','));
    // 1st not consumed → again from 0; 2nd consumed through 4 → from 5; sought to 2 → from 2
    expect(firsts.slice(0, 4)).toEqual(['0', '0', '5', '2']);
    expect(currentAfterSeek).toBe(false);
    source.pause([{ topic, partition: 0 }]);
    await sink.send([{ topic, key: 'k', value: 'late' }]);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(firsts).toHaveLength(4);
    source.resume([{ topic, partition: 0 }]);
    await waitUntil(() => firsts.length === 5, 20_000, () => firsts.join(','));
    expect(firsts[4]).toBe('10');
    await closeAll(sources);
  }, 60_000);

  test('commits are the group offsets (seen by another client); a new member starts there; the member list follows joins and leaves; deleteGroup only without members', async () => {
    const topic = `${prefix}commit`;
    await topicsWith([topic], 2, 5);
    const groupId = `${prefix}commit`;
    const first = await started(client, options(groupId, [topic]), recording((_b, _c) => {}));
    await first.commit([{ topic, partition: 0, offset: 3 }, { topic, partition: 1, offset: 4 }]);
    const [committed] = await witness.fetchOffsets({ groupId, topics: [topic] });
    expect(committed!.partitions.map((p) => [p.partition, p.offset]).sort()).toEqual([[0, '3'], [1, '4']]);
    expect(await admin.groupMembers(groupId)).toEqual([`${prefix}client@/127.0.0.1`]);
    await first.stop();
    expect(await admin.groupMembers(groupId)).toHaveLength(1); // stop keeps the membership
    await first.disconnect();
    expect(await admin.groupMembers(groupId)).toEqual([]);
    const rec = recording();
    await started(client, options(groupId, [topic]), rec);
    await waitUntil(() => rec.events.filter((e) => e.kind === 'batch').length >= 2, 20_000, () => 'batches');
    const firstOf = (p: number) => rec.events.find((e) => e.kind === 'batch' && e.partition === p);
    expect([firstOf(0), firstOf(1)].map((e) => e?.kind === 'batch' && e.first)).toEqual(['3', '4']);
    await expect(admin.deleteGroup(groupId)).rejects.toThrow(`consumer group ${groupId} still has 1 member(s): not deleted`);
    await closeAll(sources);
    // Without members it is deleted with its offsets; an unknown group is no error.
    await admin.deleteGroup(groupId);
    expect(await witness.fetchOffsets({ groupId, topics: [topic] }).then((o) => o[0]!.partitions.map((p) => p.offset))).toEqual(['-1', '-1']);
    await admin.deleteGroup(`${prefix}never-there`);
  }, 60_000);

  test('at most `concurrency` batches in handlers at once, one per partition', async () => {
    const topic = `${prefix}conc`;
    await topicsWith([topic], 6, 4);
    let inFlight = 0;
    let max = 0;
    const busy = new Set<number>();
    let overlap = false;
    let done = 0;
    await started(client, options(`${prefix}conc`, [topic]), recording(async (b, c) => {
      if (busy.has(b.partition)) overlap = true;
      busy.add(b.partition);
      max = Math.max(max, ++inFlight);
      await new Promise((r) => setTimeout(r, 30));
      c.consumedThrough(b.records[0]!.offset); // one record at a time: many batches per partition
      done++;
      inFlight--;
      busy.delete(b.partition);
    }), 2);
    await waitUntil(() => done >= 24, 30_000, () => `${done} batches`);
    expect({ max, overlap }).toEqual({ max: 2, overlap: false });
    await closeAll(sources);
  }, 60_000);
});
