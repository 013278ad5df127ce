// UNS telemetry on NATS: subject naming and the sample-batch payload.
//
// Subjects follow ISA-95: `uns.v1.<enterprise>.<site>.<area>.<line>.<asset>.<tag>` addresses one tag.
// Connectivity publishes one batch per asset per publishing interval (like a Sparkplug DDATA per
// device), on the asset's subject `uns.v1.<enterprise>.<site>.<area>.<line>.<asset>`; the batch's
// `batchId` is the `Nats-Msg-Id`, so a re-sent batch is dropped by JetStream's duplicate window.
// `uns.v1.<enterprise>.>` therefore receives both forms.
import { z } from 'zod';
import { ContractViolationError, InvalidSubjectError } from '../errors.ts';
import { firstFailure, allFailures } from '../issues.ts';
import { IsoDateTime, UnsAssetPath, UnsToken, Unit, Uuid } from '../primitives.ts';

export const UNS_PREFIX = 'uns.v1';

/**
 * The JetStream stream that keeps every UNS batch (declared once: connectivity creates it, the
 * historian, inference and tests consume it). Limits (max age, duplicate window) are the creator's.
 */
export const UNS_STREAM = { name: 'UNS', subjects: [`${UNS_PREFIX}.>`] } as const;

/** ISA-95 levels of an asset, outermost first. */
export const unsLevels = ['enterprise', 'site', 'area', 'line', 'asset'] as const;
export type UnsLevel = (typeof unsLevels)[number];

export type UnsAssetAddress = { [L in UnsLevel]: string };
export interface UnsTagAddress extends UnsAssetAddress {
  tag: string;
}

const tokenPattern = /^[a-z0-9_-]+$/;
const MAX_TOKEN = 64;

function checkToken(field: string, token: unknown): string {
  if (typeof token !== 'string' || token === '') {
    throw new InvalidSubjectError(field, `UNS ${field} is required (got ${token === '' ? 'an empty token' : String(token)})`);
  }
  if (token.length > MAX_TOKEN) throw new InvalidSubjectError(field, `UNS ${field} "${token}" is longer than ${MAX_TOKEN} characters`);
  if (!tokenPattern.test(token)) {
    throw new InvalidSubjectError(field, `UNS ${field} "${token}" is invalid: use lowercase letters, digits, "_" and "-" only`);
  }
  return token;
}

/** `uns.v1.<enterprise>.<site>.<area>.<line>.<asset>.<tag>` for one tag; every level and the tag are required. */
export function unsSubject(parts: UnsTagAddress): string {
  const tokens = [...unsLevels.map((level) => checkToken(level, parts[level])), checkToken('tag', parts.tag)];
  return `${UNS_PREFIX}.${tokens.join('.')}`;
}

/** `uns.v1.<enterprise>.<site>.<area>.<line>.<asset>`: where an asset's sample batches are published. */
export function unsAssetSubject(parts: UnsAssetAddress): string {
  return `${UNS_PREFIX}.${unsLevels.map((level) => checkToken(level, parts[level])).join('.')}`;
}

/** Parses a UNS subject; `tag` is null for an asset (batch) subject. Errors name the bad level and token. */
export function parseUnsSubject(subject: string): UnsAssetAddress & { tag: string | null } {
  if (!subject.startsWith(`${UNS_PREFIX}.`)) {
    throw new InvalidSubjectError('prefix', `UNS subject "${subject}" must start with "${UNS_PREFIX}."`);
  }
  const tokens = subject.slice(UNS_PREFIX.length + 1).split('.');
  const fields = [...unsLevels, 'tag'] as const;
  if (tokens.length > fields.length) {
    throw new InvalidSubjectError('subject', `UNS subject "${subject}" has ${tokens.length - fields.length} token(s) after the tag`);
  }
  fields.forEach((field, i) => {
    if (i < tokens.length) checkToken(field, tokens[i]);
  });
  if (tokens.length < unsLevels.length) {
    const missing = unsLevels[tokens.length] as UnsLevel;
    throw new InvalidSubjectError(missing, `UNS subject "${subject}" is missing the ${missing} level`);
  }
  const [enterprise, site, area, line, asset, tag] = tokens as [string, string, string, string, string, string?];
  return { enterprise, site, area, line, asset, tag: tag ?? null };
}

/** `enterprise.site.area.line.asset`, the asset path used in event data and `asset-<path>` streams. */
export function unsAssetPath(parts: UnsAssetAddress): string {
  return unsLevels.map((level) => checkToken(level, parts[level])).join('.');
}

export function parseUnsAssetPath(path: string): UnsAssetAddress {
  const { tag, ...asset } = parseUnsSubject(`${UNS_PREFIX}.${path}`);
  if (tag !== null) throw new InvalidSubjectError('tag', `asset path "${path}" has a token after the asset level`);
  return asset;
}

/** OPC UA 32-bit status code: the top two bits give the severity (00 Good, 01 Uncertain, 1x Bad). */
export const QualitySeverity = z.enum(['Good', 'Uncertain', 'Bad']);
export type QualitySeverity = z.infer<typeof QualitySeverity>;

export function severityOfStatusCode(code: number): QualitySeverity {
  const top = code >>> 30;
  return top === 0 ? 'Good' : top === 1 ? 'Uncertain' : 'Bad';
}

export const UnsSampleSchema = z
  .strictObject({
    tag: UnsToken,
    value: z.union([z.number(), z.boolean(), z.string().max(1000)]),
    /** Engineering unit of numeric values (as mapped in `TagMapped`). */
    unit: Unit.optional(),
    quality: z.strictObject({ severity: QualitySeverity, code: z.int().min(0).max(0xffff_ffff) }).refine((q) => severityOfStatusCode(q.code) === q.severity, {
      message: 'does not match the severity bits of the status code',
      path: ['severity'],
    }),
    /** When the device sampled the value. */
    sourceTimestamp: IsoDateTime,
    /** When the OPC UA server (or broker) stamped it. */
    serverTimestamp: IsoDateTime,
  })
  .refine((s) => s.unit === undefined || typeof s.value === 'number', { message: 'only numeric values have a unit', path: ['unit'] });

export const UnsSampleBatchSchema = z.strictObject({
  /** Dedup id: also the `Nats-Msg-Id`; a retried publish reuses it. */
  batchId: Uuid,
  sourceId: Uuid,
  assetPath: UnsAssetPath,
  samples: z.array(UnsSampleSchema).min(1).max(10_000),
  /** Plant clock at the end of the publishing interval (simulated plants may run faster than wall time). */
  plantTime: IsoDateTime,
});

export type UnsSample = z.infer<typeof UnsSampleSchema>;
export type UnsSampleBatch = z.infer<typeof UnsSampleBatchSchema>;

/** Validates a decoded UNS batch; throws `ContractViolationError` naming the field. */
export function parseUnsSampleBatch(payload: unknown): UnsSampleBatch {
  const result = UnsSampleBatchSchema.safeParse(payload, { reportInput: true });
  if (result.success) return result.data;
  const failure = firstFailure(result.error);
  throw new ContractViolationError('UnsSampleBatch', 1, failure.path, failure.reason, { details: allFailures(result.error) });
}
