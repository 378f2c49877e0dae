import { describe, expect, test } from 'bun:test';
import { formatInspection, type Inspection } from './inspect-format.ts';

const base: Inspection = {
  type: 'sku',
  key: 'S-1',
  found: true,
  stateVersion: 7,
  state: { onHand: 2 },
  quarantine: null,
  updatedAt: '2026-12-01T10:05:00.000Z',
  shard: { id: 'sku/3', partition: 3, partitions: 6, partitionsFrom: '--partitions' },
  owner: null,
  offsets: [],
  alerts: [],
};

describe('inspect text form', () => {
  test('without --at: the committed state only', () => {
    const text = formatInspection(base);
    expect(text).toBe([
      'sku S-1',
      '  committed  2026-12-01T10:05:00.000Z (state version 7)',
      '  quarantine no',
      '  state      {',
      '               "onHand": 2',
      '             }',
      '  shard      sku/3 (partition 3 of 6, from --partitions)',
      '  owner      never acquired',
      '  offsets    none committed',
      '  alerts     none',
      '',
    ].join('\n'));
  });

  test('with --at: the state then and what it was rebuilt from, after the committed one', () => {
    const text = formatInspection({
      ...base,
      stateAt: {
        at: '2026-12-01T10:00:00.000Z', found: true, state: { onHand: 4 }, quarantine: null,
        snapshot: { at: '2026-12-01T09:59:58.000Z', committedAt: '2026-12-01T09:59:59.120Z' }, replayed: { inputs: 1, timers: 0, recordsRead: 5 },
      },
    });
    expect(text).toContain([
      '             }',
      '  at         2026-12-01T10:00:00.000Z (not quarantined then)',
      '  state then {',
      '               "onHand": 4',
      '             }',
      '  rebuilt    from the snapshot at 2026-12-01T09:59:58.000Z (committed 2026-12-01T09:59:59.120Z), then 1 input applied of 5 records read, 0 timers fired',
      '  shard      sku/3',
    ].join('\n'));
  });

  test('with --at and a quarantine then, or no state then: said on the at lines', () => {
    const quarantined = formatInspection({
      ...base,
      stateAt: { at: '2026-12-01T10:00:00.000Z', found: true, state: {}, quarantine: 'boom', snapshot: { at: '2026-12-01T09:59:58.000Z', committedAt: 'c' }, replayed: { inputs: 0, timers: 0, recordsRead: 0 } },
    });
    expect(quarantined).toContain('  at         2026-12-01T10:00:00.000Z (quarantined then: boom)\n');
    const none = formatInspection({ ...base, found: false, stateAt: { at: '2026-12-01T10:00:00.000Z', found: false, reason: 'sku keeps no history' } });
    expect(none).toContain('  state      none committed\n  at         2026-12-01T10:00:00.000Z\n  state then none: sku keeps no history\n');
  });
});
