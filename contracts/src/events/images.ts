// Image events of visual inspection (issue #22). Images never travel inside events: an event
// carries the sha256 of the bytes in the content-addressed image store (dataops), with the
// station, part and capture time. Owners: connectivity records what a camera source took in or
// refused (`source-<sourceId>` streams); dataops records region labels (`label-<id>`).
import { z } from 'zod';
import { Service, StreamFamily, defineContract } from '../contract.ts';
import { IsoDateTime, Sha256Hex, UnsToken, Uuid, text } from '../primitives.ts';

/** How an image reached connectivity. */
export const ImageVia = z.enum(['folder', 'mqtt', 'http']);
/** Why an image was refused (nothing is stored for it). */
export const ImageRejectReason = z.enum([
  'not-an-image',
  'truncated',
  'corrupt',
  'unsupported',
  'bit-depth',
  'wrong-size',
  'too-large',
  'no-part-id',
  'source-missing',
]);
/** Defect types of printed-circuit-board inspection (DeepPCB), `none` for a no-defect verdict. */
export const DefectType = z.enum(['open', 'short', 'mousebite', 'spur', 'spurious-copper', 'pin-hole', 'other', 'none']);
/** Part id as the line marks it (serial, board id): printable, no path separators. */
export const PartId = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be letters, digits, ".", "_" or "-"');

/** Pixel box, x2/y2 exclusive, inside the image (checked against width/height by dataops). */
export const ImageRegion = z.strictObject({ x1: z.int().min(0), y1: z.int().min(0), x2: z.int().min(1), y2: z.int().min(1) });

export const imageCaptured = defineContract({
  service: Service.Connectivity,
  streamFamily: StreamFamily.Source,
  description: 'A camera source took in a part image: it is decoded, checked and stored by content hash; the event carries the hash, never the pixels.',
  versions: [
    z.strictObject({
      sourceId: UnsToken,
      stationId: UnsToken,
      partId: PartId,
      via: ImageVia,
      sha256: Sha256Hex,
      width: z.int().min(1),
      height: z.int().min(1),
      bytes: z.int().min(1),
      format: z.enum(['jpeg', 'pgm']),
      capturedAt: IsoDateTime,
      receivedAt: IsoDateTime,
    }),
  ],
  upcasters: [],
});

export const imageRejected = defineContract({
  service: Service.Connectivity,
  streamFamily: StreamFamily.Source,
  description:
    'A camera source refused an input (not an image, wrong size or bit depth, truncated, too large, no part id, folder gone): a data-quality notice; nothing was stored.',
  versions: [
    z.strictObject({
      sourceId: UnsToken,
      stationId: UnsToken,
      partId: PartId.nullable(),
      via: ImageVia,
      reason: ImageRejectReason,
      message: text(500),
      /** file name, topic or upload path the input came from */
      origin: text(300),
      rejectedAt: IsoDateTime,
    }),
  ],
  upcasters: [],
});

export const imageRegionLabelled = defineContract({
  service: Service.DataOps,
  streamFamily: StreamFamily.Label,
  description:
    'A region of a stored part image was labelled (operator verdict on a flagged region, or an imported annotation); the next tile snapshot uses it.',
  versions: [
    z.strictObject({
      sha256: Sha256Hex,
      stationId: UnsToken,
      partId: PartId,
      region: ImageRegion,
      verdict: z.enum(['defect-confirmed', 'no-defect']),
      defectType: DefectType,
      labelledBy: text(200),
      labelledAt: IsoDateTime,
    }),
  ],
  upcasters: [],
});

/** A flagged region of a board as inference saw it: the box, the highest tile score in it, where it lies in plain words. */
export const FlaggedRegion = z.strictObject({
  x1: z.int().min(0),
  y1: z.int().min(0),
  x2: z.int().min(1),
  y2: z.int().min(1),
  score: z.number().min(0).max(1),
  /** "upper left", "centre", … as the prompt says it. */
  place: text(40),
});

export const boardInspected = defineContract({
  service: Service.Inference,
  streamFamily: StreamFamily.Recommendation,
  description:
    'A visual-inspection model flagged regions of a part image: the operator prompt in plain words with the station and the regions (shadow: logged only; suppressed: the station is in manual mode).',
  versions: [
    z.strictObject({
      recommendationId: Uuid,
      useCaseId: Uuid,
      modelVersionId: Uuid,
      stationId: UnsToken,
      partId: PartId,
      sha256: Sha256Hex,
      width: z.int().min(1),
      height: z.int().min(1),
      regions: z.array(FlaggedRegion).min(1).max(100),
      message: text(280),
      mode: z.enum(['production', 'shadow', 'suppressed']),
      threshold: z.number().min(0).max(1),
      capturedAt: IsoDateTime,
      inspectedAt: IsoDateTime,
    }),
  ],
  upcasters: [],
});

export const boardVerdictGiven = defineContract({
  service: Service.Inference,
  streamFamily: StreamFamily.Recommendation,
  description:
    "An operator's verdict on a flagged region of a board (defect confirmed / no defect); dataops records it as an ImageRegionLabelled label for the next snapshot.",
  versions: [
    z.strictObject({
      recommendationId: Uuid,
      useCaseId: Uuid,
      sha256: Sha256Hex,
      stationId: UnsToken,
      partId: PartId,
      region: ImageRegion,
      verdict: z.enum(['defect-confirmed', 'no-defect']),
      defectType: DefectType,
      decidedBy: text(200),
      decidedAt: IsoDateTime,
    }),
  ],
  upcasters: [],
});
