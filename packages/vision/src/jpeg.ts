// Baseline JPEG decoder (SOF0/SOF1, Huffman, 8-bit samples, any sampling factors, restart
// markers), dependency-free. Returns the first component (luma, or the only one of a grey
// scan) as 8-bit grey: line-scan AOI cameras and the DeepPCB scans are grey. Progressive,
// arithmetic-coded, lossless and 12-bit JPEGs are refused with a clear error, as are
// truncated files (the entropy data must end in an EOI marker).

import { ImageDecodeError, type GreyImage } from './grey.ts';

interface Huffman {
  /** (code length << 16) | code → symbol */
  readonly lookup: Map<number, number>;
}

interface Component {
  readonly id: number;
  readonly h: number;
  readonly v: number;
  readonly tq: number;
  td: number;
  ta: number;
  pred: number;
  blocksPerLine: number;
  blocksPerColumn: number;
  data: Uint8Array;
}

const ZIGZAG = Int32Array.from([
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22,
  15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
]);

// cos((2x+1)uπ/16)·c(u)/2, row-major [x][u]
const IDCT = (() => {
  const t = new Float64Array(64);
  for (let x = 0; x < 8; x++) for (let u = 0; u < 8; u++) t[x * 8 + u] = ((u === 0 ? Math.SQRT1_2 : 1) * Math.cos(((2 * x + 1) * u * Math.PI) / 16)) / 2;
  return t;
})();

function buildHuffman(counts: Uint8Array, symbols: Uint8Array): Huffman {
  const lookup = new Map<number, number>();
  let code = 0,
    k = 0;
  for (let len = 1; len <= 16; len++) {
    for (let i = 0; i < counts[len - 1]!; i++) lookup.set((len << 16) | code++, symbols[k++]!);
    code <<= 1;
  }
  return { lookup };
}

class BitReader {
  private pos: number;
  private bits = 0;
  private nbits = 0;
  constructor(
    private readonly b: Uint8Array,
    start: number,
  ) {
    this.pos = start;
  }
  get position(): number {
    return this.pos;
  }
  bit(): number {
    if (this.nbits === 0) {
      if (this.pos >= this.b.length) throw new ImageDecodeError('truncated', 'JPEG entropy data ends before the image is complete');
      const byte = this.b[this.pos++]!;
      if (byte === 0xff) {
        const next = this.b[this.pos];
        if (next === 0x00) this.pos++;
        else throw new ImageDecodeError('truncated', `JPEG entropy data interrupted by marker 0xff${(next ?? 0).toString(16)}`);
      }
      this.bits = byte;
      this.nbits = 8;
    }
    this.nbits--;
    return (this.bits >> this.nbits) & 1;
  }
  receive(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) v = (v << 1) | this.bit();
    return v;
  }
  extend(n: number): number {
    if (n === 0) return 0;
    const v = this.receive(n);
    return v < 1 << (n - 1) ? v - (1 << n) + 1 : v;
  }
  decode(h: Huffman): number {
    let code = 0;
    for (let len = 1; len <= 16; len++) {
      code = (code << 1) | this.bit();
      const s = h.lookup.get((len << 16) | code);
      if (s !== undefined) return s;
    }
    throw new ImageDecodeError('corrupt', 'JPEG Huffman code not in table');
  }
  /** Skips to the byte after an RSTn marker. */
  restart(): void {
    this.nbits = 0;
    while (this.pos + 1 < this.b.length && !(this.b[this.pos] === 0xff && this.b[this.pos + 1]! >= 0xd0 && this.b[this.pos + 1]! <= 0xd7)) this.pos++;
    if (this.pos + 1 >= this.b.length) throw new ImageDecodeError('truncated', 'JPEG restart marker missing');
    this.pos += 2;
  }
}

export const isJpeg = (b: Uint8Array): boolean => b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;

export function decodeJpeg(b: Uint8Array): GreyImage {
  if (!isJpeg(b)) throw new ImageDecodeError('not-an-image', 'not a JPEG (no SOI marker)');
  const qt: Int32Array[] = [];
  const dc: Huffman[] = [],
    ac: Huffman[] = [];
  let width = 0,
    height = 0,
    restartInterval = 0;
  let comps: Component[] = [];
  let i = 2;
  const u16 = (p: number): number => {
    if (p + 1 >= b.length) throw new ImageDecodeError('truncated', 'JPEG header ends early');
    return (b[p]! << 8) | b[p + 1]!;
  };
  for (;;) {
    if (i + 3 >= b.length) throw new ImageDecodeError('truncated', 'JPEG ends before its scan');
    if (b[i] !== 0xff) throw new ImageDecodeError('corrupt', `JPEG marker expected at byte ${i}`);
    const m = b[i + 1]!;
    if (m === 0xff) {
      i++;
      continue;
    }
    const len = u16(i + 2);
    const seg = i + 4,
      end = i + 2 + len;
    if (end > b.length) throw new ImageDecodeError('truncated', 'JPEG segment runs past the end of the file');
    if (m === 0xdb) {
      for (let p = seg; p < end;) {
        const pq = b[p]! >> 4,
          tq = b[p]! & 15;
        p++;
        const t = new Int32Array(64);
        for (let k = 0; k < 64; k++) {
          t[ZIGZAG[k]!] = pq ? u16(p) : b[p]!;
          p += pq ? 2 : 1;
        }
        qt[tq] = t;
      }
    } else if (m === 0xc4) {
      for (let p = seg; p < end;) {
        const tc = b[p]! >> 4,
          th = b[p]! & 15;
        const counts = b.subarray(p + 1, p + 17);
        let total = 0;
        for (const c of counts) total += c;
        const symbols = b.subarray(p + 17, p + 17 + total);
        (tc === 0 ? dc : ac)[th] = buildHuffman(counts, symbols);
        p += 17 + total;
      }
    } else if (m === 0xdd) {
      restartInterval = u16(seg);
    } else if (m === 0xc0 || m === 0xc1) {
      if (b[seg] !== 8) throw new ImageDecodeError('bit-depth', `JPEG sample precision ${b[seg]} bits, expected 8`);
      height = u16(seg + 1);
      width = u16(seg + 3);
      const n = b[seg + 5]!;
      comps = [];
      for (let k = 0; k < n; k++) {
        const p = seg + 6 + 3 * k;
        comps.push({
          id: b[p]!,
          h: b[p + 1]! >> 4,
          v: b[p + 1]! & 15,
          tq: b[p + 2]!,
          td: 0,
          ta: 0,
          pred: 0,
          blocksPerLine: 0,
          blocksPerColumn: 0,
          data: new Uint8Array(0),
        });
      }
      if (width === 0 || height === 0 || n === 0) throw new ImageDecodeError('corrupt', 'JPEG frame with zero size or no components');
    } else if (m >= 0xc2 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) {
      throw new ImageDecodeError('unsupported', `JPEG frame type 0xff${m.toString(16)} (progressive, lossless or arithmetic) is not supported; baseline only`);
    } else if (m === 0xda) {
      if (comps.length === 0) throw new ImageDecodeError('corrupt', 'JPEG scan before frame header');
      const ns = b[seg]!;
      const scan: Component[] = [];
      for (let k = 0; k < ns; k++) {
        const c = comps.find((x) => x.id === b[seg + 1 + 2 * k]);
        if (!c) throw new ImageDecodeError('corrupt', 'JPEG scan names an unknown component');
        c.td = b[seg + 2 + 2 * k]! >> 4;
        c.ta = b[seg + 2 + 2 * k]! & 15;
        scan.push(c);
      }
      decodeScan(b, end, width, height, comps, scan, qt, dc, ac, restartInterval);
      const y = comps[0]!;
      const out = new Uint8Array(width * height);
      const hmax = Math.max(...comps.map((c) => c.h)),
        vmax = Math.max(...comps.map((c) => c.v));
      const sx = y.h / hmax,
        sy = y.v / vmax,
        stride = y.blocksPerLine * 8;
      for (let r = 0; r < height; r++) {
        const rr = Math.floor(r * sy) * stride;
        for (let c = 0; c < width; c++) out[r * width + c] = y.data[rr + Math.floor(c * sx)]!;
      }
      return { width, height, data: out };
    } else if (m === 0xd9) {
      throw new ImageDecodeError('corrupt', 'JPEG has no scan');
    }
    i = end;
  }
}

function decodeScan(
  b: Uint8Array,
  start: number,
  width: number,
  height: number,
  comps: Component[],
  scan: Component[],
  qt: Int32Array[],
  dc: Huffman[],
  ac: Huffman[],
  restartInterval: number,
): void {
  const hmax = Math.max(...comps.map((c) => c.h)),
    vmax = Math.max(...comps.map((c) => c.v));
  const mcusX = Math.ceil(width / (8 * hmax)),
    mcusY = Math.ceil(height / (8 * vmax));
  for (const c of comps) {
    c.blocksPerLine = mcusX * c.h;
    c.blocksPerColumn = mcusY * c.v;
    c.data = new Uint8Array(c.blocksPerLine * c.blocksPerColumn * 64);
    c.pred = 0;
    if (!qt[c.tq]) throw new ImageDecodeError('corrupt', 'JPEG quantisation table missing');
  }
  const r = new BitReader(b, start);
  const coef = new Float64Array(64),
    tmp = new Float64Array(64);
  const block = (c: Component, row: number, col: number): void => {
    const hd = dc[c.td],
      ha = ac[c.ta];
    if (!hd || !ha) throw new ImageDecodeError('corrupt', 'JPEG Huffman table missing');
    const q = qt[c.tq]!;
    coef.fill(0);
    const t = r.decode(hd);
    c.pred += r.extend(t);
    coef[0] = c.pred * q[0]!;
    for (let k = 1; k < 64;) {
      const rs = r.decode(ha);
      const s = rs & 15,
        run = rs >> 4;
      if (s === 0) {
        if (run < 15) break;
        k += 16;
        continue;
      }
      k += run;
      if (k > 63) throw new ImageDecodeError('corrupt', 'JPEG coefficient index past 63');
      const z = ZIGZAG[k]!;
      coef[z] = r.extend(s) * q[z]!;
      k++;
    }
    // separable IDCT: rows then columns
    for (let y = 0; y < 8; y++)
      for (let x = 0; x < 8; x++) {
        let s = 0;
        for (let u = 0; u < 8; u++) s += IDCT[x * 8 + u]! * coef[y * 8 + u]!;
        tmp[y * 8 + x] = s;
      }
    const stride = c.blocksPerLine * 8;
    for (let x = 0; x < 8; x++)
      for (let y = 0; y < 8; y++) {
        let s = 0;
        for (let v = 0; v < 8; v++) s += IDCT[y * 8 + v]! * tmp[v * 8 + x]!;
        const px = Math.round(s + 128);
        c.data[(row * 8 + y) * stride + col * 8 + x] = px < 0 ? 0 : px > 255 ? 255 : px;
      }
  };
  const single = scan.length === 1;
  const total = single ? Math.ceil((Math.ceil((width * scan[0]!.h) / hmax) / 8) * 1) * Math.ceil(Math.ceil((height * scan[0]!.v) / vmax) / 8) : mcusX * mcusY;
  const perLine = single ? Math.ceil(Math.ceil((width * scan[0]!.h) / hmax) / 8) : mcusX;
  for (let n = 0; n < total; n++) {
    if (restartInterval && n > 0 && n % restartInterval === 0) {
      r.restart();
      for (const c of scan) c.pred = 0;
    }
    const my = Math.floor(n / perLine),
      mx = n % perLine;
    if (single) block(scan[0]!, my, mx);
    else for (const c of scan) for (let v = 0; v < c.v; v++) for (let h = 0; h < c.h; h++) block(c, my * c.v + v, mx * c.h + h);
  }
  // the entropy data must be followed by a marker (EOI or another segment): otherwise truncated
  let p = r.position;
  while (p < b.length && !(b[p] === 0xff && b[p + 1] !== 0x00 && b[p + 1] !== undefined)) p++;
  if (p >= b.length - 1) throw new ImageDecodeError('truncated', 'JPEG ends without an EOI marker');
}
