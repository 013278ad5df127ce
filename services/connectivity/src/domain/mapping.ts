// Mapping rules: which source address (OPC UA node id, MQTT topic) feeds which UNS asset tag.
// Automatic mapping follows the ISA-95 browse path enterprise/site/area/line/asset/tag; explicit
// mapping takes a UNS path and is refused, naming the level, when a token is illegal.
import { InvalidSubjectError, parseUnsSubject, unsAssetPath, type UnsAssetAddress } from '@industrial/contracts';
import { InvalidSourceInputError } from './errors.ts';

export type TagDataType = 'number' | 'boolean' | 'string';

export interface TagMapping {
  sourceId: string;
  /** OPC UA NodeId (`ns=1;s=acme/plant-1/…/flow`) or MQTT topic. */
  address: string;
  asset: UnsAssetAddress;
  /** `enterprise.site.area.line.asset` */
  assetPath: string;
  tag: string;
  dataType: TagDataType;
  unit?: string;
  range?: { low: number; high: number };
  samplingIntervalMs: number;
  /** MQTT JSON payloads: dotted path of the value; absent = the payload is the value or has `value`. */
  valueField?: string;
  /** MQTT JSON payloads: dotted path of the source timestamp (ISO string or epoch ms). */
  timestampField?: string;
}

/** A browse name as a UNS token: lowercase, anything outside [a-z0-9_-] becomes `_`. Null when nothing is left. */
export function toUnsToken(name: string): string | null {
  const t = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 64);
  return t === '' ? null : t;
}

/** Splits a UNS tag path `enterprise.site.area.line.asset.tag` (or with `/`), naming the bad level on failure. */
export function parseUnsTagPath(path: string, field = 'uns_path'): { asset: UnsAssetAddress; assetPath: string; tag: string } {
  const dotted = path.includes('/') ? path.split('/').join('.') : path;
  try {
    const parsed = parseUnsSubject(`uns.v1.${dotted}`);
    if (parsed.tag === null) throw new InvalidSourceInputError(field, `"${path}" names an asset, not a tag: add the tag after the asset`);
    const { tag, ...asset } = parsed;
    return { asset, assetPath: unsAssetPath(asset), tag };
  } catch (e) {
    if (e instanceof InvalidSubjectError) throw new InvalidSourceInputError(field, e.message.replace(/^UNS subject "uns\.v1\./, 'UNS path "'));
    throw e;
  }
}

/**
 * The UNS address of a variable from its ISA-95 browse path (outermost first): the last six names
 * are enterprise, site, area, line, asset and tag. Returns the reason when it cannot be mapped.
 */
export function autoMapBrowsePath(
  browseNames: readonly string[],
): { ok: true; asset: UnsAssetAddress; assetPath: string; tag: string } | { ok: false; reason: string } {
  if (browseNames.length < 6) return { ok: false, reason: `browse path ${browseNames.join('/')} is shallower than enterprise/site/area/line/asset/tag` };
  const names = browseNames.slice(-6);
  const tokens = names.map(toUnsToken);
  const bad = tokens.findIndex((t) => t === null);
  if (bad >= 0) return { ok: false, reason: `browse name "${names[bad]}" has no character usable in a UNS token` };
  const [enterprise, site, area, line, asset, tag] = tokens as [string, string, string, string, string, string];
  const address = { enterprise, site, area, line, asset };
  return { ok: true, asset: address, assetPath: unsAssetPath(address), tag };
}

/** Unit as the contracts accept it (no spaces); null when empty. */
export function normaliseUnit(unit: string | null | undefined): string | undefined {
  if (unit === null || unit === undefined) return undefined;
  const u = unit.trim().replace(/\s+/g, '_').slice(0, 32);
  return u === '' ? undefined : u;
}

export function normaliseRange(range: { low: number; high: number } | null | undefined): { low: number; high: number } | undefined {
  if (!range || !Number.isFinite(range.low) || !Number.isFinite(range.high) || range.high <= range.low) return undefined;
  return { low: range.low, high: range.high };
}

export interface ExplicitMappingInput {
  address: string;
  unsPath: string;
  dataType?: TagDataType;
  unit?: string;
  range?: { low: number; high: number };
  samplingIntervalMs?: number;
  valueField?: string;
  timestampField?: string;
}

/** Builds a mapping from an explicit request; the dataType/unit/range may be filled from the server later. */
export function explicitMapping(sourceId: string, input: ExplicitMappingInput, defaults: { samplingIntervalMs: number }, index = 0): TagMapping {
  const prefix = `mappings[${index}]`;
  if (typeof input.address !== 'string' || input.address.trim() === '' || input.address.length > 500) {
    throw new InvalidSourceInputError(`${prefix}.address`, 'must be a node id or topic of 1–500 characters');
  }
  const { asset, assetPath, tag } = parseUnsTagPath(input.unsPath, `${prefix}.uns_path`);
  const sampling = input.samplingIntervalMs ?? defaults.samplingIntervalMs;
  if (!Number.isInteger(sampling) || sampling < 10 || sampling > 3_600_000) {
    throw new InvalidSourceInputError(`${prefix}.sampling_interval_ms`, 'must be an integer 10–3600000');
  }
  const dataType = input.dataType ?? 'number';
  const unit = dataType === 'number' ? normaliseUnit(input.unit) : undefined;
  const range = dataType === 'number' ? normaliseRange(input.range) : undefined;
  if (input.range && dataType === 'number' && range === undefined) throw new InvalidSourceInputError(`${prefix}.range`, 'high must be above low');
  return {
    sourceId,
    address: input.address.trim(),
    asset,
    assetPath,
    tag,
    dataType,
    samplingIntervalMs: sampling,
    ...(unit === undefined ? {} : { unit }),
    ...(range === undefined ? {} : { range }),
    ...(input.valueField === undefined ? {} : { valueField: input.valueField }),
    ...(input.timestampField === undefined ? {} : { timestampField: input.timestampField }),
  };
}

/** Detects two addresses mapped to the same UNS tag (the later would overwrite the earlier's values). */
export function findUnsCollision(mappings: readonly TagMapping[]): { a: TagMapping; b: TagMapping } | null {
  const seen = new Map<string, TagMapping>();
  for (const m of mappings) {
    const key = `${m.assetPath}.${m.tag}`;
    const prev = seen.get(key);
    if (prev && prev.address !== m.address) return { a: prev, b: m };
    seen.set(key, m);
  }
  return null;
}
