/**
 * Names spliced into SQL (declared read-model and aggregate tables and columns, the opt-in
 * processed-events table): only plain lower-case identifiers, which need no quoting rules.
 */
export const IDENTIFIER_PATTERN = '^[a-z_][a-z0-9_]{0,62}$';
const IDENTIFIER = new RegExp(IDENTIFIER_PATTERN);

export function isIdentifier(name: string): boolean {
  return IDENTIFIER.test(name);
}

/** `name`, checked: throws naming `what` when it is not a plain lower-case identifier. */
export function checkIdentifier(name: string, what: string): string {
  if (!isIdentifier(name)) throw new Error(`${what} '${name}' must be a lower-case identifier (letters, digits and _, at most 63)`);
  return name;
}
