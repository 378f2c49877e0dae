import { HTTPException } from 'hono/http-exception';
import type { ActorDefinition } from '../actors/actor.ts';
import { thrownText } from '../schemas/thrown.ts';

/**
 * How an entity's state is answered: through its actor's `view`, when it has one. A view is the
 * actor's own code: one that throws answers 500 with what it threw, as JSON (anything else thrown
 * made the error handler itself throw, and Bun answered its own HTML page; found by review).
 */
export function viewOf(actors: readonly Pick<ActorDefinition<any>, 'type' | 'view'>[] | undefined): (type: string, state: unknown) => unknown {
  return (type, state) => {
    const view = actors?.find((a) => a.type === type)?.view;
    if (!view) return state;
    try {
      return view(state) ?? state;
    } catch (e) {
      throw new HTTPException(500, { message: `the ${type} actor's view failed on this state: ${thrownText(e)}` });
    }
  };
}

/** What is logged of an error a route threw: its stack, or what it is when it has none (anything may be thrown). */
export function stackOf(err: unknown): string {
  try {
    const stack = (err as Error | undefined)?.stack;
    if (typeof stack === 'string') return stack;
  } catch {
    // a stack getter that throws: the text below
  }
  return thrownText(err);
}
