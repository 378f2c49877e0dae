/**
 * `sku_affinity`: per SKU, which other SKUs were bought with it ("bought together"), from paid
 * orders. Written only against the public SDK (actorstream/sdk), like any user's module: the
 * built-in order actor sends it one `bought_together` message per distinct SKU of an order when
 * the order becomes paid; it reads no source events of its own (its topic, `recommendation_events`,
 * stays empty). docs/recommendations.md explains the caps and the scores built on it.
 */
import { defineActor, type Transition } from '../../sdk/core.ts';
import { PARTNER_CAP, RECOMMENDATION_TOPIC, SKU_AFFINITY, type BoughtTogether } from './protocol.ts';

export interface SkuAffinityState {
  /** Paid orders that held this SKU. */
  readonly orders: number;
  /** Units of this SKU in those orders. */
  readonly units: number;
  /**
   * Co-purchase partners as one flat array `[sku, count, sku, count, …]`: count descending, then
   * SKU ascending, at most PARTNER_CAP of them (flat: one array per SKU, not one per partner).
   */
  readonly partners: readonly (string | number)[];
  /**
   * True once more than PARTNER_CAP distinct partners were seen: from then on the list is a
   * space-saving summary (Metwally et al.): a newcomer replaces the last partner (smallest count,
   * greatest SKU among equals) and starts at its count + 1, so counts may overstate, and which
   * partner goes depends on the order messages arrived in. Below the cap every count is exact
   * and arrival order does not matter.
   */
  readonly saturated?: true;
}

const EMPTY: SkuAffinityState = Object.freeze({ orders: 0, units: 0, partners: Object.freeze([]) as readonly (string | number)[] });

export const skuAffinity = defineActor<SkuAffinityState>({
  type: SKU_AFFINITY,
  source: { topic: RECOMMENDATION_TOPIC, events: [] },
  // bought_together, sent by orders on their own payment events (actors/order.ts withPurchase).
  eventTimeSenders: ['order'],
  initial: () => EMPTY,
  handle(state, input) {
    if (input.kind !== 'message' || input.msg.type !== 'bought_together') return { state, effects: [] };
    return onBoughtTogether(state, input.msg as unknown as BoughtTogether);
  },
});

/** The partners of a state, most bought-with first. */
export function partnersOf(state: Pick<SkuAffinityState, 'partners'> | undefined): { sku: string; count: number }[] {
  const out: { sku: string; count: number }[] = [];
  const p = state?.partners ?? [];
  for (let i = 0; i + 1 < p.length; i += 2) out.push({ sku: p[i] as string, count: p[i + 1] as number });
  return out;
}

function onBoughtTogether(state: SkuAffinityState, msg: BoughtTogether): Transition<SkuAffinityState> {
  const qty = Number.isFinite(msg.qty) && msg.qty > 0 ? msg.qty : 0;
  let partners = partnersOf(state);
  let saturated = state.saturated === true;
  for (const sku of new Set(Array.isArray(msg.others) ? msg.others : [])) {
    if (typeof sku !== 'string') continue;
    const known = partners.find((p) => p.sku === sku);
    if (known) known.count += 1;
    else if (partners.length < PARTNER_CAP) partners.push({ sku, count: 1 });
    else {
      partners.sort(byCount);
      const last = partners.pop()!;
      partners.push({ sku, count: last.count + 1 });
      saturated = true;
    }
  }
  partners = partners.sort(byCount);
  const next: SkuAffinityState = {
    orders: state.orders + 1,
    units: state.units + qty,
    partners: partners.flatMap((p) => [p.sku, p.count]),
    ...(saturated ? { saturated: true as const } : {}),
  };
  return { state: next, effects: [] };
}

function byCount(a: { sku: string; count: number }, b: { sku: string; count: number }): number {
  return b.count - a.count || (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0);
}
