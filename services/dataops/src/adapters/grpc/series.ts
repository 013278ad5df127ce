// DataOpsService methods on the historian: QueryTimeSeries (raw, resampled, aggregated; restricted
// tags need data.read_restricted) and GetQualityReport.
import { Permission } from '@industrial/access';
import { type dataopsV1, fromSchema, unary } from '@industrial/grpc';
import { resourceOfAssetPath } from '@industrial/kernel';
import { z } from 'zod';
import type { DataopsApp } from '../../features/api.ts';
import type { SeriesResult } from '../../features/time-series.ts';
import { AGG_TO_PROTO, ProtoAggregation, TAG, aggregation, assetPath, edge, epochMs, viaOf } from './common.ts';

const queryInput = fromSchema(
  z
    .object({
      assetPath,
      tags: z.array(z.string().regex(TAG, 'must use lowercase letters, digits, "_" and "-" only')).min(1, 'name at least one tag').max(100, 'at most 100 tags'),
      fromMs: epochMs,
      toMs: epochMs,
      intervalMs: z.number().int().min(0),
      aggregation,
    })
    .refine((q) => q.toMs > q.fromMs, { message: 'must be after from_ms (the range is half-open [from_ms, to_ms))', path: ['toMs'] }),
);

function toProtoSeries(s: SeriesResult): dataopsV1.Series {
  return {
    tag: s.tag,
    unit: s.unit ?? '',
    aggregation: s.aggregation === null ? ProtoAggregation.AGGREGATION_UNSPECIFIED : AGG_TO_PROTO[s.aggregation],
    layer: s.layer,
    points: s.points.map((p) => ({ tMs: p.t, value: p.value ?? undefined, count: p.count, gap: p.gap })),
    raw: s.raw.map((r) => ({
      tsMs: r.ts,
      serverTsMs: r.serverTs,
      value: r.value ?? undefined,
      text: r.text ?? undefined,
      unit: r.unit ?? '',
      qualityCode: r.qualityCode,
      severity: r.severity,
    })),
  };
}

export const queryTimeSeriesMethod = (app: DataopsApp) =>
  unary({
    permission: Permission.DataRead,
    input: queryInput,
    resource: (q) => resourceOfAssetPath(q.assetPath),
    async handle(q, ctx): Promise<dataopsV1.QueryTimeSeriesResponse> {
      const series = await edge(
        () =>
          app.queryTimeSeries(
            {
              assetPath: q.assetPath,
              tags: q.tags,
              from: q.fromMs,
              to: q.toMs,
              ...(q.intervalMs === 0 ? {} : { intervalMs: q.intervalMs }),
              ...(q.aggregation === undefined ? {} : { aggregation: q.aggregation }),
            },
            ctx.principal,
            viaOf(ctx),
          ),
        { from: 'from_ms', to: 'to_ms' },
      );
      return { series: series.map(toProtoSeries) };
    },
  });

const reportInput = fromSchema(
  z.object({
    assetPath: z.string().refine((p) => p === '' || /^[a-z0-9_-]+(\.[a-z0-9_-]+){0,4}$/.test(p), 'must be an asset path or a prefix of one (or empty)'),
  }),
);

export const getQualityReportMethod = (app: DataopsApp) =>
  unary({
    permission: Permission.DataRead,
    input: reportInput,
    resource: (q) => (q.assetPath === '' ? undefined : resourceOfAssetPath(q.assetPath)),
    async handle(q): Promise<dataopsV1.GetQualityReportResponse> {
      const report = app.qualityReport(q.assetPath === '' ? {} : { assetPath: q.assetPath });
      return {
        tags: report.tags.map((t) => ({
          assetPath: t.assetPath,
          tag: t.tag,
          score: t.score,
          samples: t.samples,
          badShare: t.badShare,
          activeIssues: t.activeIssues.map((i) => ({ rule: i.rule, kind: i.kind, severity: i.severity, raisedAtMs: i.raisedAt, detail: i.detail })),
        })),
        assets: report.assets.map((a) => ({ assetPath: a.assetPath, score: a.score, tags: a.tags })),
      };
    },
  });
