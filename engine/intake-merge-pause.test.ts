import { describe, expect, test } from 'bun:test';
import { boundHeldSources, MAX_HELD_SOURCES } from './intake-merge-pause.ts';
import type { Owned } from './owned-shard.ts';

describe('boundHeldSources', () => {
  test('pauses only the source partition beyond the bound, and resumes it below half', () => {
    const calls: string[] = [];
    const deps = {
      source: { pause: (tps: { topic: string; partition: number }[]) => calls.push(`pause ${tps.map((t) => `${t.topic}:${t.partition}`)}`), resume: (tps: { topic: string; partition: number }[]) => calls.push(`resume ${tps.map((t) => `${t.topic}:${t.partition}`)}`) },
      topicsOf: () => ['user_events', 'app.user.inbox'],
    } as never;
    const o = { partition: 2 } as Owned;
    boundHeldSources(deps, o, undefined); // a shard that does not merge
    boundHeldSources(deps, o, MAX_HELD_SOURCES);
    boundHeldSources(deps, o, MAX_HELD_SOURCES + 1);
    boundHeldSources(deps, o, MAX_HELD_SOURCES + 500); // paused already
    boundHeldSources(deps, o, MAX_HELD_SOURCES / 2); // not below half yet
    boundHeldSources(deps, o, MAX_HELD_SOURCES / 2 - 1);
    expect(calls).toEqual(['pause user_events:2', 'resume user_events:2']);
    expect(o.mergePaused).toBe(false);
  });
});
