/**
 * Entry of a shard worker (a Web Worker, so Bun and Deno run the same file). It hosts shards and
 * exposes them with comlink; actors are rebuilt here from their plain configuration (and the actor
 * modules it names, imported here too), because functions cannot cross the worker boundary. Errors thrown by a call travel back to the caller
 * with name, message and stack (comlink's default error serialisation).
 */
import * as Comlink from 'comlink';
import type { ActorDefinition } from '../../actors/actor.ts';
import { buildActors, type ActorsConfig } from '../../actors/registry.ts';
import { loadActorModules } from '../../actors/modules.ts';
import { createShardHost } from './shard-host.ts';
import { withEarlyTakes } from './early-take-worker.ts';
import type { EarlyTakeAnswer } from './early-take.ts';

const built = new Map<string, ActorDefinition<any>[]>();

function resolveActor(type: string, config: ActorsConfig): ActorDefinition<any> {
  const cacheKey = JSON.stringify(config);
  let actors = built.get(cacheKey);
  if (!actors) built.set(cacheKey, (actors = buildActors(config)));
  const actor = actors.find((a) => a.type === type);
  if (!actor) throw new Error(`no actor type '${type}' in the registry (actors/registry.ts) or the configured modules`);
  return actor;
}

const prepare = async (config: ActorsConfig) => void (await loadActorModules(config.modules ?? []));
// This host's deltas are posted to the store's thread: made postable first (engine/shard/postable-delta.ts),
// and taken out of turn when the processor asks (engine/shard/early-take.ts).
const postAnswer = (a: EarlyTakeAnswer) => (globalThis as unknown as { postMessage(m: unknown): void }).postMessage(a);
Comlink.expose(withEarlyTakes(createShardHost(resolveActor, prepare, { postable: true }), postAnswer));
