// DataOpsService label methods: RecordLabel (`label.write`) and ListLabels (`data.read`: the one
// way other services read labels; they never read dataops' `label-<assetPath>` streams, ADR 0003).
// A page token is the last label's window start and id ("<from_ms>:<label_id>").
import { Permission } from '@industrial/access';
import { multilineText } from '@industrial/contracts';
import { type dataopsV1, fromSchema, unary } from '@industrial/grpc';
import { resourceOfAssetPath } from '@industrial/kernel';
import { z } from 'zod';
import type { DataopsApp } from '../../features/api.ts';
import type { LabelCursor } from '../../features/labels.ts';
import type { StoredLabel } from '../../ports.ts';
import { TAG, assetPath, causeOfCtx, edge, epochMs, optionalUuid } from './common.ts';

/** ListLabels' page size when the request gives none, and its largest. */
export const DEFAULT_LABEL_PAGE = 500;
export const MAX_LABEL_PAGE = 1000;

const labelInput = fromSchema(
  z
    .object({
      assetPath,
      label: z.string().regex(TAG, 'must use lowercase letters, digits, "_" and "-" only (1 to 64)'),
      fromMs: epochMs,
      toMs: epochMs,
      source: z.enum(['operator', 'engineer', 'maintenance-record'], { message: 'must be operator, engineer or maintenance-record' }),
      confidence: z.number().min(0, 'must be within 0..1').max(1, 'must be within 0..1'),
      useCaseId: optionalUuid,
      note: z.string().max(1000, 'must be at most 1000 characters').superRefine(multilineText),
      labelId: optionalUuid,
    })
    .refine((l) => l.toMs > l.fromMs, { message: 'must be after from_ms', path: ['toMs'] }),
);

const PAGE_TOKEN = /^(\d{1,16}):(\S{1,200})$/;
const pageToken = z.string().transform((t, ctx): LabelCursor | undefined => {
  if (t === '') return undefined;
  const m = PAGE_TOKEN.exec(t);
  if (m === null) {
    ctx.addIssue({ code: 'custom', message: 'is not a next_page_token of ListLabels' });
    return z.NEVER;
  }
  return { from: Number(m[1]), labelId: m[2] as string };
});
const tokenOf = (c: LabelCursor): string => `${c.from}:${c.labelId}`;

const listInput = fromSchema(
  z
    .object({
      assetPath,
      fromMs: epochMs,
      toMs: epochMs,
      pageSize: z.number().int().min(0).max(MAX_LABEL_PAGE, `must be at most ${MAX_LABEL_PAGE} (0 = ${DEFAULT_LABEL_PAGE})`),
      pageToken,
    })
    .refine((q) => q.toMs > q.fromMs, { message: 'must be after from_ms (the range is half-open [from_ms, to_ms))', path: ['toMs'] }),
);

const toProtoLabel = (l: StoredLabel): dataopsV1.Label => ({
  labelId: l.labelId,
  assetPath: l.assetPath,
  label: l.label,
  fromMs: l.from,
  toMs: l.to,
  source: l.source,
  confidence: l.confidence,
  useCaseId: l.useCaseId ?? '',
  note: l.note ?? '',
});

export const recordLabelMethod = (app: DataopsApp) =>
  unary({
    permission: Permission.LabelWrite,
    input: labelInput,
    resource: (l) => resourceOfAssetPath(l.assetPath),
    async handle(l, ctx): Promise<dataopsV1.RecordLabelResponse> {
      return edge(
        () =>
          app.recordLabel(
            {
              assetPath: l.assetPath,
              label: l.label,
              from: new Date(l.fromMs).toISOString(),
              to: new Date(l.toMs).toISOString(),
              source: l.source,
              confidence: l.confidence === 0 ? 1 : l.confidence,
              useCaseId: l.useCaseId ?? null,
              ...(l.note === '' ? {} : { note: l.note }),
              ...(l.labelId === undefined ? {} : { labelId: l.labelId }),
            },
            causeOfCtx(ctx),
          ),
        { from: 'from_ms', to: 'to_ms' },
      );
    },
  });

export const listLabelsMethod = (app: DataopsApp) =>
  unary({
    permission: Permission.DataRead,
    input: listInput,
    resource: (q) => resourceOfAssetPath(q.assetPath),
    async handle(q): Promise<dataopsV1.ListLabelsResponse> {
      const page = await edge(
        () =>
          app.listLabels({
            assetPath: q.assetPath,
            from: q.fromMs,
            to: q.toMs,
            limit: q.pageSize === 0 ? DEFAULT_LABEL_PAGE : q.pageSize,
            ...(q.pageToken === undefined ? {} : { after: q.pageToken }),
          }),
        { from: 'from_ms', to: 'to_ms', limit: 'page_size' },
      );
      return { labels: page.labels.map(toProtoLabel), nextPageToken: page.next === null ? '' : tokenOf(page.next) };
    },
  });
