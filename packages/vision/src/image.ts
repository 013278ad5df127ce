// Grey images as typed arrays, the errors of reading one, and the checks a station's
// images must pass before they are stored or scored (size, bit depth, size in bytes).

import { ImageDecodeError, type GreyImage } from './grey.ts';
import { decodeJpeg, isJpeg } from './jpeg.ts';

export { ImageDecodeError, type GreyImage, type ImageErrorKind } from './grey.ts';

/** Binary PGM (P5), 8-bit: the simplest grey format, used by tests and the simulator. */
export function encodePgm(img: GreyImage): Uint8Array {
  const head = new TextEncoder().encode(`P5\n${img.width} ${img.height}\n255\n`);
  const out = new Uint8Array(head.length + img.data.length);
  out.set(head);
  out.set(img.data, head.length);
  return out;
}

const isPgm = (b: Uint8Array): boolean => b.length >= 2 && b[0] === 0x50 && b[1] === 0x35;

function decodePgm(b: Uint8Array): GreyImage {
  const fields: number[] = [];
  let i = 2;
  while (fields.length < 3) {
    while (i < b.length && (b[i] === 0x20 || b[i] === 0x0a || b[i] === 0x0d || b[i] === 0x09)) i++;
    if (b[i] === 0x23) {
      while (i < b.length && b[i] !== 0x0a) i++;
      continue;
    }
    let v = '';
    while (i < b.length && b[i]! >= 0x30 && b[i]! <= 0x39) v += String.fromCharCode(b[i++]!);
    if (v === '') throw new ImageDecodeError(i >= b.length ? 'truncated' : 'corrupt', 'PGM header incomplete');
    fields.push(Number(v));
  }
  const [width, height, max] = fields as [number, number, number];
  if (max !== 255) throw new ImageDecodeError('bit-depth', `PGM maximum value ${max}, expected 255 (8-bit)`);
  i++; // the single whitespace after maxval
  const n = width * height;
  if (b.length - i < n) throw new ImageDecodeError('truncated', `PGM holds ${b.length - i} of ${n} pixels`);
  return { width, height, data: b.slice(i, i + n) };
}

export interface ImageLimits {
  readonly width?: number;
  readonly height?: number;
  /** refuse larger files before decoding (default 20 MB) */
  readonly maxBytes?: number;
}

export const DEFAULT_MAX_IMAGE_BYTES = 20 * 1024 * 1024;

/** JPEG (baseline) or PGM → grey image, checked against the station's expected size. */
export function decodeImage(bytes: Uint8Array, limits: ImageLimits = {}): GreyImage {
  const max = limits.maxBytes ?? DEFAULT_MAX_IMAGE_BYTES;
  if (bytes.length > max) throw new ImageDecodeError('too-large', `image file of ${bytes.length} bytes exceeds the limit of ${max}`);
  let img: GreyImage;
  if (isJpeg(bytes)) img = decodeJpeg(bytes);
  else if (isPgm(bytes)) img = decodePgm(bytes);
  else throw new ImageDecodeError('not-an-image', 'not an image: neither JPEG nor binary PGM');
  if ((limits.width !== undefined && img.width !== limits.width) || (limits.height !== undefined && img.height !== limits.height))
    throw new ImageDecodeError('wrong-size', `image is ${img.width}×${img.height}, the station expects ${limits.width ?? '*'}×${limits.height ?? '*'}`);
  return img;
}
