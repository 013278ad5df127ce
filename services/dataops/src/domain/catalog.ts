// Catalog: what each tag and dataset is (description, unit, source, sampling rate, owner, access
// level) and search over it by free text and UNS path prefix. Pure; the store persists entries.
import { z } from 'zod';
import { isAggregation, type Aggregation } from './resample.ts';

export const AccessLevel = z.enum(['public', 'internal', 'restricted']);
export type AccessLevel = z.infer<typeof AccessLevel>;

export interface TagMetadata {
  assetPath: string;
  tag: string;
  description: string;
  unit: string | null;
  dataType: 'number' | 'boolean' | 'string';
  /** Where the tag comes from: source id and address, or an import. */
  source: string;
  samplingIntervalMs: number | null;
  owner: string;
  accessLevel: AccessLevel;
  range: { low: number; high: number } | null;
  /** How the refined layer and resampled queries aggregate it by default. */
  aggregation: Aggregation;
  updatedAt: string;
}

export interface DatasetMetadata {
  datasetId: string;
  name: string;
  description: string;
  owner: string;
  accessLevel: AccessLevel;
  /** UNS asset paths or the import it draws on. */
  source: string;
  updatedAt: string;
}

export const TagMetadataPatchSchema = z.strictObject({
  assetPath: z.string().regex(/^[a-z0-9_-]+(\.[a-z0-9_-]+){4}$/, 'must be an asset path "enterprise.site.area.line.asset"'),
  tag: z.string().regex(/^[a-z0-9_-]{1,64}$/, 'must use lowercase letters, digits, "_" and "-" only'),
  description: z.string().max(1000).optional(),
  unit: z.string().min(1).max(32).nullable().optional(),
  dataType: z.enum(['number', 'boolean', 'string']).optional(),
  source: z.string().max(500).optional(),
  samplingIntervalMs: z.int().min(1).max(86_400_000).nullable().optional(),
  owner: z.string().max(200).optional(),
  accessLevel: AccessLevel.optional(),
  range: z
    .strictObject({ low: z.number(), high: z.number() })
    .refine((r) => r.high > r.low, { message: 'must be above low', path: ['high'] })
    .nullable()
    .optional(),
  aggregation: z.string().refine(isAggregation, 'must be one of mean, min, max, sum, count, last').optional(),
});
export type TagMetadataPatch = z.infer<typeof TagMetadataPatchSchema>;

export function defaultTagMetadata(assetPath: string, tag: string, now: string): TagMetadata {
  return {
    assetPath,
    tag,
    description: '',
    unit: null,
    dataType: 'number',
    source: 'unknown',
    samplingIntervalMs: null,
    owner: 'unassigned',
    accessLevel: 'internal',
    range: null,
    aggregation: 'mean',
    updatedAt: now,
  };
}

/** Applies a patch: absent fields keep their value, `null` clears. */
export function applyTagPatch(current: TagMetadata, patch: TagMetadataPatch, now: string): TagMetadata {
  const next: TagMetadata = { ...current, updatedAt: now };
  for (const key of ['description', 'unit', 'dataType', 'source', 'samplingIntervalMs', 'owner', 'accessLevel', 'range', 'aggregation'] as const) {
    if (patch[key] !== undefined) (next as unknown as Record<string, unknown>)[key] = patch[key];
  }
  if (next.dataType !== 'number' && patch.aggregation === undefined) next.aggregation = 'last';
  return next;
}

export interface CatalogQuery {
  /** Words that must all appear (case-insensitive) in tag, asset, description, unit, owner or source. */
  text?: string;
  /** UNS path prefix, dotted (`acme.plant1.packaging`) or as a subject (`uns.v1.acme.plant1`). */
  pathPrefix?: string;
  limit?: number;
  /** Only hits after this one in the order (`catalogHitKey` of the previous page's last hit): the next page. */
  after?: string;
}

export type CatalogHit = { kind: 'tag'; tag: TagMetadata; path: string } | { kind: 'dataset'; dataset: DatasetMetadata; path: string };

function normalisePrefix(prefix: string): string {
  return prefix.replace(/^uns\.v1\./, '').replace(/\.>$|\.\*$|\.$/, '');
}

function prefixMatches(path: string, prefix: string): boolean {
  return prefix === '' || path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(prefix);
}

export function searchCatalog(tags: readonly TagMetadata[], datasets: readonly DatasetMetadata[], q: CatalogQuery): CatalogHit[] {
  const words = (q.text ?? '')
    .toLowerCase()
    .split(/\s+/)
    .filter((w) => w !== '');
  const prefix = normalisePrefix(q.pathPrefix ?? '');
  const hits: CatalogHit[] = [];
  const textOk = (hay: string): boolean => words.every((w) => hay.includes(w));
  for (const t of tags) {
    const path = `${t.assetPath}.${t.tag}`;
    if (!prefixMatches(path, prefix)) continue;
    if (!textOk([path, t.description, t.unit ?? '', t.owner, t.source].join(' ').toLowerCase())) continue;
    hits.push({ kind: 'tag', tag: t, path });
  }
  for (const d of datasets) {
    if (prefix !== '' && !prefixMatches(d.source, prefix)) continue;
    if (!textOk([d.datasetId, d.name, d.description, d.owner, d.source].join(' ').toLowerCase())) continue;
    hits.push({ kind: 'dataset', dataset: d, path: d.source });
  }
  // By path, then kind and dataset id, so the order is total and a page can start after any hit.
  const keyed = hits.map((h) => ({ h, key: catalogHitKey(h) })).filter(({ key }) => q.after === undefined || key > q.after);
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return keyed.slice(0, q.limit ?? 100).map(({ h }) => h);
}

/** A hit's place in the catalog's order: its path, then its kind and (a dataset's) id. */
export function catalogHitKey(h: CatalogHit): string {
  return h.kind === 'tag' ? `${h.path}\u0000tag\u0000` : `${h.path}\u0000dataset\u0000${h.dataset.datasetId}`;
}
