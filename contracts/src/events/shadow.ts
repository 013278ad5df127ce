// Shadow evidence (owner: inference, stream `serving-<useCaseId>`, issue 16): what a shadow
// candidate would have said beside what production said. Per prompt (either side raised one on a
// window) a ShadowPromptCompared; per candidate and deployment, running counts of the windows both
// scored as ShadowWindowsCompared batches (deltas: the totals are their sums). Governance reads
// them for the required shadow period; inference's ListShadowComparisons serves them to engineers.
import { z } from 'zod';
import { Service, StreamFamily, defineContract } from '../contract.ts';
import { IsoDateTime, Ratio, TimeRange, UnsAssetPath, UnsScope, Uuid } from '../primitives.ts';

/** What production served on the window: its model version, or null when the rule-based limits stood in. */
const Reference = z.enum(['production', 'rules']);

export const shadowPromptCompared = defineContract({
  service: Service.Inference,
  streamFamily: StreamFamily.Serving,
  description: 'On a window where production or the shadow candidate raised a prompt, what each said (verdict, score, prompt) and whether they agreed.',
  versions: [
    z.strictObject({
      comparisonId: Uuid,
      useCaseId: Uuid,
      assetPath: UnsAssetPath,
      /** The candidate's deployment; absent = the use-case-wide one. */
      scope: UnsScope.optional(),
      candidateVersionId: Uuid,
      /** The production model that scored the window; null = the rule-based limits. */
      productionVersionId: Uuid.nullable(),
      reference: Reference,
      /** End of the scored window (plant time). */
      at: IsoDateTime,
      /** Whose prompt was raised on this window. */
      raisedBy: z.enum(['production', 'candidate', 'both']),
      production: z.strictObject({
        alarm: z.boolean(),
        /** The model's score; null when the rules stood in. */
        score: Ratio.nullable(),
        /** The production prompt raised on this window, or the one standing for the asset; null: none. */
        recommendationId: Uuid.nullable(),
      }),
      candidate: z.strictObject({
        alarm: z.boolean(),
        score: Ratio,
        /** The shadow record (RecommendationRaised{mode: shadow}) raised on this window; null: none. */
        recommendationId: Uuid.nullable(),
      }),
      /** Same verdict (alarm or not) on the window. */
      agree: z.boolean(),
    }),
  ],
  upcasters: [],
});

export const shadowWindowsCompared = defineContract({
  service: Service.Inference,
  streamFamily: StreamFamily.Serving,
  description: 'A batch of windows a shadow candidate scored beside production: how many, how many agreed, alarms of each side (deltas since the last batch).',
  versions: [
    z
      .strictObject({
        useCaseId: Uuid,
        scope: UnsScope.optional(),
        candidateVersionId: Uuid,
        productionVersionId: Uuid.nullable(),
        reference: Reference,
        windows: z.int().min(1),
        /** Windows with the same verdict on both sides. */
        agreeing: z.int().min(0),
        productionAlarms: z.int().min(0),
        candidateAlarms: z.int().min(0),
        /** Plant time of the first and last window of the batch. */
        period: TimeRange,
        recordedAt: IsoDateTime,
      })
      .refine((b) => b.agreeing <= b.windows, { message: 'must not exceed windows', path: ['agreeing'] }),
  ],
  upcasters: [],
});
