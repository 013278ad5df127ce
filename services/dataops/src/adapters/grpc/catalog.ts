// DataOpsService catalog methods: SearchCatalog and UpsertTagMetadata (proto metadata → the app's
// patch).
import { Permission } from '@industrial/access';
import { unsafeTextProblem } from '@industrial/contracts';
import { InvalidRequestError, type dataopsV1, fromSchema, protoFieldName, unary } from '@industrial/grpc';
import { resourceOfAssetPath } from '@industrial/kernel';
import { z } from 'zod';
import { catalogHitKey, type CatalogHit, type DatasetMetadata, type TagMetadata } from '../../domain/catalog.ts';
import type { Aggregation } from '../../domain/resample.ts';
import type { DataopsApp } from '../../features/api.ts';
import { AGG_FROM_PROTO, AGG_TO_PROTO, ASSET_PATH, MAX_CATALOG_HITS, ProtoAggregation, TAG, causeOfCtx, edge } from './common.ts';

function toProtoTag(t: TagMetadata): dataopsV1.TagMetadata {
  return {
    assetPath: t.assetPath,
    tag: t.tag,
    description: t.description,
    unit: t.unit ?? '',
    dataType: t.dataType,
    source: t.source,
    samplingIntervalMs: t.samplingIntervalMs ?? 0,
    owner: t.owner,
    accessLevel: t.accessLevel,
    rangeLow: t.range?.low,
    rangeHigh: t.range?.high,
    aggregation: AGG_TO_PROTO[t.aggregation],
  };
}

const toProtoDataset = (d: DatasetMetadata): dataopsV1.DatasetMetadata => ({
  datasetId: d.datasetId,
  name: d.name,
  description: d.description,
  owner: d.owner,
  accessLevel: d.accessLevel,
  source: d.source,
});

const toProtoHit = (h: CatalogHit): dataopsV1.CatalogHit =>
  h.kind === 'tag' ? { path: h.path, tag: toProtoTag(h.tag), dataset: undefined } : { path: h.path, tag: undefined, dataset: toProtoDataset(h.dataset) };

const searchFields = fromSchema(
  z.object({
    text: z.string().max(500),
    pathPrefix: z.string().max(300),
    limit: z.number().int().min(0).max(MAX_CATALOG_HITS, `must be at most ${MAX_CATALOG_HITS} (0 = 100)`),
    pageToken: z.string().max(1_000),
  }),
);

const searchInput = (request: unknown): ReturnType<typeof searchFields> & { after?: string } => {
  const q = searchFields(request);
  return q.pageToken === '' ? q : { ...q, after: afterOfPageToken(q.pageToken) };
};

/** A page token (the base64url of the previous page's last `catalogHitKey`) → the key; another string is refused naming page_token. */
function afterOfPageToken(token: string): string {
  const key = Buffer.from(token, 'base64url').toString('utf8');
  if (Buffer.from(key).toString('base64url') !== token || key.split('\u0000').length !== 3)
    throw new InvalidRequestError('page_token', 'is not a next_page_token of SearchCatalog');
  return key;
}

/** Proto metadata → the app's patch: empty strings, 0 and unspecified mean "keep". */
function tagPatchInput(r: dataopsV1.UpsertTagMetadataRequest): Record<string, unknown> & { assetPath: string; tag: string } {
  const t = r.tag;
  if (t === undefined) throw new InvalidRequestError('tag', 'is required');
  if (!ASSET_PATH.test(t.assetPath)) throw new InvalidRequestError('tag.asset_path', 'must be an asset path "enterprise.site.area.line.asset"');
  if (!TAG.test(t.tag)) throw new InvalidRequestError('tag.tag', 'must use lowercase letters, digits, "_" and "-" only');
  if ((t.rangeLow === undefined) !== (t.rangeHigh === undefined))
    throw new InvalidRequestError(t.rangeLow === undefined ? 'tag.range_low' : 'tag.range_high', 'give range_low and range_high together');
  if (t.rangeLow !== undefined && t.rangeHigh !== undefined && !(t.rangeHigh > t.rangeLow))
    throw new InvalidRequestError('tag.range_high', 'must be above range_low');
  let agg: Aggregation | undefined;
  if (t.aggregation !== ProtoAggregation.AGGREGATION_UNSPECIFIED) {
    agg = AGG_FROM_PROTO[t.aggregation];
    if (agg === undefined) throw new InvalidRequestError('tag.aggregation', 'is not a known aggregation');
  }
  const patch: Record<string, unknown> & { assetPath: string; tag: string } = { assetPath: t.assetPath, tag: t.tag };
  for (const k of ['description', 'unit', 'dataType', 'source', 'owner', 'accessLevel'] as const) {
    if (t[k] === '') continue;
    const problem = unsafeTextProblem(t[k], { multiline: k === 'description' });
    if (problem !== null) throw new InvalidRequestError(`tag.${protoFieldName(k)}`, problem);
    patch[k] = t[k];
  }
  if (t.samplingIntervalMs !== 0) patch.samplingIntervalMs = t.samplingIntervalMs;
  if (t.rangeLow !== undefined && t.rangeHigh !== undefined) patch.range = { low: t.rangeLow, high: t.rangeHigh };
  if (agg !== undefined) patch.aggregation = agg;
  return patch;
}

export const searchCatalogMethod = (app: DataopsApp) =>
  unary({
    permission: Permission.DataRead,
    input: searchInput,
    async handle(q): Promise<dataopsV1.SearchCatalogResponse> {
      const limit = q.limit === 0 ? 100 : q.limit;
      // One hit more than the page: whether there is a next page.
      const hits = await app.searchCatalog({
        ...(q.text === '' ? {} : { text: q.text }),
        ...(q.pathPrefix === '' ? {} : { pathPrefix: q.pathPrefix }),
        ...(q.after === undefined ? {} : { after: q.after }),
        limit: limit + 1,
      });
      const page = hits.slice(0, limit);
      const last = page.at(-1);
      return {
        hits: page.map(toProtoHit),
        nextPageToken: hits.length > limit && last !== undefined ? Buffer.from(catalogHitKey(last)).toString('base64url') : '',
      };
    },
  });

export const upsertTagMetadataMethod = (app: DataopsApp) =>
  unary({
    permission: Permission.DataWrite,
    input: tagPatchInput,
    resource: (p) => resourceOfAssetPath(p.assetPath),
    async handle(patch, ctx): Promise<dataopsV1.UpsertTagMetadataResponse> {
      const stored = await edge(() => app.upsertTagMetadata(patch, causeOfCtx(ctx)), {
        range: 'tag.range_low',
        'range.high': 'tag.range_high',
        samplingIntervalMs: 'tag.sampling_interval_ms',
        dataType: 'tag.data_type',
        accessLevel: 'tag.access_level',
        unit: 'tag.unit',
        description: 'tag.description',
        source: 'tag.source',
        owner: 'tag.owner',
        aggregation: 'tag.aggregation',
      });
      return { tag: toProtoTag(stored) };
    },
  });
