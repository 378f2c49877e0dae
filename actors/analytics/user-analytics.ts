import type { AlertType } from '../../schemas/index.ts';
import type { UserState } from '../user.ts';
import { NO_INCREMENTS, type Aggregate, type ReadModel } from '../projection.ts';
import { FUNNEL_MINUTE } from './tables.ts';

const FRAUD_RULES: readonly AlertType[] = ['velocity', 'card_testing', 'amount_anomaly', 'impossible_travel', 'account_takeover'];

/** `user_risk`: a user's fraud picture, one column per rule, for analysts and risk dashboards. */
export const userRiskReadModel: ReadModel<UserState> = {
  table: 'user_risk',
  columns: [
    { name: 'user_id', type: 'text' },
    ...FRAUD_RULES.map((rule) => ({ name: `alerts_${rule}`, type: 'int' as const })),
    { name: 'last_alert_type', type: 'text' },
    { name: 'last_alert_at', type: 'timestamptz' },
    { name: 'last_login_country', type: 'text' },
    { name: 'payments_count', type: 'int' },
    { name: 'payments_sum_minor', type: 'bigint' },
  ],
  row: (key, s) => [
    key,
    ...FRAUD_RULES.map((rule) => s.alertCounts?.[rule] ?? 0),
    s.lastAlertType ?? null,
    s.lastAlertAt ?? null,
    s.loginCountry ?? null,
    s.authCount ?? 0,
    s.authCents ?? 0,
  ],
};

/** The browsing steps of the funnel: page views and cart adds, at their event time. */
export const userFunnelPerMinute: Aggregate<UserState> = {
  table: FUNNEL_MINUTE,
  add(input) {
    if (input.kind !== 'event') return NO_INCREMENTS;
    const { type, ts } = input.event;
    if (type === 'page_viewed') return [{ at: ts, dims: [], values: [1, 0, 0, 0] }];
    if (type === 'cart_item_added') return [{ at: ts, dims: [], values: [0, 1, 0, 0] }];
    return NO_INCREMENTS;
  },
};
