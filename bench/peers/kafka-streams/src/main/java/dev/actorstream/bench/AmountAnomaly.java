package dev.actorstream.bench;

/**
 * `amount_anomaly`, as actors/fraud/amount-anomaly.ts with the defaults of actors/user.ts: an
 * authorized amount > 5 × the mean of the user's earlier authorized amounts (at least one) and
 * > 500. The running total is kept in cents, as there, so it does not depend on arrival order.
 */
final class AmountAnomaly {
  static final double FACTOR = 5;
  static final double MIN_AMOUNT = 500;

  private AmountAnomaly() {}

  /** Checks an authorized payment against the running average, then adds it; true when anomalous. */
  static boolean check(UserState s, double amount) {
    long count = s.authCount;
    double sum = s.authCents / 100.0;
    s.authCount = count + 1;
    s.authCents += Math.round(amount * 100);
    // amount > FACTOR × sum / count, multiplied out as in actorstream (no rounding from a division).
    return count > 0 && amount * count > FACTOR * sum && amount > MIN_AMOUNT;
  }
}
