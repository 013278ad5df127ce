// Use case "KPI tracking" (ComputeKpis, RecordKpis): line KPIs of one of the use case's assets over
// a window, from the historian, and the use case's own KPIs valued from them; RecordKpis keeps the
// values as KpiMeasured events (with the model version in service, when given).
import type { Cause } from '@industrial/kernel';
import { kpiValue, type LineKpis } from '../domain/kpi.ts';
import type { KpiMeasurement, Kpi, UseCaseState } from '../domain/usecase.ts';
import { assetOf, mustExist, needs, type CharterContext } from './context.ts';
import { CharterError } from './errors.ts';
import { lineKpisFrom } from './facts.ts';
import { loadUseCase, runCommand } from './use-case-stream.ts';

export interface KpiWindow {
  readonly useCaseId: string;
  /** Omitted: the use case's first asset. */
  readonly assetPath?: string | undefined;
  /** ISO-8601 date-times, half-open [from, to). */
  readonly from: string;
  readonly to: string;
  readonly idealCycleTimeSeconds: number;
}

export interface KpiValue {
  readonly kpiId: string;
  readonly name: string;
  readonly kind: Kpi['kind'];
  readonly unit: string;
  /** null: not computable from the historian over the window. */
  readonly value: number | null;
}

async function lineOf(ctx: CharterContext, w: KpiWindow): Promise<{ state: UseCaseState; line: LineKpis }> {
  const { state } = await loadUseCase(ctx.kernel, w.useCaseId);
  const draft = mustExist(state, w.useCaseId);
  const line = await lineKpisFrom(
    needs(ctx.historian, 'historian'),
    assetOf(draft, w.assetPath),
    Date.parse(w.from),
    Date.parse(w.to),
    w.idealCycleTimeSeconds,
  );
  return { state, line };
}

export async function computeKpis(ctx: CharterContext, w: KpiWindow): Promise<{ line: LineKpis; values: KpiValue[] }> {
  const { state, line } = await lineOf(ctx, w);
  const values = (state.objectives?.kpis ?? []).map((k) => ({ kpiId: k.kpiId, name: k.name, kind: k.kind, unit: k.unit, value: kpiValue(k.kind, line) }));
  return { line, values };
}

export interface RecordKpisInput extends KpiWindow {
  readonly expectedRevision?: number | undefined;
  /** The model version in service over the window, when one is. */
  readonly modelVersionId?: string | undefined;
}

export async function recordKpis(ctx: CharterContext, input: RecordKpisInput, cause: Cause): Promise<{ revision: number; measurements: KpiMeasurement[] }> {
  const { state, line } = await lineOf(ctx, input);
  const measurements = (state.objectives?.kpis ?? []).flatMap((k) => {
    const value = kpiValue(k.kind, line);
    return value === null
      ? []
      : [
          {
            kpiId: k.kpiId,
            value,
            unit: k.unit,
            periodStart: input.from,
            periodEnd: input.to,
            source: 'computed' as const,
            modelVersionId: input.modelVersionId ?? null,
          },
        ];
  });
  if (measurements.length === 0)
    throw new CharterError('FAILED_PRECONDITION', [], 'none of the use case KPIs can be computed from the historian over this window');
  const out = await runCommand(ctx.kernel, input.useCaseId, { type: 'RecordKpis', measurements }, cause, { expectedRevision: input.expectedRevision });
  return { revision: out.revision, measurements: measurements.map((m) => ({ useCaseId: input.useCaseId, ...m })) };
}
