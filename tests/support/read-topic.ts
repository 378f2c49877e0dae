import type { LogClient } from '../../engine/index.ts';

export interface ReadRecord {
  key: string;
  value: string;
  headers: Record<string, string>;
}

/**
 * Every record of a topic, from the beginning, read through the log client's tail (a real broker
 * or the in-process log alike): as many as the topic held when called.
 */
export async function readTopic(client: LogClient, topic: string): Promise<ReadRecord[]> {
  const admin = await client.admin();
  const total = (await admin.partitionCount(topic)) === undefined ? 0 : (await admin.offsets(topic)).reduce((n, o) => n + o.high - o.low, 0);
  await admin.disconnect();
  const out: ReadRecord[] = [];
  if (total === 0) return out;
  let done!: () => void;
  const complete = new Promise<void>((resolve) => (done = resolve));
  const tail = await client.tail(topic, { from: 'beginning' }, (records) => {
    for (const r of records) out.push({ key: r.key ?? '', value: r.value ?? '', headers: r.headers });
    if (out.length >= total) done();
  });
  await complete;
  await tail.stop();
  return out;
}
