// Dataops through its gRPC API (industrial.dataops.v1.DataOpsService), with a service account's
// bearer token: QueryTimeSeries gives raw samples and buckets, SearchCatalog the catalogued tags,
// ListLabels the label windows (every page). The charter never reads dataops' streams (ADR 0003).
//
// A long raw window is asked for in slices (a day by default), and a slice that is still too large
// for one message (RESOURCE_EXHAUSTED) is halved and asked again, so a dense tag never fails a
// KPI for the size of its answer.
import { status, type ServiceError } from '@grpc/grpc-js';
import { createClient, dataopsV1, unaryCall, type GrpcClientTls } from '@industrial/grpc';
import type { TagInfo } from '../../ports.ts';
import type { DataopsSource, Label, Point, RawSample } from './reader.ts';

const { Aggregation, DataOpsServiceClient } = dataopsV1;

/** SearchCatalog's most hits per page (dataops refuses more); the following pages are asked for too. */
export const CATALOG_LIMIT = 1000;
/** ListLabels' largest page (dataops refuses more). */
export const LABEL_PAGE_MAX = 1000;
/** What one answer may hold: dataops' (the platform's) largest message. */
const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
const MIN_SLICE_MS = 1000;

export interface DataopsGrpcOptions {
  /** host:port of dataops' gRPC server. */
  address: string;
  /** Bearer token of the charter's service account (read per call: a refreshed token is used at once). */
  token: () => string;
  /** Labels asked for in one ListLabels call (the following pages are asked for too). Default (and at most) 1000. */
  labelPageSize?: number;
  /** Deadline of each call. Default 30 s. */
  deadlineMs?: number;
  /** The CA dataops' certificate is checked against (and the charter's client certificate); absent: plaintext. */
  tls?: GrpcClientTls | null | undefined;
  /** Longest raw window asked for in one call. Default 1 day. */
  rawSliceMs?: number;
}

export interface DataopsGrpcSource extends DataopsSource {
  close(): void;
}

const isStatus = (e: unknown, code: status): boolean => typeof e === 'object' && e !== null && (e as Partial<ServiceError>).code === code;

/** A DataopsSource over dataops' gRPC API. The channel connects lazily (dataops may start later) and is closed by close(). */
export function dataopsGrpcSource(options: DataopsGrpcOptions): DataopsGrpcSource {
  const client = createClient(DataOpsServiceClient, options.address, {
    token: options.token,
    deadlineMs: options.deadlineMs ?? 30_000,
    tls: options.tls,
    clientOptions: { 'grpc.max_receive_message_length': MAX_MESSAGE_BYTES },
  });
  const sliceMs = Math.max(MIN_SLICE_MS, options.rawSliceMs ?? 86_400_000);
  const labelPageSize = Math.min(LABEL_PAGE_MAX, Math.max(1, options.labelPageSize ?? LABEL_PAGE_MAX));

  /** One series of QueryTimeSeries, or null when dataops says NOT_FOUND (no such series). */
  async function series(request: dataopsV1.QueryTimeSeriesRequest): Promise<dataopsV1.Series | null> {
    try {
      const r = await unaryCall(client, client.queryTimeSeries, request);
      return r.series[0] ?? { tag: request.tags[0] ?? '', unit: '', aggregation: Aggregation.AGGREGATION_UNSPECIFIED, layer: '', points: [], raw: [] };
    } catch (error) {
      if (isStatus(error, status.NOT_FOUND)) return null;
      throw error;
    }
  }

  async function rawSlice(assetPath: string, tag: string, from: number, to: number, out: RawSample[]): Promise<boolean> {
    let s: dataopsV1.Series | null;
    try {
      s = await series({ assetPath, tags: [tag], fromMs: from, toMs: to, intervalMs: 0, aggregation: Aggregation.AGGREGATION_UNSPECIFIED });
    } catch (error) {
      if (!isStatus(error, status.RESOURCE_EXHAUSTED) || to - from <= MIN_SLICE_MS) throw error;
      const mid = from + Math.floor((to - from) / 2);
      return (await rawSlice(assetPath, tag, from, mid, out)) && rawSlice(assetPath, tag, mid, to, out);
    }
    if (s === null) return false;
    for (const r of s.raw) out.push({ ts: r.tsMs, value: r.value ?? null, text: r.text ?? null, severity: r.severity });
    return true;
  }

  return {
    async raw({ assetPath, tag, from, to }) {
      const out: RawSample[] = [];
      for (let start = from; start < to; start += sliceMs) {
        if (!(await rawSlice(assetPath, tag, start, Math.min(to, start + sliceMs), out))) return null;
      }
      return out;
    },
    async points({ assetPath, tag, from, to, intervalMs, aggregation }) {
      const agg = aggregation === 'last' ? Aggregation.AGGREGATION_LAST : Aggregation.AGGREGATION_COUNT;
      const s = await series({ assetPath, tags: [tag], fromMs: from, toMs: to, intervalMs, aggregation: agg });
      return s === null ? null : s.points.map((p): Point => ({ t: p.tMs, value: p.value ?? null, count: p.count, gap: p.gap }));
    },
    async tags(pathPrefix) {
      const out: TagInfo[] = [];
      let pageToken = '';
      do {
        const r = await unaryCall(client, client.searchCatalog, { text: '', pathPrefix, limit: CATALOG_LIMIT, pageToken });
        for (const h of r.hits) if (h.tag !== undefined) out.push({ assetPath: h.tag.assetPath, tag: h.tag.tag, unit: h.tag.unit === '' ? null : h.tag.unit });
        pageToken = r.nextPageToken;
      } while (pageToken !== '');
      return out;
    },
    async labels({ assetPath, from, to }) {
      // Epoch ms are never negative at dataops: a window reaching before 1970 starts there.
      const fromMs = Math.max(0, from);
      if (to <= fromMs) return [];
      const out: Label[] = [];
      let pageToken = '';
      do {
        const r = await unaryCall(client, client.listLabels, { assetPath, fromMs, toMs: to, pageSize: labelPageSize, pageToken });
        for (const l of r.labels) {
          out.push({ labelId: l.labelId, assetPath: l.assetPath, label: l.label, from: l.fromMs, to: l.toMs, note: l.note === '' ? null : l.note });
        }
        pageToken = r.nextPageToken;
      } while (pageToken !== '');
      return out;
    },
    close: () => client.close(),
  };
}
