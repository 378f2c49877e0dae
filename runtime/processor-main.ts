/**
 * A processor process, configured by environment (see processor-env.ts; `actorstream run` builds
 * on the same options). Prints `ready` once it has joined the group; SIGTERM stops it gracefully:
 * final checkpoint and relay, leave the group, exit 0. The tests SIGKILL and SIGSTOP it.
 */
import { processorOptionsFromEnv } from './processor-env.ts';
import { startProcessor } from './processor.ts';

const processor = await startProcessor(
  processorOptionsFromEnv(process.env, { log: (line) => console.log(`[processor ${process.pid}] ${line}`) }),
);
console.log('ready');

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    processor.stop().then(
      () => {
        const t = processor.totals();
        console.log(`stopped: applied ${t.applied}, dead-lettered ${t.deadLettered}, duplicates dropped ${t.duplicatesDropped}`);
        process.exit(0);
      },
      (e) => {
        console.error(`stop failed: ${e}`);
        process.exit(1);
      },
    );
  });
}
