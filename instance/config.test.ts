import { describe, expect, test } from 'bun:test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../schemas/index.ts';
import { checkExposure, isLoopback, loadConfig } from './config.ts';
import { createTestDriver } from '../actors/test-driver.ts';
import { buildActors } from '../actors/registry.ts';

const TOKENS = [{ name: 'ops', token: 'a-long-secret-0123456789', scopes: ['admin' as const] }];

function withFile(yaml: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'actorstream-config-')), 'pipeline.yaml');
  writeFileSync(path, yaml);
  return path;
}

describe('config: HTTP edge and exposure', () => {
  test('binds 127.0.0.1 by default; HTTP_HOST and http.host override', () => {
    expect(loadConfig({}).instance.http.hostname).toBe('127.0.0.1');
    expect(loadConfig({}, withFile('http:\n  host: 0.0.0.0\n')).instance.http.hostname).toBe('0.0.0.0');
    expect(loadConfig({ HTTP_HOST: '10.0.0.5' }, withFile('http:\n  host: 0.0.0.0\n')).instance.http.hostname).toBe('10.0.0.5');
  });

  test('the edge limits and max_future_ms reach the instance (the latter the processor too)', () => {
    const path = withFile([
      'limits:', '  max_future_ms: 60000',
      'http:', '  max_items_per_request: 50', '  body_read_timeout_ms: 2000', '  idle_timeout_seconds: 5', '  max_in_flight: 8',
      '  rate_limit:', '    events_per_second: 100', '  dedup:', '    max_entries: 10',
    ].join('\n'));
    const c = loadConfig({}, path).instance;
    expect(c.processor.maxFutureMs).toBe(60_000);
    expect(c.http.limits).toMatchObject({
      maxItemsPerRequest: 50, bodyReadTimeoutMs: 2000, idleTimeoutSeconds: 5, maxInFlight: 8,
      rateLimit: { eventsPerSecond: 100 }, dedup: { maxEntries: 10, ttlMs: 600_000 }, maxFutureMs: 60_000,
    });
    expect(loadConfig({ MAX_FUTURE_MS: '1000' }, path).instance.processor.maxFutureMs).toBe(1000);
    expect(() => loadConfig({ MAX_FUTURE_MS: 'soon' })).toThrow(ConfigError);
    expect(() => loadConfig({}, withFile('http:\n  idle_timeout_seconds: 0\n'))).toThrow(/idle_timeout_seconds/);
  });

  test('passivation keys: unset leaves the engine (or embedded) default; any one set fills the others', () => {
    expect(loadConfig({}).instance.processor.passivation).toBeUndefined();
    expect(loadConfig({}, withFile('processing:\n  max_passivated_keys_per_shard: 5000\n')).instance.processor.passivation)
      .toEqual({ idleMs: 600_000, maxEntities: 500_000, maxEvictedKeys: 5000 });
    expect(loadConfig({}, withFile('processing:\n  max_entities_per_shard: 10\n')).instance.processor.passivation).toEqual({ idleMs: 600_000, maxEntities: 10 });
    expect(() => loadConfig({}, withFile('processing:\n  max_passivated_keys_per_shard: 0\n'))).toThrow(/max_passivated_keys_per_shard/);
  });

  test('group commit: unset leaves the engine default (on); processing.group_commit or GROUP_COMMIT sets it; the environment wins', () => {
    expect(loadConfig({}).instance.processor.groupCommit).toBeUndefined();
    const on = withFile('processing:\n  group_commit: true\n');
    expect(loadConfig({}, on).instance.processor.groupCommit).toBe(true);
    expect(loadConfig({ GROUP_COMMIT: 'false' }, on).instance.processor.groupCommit).toBe(false);
    expect(() => loadConfig({ GROUP_COMMIT: 'sometimes' })).toThrow(/GROUP_COMMIT/);
  });

  test('checkpoint schedule: 200 ms, shortest left to the engine; either set by file or environment; a shortest above the longest is an error', () => {
    const p = (env: Record<string, string>, yaml?: string) => loadConfig(env, yaml ? withFile(yaml) : undefined).instance.processor;
    expect([p({}).checkpointIntervalMs, p({}).checkpointMinIntervalMs]).toEqual([200, undefined]);
    const file = 'processing:\n  checkpoint_interval_ms: 400\n  checkpoint_min_interval_ms: 400\n';
    expect([p({}, file).checkpointIntervalMs, p({}, file).checkpointMinIntervalMs]).toEqual([400, 400]);
    expect(p({ CHECKPOINT_MIN_INTERVAL_MS: '25' }, file).checkpointMinIntervalMs).toBe(25);
    expect(() => p({ CHECKPOINT_MIN_INTERVAL_MS: '300' })).toThrow(/CHECKPOINT_MIN_INTERVAL_MS.*300 is above CHECKPOINT_INTERVAL_MS.*200/);
    expect(() => p({ CHECKPOINT_MIN_INTERVAL_MS: '0' })).toThrow(/CHECKPOINT_MIN_INTERVAL_MS must be a whole number ≥ 1/);
  });

  test('local messages: off unless processing.local_messages or LOCAL_MESSAGES turns it on; the environment wins', () => {
    expect(loadConfig({}).instance.processor.localMessages).toBeUndefined();
    const on = withFile('processing:\n  local_messages: true\n');
    expect(loadConfig({}, on).instance.processor.localMessages).toBe(true);
    expect(loadConfig({ LOCAL_MESSAGES: 'false' }, on).instance.processor.localMessages).toBe(false);
    expect(() => loadConfig({ LOCAL_MESSAGES: 'maybe' })).toThrow(/LOCAL_MESSAGES/);
  });

  test('a non-loopback bind without tokens refuses to start unless explicitly allowed', () => {
    expect(checkExposure({ port: 8080, hostname: '127.0.0.1' }, false)).toBeUndefined();
    expect(checkExposure({ port: 8080, hostname: '0.0.0.0', tokens: TOKENS }, false)).toBeUndefined();
    expect(() => checkExposure({ port: 8080, hostname: '0.0.0.0' }, false)).toThrow(/API_TOKENS.*--insecure.*ALLOW_INSECURE=true/);
    expect(checkExposure({ port: 8080, hostname: '0.0.0.0' }, true)).toMatch(/^WARNING/);
    expect(loadConfig({ ALLOW_INSECURE: 'true' }).allowInsecure).toBe(true);
    expect(loadConfig({}).allowInsecure).toBe(false);
  });

  test('loopback addresses', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]']) expect(isLoopback(h)).toBe(true);
    for (const h of ['0.0.0.0', '::', '10.0.0.1', '192.168.1.1', 'example.com']) expect(isLoopback(h)).toBe(false);
  });
});

describe('config: the Kafka client', () => {
  const external = { KAFKA_BROKERS: '127.0.0.1:9092', DATABASE_URL: 'postgres://127.0.0.1/x' };

  test('kafkajs by default; platformatic with its static member id by env or file', () => {
    expect(loadConfig(external).instance.processor.kafkaClient).toBe('kafkajs');
    const p = loadConfig({ ...external, KAFKA_CLIENT: 'platformatic', GROUP_INSTANCE_ID: 'processor-0' }).instance.processor;
    expect([p.kafkaClient, p.groupInstanceId]).toEqual(['platformatic', 'processor-0']);
    const f = loadConfig(external, withFile('kafka:\n  client: platformatic\n  group_instance_id: pod-1\n')).instance.processor;
    expect([f.kafkaClient, f.groupInstanceId]).toEqual(['platformatic', 'pod-1']);
  });

  test('an unknown client, or static membership with kafkajs, is a configuration error naming the fix', () => {
    expect(() => loadConfig({ ...external, KAFKA_CLIENT: 'librdkafka' })).toThrow(/must be kafkajs or platformatic/);
    expect(() => loadConfig({ ...external, GROUP_INSTANCE_ID: 'p-0' })).toThrow(/KAFKA_CLIENT=platformatic/);
  });
});

describe('config: consumer-group session timeout', () => {
  const external = { KAFKA_BROKERS: '127.0.0.1:9092', DATABASE_URL: 'postgres://127.0.0.1/x' };
  const timings = (env: Record<string, string>, yaml?: string) => {
    const p = loadConfig({ ...external, ...env }, yaml ? withFile(yaml) : undefined).instance.processor;
    return [p.sessionTimeoutMs, p.heartbeatIntervalMs];
  };

  test('unset: the engine default (10 s session, 1 s heartbeat) applies', () => {
    expect(timings({})).toEqual([undefined, undefined]);
  });

  test('a shorter session gets a heartbeat of a third of it, at most 1 s; the environment wins over the file', () => {
    expect(timings({ KAFKA_SESSION_TIMEOUT_MS: '3000' })).toEqual([3000, 1000]);
    expect(timings({}, 'kafka:\n  session_timeout_ms: 1500\n')).toEqual([1500, 500]);
    expect(timings({ KAFKA_SESSION_TIMEOUT_MS: '30000' }, 'kafka:\n  session_timeout_ms: 1500\n')).toEqual([30000, 1000]);
    expect(timings({ KAFKA_HEARTBEAT_INTERVAL_MS: '250' }, 'kafka:\n  session_timeout_ms: 2000\n  heartbeat_interval_ms: 400\n')).toEqual([2000, 250]);
  });

  test('a heartbeat not below the session, or a malformed value, is a configuration error naming the setting', () => {
    expect(() => timings({ KAFKA_SESSION_TIMEOUT_MS: '2000', KAFKA_HEARTBEAT_INTERVAL_MS: '2000' })).toThrow(/KAFKA_HEARTBEAT_INTERVAL_MS.*below the session timeout \(KAFKA_SESSION_TIMEOUT_MS/);
    expect(() => timings({}, 'kafka:\n  heartbeat_interval_ms: 10000\n')).toThrow(/kafka\.heartbeat_interval_ms.*10000 ms.*10000 ms/);
    expect(() => timings({ KAFKA_SESSION_TIMEOUT_MS: '3s' })).toThrow(/KAFKA_SESSION_TIMEOUT_MS must be a whole number/);
    expect(() => timings({}, 'kafka:\n  session_timeout_ms: 0\n')).toThrow(/kafka\.session_timeout_ms/);
  });
});

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
