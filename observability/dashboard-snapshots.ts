import type postgres from 'postgres';
import type { DashboardSnapshot, OrderFunnel } from '../dashboard/snapshot.ts';
import type { LiveStats } from './live-stats.ts';

/**
 * Builds the dashboard's snapshots: this instance's live stats plus cluster-wide facts read from
 * the checkpoint tables (shard owners, SKUs below their reorder point, the order funnel,
 * quarantined entities). The table reads are shared by every open page and refreshed at most
 * every `refreshMs`, so ten open dashboards cost the database what one does.
 */
export function createDashboardSnapshots(opts: { instance: string; sql: postgres.Sql; live: LiveStats; refreshMs?: number }): () => Promise<DashboardSnapshot> {
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

type ClusterFacts = Pick<DashboardSnapshot, 'ownership' | 'inventory' | 'funnel' | 'quarantined'>;

async function readClusterFacts(sql: postgres.Sql): Promise<ClusterFacts> {
  const [owners, low, out, statuses, quarantined] = await Promise.all([
    sql`select shard, owner_id, http_address, epoch, acquired_at from shard_owners order by shard`,
    sql`select key, (state->>'onHand')::int - (state->>'reserved')::int as available, (state->>'reorderPoint')::int as reorder_point
        from actor_states where actor_type = 'sku'
          and (state->>'onHand')::int - (state->>'reserved')::int > 0
          and (state->>'onHand')::int - (state->>'reserved')::int < (state->>'reorderPoint')::int
        order by available, key limit 20`,
    sql`select key, (state->>'onHand')::int as on_hand, (state->>'reserved')::int as reserved
        from actor_states where actor_type = 'sku' and (state->>'onHand')::int - (state->>'reserved')::int <= 0
        order by key limit 20`,
    sql`select state->>'status' as status, count(*)::int as n from actor_states where actor_type = 'order' group by 1`,
    sql`select count(*)::int as n from actor_states where quarantine is not null`,
  ]);
  return {
    ownership: owners.map((r) => ({
      shard: r.shard as string,
      owner: r.owner_id as string,
      httpAddress: (r.http_address as string | null) ?? null,
      epoch: Number(r.epoch),
      acquiredAt: (r.acquired_at as Date).getTime(),
    })),
    inventory: {
      lowStock: low.map((r) => ({ sku: r.key as string, available: Number(r.available), reorderPoint: Number(r.reorder_point) })),
      outOfStock: out.map((r) => ({ sku: r.key as string, onHand: Number(r.on_hand), reserved: Number(r.reserved) })),
    },
    funnel: funnelOf(new Map(statuses.map((r) => [r.status as string, Number(r.n)]))),
    quarantined: Number(quarantined[0]?.n ?? 0),
  };
}

/**
 * Orders that ever reached each stage, from where each order stands now: a delivered order was
 * also placed, reserved, paid and shipped. `cancelled` orders count as placed only (whether they
 * were reserved first is not in the status), an `expired` order was reserved but never paid.
 */
export function funnelOf(byStatus: Map<string, number>): OrderFunnel {
  const n = (s: string) => byStatus.get(s) ?? 0;
  const delivered = n('delivered');
  const shipped = n('shipped') + delivered;
  const paid = n('paid') + shipped;
  const reserved = n('reserved') + paid + n('expired');
  const placed = n('placed') + n('new') + reserved + n('rejected') + n('cancelled');
  return { placed, reserved, paid, shipped, delivered, rejected: n('rejected'), expired: n('expired'), cancelled: n('cancelled') };
}
