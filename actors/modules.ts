import { pathToFileURL } from 'node:url';
import { ConfigError, eventSpecOf } from '../schemas/index.ts';
import type { ActorDefinition } from './actor.ts';
import { thrownMessage } from '../schemas/thrown.ts';

/**
 * Actor modules (pipeline.yaml `actors.modules`, env ACTOR_MODULES): files that define actor and
 * event types with the SDK (sdk/index.ts) and export the actors. Each thread that runs actors —
 * the main thread and every shard worker — loads the same files by absolute path before it builds
 * its actors; defining an event registers it in that thread's registry as a side effect of import.
 */

/** A module that cannot be used: a start-up error naming the file (the CLI exits 2). */
export class ActorModuleError extends ConfigError {
  constructor(readonly file: string, message: string) {
    super(`actor module ${file}: ${message}`);
    this.name = 'ActorModuleError';
  }
}

const loaded = new Map<string, ActorDefinition<any>[]>();

/** Imports each file once per thread and returns the actors it exports, in file order. */
export async function loadActorModules(files: readonly string[]): Promise<ActorDefinition<any>[]> {
  for (const file of files) if (!loaded.has(file)) loaded.set(file, await importActors(file));
  return loadedModuleActors(files);
}

/** The actors of files `loadActorModules` has loaded in this thread (it must have run first). */
export function loadedModuleActors(files: readonly string[]): ActorDefinition<any>[] {
  return files.flatMap((file) => {
    const actors = loaded.get(file);
    if (!actors) throw new Error(`actor module ${file} was not loaded in this thread (call loadActorModules first)`);
    return actors;
  });
}

async function importActors(file: string): Promise<ActorDefinition<any>[]> {
  let exports: Record<string, unknown>;
  try {
    exports = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (e) {
    throw new ActorModuleError(file, thrownMessage(e));
  }
  const actors = Object.values(exports).filter(isActorDefinition);
  if (actors.length === 0) throw new ActorModuleError(file, 'exports no actor (export what defineActor returns from actorstream/sdk)');
  for (const actor of actors) {
    const unknown = actor.eventTypes.find((t) => eventSpecOf(t) === undefined);
    // defineEvent registered it somewhere else: the module loaded its own copy of the SDK (the
    // compiled binary, or a second installation), whose registry this process never reads.
    if (unknown) throw new ActorModuleError(file, `actor '${actor.type}' handles '${unknown}', which this process's event registry does not know: the module imports another copy of the SDK than this installation's (import 'actorstream/sdk' from here; the compiled binary cannot load modules, run from source)`);
  }
  return actors;
}

function isActorDefinition(x: unknown): x is ActorDefinition<any> {
  const a = x as Partial<ActorDefinition<any>> | null;
  return typeof a === 'object' && a !== null && typeof a.type === 'string' && typeof a.sourceTopic === 'string' && typeof a.handle === 'function' && typeof a.initial === 'function';
}
