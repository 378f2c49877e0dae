import { afterEach, describe, expect, test } from 'bun:test';
import { createInProcessLog, type InProcessLog } from '../adapters/embedded/in-process-log.ts';
import { deadLetterRow } from './shard/dead-letter.ts';
import type { SourceRecord } from './shard/records.ts';
import { readDeadLetters, redriveDeadLetters, REDRIVE_HEADER } from './dead-letters.ts';
import type { TailRecord } from './log-client.ts';

/** Dead letters read back and redriven through the ports, on the in-process log. */
let log: InProcessLog;
afterEach(async () => {
  await log?.close();
});

const DLQ = 'transaction_events.dlq';
const refused = (offset: number, value: string, topic = 'transaction_events', key = `o-${offset}`): SourceRecord => ({ topic, partition: 0, offset, key, value, headers: { traceparent: 'tp' } });

async function setUp(rows: ReturnType<typeof deadLetterRow>[]) {
  log = createInProcessLog();
  const admin = await log.admin();
  await admin.ensureSourceTopics(['transaction_events', DLQ], 1);
  const sink = await log.sink();
  await sink.send(rows.map((r) => ({ ...r, topic: DLQ }))); // one DLQ for the test, whatever the source
  await sink.disconnect();
  return admin;
}

async function readAll(topic: string): Promise<TailRecord[]> {
  const out: TailRecord[] = [];
  const t = await log.tail(topic, { from: 'beginning' }, (rs) => void out.push(...rs));
  for (let i = 0; i < 100 && out.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
  await t.stop();
  return out;
}

describe('dead letters as an operation', () => {
  test('read back with code, reason, source coordinates, and whether each can be sent back', async () => {
    const admin = await setUp([
      deadLetterRow(refused(7, '{"id":"e-7"'), 'INVALID_JSON', 'Unexpected end of JSON input'),
      deadLetterRow(refused(8, 'x'.repeat(70_000)), 'OVERSIZE', 'too large'),
      deadLetterRow({ ...refused(9, '{}', 'shop.order.inbox'), headers: { 'x-origin': 'sku/0', 'x-seq': '4' } }, 'INVALID_DATA', 'no msg'),
      deadLetterRow(refused(10, '{"id":"e-10"}'), 'QUARANTINED', 'entity is quarantined: Error: bug'),
    ]);
    const all = await readDeadLetters(log, admin, DLQ, 10);
    expect(all.map((d) => [d.offset, d.code, d.source, d.notRedrivable ?? null])).toEqual([
      [0, 'INVALID_JSON', { topic: 'transaction_events', partition: 0, offset: 7 }, null],
      [1, 'OVERSIZE', { topic: 'transaction_events', partition: 0, offset: 8 }, 'its value was cut to 65536 of 70000 characters'],
      [2, 'INVALID_DATA', { topic: 'shop.order.inbox', partition: 0, offset: 9 }, 'an actor message (inbox record) cannot be replayed: its origin sequence has been passed'],
      [3, 'QUARANTINED', { topic: 'transaction_events', partition: 0, offset: 10 }, 'it is parked with its quarantined entity: release the entity instead (POST /v1/admin/quarantine/release, actorstream quarantine release)'],
    ]);
    expect(all[0]).toMatchObject({ key: 'o-7', value: '{"id":"e-7"', encoding: 'text', reason: 'Unexpected end of JSON input' });
    expect((await readDeadLetters(log, admin, DLQ, 1)).map((d) => d.offset)).toEqual([3]); // the newest
  });

  test('redriven records go back to their source topic as they were, marked; the others are refused with the reason', async () => {
    const bytes = Buffer.from([0x7b, 0xff, 0x7d]); // not UTF-8: kept as base64, sent back as the same bytes
    const admin = await setUp([
      deadLetterRow(refused(3, '{"id":"e-3"}'), 'FUTURE_TIMESTAMP', 'ts ahead'),
      deadLetterRow({ ...refused(4, '\uFFFD'), malformed: { value: bytes.toString('base64') } }, 'INVALID_UTF8', 'not UTF-8'),
      deadLetterRow({ ...refused(5, '{}', 'shop.order.inbox') }, 'INVALID_DATA', 'no msg'),
    ]);
    const result = await redriveDeadLetters(log, admin, DLQ, [{ partition: 0, offset: 0 }, { partition: 0, offset: 1 }, { partition: 0, offset: 2 }, { partition: 0, offset: 9 }]);
    expect(result.redriven).toEqual([{ partition: 0, offset: 0, to: 'transaction_events' }, { partition: 0, offset: 1, to: 'transaction_events' }]);
    expect(result.refused.map((r) => [r.offset, r.why.split(':')[0]])).toEqual([[2, 'an actor message (inbox record) cannot be replayed'], [9, `no dead letter at ${DLQ} partition 0 offset 9`]]);
    const back = await readAll('transaction_events');
    expect(back.map((r) => [r.key, r.headers[REDRIVE_HEADER], r.headers.traceparent, Object.keys(r.headers).some((h) => h.startsWith('x-dlq-'))])).toEqual([
      ['o-3', `${DLQ}:0:0`, 'tp', false],
      ['o-4', `${DLQ}:0:1`, 'tp', false],
    ]);
    expect(back[0]!.value).toBe('{"id":"e-3"}');
  });

  test('an empty or missing DLQ reads as nothing', async () => {
    const admin = await setUp([]);
    expect(await readDeadLetters(log, admin, DLQ, 10)).toEqual([]);
  });
});
