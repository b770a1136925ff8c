/**
 * Binary writer/reader for proofs. Little-endian fixed-width integers, LEB128 lengths
 * (minimal encoding only), canonical field elements. The reader is written for hostile
 * input: every length is checked against an explicit caller limit and the remaining
 * bytes before anything is allocated, every field element must be < p, and `finish()`
 * rejects trailing bytes.
 */
import type { PrimeField } from '../field/prime.js';
import { ProofFormatError } from './errors.js';

export class ByteWriter {
  private buf: Uint8Array;
  private view: DataView;
  private len = 0;

  constructor(initial = 1024) {
    this.buf = new Uint8Array(initial);
    this.view = new DataView(this.buf.buffer);
  }

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(x: number): this {
    this.reserve(1);
    this.buf[this.len++] = x & 0xff;
    return this;
  }

  u16(x: number): this {
    this.reserve(2);
    this.view.setUint16(this.len, x, true);
    this.len += 2;
    return this;
  }

  u32(x: number): this {
    this.reserve(4);
    this.view.setUint32(this.len, x >>> 0, true);
    this.len += 4;
    return this;
  }

  /** Unsigned LEB128 for lengths and counts (< 2^32). */
  varuint(x: number): this {
    if (!Number.isInteger(x) || x < 0 || x > 0xffffffff) throw new ProofFormatError(`varuint ${x} out of range`);
    do {
      let b = x & 0x7f;
      x = Math.floor(x / 128);
      if (x > 0) b |= 0x80;
      this.u8(b);
    } while (x > 0);
    return this;
  }

  bytes(b: Uint8Array): this {
    this.reserve(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }

  /** Length-prefixed byte string. */
  blob(b: Uint8Array): this {
    return this.varuint(b.length).bytes(b);
  }

  /** Canonical base-field elements, 4 bytes each, no length prefix. */
  fields(v: Uint32Array): this {
    this.reserve(4 * v.length);
    for (let i = 0; i < v.length; i++) {
      this.view.setUint32(this.len, v[i]!, true);
      this.len += 4;
    }
    return this;
  }

  field(x: number): this {
    return this.u32(x);
  }

  /** Extension elements: the ext vector's limbs (4 per element), no length prefix. */
  exts(v: Uint32Array): this {
    return this.fields(v);
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }

  get length(): number {
    return this.len;
  }
}

export class ByteReader {
  private readonly buf: Uint8Array;
  private readonly view: DataView;
  private pos = 0;

  constructor(bytes: Uint8Array) {
    this.buf = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  private need(n: number, what: string): void {
    if (n > this.remaining) {
      throw new ProofFormatError(`truncated: ${what} needs ${n} bytes at offset ${this.pos}, ${this.remaining} left`);
    }
  }

  u8(what = 'u8'): number {
    this.need(1, what);
    return this.buf[this.pos++]!;
  }

  u16(what = 'u16'): number {
    this.need(2, what);
    const x = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return x;
  }

  u32(what = 'u32'): number {
    this.need(4, what);
    const x = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return x;
  }

  /** A minimal LEB128 integer ≤ max. */
  varuint(max: number, what = 'length'): number {
    let x = 0;
    let scale = 1;
    for (let i = 0; ; i++) {
      if (i >= 5) throw new ProofFormatError(`${what}: varint too long at offset ${this.pos}`);
      const b = this.u8(what);
      x += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) {
        if (b === 0 && i > 0) throw new ProofFormatError(`${what}: non-minimal varint at offset ${this.pos - 1}`);
        break;
      }
      scale *= 128;
    }
    if (x > max) throw new ProofFormatError(`${what} ${x} exceeds limit ${max}`);
    return x;
  }

  /** A count of items of `itemBytes` each: bounded by `max` and by the bytes left. */
  count(max: number, itemBytes: number, what: string): number {
    const n = this.varuint(max, what);
    if (n * itemBytes > this.remaining) {
      throw new ProofFormatError(`truncated: ${what} declares ${n} items, only ${this.remaining} bytes left`);
    }
    return n;
  }

  bytes(n: number, what = 'bytes'): Uint8Array {
    this.need(n, what);
    const out = this.buf.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  blob(max: number, what = 'blob'): Uint8Array {
    const n = this.count(max, 1, what);
    return this.bytes(n, what);
  }

  field(F: PrimeField, what = 'field element'): number {
    this.need(4, what);
    const x = this.view.getUint32(this.pos, true);
    if (x >= F.p) throw new ProofFormatError(`${what} at offset ${this.pos} is not canonical (${x} ≥ p)`);
    this.pos += 4;
    return x;
  }

  fields(F: PrimeField, n: number, what = 'field elements'): Uint32Array {
    this.need(4 * n, what);
    const out = new Uint32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.field(F, what);
    return out;
  }

  /** n extension elements (4n canonical limbs) as an ext vector. */
  exts(F: PrimeField, n: number, what = 'extension elements'): Uint32Array {
    return this.fields(F, 4 * n, what);
  }

  ext(F: PrimeField, what = 'extension element'): Uint32Array {
    return this.fields(F, 4, what);
  }

  digest(what = 'digest'): Uint8Array {
    return this.bytes(32, what);
  }

  /** Every decoder ends with this: trailing bytes are an error, not ignored. */
  finish(what = 'proof'): void {
    if (this.remaining !== 0) {
      throw new ProofFormatError(`${what}: ${this.remaining} trailing bytes at offset ${this.pos}`);
    }
  }
}
