// The plant's catalog and historian through dataops' gRPC API (industrial.dataops.v1.DataOpsService)
// with inference's service-account token: SearchCatalog lists every catalogued tag (grouped here by
// asset), QueryTimeSeries gives raw samples (turned into UNS batches, one per timestamp, as
// connectivity would have published them). Inference never reads dataops' tables (ADR 0003).
import { status, type ServiceError } from '@grpc/grpc-js';
import type { UnsSampleBatch } from '@industrial/contracts';
import { createClient, dataopsV1, unaryCall, type GrpcClientTls } from '@industrial/grpc';
import type { AssetCatalog, CatalogAsset, HistorianSource } from '../../features/ports.ts';

const { Aggregation, DataOpsServiceClient } = dataopsV1;
/** SearchCatalog's most hits per call (dataops refuses more). */
const CATALOG_LIMIT = 1000;
const HISTORIAN_SOURCE_ID = '0193a1b2-7c00-7a10-8b00-00000000d0a5';
const HOUR_MS = 3_600_000;
/** How far back the newest reading of a tag is looked for. */
const LOOK_BACK_MS = 60 * 86_400_000;

export interface DataopsOptions {
  /** host:port of dataops' gRPC server. */
  address: string;
  /** Bearer token of inference's service account (read per call). */
  token: () => string;
  /** Catalog entries under this prefix (an enterprise or site path); default all. */
  pathPrefix?: string;
  deadlineMs?: number;
  tls?: GrpcClientTls | null | undefined;
  /** How long a catalog answer is reused (default 30 s). */
  catalogTtlMs?: number;
}

export interface DataopsPlant extends AssetCatalog, HistorianSource {
  close(): void;
}

const isStatus = (e: unknown, code: status): boolean => typeof e === 'object' && e !== null && (e as Partial<ServiceError>).code === code;

export function dataopsPlant(options: DataopsOptions, now: () => number = Date.now): DataopsPlant {
  const client = createClient(DataOpsServiceClient, options.address, {
    token: options.token,
    deadlineMs: options.deadlineMs ?? 30_000,
    tls: options.tls,
    clientOptions: { 'grpc.max_receive_message_length': 16 * 1024 * 1024 },
  });
  let cached: { atMs: number; assets: readonly CatalogAsset[] } | null = null;

  async function readCatalog(): Promise<readonly CatalogAsset[]> {
    const byAsset = new Map<string, string[]>();
    let pageToken = '';
    do {
      const r = await unaryCall(client, client.searchCatalog, { text: '', pathPrefix: options.pathPrefix ?? '', limit: CATALOG_LIMIT, pageToken });
      for (const h of r.hits) {
        if (h.tag === undefined) continue;
        const tags = byAsset.get(h.tag.assetPath) ?? [];
        tags.push(h.tag.tag);
        byAsset.set(h.tag.assetPath, tags);
      }
      pageToken = r.nextPageToken;
    } while (pageToken !== '');
    return [...byAsset].map(([assetPath, tags]): CatalogAsset => {
      const t = assetPath.split('.');
      return { assetPath, area: t[2] ?? '', line: t[3] ?? '', name: t[4] ?? assetPath, tags: tags.sort() };
    });
  }

  return {
    async assets() {
      const ttl = options.catalogTtlMs ?? 30_000;
      if (cached === null || now() - cached.atMs > ttl) cached = { atMs: now(), assets: await readCatalog() };
      return cached.assets;
    },
    async recent(assetPath, tags, spanMs, untilMs) {
      const byTime = new Map<number, UnsSampleBatch['samples'][number][]>();
      for (const tag of tags) {
        // the hour of the newest sample first (1-minute rollups, cheap), over the last 60 days before `untilMs`
        // (an accelerated plant runs ahead of the wall clock); then the raw samples of the window ending there
        let newest: number;
        try {
          const hours = await unaryCall(client, client.queryTimeSeries, {
            assetPath,
            tags: [tag],
            fromMs: Math.max(0, untilMs - LOOK_BACK_MS),
            toMs: untilMs,
            intervalMs: HOUR_MS,
            aggregation: Aggregation.AGGREGATION_COUNT,
          });
          const filled = (hours.series[0]?.points ?? []).filter((p) => p.count > 0).map((p) => Number(p.tMs));
          newest = filled.length === 0 ? -Infinity : Math.max(...filled) + HOUR_MS;
        } catch (error) {
          if (isStatus(error, status.NOT_FOUND)) continue;
          throw error;
        }
        if (!Number.isFinite(newest)) continue;
        const r = await unaryCall(client, client.queryTimeSeries, {
          assetPath,
          tags: [tag],
          fromMs: Math.max(0, newest - HOUR_MS - spanMs - 60_000),
          toMs: untilMs,
          intervalMs: 0,
          aggregation: Aggregation.AGGREGATION_UNSPECIFIED,
        });
        for (const s of r.series[0]?.raw ?? []) {
          if (s.value === undefined) continue;
          const t = Number(s.tsMs);
          const list = byTime.get(t) ?? [];
          list.push({
            tag,
            value: s.value,
            quality:
              s.severity === 'Good'
                ? { severity: 'Good', code: s.qualityCode }
                : { severity: s.severity === 'Uncertain' ? 'Uncertain' : 'Bad', code: s.qualityCode },
            sourceTimestamp: new Date(t).toISOString(),
            serverTimestamp: new Date(Number(s.serverTsMs) || t).toISOString(),
          } as UnsSampleBatch['samples'][number]);
          byTime.set(t, list);
        }
      }
      const newestAll = Math.max(-Infinity, ...byTime.keys());
      return [...byTime.keys()]
        .filter((t) => t >= newestAll - spanMs - 60_000)
        .sort((a, b) => a - b)
        .map((t): UnsSampleBatch => ({
          batchId: `${HISTORIAN_SOURCE_ID.slice(0, 24)}${t.toString(16).padStart(12, '0').slice(-12)}`,
          sourceId: HISTORIAN_SOURCE_ID,
          assetPath,
          plantTime: new Date(t).toISOString(),
          samples: byTime.get(t)!,
        }));
    },
    close: () => client.close(),
  };
}
