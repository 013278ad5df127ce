// The image decoder and store of the image intake, over @industrial/vision: baseline JPEG or
// 8-bit PGM, checked against the station's width, height and byte limit; the content-addressed
// store folder dataops reads.
import { decodeImage, ImageDecodeError, ImageStore, isJpeg } from '@industrial/vision';
import type { DecodeVerdict, StationImageSpec } from '../../domain/image-intake.ts';
import type { ImageBlobStore, ImageDecoder } from '../../features/image-intake.ts';

export const visionDecoder: ImageDecoder = (bytes: Uint8Array, spec: StationImageSpec): DecodeVerdict => {
  try {
    const img = decodeImage(bytes, { width: spec.width, height: spec.height, maxBytes: spec.maxBytes });
    return { ok: true, width: img.width, height: img.height, format: isJpeg(bytes) ? 'jpeg' : 'pgm' };
  } catch (e) {
    if (e instanceof ImageDecodeError) return { ok: false, reason: e.kind, message: e.message };
    return { ok: false, reason: 'corrupt', message: e instanceof Error ? e.message : String(e) };
  }
};

export const imageStoreAt = (root: string): ImageBlobStore => new ImageStore(root);
