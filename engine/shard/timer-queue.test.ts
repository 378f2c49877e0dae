import { describe, expect, test } from 'bun:test';
import { TimerQueue, type PendingTimer } from './timer-queue.ts';

const timer = (key: string, dueAt: number, seq: number): PendingTimer => ({ key, dueAt, seq, timer: { type: 'payment_timeout', cause: `e-${seq}` } });

describe('the shard timer queue', () => {
  test('fires timers due strictly before an input time, by due time then seq', () => {
    const q = new TimerQueue();
    // Pushed as a restore would: in any order.
    for (const t of [timer('c', 300, 1), timer('b', 200, 4), timer('a', 200, 2), timer('d', 100, 3)]) q.push(t);
    expect(q.size).toBe(4);
    const fired: string[] = [];
    for (let t = q.popDueBefore(300); t; t = q.popDueBefore(300)) fired.push(t.key);
    expect(fired).toEqual(['d', 'a', 'b']); // 'c' is due at 300: an input at 300 is on time
    expect(q.size).toBe(1);
    expect(q.popDueBefore(301)?.key).toBe('c');
  });

  test('maxSeq of restored timers is where new timers continue numbering; 0 for none', () => {
    const q = new TimerQueue();
    expect(q.maxSeq()).toBe(0);
    q.push(timer('a', 10, 41));
    q.push(timer('b', 5, 7));
    expect(q.maxSeq()).toBe(41);
    expect(q.popDueBefore(11)?.seq).toBe(7);
    expect(q.popDueBefore(11)?.seq).toBe(41);
    expect(q.maxSeq()).toBe(0);
  });

  test('returns the pushed timer itself (its seq identifies the stored row)', () => {
    const q = new TimerQueue();
    const t = timer('a', 10, 1);
    q.push(t);
    expect(q.popDueBefore(11)).toBe(t);
  });
});
