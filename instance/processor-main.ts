/**
 * A bare processor process (no HTTP API), configured like `actorstream run` (instance/config.ts:
 * pipeline.yaml and the environment), but only against Kafka and Postgres. Prints `ready` once it
 * has joined the group; SIGTERM stops it gracefully: final checkpoint and relay, leave the group,
 * exit 0. The tests SIGKILL and SIGSTOP it.
 */
import { runProcessorProcess } from './processor-process-main.ts';

await runProcessorProcess();
