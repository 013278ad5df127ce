// A grey image as a typed array, and the error of reading one.

export interface GreyImage {
  readonly width: number;
  readonly height: number;
  /** row-major, 8-bit grey */
  readonly data: Uint8Array;
}

export type ImageErrorKind = 'not-an-image' | 'truncated' | 'corrupt' | 'unsupported' | 'bit-depth' | 'wrong-size' | 'too-large';

export class ImageDecodeError extends Error {
  override readonly name = 'ImageDecodeError';
  constructor(
    readonly kind: ImageErrorKind,
    message: string,
  ) {
    super(message);
  }
}
