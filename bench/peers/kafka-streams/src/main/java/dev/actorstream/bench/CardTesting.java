package dev.actorstream.bench;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * `card_testing`, as actors/fraud/card-testing.ts with the defaults of actors/user.ts: on a
 * decline, ≥ 3 declines in (now − 10 min, now] using ≥ 3 distinct card fingerprints, judged at the
 * latest payment time the user has seen; the window capped at 6, dropping first the oldest decline
 * whose card declines again later; once per burst (re-armed when fewer than 3 declines remain).
 */
final class CardTesting {
  static final int DECLINES = 3;
  static final int DISTINCT_CARDS = 3;
  static final long WINDOW_MS = 10 * 60_000L;
  static final int CAP = 2 * Math.max(DECLINES, DISTINCT_CARDS);

  private CardTesting() {}

  /** Records a decline at `ts` on `card`; true when it raises card_testing. `clock`: Velocity.clock. */
  static boolean onDecline(UserState s, long ts, String card, long clock) {
    List<UserState.Decline> entries = s.declines;
    long at = Math.max(Math.max(ts, clock), entries.isEmpty() ? Long.MIN_VALUE : entries.get(entries.size() - 1).ts);
    entries.removeIf(e -> e.ts <= at - WINDOW_MS);
    int before = entries.size();
    boolean added = false;
    if (ts > at - WINDOW_MS) {
      UserState.Decline entry = new UserState.Decline(ts, card);
      int pos = entries.size();
      while (pos > 0 && entries.get(pos - 1).ts > ts) pos--;
      entries.add(pos, entry);
      while (entries.size() > CAP) entries.remove(repeatedCardFirst(entries));
      for (UserState.Decline e : entries) added |= e == entry;
    }
    boolean rearmed = !s.cardTestingAlerted || before < DECLINES;
    boolean fires = rearmed && added && entries.size() >= DECLINES && distinctCards(entries) >= DISTINCT_CARDS;
    s.cardTestingAlerted = fires || !rearmed;
    return fires;
  }

  /** An authorized payment lets time pass over the declines: the expired ones go, and the rule re-arms below the threshold. */
  static void expire(UserState s, long now) {
    List<UserState.Decline> entries = s.declines;
    if (entries.isEmpty()) return;
    long cutoff = Math.max(now, entries.get(entries.size() - 1).ts) - WINDOW_MS;
    if (!entries.removeIf(e -> e.ts <= cutoff)) return;
    s.cardTestingAlerted = s.cardTestingAlerted && entries.size() >= DECLINES;
  }

  private static int distinctCards(List<UserState.Decline> entries) {
    Set<String> cards = new HashSet<>();
    for (UserState.Decline e : entries) cards.add(e.card);
    return cards.size();
  }

  /** The oldest decline whose card declines again later, else the oldest: hammering one card must not push other cards out. */
  private static int repeatedCardFirst(List<UserState.Decline> entries) {
    for (int i = 0; i < entries.size(); i++) {
      for (int j = i + 1; j < entries.size(); j++) if (entries.get(j).card.equals(entries.get(i).card)) return i;
    }
    return 0;
  }
}
