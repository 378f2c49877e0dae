import { NO_INCREMENTS, type Aggregate, type Increment } from '../projection.ts';
import { ALERTS_MINUTE } from './tables.ts';

/** Counts every alert an input raised, at the alert's own event time. Any actor type can add it. */
export const alertsPerMinute: Aggregate<unknown> = {
  table: ALERTS_MINUTE,
  add(_input, _before, _after, _ctx, alerts) {
    if (alerts.length === 0) return NO_INCREMENTS;
    return alerts.map((a): Increment => ({ at: a.ts, dims: [a.type], values: [1] }));
  },
};
