import type { PaymentAttempted } from '../../sdk/core.ts';
import { formatDuration, fraudAlert, type RuleResult } from './rule.ts';
import { entriesOf, firstCompleting, idsOf, slide, stored, type Window } from './window.ts';

/**
 * `velocity` (docs/domain-rules.md): ≥ `attempts` payment attempts, authorized or declined, with
 * `ts` in `(now − windowMs, now]`. Severity warning. Once per burst.
 */
export interface VelocityRule {
  attempts: number;
  windowMs: number;
}

/** The user-state slice of this rule. */
export interface VelocityState {
  /** Attempts of the window, `[ts, paymentEventId, …]`, at most 2 × `attempts` of them. */
  attempts?: Window;
}

/**
 * Records one payment attempt and raises `velocity` when this attempt brings the window to the
 * threshold.
 *
 * @example
 * // the 5th attempt within 10 minutes:
 * checkVelocity(state, attempt, { attempts: 5, windowMs: 600_000 }, 'u1').alert?.id; // 'user/u1/velocity/<cause>'
 */
export function checkVelocity(
  state: VelocityState,
  attempt: PaymentAttempted,
  rule: VelocityRule,
  userId: string,
): RuleResult<VelocityState> {
  const entry = { ts: attempt.ts, id: attempt.cause };
  // Capped at twice the threshold (the doc's bound): deciding "≥ threshold" needs only the newest.
  const window = slide(entriesOf(state.attempts, false), entry, rule.windowMs, 2 * rule.attempts);
  const next = { attempts: stored(window.entries, false) };
  // Once per burst without a flag: the count in the window rises one attempt at a time and falls
  // only with time, so "fewer than the threshold, then reaches it again" is exactly the attempt
  // that finds fewer than the threshold before it and the threshold with it.
  const count = window.entries.length;
  if (!window.added || window.before >= rule.attempts || count < rule.attempts) return { state: next };

  const spanMs = window.at - window.entries[0]!.ts;
  const trigger = firstCompleting(window.entries, rule.windowMs, (w) => w.length >= rule.attempts) ?? window.entries[window.entries.length - 1]!;
  return {
    state: next,
    alert: fraudAlert({
      type: 'velocity',
      severity: 'warning',
      userId,
      // The attempt that completed the burst in event-time order, not the one that arrived last:
      // payments reach a user from several order partitions, so arrival order varies between
      // runs and replays while the window's contents do not.
      causeId: trigger.id,
      ts: trigger.ts,
      reasons: idsOf(window.entries),
      summary:
        `${count} payment attempts within ${formatDuration(spanMs)} ` +
        `(threshold: ${rule.attempts} within ${formatDuration(rule.windowMs)})`,
      details: { count, spanMs, threshold: rule.attempts, windowMs: rule.windowMs },
    }),
  };
}
