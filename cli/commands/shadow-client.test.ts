import { describe, expect, test } from 'bun:test';
import { createInProcessLog } from '../../adapters/embedded/index.ts';
import { shadowLogClient } from './shadow-client.ts';

describe('shadow log client', () => {
  test("writes its own topics, drops a live source's dead letters, refuses any other topic", async () => {
    const log = createInProcessLog();
    const admin = await log.admin();
    await admin.ensureSourceTopics(['shadow-x.alerts', 'user_events.dlq', 'user_events'], 1);
    const client = shadowLogClient(log, (t) => t.startsWith('shadow-x.'), ['user_events']);
    const sink = await client.sink();
    await sink.send([{ topic: 'shadow-x.alerts', key: 'k', value: 'a' }, { topic: 'user_events.dlq', key: 'k', value: 'd' }]);
    expect((await admin.offsets('shadow-x.alerts'))[0]!.high).toBe(1);
    expect((await admin.offsets('user_events.dlq'))[0]!.high).toBe(0);
    expect(client.droppedDeadLetters()).toBe(1);
    await expect(sink.send([{ topic: 'user_events', key: 'k', value: 'x' }])).rejects.toThrow('may not write to user_events');
    expect((await admin.offsets('user_events'))[0]!.high).toBe(0);
    await log.close();
  });
});
