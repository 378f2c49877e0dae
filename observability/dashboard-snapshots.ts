import type { DashboardSnapshot, OrderFunnel } from '../dashboard/snapshot.ts';
import { orderStatusCounts, quarantinedCount, shardOwners, skuStockFacts, type Sql } from '../store/index.ts';
import type { LiveStats } from './live-stats.ts';

/**
 * Builds the dashboard's snapshots: this instance's live stats plus cluster-wide facts read from
 * the checkpoint tables (shard owners, SKUs below their reorder point, the order funnel,
 * quarantined entities). The table reads are shared by every open page and refreshed at most
 * every `refreshMs`, so ten open dashboards cost the database what one does.
 */
export function createDashboardSnapshots(opts: { instance: string; sql: Sql; live: LiveStats; refreshMs?: number }): () => Promise<DashboardSnapshot> {
  const refreshMs = opts.refreshMs ?? 2000;
  let cached: { at: number; facts: Promise<ClusterFacts> } | undefined;

  return async () => {
    const now = Date.now();
    if (!cached || now - cached.at >= refreshMs) {
      const facts = readClusterFacts(opts.sql);
      // A failed read is not cached: the next snapshot tries again.
      facts.catch(() => {
        if (cached?.facts === facts) cached = undefined;
      });
      cached = { at: now, facts };
    }
    const facts = await cached.facts;
    const live = opts.live.read(now);
    return { at: now, instance: opts.instance, ...live, ...facts };
  };
}

/** SKUs per inventory list: the panel shows the most urgent ones, not the catalogue. */
const INVENTORY_LIST_CAP = 20;

type ClusterFacts = Pick<DashboardSnapshot, 'ownership' | 'inventory' | 'funnel' | 'quarantined'>;

async function readClusterFacts(sql: Sql): Promise<ClusterFacts> {
  const [owners, inventory, statuses, quarantined] = await Promise.all([shardOwners(sql), skuStockFacts(sql, INVENTORY_LIST_CAP), orderStatusCounts(sql), quarantinedCount(sql)]);
  return {
    ownership: owners.map((o) => ({ shard: o.shard, owner: o.ownerId, httpAddress: o.httpAddress, epoch: o.epoch, acquiredAt: o.acquiredAt.getTime() })),
    inventory,
    funnel: funnelOf(statuses),
    quarantined,
  };
}

/**
 * Orders that ever reached each stage, from where each order stands now: a delivered order was
 * also placed, reserved, paid and shipped. `cancelled` orders count as placed only (whether they
 * were reserved first is not in the status), an `expired` order was reserved but never paid.
 */
export function funnelOf(byStatus: ReadonlyMap<string, number>): OrderFunnel {
  const n = (s: string) => byStatus.get(s) ?? 0;
  const delivered = n('delivered');
  const shipped = n('shipped') + delivered;
  const paid = n('paid') + shipped;
  const reserved = n('reserved') + paid + n('expired');
  const placed = n('placed') + n('new') + reserved + n('rejected') + n('cancelled');
  return { placed, reserved, paid, shipped, delivered, rejected: n('rejected'), expired: n('expired'), cancelled: n('cancelled') };
}
