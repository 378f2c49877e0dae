import { describe, expect, test } from 'bun:test';
import { generateEvents, type ExpectedAlert } from '../generator/index.ts';
import { FRAUD_ALERT_TYPES, decodeEvent } from '../schemas/index.ts';
import { createTestDriver, orderActor, skuActor, userActor } from './index.ts';

/**
 * The actors against the generator's ground truth: every injected fraud pattern must raise exactly
 * the alert the rules doc names, and background traffic (built to stay clear of the rules) must
 * raise none. False positives are counted and printed, and must be zero for these seeds.
 */
describe('actors vs the generator ground truth', () => {
  for (const seed of [1, 2, 3]) {
    test(`seed ${seed}: every injected pattern is caught, no false positive`, () => {
      const { events, groundTruth } = generateEvents({ seed, count: 60_000, users: 3000, skus: 300, minPerPattern: 3, fraudRate: 10 });
      const driver = createTestDriver([skuActor, orderActor, userActor], { recordHistory: false });
      for (const raw of events) {
        const d = decodeEvent(raw);
        if (!d.ok) throw d.error;
        driver.pipe(d.event);
      }
      const fraud = driver.alerts().filter((a) => FRAUD_ALERT_TYPES.includes(a.type));
      const raised = new Set(fraud.map((a) => a.id));
      const expected = new Set(groundTruth.map((g: ExpectedAlert) => g.expectedAlertId));
      const missed = [...expected].filter((id) => !raised.has(id));
      const falsePositives = [...raised].filter((id) => !expected.has(id));
      console.log(`seed ${seed}: ${expected.size} injected, ${raised.size} raised, ${missed.length} missed, ${falsePositives.length} false positives`);
      for (const type of ['velocity', 'card_testing', 'amount_anomaly', 'impossible_travel', 'account_takeover']) {
        expect(groundTruth.some((g) => g.type === type)).toBe(true);
      }
      expect(missed).toEqual([]);
      expect(falsePositives).toEqual([]);
      // Background flows are valid: no order transition is refused and no stock is oversold.
      expect(driver.alerts().filter((a) => a.type === 'invalid_transition' || a.type === 'oversell_prevented')).toEqual([]);
      expect(driver.failures()).toEqual([]);
    });
  }
});
