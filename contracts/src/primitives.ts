// Building blocks shared by every contract: ids, times, UNS names, units, hashes.
// Conventions: ids are UUID strings (v7 preferred, any RFC 9562 version accepted); timestamps are
// ISO-8601 with an explicit offset (`Z` or ±hh:mm); numbers are finite (zod 4 refuses NaN/±Infinity);
// every object is strict, so an unknown field is a contract violation, not silently carried.
import { z } from 'zod';

export const Uuid = z.uuid();

/** ISO-8601 date-time with an offset: `2025-03-01T08:00:00Z`, `2025-03-01T09:00:00.250+01:00`. */
export const IsoDateTime = z.iso.datetime({ offset: true });

/** Non-blank text of bounded length (operator-facing text is kept short on purpose). */
export const text = (max: number) => z.string().min(1).max(max).regex(/\S/, 'must not be blank');

// Free text from callers (notes, reasons, comments, names) ends up in audit records and on
// operators' screens: control characters (NUL, ESC, …) and bidirectional embeddings, overrides and
// isolates (U+202A–U+202E, U+2066–U+2069, which make text display in an order other than stored)
// are refused at the edge. Multi-line text keeps line feeds and tabs; single-line text neither.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE_IN_LINE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE_IN_MULTILINE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

/** Why `text` is not acceptable free text (naming the character and its position), or null. */
export function unsafeTextProblem(text: string, options: { multiline?: boolean } = {}): string | null {
  const found = (options.multiline === true ? UNSAFE_IN_MULTILINE : UNSAFE_IN_LINE).exec(text);
  if (found === null) return null;
  const code = found[0].charCodeAt(0);
  const what = code >= 0x202a ? 'a bidirectional override character' : 'a control character';
  const allowed = options.multiline === true ? ' (line feeds and tabs are allowed)' : '';
  return `must not contain ${what}: U+${code.toString(16).toUpperCase().padStart(4, '0')} at position ${found.index}${allowed}`;
}

const textCheck =
  (multiline: boolean) =>
  (value: string, ctx: z.RefinementCtx): void => {
    const problem = unsafeTextProblem(value, { multiline });
    if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
  };
/** `.superRefine(lineText)`: refuses control and bidirectional-override characters (names, titles, reasons). */
export const lineText = textCheck(false);
/** `.superRefine(multilineText)`: the same, but line feeds and tabs are allowed (notes, comments, descriptions). */
export const multilineText = textCheck(true);

/** Subject of a token: a user or a service account (`alice@plant1`, `svc:inference`). */
export const Subject = z.string().min(1).max(200).regex(/^\S+$/, 'must not contain spaces');

export const Role = z.enum(['operator', 'engineer', 'quality_lead', 'auditor', 'admin', 'service']);

/** Permission names are `<resource>.<verb>`, e.g. `model.approve`, `recommendation.decide`. */
export const Permission = z
  .string()
  .max(100)
  .regex(/^[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)+$/, 'must look like "resource.verb" in lowercase (e.g. "model.approve")');

/** One UNS level: lowercase letters, digits, `_` and `-` (safe as a NATS subject token). */
export const UnsToken = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9_-]+$/, 'must use lowercase letters, digits, "_" and "-" only');

/** ISA-95 asset path `enterprise.site.area.line.asset`, the same tokens as the UNS subject. */
export const UnsAssetPath = z
  .string()
  .max(330)
  .regex(/^[a-z0-9_-]+(\.[a-z0-9_-]+){4}$/, 'must be an asset path "enterprise.site.area.line.asset" of lowercase letters, digits, "_" and "-"');

/**
 * Where a deployment applies: an ISA-95 path prefix of 1–5 tokens (`acme.plant-1`, a line
 * `acme.plant-1.utilities.cooling-water`, or one asset). A pilot line first, then more lines.
 */
export const UnsScope = z
  .string()
  .max(330)
  .regex(
    /^[a-z0-9_-]+(\.[a-z0-9_-]+){0,4}$/,
    'must be an ISA-95 path prefix "enterprise[.site[.area[.line[.asset]]]]" of lowercase letters, digits, "_" and "-"',
  );

/** Engineering unit, UCUM-style where possible: `degC`, `bar`, `m3/h`, `rpm`, `%`, `mm/s`. */
export const Unit = z.string().min(1).max(32).regex(/^\S+$/, 'must not contain spaces');

export const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be a sha256 digest: 64 lowercase hex characters');

/** Key id: first 16 hex characters of the sha256 of the raw public key. */
export const KeyId = z.string().regex(/^[0-9a-f]{16}$/, 'must be 16 lowercase hex characters');

/** Git commit of the code that produced something (short or full sha). */
export const GitSha = z.string().regex(/^[0-9a-f]{7,40}$/, 'must be a git commit sha (7 to 40 lowercase hex characters)');

/** ISO 4217 currency code. */
export const Currency = z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 currency code such as "EUR"');

export const Money = z.strictObject({ amount: z.number(), currency: Currency });

export const Ratio = z.number().min(0).max(1);

/** URI of a stored artifact (`s3://…`, `file:///…`, `https://…`). */
export const ArtifactUri = z
  .string()
  .max(1000)
  .regex(/^[a-z][a-z0-9+.-]*:\/\/\S+$/, 'must be a URI with a scheme, e.g. "s3://models/abc.onnx"');

/** Metric name → finite value, e.g. `{ precision: 0.91, recall_at_24h: 0.8 }`. */
export const Metrics = z.record(z.string().regex(/^[a-z][a-z0-9_]*$/, 'metric names use lowercase letters, digits and "_"'), z.number());

/** Half-open time window [from, to); `to` must be after `from`. */
export const TimeRange = z
  .strictObject({ from: IsoDateTime, to: IsoDateTime })
  .refine((r) => Date.parse(r.to) > Date.parse(r.from), { message: 'must be after "from"', path: ['to'] });

export const Severity = z.enum(['info', 'warning', 'critical']);

/** A raw 32-byte Ed25519 public key, base64 (44 characters with padding). */
export const Base64Key = z.string().regex(/^[A-Za-z0-9+/]{43}=$/, 'must be a 32-byte key in base64 (44 characters)');
