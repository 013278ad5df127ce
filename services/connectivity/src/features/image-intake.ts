// Use case: take in one part image from a camera source (watched folder, MQTT, HTTP upload).
// Check → decode → store by content hash → record ImageCaptured; any refusal records
// ImageRejected and stores nothing. One bad image never stops the source: the caller gets the
// recorded event back and goes on with the next part.
import { Service, streamFor } from '@industrial/contracts';
import { uuidv7 } from '@industrial/contracts/ids';
import { serviceCause, type Kernel } from '@industrial/kernel';
import { decide, precheck, type DecodeVerdict, type ImageCapture, type ImageEvent, type StationImageSpec } from '../domain/image-intake.ts';

/** Decodes and checks bytes against the station's image spec (adapter over @industrial/vision). */
export type ImageDecoder = (bytes: Uint8Array, spec: StationImageSpec) => DecodeVerdict;

/** The content-addressed image store (dataops' store; the same folder layout). */
export interface ImageBlobStore {
  put(bytes: Uint8Array): Promise<{ sha256: string; created: boolean }>;
}

export interface ImageIntakeDeps {
  readonly kernel: Kernel;
  readonly decode: ImageDecoder;
  readonly store: ImageBlobStore;
  readonly now: () => string;
  readonly spec: StationImageSpec;
}

export type ImageIntake = (capture: ImageCapture) => Promise<ImageEvent>;

export function imageIntake(deps: ImageIntakeDeps): ImageIntake {
  const record = async (sourceId: string, event: ImageEvent): Promise<ImageEvent> => {
    await deps.kernel.append(streamFor(event.type, sourceId), [event], serviceCause(Service.Connectivity, uuidv7()));
    return event;
  };
  return async (capture) => {
    const at = deps.now();
    const early = precheck(capture, deps.spec, at);
    if (early) return record(capture.sourceId, early);
    const verdict = deps.decode(capture.bytes, deps.spec);
    if (!verdict.ok) return record(capture.sourceId, decide(capture, verdict, '', at));
    const stored = await deps.store.put(capture.bytes);
    return record(capture.sourceId, decide(capture, verdict, stored.sha256, at));
  };
}

/** A notice about the source itself (its folder disappeared): no image, no part. */
export async function recordSourceNotice(kernel: Kernel, event: ImageEvent): Promise<void> {
  await kernel.append(streamFor(event.type, event.data.sourceId), [event], serviceCause(Service.Connectivity, uuidv7()));
}
