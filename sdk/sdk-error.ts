/** A module defines an actor or event the engine cannot run: a start-up error naming what is wrong. */
export class SdkError extends Error {
  override name = 'SdkError';
}

/** Actor types, event types and module topics: lower_snake_case, so they are safe in topic names, URLs and SQL. */
export const NAME_PATTERN = /^[a-z][a-z0-9_]{0,63}$/;
