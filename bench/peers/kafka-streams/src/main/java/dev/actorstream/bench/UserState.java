package dev.actorstream.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * A user's fraud state in the peer's `users` store: the slices of actorstream's user state that its
 * three rules read (actors/fraud/velocity.ts, card-testing.ts, amount-anomaly.ts). Stored as one
 * string; fields and entries are split by control characters, which no id or card fingerprint can
 * contain (schemas/edge-formats.ts), so any fingerprint round-trips.
 */
final class UserState {
  private static final String FIELD = "\u001d";
  private static final String ENTRY = "\u001e";
  private static final String PART = "\u001f";

  /** velocity: event times of the payment attempts in the window, oldest first. */
  final List<Long> attempts = new ArrayList<>();
  /** card_testing: the declines in the window, oldest first. */
  final List<Decline> declines = new ArrayList<>();
  /** card_testing: the current burst has alerted. */
  boolean cardTestingAlerted;
  /** amount_anomaly: authorized payments so far and their total in cents (whole numbers add up in any order). */
  long authCount;
  long authCents;

  /** One decline. A class without equals on purpose: CardTesting tells a new entry from an equal old one by identity. */
  static final class Decline {
    final long ts;
    final String card;

    Decline(long ts, String card) {
      this.ts = ts;
      this.card = card;
    }
  }

  static UserState decode(String stored) {
    UserState s = new UserState();
    if (stored == null || stored.isEmpty()) return s;
    String[] f = stored.split(FIELD, -1);
    if (!f[0].isEmpty()) for (String t : f[0].split(",")) s.attempts.add(Long.parseLong(t));
    s.authCount = Long.parseLong(f[1]);
    s.authCents = Long.parseLong(f[2]);
    if (!f[3].isEmpty()) {
      for (String e : f[3].split(ENTRY)) {
        int at = e.indexOf(PART);
        s.declines.add(new Decline(Long.parseLong(e.substring(0, at)), e.substring(at + 1)));
      }
    }
    s.cardTestingAlerted = f[4].equals("1");
    return s;
  }

  String encode() {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < attempts.size(); i++) sb.append(i == 0 ? "" : ",").append(attempts.get(i));
    sb.append(FIELD).append(authCount).append(FIELD).append(authCents).append(FIELD);
    for (int i = 0; i < declines.size(); i++) sb.append(i == 0 ? "" : ENTRY).append(declines.get(i).ts).append(PART).append(declines.get(i).card);
    return sb.append(FIELD).append(cardTestingAlerted ? "1" : "0").toString();
  }
}
