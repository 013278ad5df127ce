import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeImage, encodePgm, ImageDecodeError, readDeepPcb } from '../src/index.ts';

const DEEPPCB = join(import.meta.dirname, '../../../../shared/datasets/deeppcb');
const haveData = existsSync(join(DEEPPCB, 'PCBData/trainval.txt'));

const kindOf = (f: () => unknown): string => {
  try {
    f();
    return 'ok';
  } catch (e) {
    return e instanceof ImageDecodeError ? e.kind : `other: ${String(e)}`;
  }
};

describe('image decoding and its bad inputs', () => {
  it('PGM round trip', () => {
    const img = { width: 3, height: 2, data: Uint8Array.of(0, 10, 20, 30, 40, 255) };
    expect(decodeImage(encodePgm(img))).toEqual(img);
  });
  it('not an image, wrong size, wrong bit depth, truncated, too large: each a named error', () => {
    const pgm = encodePgm({ width: 4, height: 4, data: new Uint8Array(16) });
    expect(kindOf(() => decodeImage(new TextEncoder().encode('hello, not an image')))).toBe('not-an-image');
    expect(kindOf(() => decodeImage(pgm, { width: 640, height: 640 }))).toBe('wrong-size');
    expect(kindOf(() => decodeImage(new TextEncoder().encode('P5\n2 2\n65535\n\0\0\0\0\0\0\0\0')))).toBe('bit-depth');
    expect(kindOf(() => decodeImage(pgm.subarray(0, pgm.length - 3)))).toBe('truncated');
    expect(kindOf(() => decodeImage(pgm, { maxBytes: 10 }))).toBe('too-large');
  });
});

describe.skipIf(!haveData)('baseline JPEG decoder on DeepPCB scans', () => {
  const boards = haveData ? readDeepPcb(DEEPPCB) : [];
  it('lists 999 boards, each with annotated defects (the _test.jpg scans)', () => {
    expect(boards.length).toBeGreaterThanOrEqual(999);
    for (const b of boards) expect(b.defects.length).toBeGreaterThanOrEqual(1);
    expect(boards[0]!.imagePath).toMatch(/_test\.jpg$/);
  });
  it('decodes a 640×640 8-bit binarised scan (almost every pixel near 0 or 255)', () => {
    const img = decodeImage(readFileSync(boards[0]!.imagePath), { width: 640, height: 640 });
    let extreme = 0;
    for (const v of img.data) if (v < 32 || v > 223) extreme++;
    expect(extreme / img.data.length).toBeGreaterThan(0.999);
  });
  it('a truncated JPEG is refused, never half-decoded', () => {
    const bytes = readFileSync(boards[0]!.imagePath);
    expect(kindOf(() => decodeImage(bytes.subarray(0, Math.floor(bytes.length / 2))))).toBe('truncated');
    expect(kindOf(() => decodeImage(bytes.subarray(0, 300)))).toBe('truncated');
  });
});
