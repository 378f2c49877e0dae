#!/usr/bin/env bun
/**
 * The `actorstream` command line. Each subcommand lives in cli/commands/ and is loaded lazily,
 * so `--help` and small commands start fast. Exit codes: 0 ok, 1 runtime failure (e.g. a broker
 * that cannot be reached), 2 bad arguments or configuration.
 */
import { defineCommand, runMain } from 'citty';

const main = defineCommand({
  meta: {
    name: 'actorstream',
    version: '0.1.0',
    description: 'Actor-model, exactly-once, real-time event pipeline for e-commerce on Kafka and Postgres',
  },
  subCommands: {
    run: () => import('./commands/run.ts').then((m) => m.runCommand),
    generate: () => import('./commands/generate.ts').then((m) => m.generateCommand),
  },
});

await runMain(main);
