/**
 * `actorstream analytics rebuild [--type <type|all>]`: rewrites the read models (orders, sku_stock,
 * user_risk, …) from the committed actor states, after a projection changed or analytics were
 * off. Online: processors keep running; each page of states is read `for share` in the same
 * transaction as its rows are written (store/read-model-rebuild.ts), so no newer row is overwritten.
 *
 * The per-minute aggregates are folded from the log, not from states: rebuild them with
 * `actorstream replay --type all --from earliest`, which resets each replayed shard's share.
 *
 * Exit codes: 0 rebuilt · 2 configuration or usage · 3 Postgres unreachable · 1 it failed.
 */
import { defineCommand } from 'citty';
import type { ActorDefinition } from '../../actors/actor.ts';
import { projectRow } from '../../actors/projection.ts';
import { thrownMessage } from '../../actors/transition-checks.ts';
import { countStates, rebuildReadModelPage, schemaPresent, type Sql, type StoredEntityRow } from '../../store/index.ts';
import type { ReadModelRows } from '../../engine/index.ts';
import { createRebuildProgress } from './rebuild-progress.ts';
import { CommandFailed, connectPostgres, commandActors, loadCommandSettings, UsageError, withDetails } from './command-support.ts';

const PAGE = 1_000;

export const analyticsCommand = withDetails(defineCommand({
  meta: { name: 'analytics', description: 'Read models: `analytics rebuild` rewrites them from the committed actor states (online)' },
  args: {
    action: { type: 'positional', description: 'rebuild', required: true },
    config: { type: 'string', description: 'pipeline.yaml with the Postgres settings (default: $PIPELINE_CONFIG; DATABASE_URL overrides it)' },
    type: { type: 'string', description: 'Actor type whose read model to rebuild, or all', default: 'all' },
  },
  async run({ args }) {
    if (args.action !== 'rebuild') throw new UsageError(`unknown analytics action '${args.action}' (known: rebuild)`);
    const settings = loadCommandSettings('analytics rebuild', args.config, { kafka: false, postgres: true });
    const withReadModels = (await commandActors(settings)).filter((a) => a.readModel);
    const actors = withReadModels.filter((a) => args.type === 'all' || a.type === args.type);
    if (actors.length === 0) throw new UsageError(`no read model for actor type '${args.type}' (known: ${withReadModels.map((a) => a.type).join(', ')}, all)`);
    const sql = await connectPostgres(settings.databaseUrl, 1);
    try {
      if (!(await schemaPresent(sql))) throw new CommandFailed(`no checkpoint tables in the database: nothing to rebuild from (run 'actorstream migrate' first)`);
      for (const actor of actors) await rebuildOne(sql, actor);
    } finally {
      await sql.end({ timeout: 5 });
    }
  },
}), `Rewrites every read-model row from the entity's committed state, migrating states of older versions first.
Processors may keep running: a state a checkpoint changes meanwhile ends with the checkpoint's own row.
Aggregates are not rebuilt here (they are folded from the log): use 'actorstream replay --type all --from earliest'.

Exit codes: 0 rebuilt · 1 it failed · 2 configuration or usage · 3 Postgres unreachable`);

async function rebuildOne(sql: Sql, actor: ActorDefinition<any>): Promise<void> {
  const model = actor.readModel!;
  const total = await countStates(sql, actor.type);
  const progress = createRebuildProgress(model.table, total);
  const project = (rows: StoredEntityRow[]): ReadModelRows => ({
    table: model.table,
    columns: model.columns,
    rows: rows.flatMap((r) => {
      const state = r.stateVersion === actor.stateVersion ? r.state : actor.migrate(r.state, r.stateVersion);
      // The engine's check: a bad row fails the rebuild naming its entity, before any statement.
      const row = projectRowOrExplain(model, actor.type, r.key, state);
      return row ? [row] : [];
    }),
  });
  let after = '';
  let done = { entities: 0, rows: 0 };
  for (;;) {
    const page = await rebuildReadModelPage(sql, actor.type, after, PAGE, project);
    done = { entities: done.entities + page.entities, rows: done.rows + page.rows };
    progress.update(done.entities);
    if (page.lastKey === undefined || page.entities < PAGE) break;
    after = page.lastKey;
  }
  progress.stop();
  console.log(`${model.table}: ${done.rows} row(s) written from ${done.entities} ${actor.type} state(s)`);
}

function projectRowOrExplain(model: NonNullable<ActorDefinition<any>['readModel']>, type: string, key: string, state: unknown) {
  try {
    return projectRow(model, key, state);
  } catch (e) {
    throw new Error(`${type} '${key}': read model ${model.table}: ${thrownMessage(e)}`);
  }
}
