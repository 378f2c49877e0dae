import type { ActorDefinition } from '../actor.ts';
import type { Aggregate, ReadModel } from '../projection.ts';
import { alertsPerMinute } from './alerts-minute.ts';
import { orderFunnelPerMinute, ordersReadModel, salesPerMinute, skuSalesPerMinute } from './order-analytics.ts';
import { skuStockReadModel } from './sku-analytics.ts';
import { userFunnelPerMinute, userRiskReadModel } from './user-analytics.ts';

/** The read model and aggregates of each built-in actor type (docs/analytics.md). */
const BUILT_IN: Record<string, { readModel: ReadModel<any>; aggregates: readonly Aggregate<any>[] }> = {
  sku: { readModel: skuStockReadModel, aggregates: [alertsPerMinute] },
  order: { readModel: ordersReadModel, aggregates: [salesPerMinute, orderFunnelPerMinute, skuSalesPerMinute, alertsPerMinute] },
  user: { readModel: userRiskReadModel, aggregates: [userFunnelPerMinute, alertsPerMinute] },
};

/** The built-in actor `a` with its analytics declared; any other actor as it is. */
export function withAnalytics<S>(a: ActorDefinition<S>): ActorDefinition<S> {
  const analytics = BUILT_IN[a.type];
  return analytics ? { ...a, ...analytics } : a;
}
