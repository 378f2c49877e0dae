/**
 * `actorstream migrate`: creates or upgrades the checkpoint tables (store/migrations.ts).
 * Processors migrate on start too; this command exists so a deployment can do it as its own step
 * (a Kubernetes init job, a CI release stage) with a database user that may run DDL, and see what
 * changed. Safe to run concurrently with processors: migrations take an advisory lock.
 *
 * Exit codes: 0 migrated or up to date · 2 configuration · 3 Postgres unreachable · 1 a migration failed.
 */
import { defineCommand } from 'citty';
import { appliedMigrations, MIGRATIONS, migrate } from '../../store/index.ts';
import { redactUrl } from '../../instance/preflight.ts';
import { CommandFailed, connectPostgres, loadCommandSettings, withDetails } from './command-support.ts';

export const migrateCommand = withDetails(defineCommand({
  meta: {
    name: 'migrate',
    description: 'Create or upgrade the checkpoint tables in Postgres; prints the versions applied, or "up to date"',
  },
  args: {
    config: { type: 'string', description: 'pipeline.yaml with the Postgres settings (default: $PIPELINE_CONFIG; DATABASE_URL overrides it)' },
    status: { type: 'boolean', description: 'Only list applied and pending migrations; change nothing' },
  },
  async run({ args }) {
    const settings = loadCommandSettings('migrate', args.config, { kafka: false, postgres: true });
    const sql = await connectPostgres(settings.databaseUrl, 1);
    try {
      const where = redactUrl(settings.databaseUrl);
      if (args.status) {
        const done = await appliedMigrations(sql);
        for (const m of MIGRATIONS) console.log(`${done.has(m.version) ? 'applied' : 'pending'}  ${m.version}  ${m.name}`);
        const pending = MIGRATIONS.filter((m) => !done.has(m.version)).length;
        console.log(pending === 0 ? `${where}: up to date` : `${where}: ${pending} pending (run 'actorstream migrate')`);
        return;
      }
      let applied: number[];
      try {
        applied = await migrate(sql);
      } catch (e) {
        throw new CommandFailed(`migration failed, nothing of it was applied (each runs in one transaction): ${(e as Error).message}`);
      }
      const latest = MIGRATIONS.at(-1)?.version ?? 0;
      if (applied.length === 0) {
        console.log(`${where}: up to date (schema version ${latest})`);
        return;
      }
      for (const v of applied) console.log(`applied ${v}  ${MIGRATIONS.find((m) => m.version === v)?.name ?? ''}`);
      console.log(`${where}: migrated to schema version ${latest}`);
    } finally {
      await sql.end({ timeout: 5 });
    }
  },
}), `Processors migrate on start too; run this as its own deployment step (an init job, a release stage) to see what
changes, or with a database user that may run DDL. Each migration runs once, in one transaction, under an advisory
lock, so it is safe next to running processors and other migrators.

Exit codes: 0 migrated or up to date · 1 a migration failed (it was rolled back) · 2 configuration · 3 Postgres unreachable`);
