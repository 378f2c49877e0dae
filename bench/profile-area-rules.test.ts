import { describe, expect, test } from 'bun:test';
import { areaShares, type CpuProfile } from './profile-area-rules.ts';

/** root → relay → kafkajs encoder (leaf); root → shard apply (leaf); root → postgres.js (leaf); root → (idle). */
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: { functionName: '(root)', url: '' }, children: [2, 4, 5, 6] },
    { id: 2, callFrame: { functionName: 'relayShards', url: 'file:///app/engine/outbox-relay.ts' }, children: [3] },
    { id: 3, callFrame: { functionName: 'encode', url: 'file:///app/node_modules/kafkajs/src/protocol/encoder.js' } },
    { id: 4, callFrame: { functionName: 'apply', url: 'file:///app/engine/shard/shard.ts' } },
    { id: 5, callFrame: { functionName: 'write', url: 'file:///app/node_modules/postgres/src/connection.js' } },
    { id: 6, callFrame: { functionName: '(idle)', url: '' } },
  ],
  samples: [3, 3, 4, 5, 6, 6, 6],
};

describe('profile areas', () => {
  test("a sample counts for the first area any frame of its stack belongs to: kafkajs's encoder under the relay is the relay", () => {
    expect(areaShares(profile)).toEqual([
      { area: 'idle', samples: 3 },
      { area: 'relay produce', samples: 2 },
      { area: 'shard apply', samples: 1 },
      { area: 'postgres other', samples: 1 },
    ]);
  });
});
