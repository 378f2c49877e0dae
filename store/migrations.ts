import type postgres from 'postgres';

/**
 * The checkpoint schema. Each migration runs once, in order, inside one transaction with the
 * bookkeeping row, so concurrent instances starting together cannot apply one twice.
 * Append new migrations; never edit an applied one.
 */
export const MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'checkpoint tables',
    sql: `
      -- Who owns a shard (an actor type's partition) and since which epoch. Every checkpoint
      -- re-reads this row under lock: an owner whose epoch is no longer current is fenced.
      create table shard_owners (
        shard        text primary key,
        epoch        bigint not null,
        owner_id     text not null,
        http_address text,
        acquired_at  timestamptz not null default now()
      );
      -- The offsets of truth: the next input offset per topic partition, written in the same
      -- transaction as the states and outputs it produced.
      create table input_offsets (
        topic       text not null,
        partition   int not null,
        shard       text not null,
        next_offset bigint not null,
        primary key (topic, partition)
      );
      create table actor_states (
        actor_type    text not null,
        key           text not null,
        partition     int not null,
        state_version int not null,
        state         jsonb not null,
        -- Set when the handler threw for this entity: its later inputs go to the DLQ, not the actor.
        quarantine    text,
        updated_at    timestamptz not null default now(),
        primary key (actor_type, key)
      );
      create index actor_states_by_partition on actor_states (actor_type, partition);
      -- Committed outputs waiting for the relay (actor→actor sends, alerts to Kafka).
      create table outbox (
        seq          bigserial primary key,
        shard        text not null,
        topic        text not null,
        key          text not null,
        value        text not null,
        headers      jsonb not null default '{}',
        published_at timestamptz
      );
      create index outbox_unpublished on outbox (shard, seq) where published_at is null;
      create table alerts (
        id          text primary key,
        type        text not null,
        entity_type text not null,
        entity_key  text not null,
        severity    text not null,
        ts          bigint not null,
        detected_at bigint not null,
        body        jsonb not null
      );
      create index alerts_recent on alerts (ts desc);
      create index alerts_by_entity on alerts (entity_type, entity_key, ts desc);
      -- Exactly-once receipt of inbox messages: the highest sequence seen per origin.
      create table inbox_positions (
        shard    text not null,
        origin   text not null,
        last_seq bigint not null,
        primary key (shard, origin)
      );
      -- Pending actor timers (e.g. payment timeouts), so they survive restarts and fire after restore.
      create table timers (
        shard      text not null,
        actor_type text not null,
        key        text not null,
        due_at     bigint not null,
        seq        bigint not null,
        timer      jsonb not null,
        primary key (shard, seq)
      );
    `,
  },
  {
    version: 2,
    name: 'recent event ids per entity',
    sql: `
      -- The entity's dedup window: the ids of its last source events, oldest first, one per line
      -- (engine/shard/recent-ids.ts). A retried event with one of these ids is dropped,
      -- so a client that re-sends after a lost 202 applies once.
      alter table actor_states add column recent_event_ids text;
    `,
  },
  {
    version: 3,
    name: 'outbox index the relay can use',
    sql: `
      -- The relay reads and deletes a shard's rows by (shard, seq); rows are deleted once published,
      -- never marked, so the partial index on published_at is null matched no query and the relay
      -- scanned the table (8-10 ms per call at a backlog, issue #19).
      drop index if exists outbox_unpublished;
      alter table outbox drop column if exists published_at;
      create index outbox_by_shard on outbox (shard, seq);
      -- A queue table: every row is deleted within seconds. Vacuum it often, so index scans do not
      -- wade through dead entries.
      alter table outbox set (autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_threshold = 1000);
    `,
  },
  {
    version: 4,
    name: 'read models and per-minute aggregates',
    sql: `
      -- Read models (actors/analytics/): one typed row per entity, written in the checkpoint
      -- transaction of the shard that changed it. Money in minor units (hundredths).
      create table orders (
        order_id text primary key,
        user_id text not null,
        status text not null,
        item_count int not null,
        total_minor bigint not null,
        currency text not null,
        country text not null,
        placed_at timestamptz,
        paid_at timestamptz,
        shipped_at timestamptz,
        delivered_at timestamptz,
        -- when it became cancelled, expired or rejected
        cancelled_at timestamptz,
        updated_at timestamptz not null default now()
      ) with (fillfactor = 80);
      -- Rows are rewritten at every change of their entity: free space on each page and no index on
      -- a column that changes (status, stock levels) let Postgres update them in place (HOT), without
      -- new index entries. Filter by status with the placed_at or user index, or add your own.
      create index orders_by_user on orders (user_id);
      create index orders_by_placed on orders (placed_at);
      create table sku_stock (
        sku text primary key,
        on_hand bigint not null,
        reserved bigint not null,
        available bigint not null,
        reorder_point bigint not null,
        low_stock boolean not null,
        updated_at timestamptz not null default now()
      ) with (fillfactor = 80);
      create index sku_stock_low on sku_stock (sku) where low_stock;
      create table user_risk (
        user_id text primary key,
        alerts_velocity int not null,
        alerts_card_testing int not null,
        alerts_amount_anomaly int not null,
        alerts_impossible_travel int not null,
        alerts_account_takeover int not null,
        last_alert_type text,
        last_alert_at timestamptz,
        last_login_country text,
        payments_count int not null,
        payments_sum_minor bigint not null,
        updated_at timestamptz not null default now()
      ) with (fillfactor = 80);
      create index user_risk_recent_alerts on user_risk (last_alert_at desc) where last_alert_at is not null;
      -- Aggregates per event-time minute. Each shard adds to its own partial rows (the *_part
      -- tables), so concurrent checkpoints never wait on each other's rows and a replay can reset one
      -- shard's share; the views sum the shards and are what analysts query.
      -- orders and money by country and currency
      create table sales_minute_part (
        minute timestamptz not null,
        country text not null,
        currency text not null,
        shard text not null,
        orders_placed bigint not null default 0,
        orders_paid bigint not null default 0,
        orders_cancelled bigint not null default 0,
        gross_minor bigint not null default 0,
        revenue_minor bigint not null default 0,
        items bigint not null default 0,
        primary key (minute, country, currency, shard)
      ) with (fillfactor = 80);
      create view sales_minute as select minute, country, currency, sum(orders_placed)::bigint as orders_placed, sum(orders_paid)::bigint as orders_paid, sum(orders_cancelled)::bigint as orders_cancelled, sum(gross_minor)::bigint as gross_minor, sum(revenue_minor)::bigint as revenue_minor, sum(items)::bigint as items from sales_minute_part group by minute, country, currency;
      -- the conversion funnel
      create table funnel_minute_part (
        minute timestamptz not null,
        shard text not null,
        page_views bigint not null default 0,
        carts bigint not null default 0,
        orders bigint not null default 0,
        paid bigint not null default 0,
        primary key (minute, shard)
      ) with (fillfactor = 80);
      create view funnel_minute as select minute, sum(page_views)::bigint as page_views, sum(carts)::bigint as carts, sum(orders)::bigint as orders, sum(paid)::bigint as paid from funnel_minute_part group by minute;
      -- units and revenue of paid orders per SKU and currency (top-N)
      create table sku_sales_minute_part (
        minute timestamptz not null,
        sku text not null,
        currency text not null,
        shard text not null,
        units bigint not null default 0,
        revenue_minor bigint not null default 0,
        primary key (minute, sku, currency, shard)
      ) with (fillfactor = 80);
      create view sku_sales_minute as select minute, sku, currency, sum(units)::bigint as units, sum(revenue_minor)::bigint as revenue_minor from sku_sales_minute_part group by minute, sku, currency;
      -- alerts raised, by type
      create table alerts_minute_part (
        minute timestamptz not null,
        alert_type text not null,
        shard text not null,
        alerts bigint not null default 0,
        primary key (minute, alert_type, shard)
      ) with (fillfactor = 80);
      create view alerts_minute as select minute, alert_type, sum(alerts)::bigint as alerts from alerts_minute_part group by minute, alert_type;
    `,
  },
  {
    version: 5,
    name: 'parked inputs of quarantined entities',
    sql: `
      -- The inputs a quarantined entity could not take (the one that threw and all after it),
      -- written in the checkpoint that parked them and deleted in the one that applies them on
      -- release (engine/shard/parked.ts). seq orders one entity's parked inputs.
      create table parked_inputs (
        seq              bigserial primary key,
        actor_type       text not null,
        key              text not null,
        partition        int not null,
        code             text not null,
        reason           text not null,
        input            text not null,
        at               bigint not null,
        source_topic     text,
        source_partition int,
        source_offset    bigint,
        parked_at        timestamptz not null default now()
      );
      create index parked_inputs_entity on parked_inputs (actor_type, key, seq);
    `,
  },
  {
    version: 6,
    name: 'entity keys by partition, index only',
    sql: `
      -- A lazy restore reads a shard's keys (store/checkpoint-store.ts): with the key in the index
      -- that is an index-only scan (~40 ms for 166k keys) instead of a heap scan (~400 ms). The key
      -- never changes, so state updates stay HOT.
      create index actor_states_keys_by_partition on actor_states (actor_type, partition) include (key);
      drop index actor_states_by_partition;
    `,
  },
  {
    version: 7,
    name: 'entity state history',
    sql: `
      -- Time travel (engine/entity-history.ts): a snapshot of an entity each checkpoint that changed
      -- it, for the actor types in history.actors. at_ts: the latest event time the entity had been
      -- given; the offsets: where its shard's source and inbox partitions stood, so the inputs between
      -- two snapshots can be read back from the log. Deleted by age (instance/retention.ts), except
      -- each entity's newest.
      create table actor_state_history (
        id               bigserial primary key,
        actor_type       text not null,
        key              text not null,
        partition        int not null,
        at_ts            bigint not null,
        state_version    int not null,
        state            jsonb not null,
        quarantine       text,
        recent_event_ids text,
        timers           jsonb not null,
        source_offset    bigint not null,
        inbox_offset     bigint not null,
        inbox_positions  jsonb not null,
        -- The entity was created in this checkpoint: a rebuild before its first snapshot starts from
        -- its initial state at where the checkpoint's records began (the start_* columns).
        created               boolean not null default false,
        start_source_offset   bigint,
        start_inbox_offset    bigint,
        start_inbox_positions jsonb,
        recorded_at      timestamptz not null default now()
      );
      create index actor_state_history_entity on actor_state_history (actor_type, key, id);
      create index actor_state_history_recorded on actor_state_history (recorded_at);
    `,
  },
  {
    version: 8,
    name: 'source event time at the offset of truth',
    sql: `
      -- The running maximum of event time over a source partition up to next_offset (null for an
      -- inbox, or before the first event): the event-time merge keys inputs by it (engine/shard/
      -- merge-key.ts), so after a restart an event late in its partition keeps the key it had.
      alter table input_offsets add column event_time_max bigint;
    `,
  },
  {
    version: 9,
    name: 'inputs held while an entity awaits answers',
    sql: `
      -- Source events and timers of an entity awaiting answers to its messages (an order waiting for
      -- its stock reservations), held until they come: a JSON array in arrival order, null when
      -- none (engine/shard/awaiting-holds.ts). Kept with the state, so they commit with it; the
      -- history keeps them too, so time travel rebuilds a state that was holding.
      alter table actor_states add column held_inputs text;
      alter table actor_state_history add column held_inputs text;
    `,
  },
  {
    version: 10,
    name: 'a checkpoint fence that fails inside the transaction',
    sql: `
      -- A checkpoint's fence as one statement that raises when a shard's epoch is not the one given,
      -- so that BEGIN, the fence, the writes and COMMIT go out together in one round trip: a raise
      -- aborts the transaction, every later statement fails, and COMMIT rolls it back
      -- (store/checkpoint-store.ts). The lock on the owner rows orders the commit against a
      -- concurrent acquire, in shard order so that two commits sharing shards cannot deadlock.
      -- SQLSTATE AS001, with the shard, the epoch given and the current epoch (or null) as JSON in
      -- DETAIL, is what the store turns into ShardFenced.
      create function actorstream_fence(shards text[], epochs int[]) returns void language plpgsql as $fence$
      declare
        stale record;
      begin
        perform 1 from shard_owners where shard = any(shards) order by shard for update;
        select g.shard, g.epoch, o.epoch as current into stale
          from unnest(shards, epochs) as g(shard, epoch) left join shard_owners o on o.shard = g.shard
          where o.epoch is distinct from g.epoch order by g.shard limit 1;
        if found then
          raise exception 'shard % fenced: checkpoint at epoch %, current epoch is %', stale.shard, stale.epoch, coalesce(stale.current::text, 'none')
            using errcode = 'AS001', detail = json_build_object('shard', stale.shard, 'epoch', stale.epoch, 'current', stale.current)::text;
        end if;
      end
      $fence$;
    `,
  },
  {
    version: 11,
    name: 'room on state pages for in-place updates',
    sql: `
      -- Every checkpoint rewrites the row of each entity it changed. With full pages Postgres has to
      -- put the new version on another page and add it to both indexes; only ~15% of updates were
      -- HOT at a backlog (issue #19). Free space on each page lets the new version stay beside the
      -- old one, without index entries. Applies to pages written from now on.
      alter table actor_states set (fillfactor = 60);
    `,
  },
  {
    version: 12,
    name: 'aggregate views held at the bigint bounds',
    sql: `
      -- The shards' rows are held at the bigint bounds (store/analytics-writes.ts); so are their sums
      -- here, where several shards' rows of one minute could pass them and fail the analyst's query.
      create or replace view sales_minute as select minute, country, currency, least(greatest(sum(orders_placed), -9223372036854775808), 9223372036854775807)::bigint as orders_placed, least(greatest(sum(orders_paid), -9223372036854775808), 9223372036854775807)::bigint as orders_paid, least(greatest(sum(orders_cancelled), -9223372036854775808), 9223372036854775807)::bigint as orders_cancelled, least(greatest(sum(gross_minor), -9223372036854775808), 9223372036854775807)::bigint as gross_minor, least(greatest(sum(revenue_minor), -9223372036854775808), 9223372036854775807)::bigint as revenue_minor, least(greatest(sum(items), -9223372036854775808), 9223372036854775807)::bigint as items from sales_minute_part group by minute, country, currency;
      create or replace view funnel_minute as select minute, least(greatest(sum(page_views), -9223372036854775808), 9223372036854775807)::bigint as page_views, least(greatest(sum(carts), -9223372036854775808), 9223372036854775807)::bigint as carts, least(greatest(sum(orders), -9223372036854775808), 9223372036854775807)::bigint as orders, least(greatest(sum(paid), -9223372036854775808), 9223372036854775807)::bigint as paid from funnel_minute_part group by minute;
      create or replace view sku_sales_minute as select minute, sku, currency, least(greatest(sum(units), -9223372036854775808), 9223372036854775807)::bigint as units, least(greatest(sum(revenue_minor), -9223372036854775808), 9223372036854775807)::bigint as revenue_minor from sku_sales_minute_part group by minute, sku, currency;
      create or replace view alerts_minute as select minute, alert_type, least(greatest(sum(alerts), -9223372036854775808), 9223372036854775807)::bigint as alerts from alerts_minute_part group by minute, alert_type;
    `,
  },
];

/** Applies every migration not yet applied. Returns the versions it applied. */
export async function migrate(sql: postgres.Sql): Promise<number[]> {
  const applied: number[] = [];
  for (const m of MIGRATIONS) {
    const done = await sql.begin(async (tx) => {
      // One migrator at a time: a transaction-scoped advisory lock, released at commit. The
      // bookkeeping table is created under it too: two instances racing `create table if not
      // exists` can otherwise collide on the catalog.
      await tx`select pg_advisory_xact_lock(7201001)`;
      await tx`create table if not exists schema_migrations (version int primary key, name text not null, applied_at timestamptz not null default now())`;
      const [row] = await tx`select 1 from schema_migrations where version = ${m.version}`;
      if (row) return false;
      await tx.unsafe(m.sql);
      await tx`insert into schema_migrations (version, name) values (${m.version}, ${m.name})`;
      return true;
    });
    if (done) applied.push(m.version);
  }
  return applied;
}
