import { describe, expect, test } from 'bun:test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDriver } from '../actors/test-driver.ts';
import { buildActors } from '../actors/registry.ts';
import { ConfigError } from '../schemas/index.ts';
import { loadConfig } from './config.ts';

function withFile(yaml: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'actorstream-rules-')), 'pipeline.yaml');
  writeFileSync(path, yaml);
  return path;
}

describe('config: the built-in actors\' rules (actors.fraud, actors.payment_timeout_ms)', () => {
  test('named fields reach the actors; the others keep their defaults', () => {
    const path = withFile(['actors:', '  payment_timeout_ms: 60000', '  fraud:', '    velocity:', '      attempts: 3', '    amount_anomaly:', '      min_amount: 100'].join('\n'));
    const actors = loadConfig({}, path).instance.processor.actorsConfig!;
    expect(actors.paymentTimeoutMs).toBe(60_000);
    expect(actors.fraud).toEqual({ velocity: { attempts: 3 }, amountAnomaly: { minAmount: 100 } });
    // Three attempts are a velocity alert now (the default needs five), within the default 10 min.
    const driver = createTestDriver(buildActors({ ...actors, analytics: false }), { recordHistory: false });
    driver.pipe([0, 1, 2].map((i) => ({ id: `p-${i}`, type: 'payment_declined', v: 1, ts: 1_000 + i, data: { orderId: `o-${i}`, userId: 'u', amount: 5, cardFingerprint: 'fp', reason: 'x' } })) as never);
    expect(driver.alerts().filter((a) => a.type === 'velocity').map((a) => a.reasons)).toEqual([['p-0', 'p-1', 'p-2']]);
  });

  test('without the keys nothing is set; a bad value is a configuration error', () => {
    const actors = loadConfig({}, withFile('app: x\n')).instance.processor.actorsConfig!;
    expect(actors.fraud).toBeUndefined();
    expect(actors.paymentTimeoutMs).toBeUndefined();
    expect(() => loadConfig({}, withFile('actors:\n  fraud:\n    velocity:\n      attempts: 0\n'))).toThrow(ConfigError);
    expect(() => loadConfig({}, withFile('actors:\n  fraud:\n    velocity:\n      atempts: 3\n'))).toThrow(ConfigError);
  });
});
