// PostgreSQL one-dimensional arrays in the binary wire format (what array_recv reads), sent as
// binary parameters: node-postgres passes a Buffer parameter with format code 1. The server then
// reads each element as fixed-width bytes instead of parsing decimal text, and the client writes
// the bytes directly instead of formatting numbers into strings.
//
// Layout: int32 ndim, int32 has-nulls flag, int32 element type oid, then per dimension int32 size
// and int32 lower bound (1), then per element int32 byte length (-1 for NULL) and the bytes, all
// big-endian. An empty array has ndim 0 and no dimension.

export const OID = { int2: 21, int4: 23, int8: 20, float8: 701, text: 25, uuid: 2950 } as const;

const HEADER = 20;
const TWO_32 = 4_294_967_296;

/** A binary array of one element type, written element by element in order. */
export class BinaryArray {
  readonly #oid: number;
  #buf: Buffer;
  #view: DataView;
  #off = HEADER;
  #n = 0;
  #nulls = false;

  /** `capacity` is a byte estimate for the elements; the buffer grows when it is exceeded. */
  constructor(oid: number, capacity: number) {
    this.#oid = oid;
    this.#buf = Buffer.allocUnsafe(HEADER + Math.max(capacity, 16));
    this.#view = new DataView(this.#buf.buffer, this.#buf.byteOffset, this.#buf.byteLength);
  }

  /** A fixed-width array sized for `n` elements of `width` bytes. */
  static fixed(oid: number, width: number, n: number): BinaryArray {
    return new BinaryArray(oid, n * (4 + width));
  }

  #room(bytes: number): void {
    if (this.#off + bytes <= this.#buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.#buf.length * 2, this.#off + bytes));
    this.#buf.copy(next, 0, 0, this.#off);
    this.#buf = next;
    this.#view = new DataView(next.buffer, next.byteOffset, next.byteLength);
  }

  null(): void {
    this.#room(4);
    this.#view.setInt32(this.#off, -1);
    this.#off += 4;
    this.#n += 1;
    this.#nulls = true;
  }

  int2(v: number): void {
    if ((v << 16) >> 16 !== v) throw new RangeError(`${v} is not a 16-bit integer`);
    this.#room(6);
    this.#view.setInt32(this.#off, 2);
    this.#view.setInt16(this.#off + 4, v);
    this.#off += 6;
    this.#n += 1;
  }

  int4(v: number): void {
    if ((v | 0) !== v) throw new RangeError(`${v} is not a 32-bit integer`);
    this.#room(8);
    this.#view.setInt32(this.#off, 4);
    this.#view.setInt32(this.#off + 4, v);
    this.#off += 8;
    this.#n += 1;
  }

  /** A safe integer (|v| < 2^53) as int8. */
  int8(v: number): void {
    if (!Number.isSafeInteger(v)) throw new RangeError(`${v} is not a safe integer`);
    this.#room(12);
    const hi = Math.floor(v / TWO_32);
    this.#view.setInt32(this.#off, 8);
    this.#view.setInt32(this.#off + 4, hi);
    this.#view.setUint32(this.#off + 8, v - hi * TWO_32);
    this.#off += 12;
    this.#n += 1;
  }

  float8(v: number): void {
    this.#room(12);
    this.#view.setInt32(this.#off, 8);
    this.#view.setFloat64(this.#off + 4, v);
    this.#off += 12;
    this.#n += 1;
  }

  /** Pre-encoded element bytes (UTF-8 text, 16-byte uuid). */
  bytes(b: Uint8Array): void {
    this.#room(4 + b.length);
    this.#view.setInt32(this.#off, b.length);
    this.#buf.set(b, this.#off + 4);
    this.#off += 4 + b.length;
    this.#n += 1;
  }

  get length(): number {
    return this.#n;
  }

  /** The finished array (a view of the internal buffer: do not write to this array afterwards). */
  finish(): Buffer {
    const v = this.#view;
    if (this.#n === 0) {
      v.setInt32(0, 0);
      v.setInt32(4, 0);
      v.setInt32(8, this.#oid);
      return this.#buf.subarray(0, 12);
    }
    v.setInt32(0, 1);
    v.setInt32(4, this.#nulls ? 1 : 0);
    v.setInt32(8, this.#oid);
    v.setInt32(12, this.#n);
    v.setInt32(16, 1);
    return this.#buf.subarray(0, this.#off);
  }
}

/** Encodes each distinct string once (units and tags repeat across a batch). */
export class Utf8Cache {
  readonly #m = new Map<string, Buffer>();
  get(s: string): Buffer {
    let b = this.#m.get(s);
    if (b === undefined) {
      if (this.#m.size >= 10_000) this.#m.clear();
      this.#m.set(s, (b = Buffer.from(s, 'utf8')));
    }
    return b;
  }
}
