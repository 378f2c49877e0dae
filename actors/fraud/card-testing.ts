import type { PaymentAttempted } from '../../schemas/index.ts';
import { formatDuration, fraudAlert, type RuleResult } from './rule.ts';
import { entriesOf, expire, firstCompleting, idsOf, latest, slide, stored, type Entry, type Window } from './window.ts';

/**
 * `card_testing` (docs/domain-rules.md): on a declined attempt, ≥ `declines` declines in
 * `(now − windowMs, now]` using ≥ `distinctCards` distinct card fingerprints. Severity critical.
 * Once per burst: not again until the window holds fewer than `declines` declines.
 */
export interface CardTestingRule {
  declines: number;
  distinctCards: number;
  windowMs: number;
}

/** The user-state slice of this rule. */
export interface CardTestingState {
  /** Declines of the window, `[ts, paymentEventId, cardFingerprint, …]`, at most 2 × the larger threshold. */
  declines?: Window;
  /**
   * Set once the current burst has alerted. A flag, unlike velocity: the condition also needs
   * distinct cards, so a burst can satisfy it only at a later decline than the one reaching the count.
   */
  cardTestingAlerted?: true;
}

/**
 * Records one declined attempt and raises `card_testing` when the window now has enough declines
 * on enough different cards and the burst has not alerted yet.
 *
 * @example
 * // 3rd decline in 10 minutes, cards c1, c2, c3:
 * checkCardTesting(state, decline, { declines: 3, distinctCards: 3, windowMs: 600_000 }, 'u1').alert?.severity; // 'critical'
 */
export function checkCardTesting(
  state: CardTestingState,
  decline: PaymentAttempted,
  rule: CardTestingRule,
  userId: string,
  /** Latest payment time the user has seen (declines are judged by it, as any payment would prune them). */
  clock = decline.ts,
): RuleResult<CardTestingState> {
  const entry = { ts: decline.ts, id: decline.cause, tag: decline.cardFingerprint };
  const cap = 2 * Math.max(rule.declines, rule.distinctCards);
  const window = slide(entriesOf(state.declines, true), entry, rule.windowMs, cap, repeatedCardFirst, clock);
  const cards = distinctCards(window.entries);
  const rearmed = !state.cardTestingAlerted || window.before < rule.declines;
  const fires = rearmed && window.added && window.entries.length >= rule.declines && cards.length >= rule.distinctCards;
  const next = { declines: stored(window.entries, true), cardTestingAlerted: fires || !rearmed ? (true as const) : undefined };
  if (!fires) return { state: next };

  const count = window.entries.length;
  const spanMs = window.at - window.entries[0]!.ts;
  const trigger =
    firstCompleting(window.entries, rule.windowMs, (w) => w.length >= rule.declines && distinctCards(w).length >= rule.distinctCards) ??
    window.entries[window.entries.length - 1]!;
  return {
    state: next,
    alert: fraudAlert({
      type: 'card_testing',
      severity: 'critical',
      userId,
      // The decline that completed the pattern in event-time order, not the one that arrived
      // last: arrival order across order partitions varies between runs and replays.
      causeId: trigger.id,
      ts: trigger.ts,
      reasons: idsOf(window.entries),
      summary:
        `${count} declined payments with ${cards.length} different cards within ${formatDuration(spanMs)} ` +
        `(threshold: ${rule.declines} declines, ${rule.distinctCards} cards, ${formatDuration(rule.windowMs)})`,
      details: {
        count,
        distinctCards: cards.length,
        cards,
        spanMs,
        threshold: { declines: rule.declines, distinctCards: rule.distinctCards },
        windowMs: rule.windowMs,
      },
    }),
  };
}

/**
 * Lets time pass over the declines on a non-declined attempt: drops the ones that left the window
 * (keeping the state small) and re-arms the rule once fewer than `declines` remain. Returns the
 * same slice when nothing left.
 */
export function expireCardTesting(state: CardTestingState, now: number, rule: CardTestingRule): CardTestingState {
  const entries = entriesOf(state.declines, true);
  const kept = expire(entries, latest(entries, now) - rule.windowMs);
  if (kept.length === entries.length) return { declines: state.declines, cardTestingAlerted: state.cardTestingAlerted };
  const stillAlerted = state.cardTestingAlerted && kept.length >= rule.declines;
  return { declines: stored(kept, true), cardTestingAlerted: stillAlerted ? true : undefined };
}

/** Distinct card fingerprints, in order of first decline. */
function distinctCards(entries: readonly Entry[]): string[] {
  return [...new Set(entries.map((e) => e.tag ?? ''))];
}

/**
 * Over the cap, drop the oldest decline whose card declines again later, and only if every card
 * is different the oldest decline: a card tester hammering one card must not push the other
 * cards of the same window out of sight.
 */
function repeatedCardFirst(entries: readonly Entry[]): number {
  const index = entries.findIndex((e, i) => entries.some((later, j) => j > i && later.tag === e.tag));
  return index === -1 ? 0 : index;
}
