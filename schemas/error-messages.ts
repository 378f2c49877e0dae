import { DefaultErrorFunction, SetErrorFunction } from '@sinclair/typebox/errors';
import { ValueErrorType } from '@sinclair/typebox/errors';
import { IDENTIFIER_FORMAT, TEXT_FORMAT } from './edge-formats.ts';

/**
 * Error wording for validation failures. TypeBox's default for a union of literals is
 * "Expected union value"; a person fixing the event needs the allowed values instead.
 */
SetErrorFunction((param) => {
  const schema = param.schema as { anyOf?: { const?: unknown }[]; pattern?: string };
  if (param.errorType === ValueErrorType.Union && schema.anyOf?.every((s) => s.const !== undefined)) {
    return `Expected one of: ${schema.anyOf.map((s) => String(s.const)).join(', ')}`;
  }
  if (param.errorType === ValueErrorType.StringPattern && schema.pattern === '^[A-Z]{2}$') {
    return 'Expected a two-letter upper-case country code (ISO 3166-1 alpha-2)';
  }
  if (param.errorType === ValueErrorType.StringPattern && schema.pattern === '^[A-Z]{3}$') {
    return 'Expected a three-letter upper-case currency code (ISO 4217)';
  }
  if (param.errorType === ValueErrorType.StringPattern && schema.pattern === '^[\\x21-\\x7E]+$') {
    return 'Expected printable ASCII without spaces (U+0021–U+007E)';
  }
  if (param.errorType === ValueErrorType.StringFormat && (schema as { format?: string }).format === IDENTIFIER_FORMAT) {
    return 'Expected well-formed Unicode without control characters (U+0000–U+001F, U+007F–U+009F, U+2028, U+2029) or unpaired surrogates';
  }
  if (param.errorType === ValueErrorType.StringFormat && (schema as { format?: string }).format === TEXT_FORMAT) {
    return 'Expected well-formed Unicode text: no NUL, no control characters other than tab and line breaks, no unpaired surrogates';
  }
  if (param.errorType === ValueErrorType.ObjectRequiredProperty) return 'is required';
  return DefaultErrorFunction(param);
});
