// Edge validation helpers. A validator turns the decoded request into the handler's input or
// throws InvalidRequestError naming the field. Works with zod (or any schema with `safeParse`)
// through a structural type, so this library does not depend on a schema library.
import { InvalidRequestError } from './errors.ts';

/** The part of a zod schema `fromSchema` needs. */
export interface SafeParseSchema<Out> {
  safeParse(input: unknown): { success: true; data: Out } | { success: false; error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] } };
}

/** `fromPosition` → `from_position`: the name every client language sees in the .proto. */
export function protoFieldName(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** Dotted path (`events[2].data_json`) of a schema issue, in proto field names unless `camelCase`. */
export function issuePath(path: readonly PropertyKey[], options: { camelCase?: boolean } = {}): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else {
      const name = options.camelCase === true ? String(p) : protoFieldName(String(p));
      out += out === '' ? name : `.${name}`;
    }
  }
  return out === '' ? 'request' : out;
}

/**
 * A validator from a zod-like schema over the decoded request (ts-proto camelCase keys): the
 * first issue becomes InvalidRequestError(field, message) with the field in proto (snake_case) form.
 */
export function fromSchema<Out>(schema: SafeParseSchema<Out>, options: { camelCase?: boolean } = {}): (request: unknown) => Out {
  return (request) => {
    const result = schema.safeParse(request);
    if (result.success) return result.data;
    const issue = result.error.issues[0];
    throw new InvalidRequestError(issue === undefined ? 'request' : issuePath(issue.path, options), issue?.message ?? 'is invalid');
  };
}
