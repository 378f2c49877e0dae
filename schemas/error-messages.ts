import { DefaultErrorFunction, SetErrorFunction } from '@sinclair/typebox/errors';
import { ValueErrorType } from '@sinclair/typebox/errors';

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
  if (param.errorType === ValueErrorType.ObjectRequiredProperty) return 'is required';
  return DefaultErrorFunction(param);
});
