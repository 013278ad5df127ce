// Turns zod issues into what callers act on: the dotted path of the bad field and a plain-English
// reason. Operators and engineers read these (gRPC status details, HMI forms), so no zod jargon.
import type { z } from 'zod';

export interface ValidationFailure {
  /** Dotted path inside the checked value, e.g. `kpis[0].baseline`; '' for the value itself. */
  path: string;
  reason: string;
}

const identifier = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** ['kpis', 0, 'baseline'] → 'kpis[0].baseline'; keys that are not identifiers → `metrics["val-loss"]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && identifier.test(key)) out += out === '' ? key : `.${key}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  if (typeof value === 'string') return value.length > 40 ? `a string of ${value.length} characters` : JSON.stringify(value);
  if (typeof value === 'object') return 'an object';
  return typeof value;
}

const article = (noun: string): string => (/^[aeiou]/.test(noun) ? `an ${noun}` : `a ${noun}`);

const formatNames: Record<string, string> = {
  uuid: 'a UUID',
  datetime: 'an ISO-8601 date-time with a UTC offset such as 2025-03-01T08:00:00Z',
  base64: 'base64 text',
  url: 'a URL',
  email: 'an e-mail address',
};

function bound(issue: { origin?: string; inclusive?: boolean }, limit: unknown, big: boolean): string {
  const cmp = big ? (issue.inclusive === false ? 'less than' : 'at most') : issue.inclusive === false ? 'more than' : 'at least';
  switch (issue.origin) {
    case 'string':
      return `must be ${cmp} ${String(limit)} characters long`;
    case 'array':
    case 'set':
      return `must have ${cmp} ${String(limit)} item${limit === 1 ? '' : 's'}`;
    case 'date':
      return `must be ${big ? 'on or before' : 'on or after'} ${String(limit)}`;
    default:
      return `must be ${cmp} ${String(limit)}`;
  }
}

/** Plain-English reason for one zod issue (parsed with `reportInput: true` so the input is known). */
export function describeIssue(issue: z.core.$ZodIssue): string {
  const missing = issue.input === undefined && (issue.code === 'invalid_type' || issue.code === 'invalid_value' || issue.code === 'invalid_union');
  if (missing) return 'is required';
  switch (issue.code) {
    case 'invalid_type': {
      const expected = issue.expected === 'int' ? 'whole number' : issue.expected;
      if (issue.expected === 'number' && typeof issue.input === 'number') return `must be a finite number (got ${describeValue(issue.input)})`;
      if (issue.expected === 'int' && typeof issue.input === 'number') return `must be a whole number (got ${describeValue(issue.input)})`;
      return `must be ${article(expected)} (got ${describeValue(issue.input)})`;
    }
    case 'too_big':
      return bound(issue, issue.maximum, true);
    case 'too_small':
      if (issue.origin === 'string' && issue.minimum === 1) return 'must not be empty';
      if ((issue.origin === 'array' || issue.origin === 'set') && issue.minimum === 1) return 'must have at least one item';
      return bound(issue, issue.minimum, false);
    case 'invalid_format': {
      if (issue.format === 'regex')
        return issue.message.startsWith('Invalid string') ? `does not have the expected form (${issue.pattern ?? 'pattern'})` : issue.message;
      const name = formatNames[issue.format] ?? `in ${issue.format} format`;
      return `must be ${name} (got ${describeValue(issue.input)})`;
    }
    case 'invalid_value': {
      const options = issue.values.map((v) => JSON.stringify(v)).join(', ');
      return issue.values.length === 1
        ? `must be ${options} (got ${describeValue(issue.input)})`
        : `must be one of ${options} (got ${describeValue(issue.input)})`;
    }
    case 'unrecognized_keys':
      return issue.keys.length === 1 ? 'is not a field of this contract' : `are not fields of this contract: ${issue.keys.join(', ')}`;
    case 'invalid_union': {
      // a union of primitive types (e.g. number | boolean | string): list what would have been accepted
      const expected = issue.errors.map((options) => (options.length === 1 && options[0]?.code === 'invalid_type' ? options[0].expected : null));
      if (expected.every((e) => e !== null)) {
        const names = expected as string[];
        const list = names.length > 1 ? `${names.slice(0, -1).join(', ')} or ${names.at(-1) ?? ''}` : (names[0] ?? '');
        return `must be ${article(list)} (got ${describeValue(issue.input)})`;
      }
      return `does not match any allowed form (got ${describeValue(issue.input)})`;
    }
    case 'invalid_key': {
      const inner = issue.issues[0];
      const why = inner === undefined ? 'is not allowed' : describeIssue(inner);
      return `key ${describeValue(issue.input)} is not allowed: ${why}`;
    }
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}`;
    default:
      // custom refinements carry a plain-English message written in the schema
      return issue.message;
  }
}

/** The first problem of a failed parse as {path, reason}. Unknown keys point at the key itself. */
export function firstFailure(error: z.core.$ZodError): ValidationFailure {
  const issue = error.issues[0];
  if (issue === undefined) return { path: '', reason: 'is invalid' };
  if (issue.code === 'unrecognized_keys' && issue.keys.length === 1) {
    return { path: formatPath([...issue.path, issue.keys[0] ?? '']), reason: describeIssue(issue) };
  }
  return { path: formatPath(issue.path), reason: describeIssue(issue) };
}

/** All problems of a failed parse, for error details. */
export function allFailures(error: z.core.$ZodError): ValidationFailure[] {
  return error.issues.map((issue) =>
    issue.code === 'unrecognized_keys' && issue.keys.length === 1
      ? { path: formatPath([...issue.path, issue.keys[0] ?? '']), reason: describeIssue(issue) }
      : { path: formatPath(issue.path), reason: describeIssue(issue) },
  );
}
