// Use case: a region of a stored part image gets a label — an operator's verdict on a flagged
// region (defect confirmed / no defect) or an imported annotation. The region must lie inside
// the image (checked against the stored image's size); the label is recorded as
// ImageRegionLabelled in the image's own `label-img-<sha256>` stream, and the next tile
// snapshot reads it. Nothing is recorded for a refused label.
import { Service, streamFor, type EventData } from '@industrial/contracts';
import { uuidv7 } from '@industrial/contracts/ids';
import { serviceCause, type Cause, type Kernel } from '@industrial/kernel';

export type RegionLabel = EventData<'ImageRegionLabelled'>;

export class ImageLabelError extends Error {
  override readonly name = 'ImageLabelError';
  constructor(
    readonly code: 'image-not-found' | 'region-outside-image' | 'empty-region',
    message: string,
  ) {
    super(message);
  }
}

/** Width and height of a stored image, or null when the store does not hold it. */
export type ImageSizeLookup = (sha256: string) => Promise<{ width: number; height: number } | null>;

export const imageLabelStream = (sha256: string): string => streamFor('ImageRegionLabelled', `img-${sha256}`);

export interface LabelDeps {
  readonly kernel: Kernel;
  readonly sizeOf: ImageSizeLookup;
  readonly now: () => string;
}

export async function labelImageRegion(deps: LabelDeps, input: Omit<RegionLabel, 'labelledAt'>, cause?: Cause): Promise<RegionLabel> {
  const size = await deps.sizeOf(input.sha256);
  if (!size) throw new ImageLabelError('image-not-found', `no stored image ${input.sha256}`);
  const r = input.region;
  if (r.x2 <= r.x1 || r.y2 <= r.y1) throw new ImageLabelError('empty-region', `region ${r.x1},${r.y1}–${r.x2},${r.y2} is empty`);
  if (r.x1 < 0 || r.y1 < 0 || r.x2 > size.width || r.y2 > size.height)
    throw new ImageLabelError('region-outside-image', `region ${r.x1},${r.y1}–${r.x2},${r.y2} lies outside the ${size.width}×${size.height} image`);
  const data: RegionLabel = { ...input, labelledAt: deps.now() };
  await deps.kernel.append(imageLabelStream(input.sha256), [{ type: 'ImageRegionLabelled', data }], cause ?? serviceCause(Service.DataOps, uuidv7()));
  return data;
}

/** Every label of an image, oldest first (a stream that does not exist reads as none). */
export async function labelsOfImage(kernel: Kernel, sha256: string): Promise<RegionLabel[]> {
  const out: RegionLabel[] = [];
  for (const e of await kernel.read(imageLabelStream(sha256))) if (e.type === 'ImageRegionLabelled') out.push(e.data as RegionLabel);
  return out;
}
