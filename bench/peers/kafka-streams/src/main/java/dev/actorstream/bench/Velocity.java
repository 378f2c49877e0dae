package dev.actorstream.bench;

import java.util.List;

/**
 * `velocity`, as actors/fraud/velocity.ts with the defaults of actors/user.ts: ≥ 5 payment
 * attempts with event time in (now − 10 min, now], judged at the latest event time the window has
 * seen, the window capped at 10 (oldest dropped), once per burst.
 */
final class Velocity {
  static final int ATTEMPTS = 5;
  static final long WINDOW_MS = 10 * 60_000L;
  static final int CAP = 2 * ATTEMPTS;

  private Velocity() {}

  /** Records an attempt at `ts`; true when it brings the window to the threshold. */
  static boolean check(UserState s, long ts) {
    List<Long> entries = s.attempts;
    long at = Math.max(ts, entries.isEmpty() ? ts : entries.get(entries.size() - 1));
    entries.removeIf(t -> t <= at - WINDOW_MS);
    int before = entries.size();
    boolean added = false;
    if (ts > at - WINDOW_MS) {
      int pos = entries.size();
      while (pos > 0 && entries.get(pos - 1) > ts) pos--;
      entries.add(pos, ts);
      added = true;
      while (entries.size() > CAP) {
        if (pos == 0) added = false;
        entries.remove(0);
        pos--;
      }
    }
    return added && before < ATTEMPTS && entries.size() >= ATTEMPTS;
  }

  /** The latest payment time the user has seen: the newest attempt in the window, or `ts`. */
  static long clock(UserState s, long ts) {
    return s.attempts.isEmpty() ? ts : Math.max(ts, s.attempts.get(s.attempts.size() - 1));
  }
}
