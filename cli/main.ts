#!/usr/bin/env bun
/**
 * The `actorstream` command line. Each subcommand lives in cli/commands/ and is loaded lazily,
 * so `--help` and small commands start fast.
 *
 * Exit codes, the same for every command: 0 ok · 1 failure (the command ran and did not succeed,
 * e.g. an entity that is not there) · 2 usage or configuration error (unknown option, missing
 * argument, bad pipeline.yaml) · 3 infrastructure unreachable (Kafka or Postgres).
 *
 * citty's own runMain exits 1 on usage errors and ignores unknown options, so this file runs the
 * commands itself: it rejects a mistyped option before anything connects (a silently ignored
 * `--partitons 12` is worse than an error) and maps the coded errors onto the codes above.
 */
import { defineCommand, renderUsage, runCommand, type ArgsDef, type CommandDef } from 'citty';
import { ConfigError, InfrastructureError } from '../schemas/index.ts';
import { CommandFailed, detailsOf, UsageError } from './commands/command-support.ts';

const VERSION = '0.1.0';

const subCommands = {
  run: () => import('./commands/run.ts').then((m) => m.runCommand),
  generate: () => import('./commands/generate.ts').then((m) => m.generateCommand),
  ingest: () => import('./commands/ingest.ts').then((m) => m.ingestCommand),
  migrate: () => import('./commands/migrate.ts').then((m) => m.migrateCommand),
  inspect: () => import('./commands/inspect.ts').then((m) => m.inspectCommand),
  replay: () => import('./commands/replay.ts').then((m) => m.replayCommand),
  analytics: () => import('./commands/analytics.ts').then((m) => m.analyticsCommand),
  dlq: () => import('./commands/dlq.ts').then((m) => m.dlqCommand),
  quarantine: () => import('./commands/quarantine.ts').then((m) => m.quarantineCommand),
} as Record<string, () => Promise<CommandDef<any>>>;

const main = defineCommand({
  meta: {
    name: 'actorstream',
    version: VERSION,
    description: 'Actor-model, exactly-once, real-time event pipeline for e-commerce on Kafka and Postgres',
  },
  subCommands,
});

const rawArgs = process.argv.slice(2);
const subName = rawArgs[0] && !rawArgs[0].startsWith('-') ? rawArgs[0] : undefined;
let sub: CommandDef<any> | undefined;
try {
  sub = subName && subName in subCommands ? await subCommands[subName]!() : undefined;
  if (rawArgs.includes('--help') || rawArgs.includes('-h')) {
    console.log(await usage());
    process.exit(0);
  }
  if (rawArgs.length === 1 && (rawArgs[0] === '--version' || rawArgs[0] === '-v')) {
    console.log(VERSION);
    process.exit(0);
  }
  if (!subName) throw new UsageError(rawArgs.length ? `unknown option ${rawArgs[0]}` : 'no command given');
  if (!sub) throw new UsageError(`unknown command '${subName}'`);
  rejectUnknownFlags(rawArgs.slice(1), (await resolve(sub.args)) ?? {});
  await runCommand(main, { rawArgs });
} catch (e) {
  await exitWith(e);
}

/**
 * citty ignores options it does not know. Every value that looks like an option must name one of
 * the command's arguments (kebab or camel case, `--no-x` for a boolean); a lone `-` (stdin) and
 * negative numbers are values, and everything after `--` is positional.
 */
function rejectUnknownFlags(args: string[], defs: ArgsDef): void {
  const known = new Set<string>();
  for (const [name, def] of Object.entries(defs)) {
    if (def.type === 'positional') continue;
    const alias = 'alias' in def ? def.alias : undefined;
    for (const n of [name, ...[alias ?? []].flat()]) {
      known.add(kebab(n));
      if (def.type === 'boolean') known.add(`no-${kebab(n)}`);
    }
  }
  for (const raw of args) {
    if (raw === '--') return;
    if (!raw.startsWith('-') || raw === '-' || /^-\d/.test(raw)) continue;
    const name = kebab(raw.replace(/^--?/, '').split('=')[0]!);
    if (!known.has(name)) throw new UsageError(`unknown option ${raw.split('=')[0]}`);
  }
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

async function resolve<T>(value: T | (() => T | Promise<T>) | Promise<T> | undefined): Promise<T | undefined> {
  return typeof value === 'function' ? await (value as () => T | Promise<T>)() : await value;
}

/** citty's usage of the command, and its longer help when it has one. */
async function usage(long = true): Promise<string> {
  const text = await renderUsage(sub ?? main, sub ? main : undefined);
  const details = long && sub ? detailsOf(sub) : undefined;
  return details ? `${text}\n${details}\n` : text;
}

async function exitWith(e: unknown): Promise<never> {
  const err = e as Error & { code?: unknown };
  const command = `actorstream${sub ? ` ${subName}` : ''}`;
  // citty's argument errors (missing positional or required option) are CLIErrors.
  if (e instanceof UsageError || err?.name === 'CLIError') {
    process.stderr.write(`${await usage(false)}\n\n`);
    process.stderr.write(`${command}: ${err.message}\nRun '${command} --help' for the options.\n`);
    process.exit(2);
  }
  if (e instanceof ConfigError) {
    process.stderr.write(`${command}: configuration: ${err.message}\n`);
    process.exit(2);
  }
  if (e instanceof InfrastructureError) {
    process.stderr.write(`${command}: ${err.message}\n`);
    process.exit(3);
  }
  if (e instanceof CommandFailed) {
    process.stderr.write(`${command}: ${err.message}\n`);
    process.exit(e.code);
  }
  process.stderr.write(`${command}: ${err?.stack ?? String(e)}\n`);
  process.exit(1);
}
