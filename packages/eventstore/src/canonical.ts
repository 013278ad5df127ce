// Canonical JSON (RFC 8785, JCS) with validation in one pass: the bytes the hash chain covers.
// Refuses what JSON cannot carry faithfully — NaN, ±Infinity, BigInt, undefined, functions,
// symbols, lone surrogates, cycles, class instances (Date, Map, Buffer…) — naming the path.
import { InvalidArgumentError } from './errors.ts';

export function canonicalJson(value: unknown, path: string): string {
  // A string (most metadata fields) needs no cycle set.
  if (typeof value === 'string' && value.isWellFormed()) return JSON.stringify(value);
  return walk(value, path, new Set<object>());
}

// Module-level (not a closure per call): the hot path canonicalises every payload.
function walk(v: unknown, p: string, seen: Set<object>): string {
  switch (typeof v) {
    case 'string':
      if (!v.isWellFormed()) throw new InvalidArgumentError(p, 'string contains a lone UTF-16 surrogate (not valid Unicode)');
      return JSON.stringify(v);
    case 'number':
      if (!Number.isFinite(v)) throw new InvalidArgumentError(p, `${String(v)} is not JSON-serialisable`);
      return JSON.stringify(v);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'object': {
      if (v === null) return 'null';
      if (seen.has(v)) throw new InvalidArgumentError(p, 'circular reference is not JSON-serialisable');
      seen.add(v);
      let out: string;
      if (Array.isArray(v)) {
        const parts: string[] = [];
        for (let i = 0; i < v.length; i++) parts.push(walk(v[i], `${p}[${i}]`, seen));
        out = `[${parts.join(',')}]`;
      } else {
        const proto = Object.getPrototypeOf(v) as unknown;
        if (proto !== Object.prototype && proto !== null) {
          const name = (v as { constructor?: { name?: string } }).constructor?.name ?? 'unknown';
          throw new InvalidArgumentError(p, `a ${name} instance is not plain JSON (convert it first, e.g. a Date to an ISO string)`);
        }
        const rec = v as Record<string, unknown>;
        const keys = Object.keys(rec).sort();
        const parts: string[] = [];
        for (const k of keys) {
          const child = rec[k];
          if (child === undefined) continue; // JSON drops undefined members; so do we, consistently
          if (!k.isWellFormed()) throw new InvalidArgumentError(`${p}.${k}`, 'key contains a lone UTF-16 surrogate');
          parts.push(`${JSON.stringify(k)}:${walk(child, `${p}.${k}`, seen)}`);
        }
        out = `{${parts.join(',')}}`;
      }
      seen.delete(v);
      return out;
    }
    case 'undefined':
      throw new InvalidArgumentError(p, 'undefined is not JSON-serialisable');
    case 'bigint':
      throw new InvalidArgumentError(p, 'BigInt is not JSON-serialisable (send it as a string)');
    default:
      throw new InvalidArgumentError(p, `a ${typeof v} is not JSON-serialisable`);
  }
}
