// Shelving of a prompt (owner: inference, stream `recommendation-<id>`, issue 17; ISA-18.2
// shelving): an operator takes a prompt off the active list for a chosen time with a reason; it
// comes back by itself at `until` (wall clock; no event is recorded then) or earlier when someone
// unshelves it. Who shelved is the event's actor.
import { z } from 'zod';
import { Service, StreamFamily, defineContract } from '../contract.ts';
import { IsoDateTime, Uuid, text } from '../primitives.ts';
import { RecommendationContext } from './inference.ts';

export const recommendationShelved = defineContract({
  service: Service.Inference,
  streamFamily: StreamFamily.Recommendation,
  description: 'An operator shelved a prompt until a time (wall clock), with a reason; it returns to the active list by itself at that time.',
  versions: [
    z
      .strictObject({
        recommendationId: Uuid,
        shelvedAt: IsoDateTime,
        /** When it comes back by itself (wall clock). */
        until: IsoDateTime,
        /** Seconds from shelvedAt to until (at most 12 h). */
        durationSeconds: z.int().min(1).max(43_200),
        /** Chosen as "until the end of the shift" (then `until` is the next shift change). */
        endOfShift: z.boolean(),
        reason: text(500),
        context: RecommendationContext,
      })
      .refine((s) => Date.parse(s.until) > Date.parse(s.shelvedAt), { message: 'must be after shelvedAt', path: ['until'] }),
  ],
  upcasters: [],
});

export const recommendationUnshelved = defineContract({
  service: Service.Inference,
  streamFamily: StreamFamily.Recommendation,
  description: 'An operator put a shelved prompt back on the active list before its time ran out.',
  versions: [z.strictObject({ recommendationId: Uuid, unshelvedAt: IsoDateTime, context: RecommendationContext })],
  upcasters: [],
});
