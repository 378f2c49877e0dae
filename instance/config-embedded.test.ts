import { describe, expect, test } from 'bun:test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { ConfigError } from '../schemas/index.ts';
import { loadConfig } from './config.ts';

/** The keys that bound what the embedded default keeps (issue #17): its data dir and alert retention. */
function withFile(yaml: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'actorstream-config-')), 'pipeline.yaml');
  writeFileSync(path, yaml);
  return path;
}

describe('config: where the embedded default keeps PGlite', () => {
  test('unset: the instance picks (the OS temp directory)', () => {
    expect(loadConfig({}).instance.embeddedDataDir).toBeUndefined();
  });

  test('embedded.data_dir is relative to the file; EMBEDDED_DATA_DIR to the working directory and wins', () => {
    const path = withFile('embedded:\n  data_dir: ./pg\n');
    expect(loadConfig({}, path).instance.embeddedDataDir).toBe(join(dirname(path), 'pg'));
    expect(loadConfig({ EMBEDDED_DATA_DIR: 'scratch' }, path).instance.embeddedDataDir).toBe(resolve('scratch'));
  });

  test('`memory` keeps it in memory, from either source', () => {
    expect(loadConfig({ EMBEDDED_DATA_DIR: 'memory' }).instance.embeddedDataDir).toBe('memory');
    expect(loadConfig({}, withFile('embedded:\n  data_dir: memory\n')).instance.embeddedDataDir).toBe('memory');
  });

  test('an empty data_dir is an error naming the key', () => {
    expect(() => loadConfig({}, withFile('embedded:\n  data_dir: ""\n'))).toThrow(/embedded\.data_dir/);
  });
});

describe('config: alert retention', () => {
  test('unset: the instance picks (all kept, 7 days embedded)', () => {
    expect(loadConfig({}).instance.alertsRetentionDays).toBeUndefined();
  });

  test('alerts.retention_days, overridden by ALERTS_RETENTION_DAYS; 0 keeps all', () => {
    const path = withFile('alerts:\n  retention_days: 3\n');
    expect(loadConfig({}, path).instance.alertsRetentionDays).toBe(3);
    expect(loadConfig({ ALERTS_RETENTION_DAYS: '0' }, path).instance.alertsRetentionDays).toBe(0);
  });

  test('not a whole number of days: an error naming the key', () => {
    expect(() => loadConfig({ ALERTS_RETENTION_DAYS: 'week' })).toThrow(ConfigError);
    expect(() => loadConfig({}, withFile('alerts:\n  retention_days: 1.5\n'))).toThrow(/alerts\.retention_days/);
  });
});
