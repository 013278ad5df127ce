// Use case "record the shadow comparison": what the shadow candidate said beside what production
// said, kept in `serving-<useCaseId>` for people and for governance's required shadow period.
// A window where either side raised a prompt is recorded as ShadowPromptCompared (with both
// verdicts, scores and prompt ids); every window both scored counts toward a ShadowWindowsCompared
// batch, recorded every `windowsPerBatch` windows per candidate, deployment and production version
// (deltas: the totals are their sums, also across replicas). Windows counted since the last batch
// are recorded by flush() on stop; a crash loses at most one batch of counts.
import { streamFor } from '@industrial/contracts';
import { uuidFromKey } from '@industrial/contracts/ids';
import { serviceCause, type Kernel } from '@industrial/kernel';
import { parseDeploymentKey } from '../domain/deployments.ts';

/** What production served on a window: the model (its score) or the rule-based limits. */
export interface ProductionVerdict {
  readonly source: 'model' | 'rules';
  /** The production model version; null when the rules stood in. */
  readonly modelVersionId: string | null;
  readonly alarm: boolean;
  /** The model's score; null when the rules stood in. */
  readonly score: number | null;
  /** The production prompt raised on this window, else null. */
  readonly raisedId: string | null;
  /** The production prompt standing for the asset after this window, else null. */
  readonly standingId: string | null;
}

export interface WindowComparison {
  readonly useCaseId: string;
  /** The deployment key (`useCase` or `useCase@scope`). */
  readonly deployment: string;
  readonly assetPath: string;
  readonly candidateVersionId: string;
  /** End of the window, plant time (epoch ms). */
  readonly atMs: number;
  readonly production: ProductionVerdict;
  readonly candidate: { readonly alarm: boolean; readonly score: number; readonly raisedId: string | null };
}

export interface ShadowEvidence {
  record(w: WindowComparison): Promise<void>;
  flush(): Promise<void>;
}

interface Batch {
  readonly useCaseId: string;
  readonly scope: string | null;
  readonly candidateVersionId: string;
  readonly productionVersionId: string | null;
  windows: number;
  agreeing: number;
  productionAlarms: number;
  candidateAlarms: number;
  fromMs: number;
  toMs: number;
}

const ratio = (x: number) => Math.min(1, Math.max(0, Number.isFinite(x) ? x : 0));
const iso = (ms: number) => new Date(ms).toISOString();

export function createShadowEvidence(deps: { kernel: Kernel; wallNow: () => number; windowsPerBatch: number }): ShadowEvidence {
  const batches = new Map<string, Batch>();

  async function write(b: Batch): Promise<void> {
    const id = uuidFromKey(
      `shadow-windows|${b.useCaseId}|${b.scope ?? ''}|${b.candidateVersionId}|${b.productionVersionId ?? 'rules'}|${b.fromMs}|${b.toMs}|${b.windows}`,
    );
    await deps.kernel.append(
      streamFor('ShadowWindowsCompared', b.useCaseId),
      [
        {
          id,
          type: 'ShadowWindowsCompared',
          data: {
            useCaseId: b.useCaseId,
            ...(b.scope === null ? {} : { scope: b.scope }),
            candidateVersionId: b.candidateVersionId,
            productionVersionId: b.productionVersionId,
            reference: b.productionVersionId === null ? 'rules' : 'production',
            windows: b.windows,
            agreeing: b.agreeing,
            productionAlarms: b.productionAlarms,
            candidateAlarms: b.candidateAlarms,
            period: { from: iso(b.fromMs), to: iso(Math.max(b.toMs, b.fromMs + 1)) },
            recordedAt: iso(deps.wallNow()),
          },
        },
      ],
      serviceCause('inference', b.candidateVersionId),
    );
  }

  return {
    async record(w) {
      const { scope } = parseDeploymentKey(w.deployment);
      const p = w.production;
      const agree = p.alarm === w.candidate.alarm;
      if (p.raisedId !== null || w.candidate.raisedId !== null) {
        const comparisonId = uuidFromKey(`shadow-prompt|${w.deployment}|${w.assetPath}|${w.candidateVersionId}|${w.atMs}`);
        await deps.kernel.append(
          streamFor('ShadowPromptCompared', w.useCaseId),
          [
            {
              id: comparisonId,
              type: 'ShadowPromptCompared',
              data: {
                comparisonId,
                useCaseId: w.useCaseId,
                assetPath: w.assetPath,
                ...(scope === null ? {} : { scope }),
                candidateVersionId: w.candidateVersionId,
                productionVersionId: p.modelVersionId,
                reference: p.source === 'model' ? 'production' : 'rules',
                at: iso(w.atMs),
                raisedBy: p.raisedId !== null && w.candidate.raisedId !== null ? 'both' : p.raisedId !== null ? 'production' : 'candidate',
                production: { alarm: p.alarm, score: p.score === null ? null : ratio(p.score), recommendationId: p.raisedId ?? p.standingId },
                candidate: { alarm: w.candidate.alarm, score: ratio(w.candidate.score), recommendationId: w.candidate.raisedId },
                agree,
              },
            },
          ],
          serviceCause('inference', w.candidate.raisedId ?? p.raisedId ?? comparisonId),
        );
      }
      const key = `${w.deployment}|${w.candidateVersionId}|${p.modelVersionId ?? 'rules'}`;
      let b = batches.get(key);
      if (b === undefined) {
        b = {
          useCaseId: w.useCaseId,
          scope,
          candidateVersionId: w.candidateVersionId,
          productionVersionId: p.modelVersionId,
          windows: 0,
          agreeing: 0,
          productionAlarms: 0,
          candidateAlarms: 0,
          fromMs: w.atMs,
          toMs: w.atMs,
        };
        batches.set(key, b);
      }
      b.windows++;
      if (agree) b.agreeing++;
      if (p.alarm) b.productionAlarms++;
      if (w.candidate.alarm) b.candidateAlarms++;
      b.fromMs = Math.min(b.fromMs, w.atMs);
      b.toMs = Math.max(b.toMs, w.atMs);
      if (b.windows >= deps.windowsPerBatch) {
        batches.delete(key);
        await write(b);
      }
    },
    async flush() {
      const all = [...batches.values()];
      batches.clear();
      for (const b of all) await write(b);
    },
  };
}
