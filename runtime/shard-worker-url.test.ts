import { describe, expect, test } from 'bun:test';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { shardWorkerUrl } from './shard-worker-url.ts';

describe('shardWorkerUrl', () => {
  test('from source it names the engine shard worker, which exists', () => {
    const url = shardWorkerUrl();
    expect(url.endsWith('/engine/shard/shard-worker.ts')).toBe(true);
    expect(existsSync(fileURLToPath(url))).toBe(true);
  });

  test('inside a compiled Bun executable it is found from the embedded root', () => {
    expect(shardWorkerUrl('file:///$bunfs/root/actorstream')).toBe('file:///$bunfs/root/engine/shard/shard-worker.ts');
    expect(shardWorkerUrl('file:///B:/~BUN/root/actorstream.exe')).toBe('file:///B:/~BUN/root/engine/shard/shard-worker.ts');
  });
});
