/**
 * Hand-written reader/writer for the safetensors format
 * (8-byte little-endian header length, JSON header, raw little-endian tensor bytes).
 *
 * The reader treats its input as hostile: every length, offset and shape is checked
 * before any byte is read, so a malformed file fails with a message naming the problem
 * rather than producing garbage weights.
 */

export type SafetensorsDtype = 'F32' | 'F16' | 'BF16';

export interface SafetensorsTensor {
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  /** Values converted to float32, row-major. */
  readonly data: Float32Array;
}

export interface SafetensorsFile {
  readonly tensors: ReadonlyMap<string, SafetensorsTensor>;
  readonly metadata: Readonly<Record<string, string>>;
}

export interface SafetensorsInput {
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

export class SafetensorsError extends Error {
  override name = 'SafetensorsError';
}

const DTYPE_BYTES: Record<SafetensorsDtype, number> = { F32: 4, F16: 2, BF16: 2 };
/** Header sizes above this are rejected: real headers are a few hundred KB at most. */
const MAX_HEADER_BYTES = 100 * 1024 * 1024;
const KNOWN_DTYPES = new Set(['F64', 'F32', 'F16', 'BF16', 'I64', 'I32', 'I16', 'I8', 'U8', 'U16', 'U32', 'U64', 'BOOL', 'F8_E4M3', 'F8_E5M2']);

export function f16ToF32(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m === 0 ? s * Infinity : NaN;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

const f32buf = new Float32Array(1);
const u32buf = new Uint32Array(f32buf.buffer);

/** Round-to-nearest-even float32 → float16 bits. */
export function f32ToF16(v: number): number {
  f32buf[0] = v;
  const x = u32buf[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    let r = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    if (rem > half || (rem === half && r & 1)) r++;
    return sign | r;
  }
  let r = mant >>> 13;
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && r & 1)) {
    r++;
    if (r === 0x400) {
      r = 0;
      e++;
      if (e >= 31) return sign | 0x7c00;
    }
  }
  return sign | (e << 10) | r;
}

/** Round-to-nearest-even float32 → bfloat16 bits. */
export function f32ToBf16(v: number): number {
  f32buf[0] = v;
  const x = u32buf[0]!;
  if ((x & 0x7f800000) === 0x7f800000 && x & 0x7fffff) return (x >>> 16) | 0x40;
  const lsb = (x >>> 16) & 1;
  return ((x + 0x7fff + lsb) >>> 16) & 0xffff;
}

function fail(msg: string): never {
  throw new SafetensorsError(`invalid safetensors: ${msg}`);
}

export function readSafetensors(bytes: Uint8Array): SafetensorsFile {
  if (bytes.length < 8) fail(`file is ${bytes.length} bytes, shorter than the 8-byte header length`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lo = dv.getUint32(0, true);
  const hi = dv.getUint32(4, true);
  const headerLen = hi * 2 ** 32 + lo;
  if (headerLen > MAX_HEADER_BYTES) fail(`header length ${headerLen} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  if (8 + headerLen > bytes.length) {
    fail(`header length ${headerLen} exceeds the file size (${bytes.length - 8} bytes after the length field)`);
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLen)));
  } catch (e) {
    fail(`header is not valid UTF-8 JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('header is not a JSON object');
  const dataStart = 8 + headerLen;
  const dataLen = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const entries: { name: string; dtype: SafetensorsDtype; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail('__metadata__ is not an object');
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`__metadata__.${k} is not a string`);
        metadata[k] = v;
      }
      continue;
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail(`tensor '${name}' entry is not an object`);
    const t = raw as Record<string, unknown>;
    const dtype = t['dtype'];
    if (typeof dtype !== 'string') fail(`tensor '${name}' has no dtype`);
    if (dtype !== 'F32' && dtype !== 'F16' && dtype !== 'BF16') {
      fail(
        `tensor '${name}' has ${KNOWN_DTYPES.has(dtype) ? 'unsupported' : 'unknown'} dtype '${dtype}' (supported: F32, F16, BF16)`,
      );
    }
    const shape = t['shape'];
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
      fail(`tensor '${name}' shape must be an array of non-negative integers`);
    }
    const offs = t['data_offsets'];
    if (
      !Array.isArray(offs) ||
      offs.length !== 2 ||
      !offs.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)
    ) {
      fail(`tensor '${name}' data_offsets must be two non-negative integers`);
    }
    const [begin, end] = offs as [number, number];
    if (begin > end) fail(`tensor '${name}' data_offsets [${begin}, ${end}] are reversed`);
    if (end > dataLen) fail(`tensor '${name}' data_offsets [${begin}, ${end}] out of range (data section is ${dataLen} bytes)`);
    let count = 1;
    for (const d of shape as number[]) count *= d;
    const want = count * DTYPE_BYTES[dtype];
    if (!Number.isSafeInteger(want) || end - begin !== want) {
      fail(`tensor '${name}' shape [${(shape as number[]).join(', ')}] ${dtype} needs ${want} bytes but data_offsets span ${end - begin}`);
    }
    entries.push({ name, dtype, shape: (shape as number[]).slice(), begin, end });
  }
  // Tensors must tile the data section exactly: overlaps would alias weights and gaps or
  // trailing bytes would be unauthenticated content a commitment would not cover.
  const sorted = entries.slice().sort((a, b) => a.begin - b.begin || a.end - b.end);
  let pos = 0;
  for (const e of sorted) {
    if (e.begin < pos) fail(`tensor '${e.name}' data overlaps the previous tensor`);
    if (e.begin > pos) fail(`gap of ${e.begin - pos} bytes before tensor '${e.name}'`);
    pos = e.end;
  }
  if (pos !== dataLen) fail(`${dataLen - pos} trailing bytes after the last tensor`);

  const tensors = new Map<string, SafetensorsTensor>();
  for (const e of entries) {
    const n = (e.end - e.begin) / DTYPE_BYTES[e.dtype];
    const data = new Float32Array(n);
    const off = dataStart + e.begin;
    if (e.dtype === 'F32') {
      for (let i = 0; i < n; i++) data[i] = dv.getFloat32(off + 4 * i, true);
    } else if (e.dtype === 'F16') {
      for (let i = 0; i < n; i++) data[i] = f16ToF32(dv.getUint16(off + 2 * i, true));
    } else {
      const u = new Uint32Array(data.buffer);
      for (let i = 0; i < n; i++) u[i] = dv.getUint16(off + 2 * i, true) << 16;
    }
    tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data });
  }
  return { tensors, metadata };
}

export function writeSafetensors(
  tensors: Readonly<Record<string, SafetensorsInput>>,
  metadata?: Readonly<Record<string, string>>,
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) header['__metadata__'] = { ...metadata };
  let offset = 0;
  const names = Object.keys(tensors).sort();
  for (const name of names) {
    const t = tensors[name]!;
    let count = 1;
    for (const d of t.shape) {
      if (!Number.isSafeInteger(d) || d < 0) throw new SafetensorsError(`tensor '${name}' has invalid shape [${t.shape.join(', ')}]`);
      count *= d;
    }
    if (count !== t.data.length) {
      throw new SafetensorsError(`tensor '${name}' shape [${t.shape.join(', ')}] needs ${count} values, got ${t.data.length}`);
    }
    if (!(t.dtype in DTYPE_BYTES)) throw new SafetensorsError(`tensor '${name}' has unsupported dtype '${String(t.dtype)}'`);
    const len = count * DTYPE_BYTES[t.dtype];
    header[name] = { dtype: t.dtype, shape: [...t.shape], data_offsets: [offset, offset + len] };
    offset += len;
  }
  let json = JSON.stringify(header);
  // Pad with spaces to an 8-byte boundary, as the reference implementation does, so the
  // data section is aligned for zero-copy readers.
  const enc = new TextEncoder();
  let hb = enc.encode(json);
  const pad = (8 - (hb.length % 8)) % 8;
  if (pad) {
    json += ' '.repeat(pad);
    hb = enc.encode(json);
  }
  const out = new Uint8Array(8 + hb.length + offset);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, hb.length, true);
  dv.setUint32(4, 0, true);
  out.set(hb, 8);
  let pos = 8 + hb.length;
  for (const name of names) {
    const t = tensors[name]!;
    const d = t.data;
    if (t.dtype === 'F32') {
      for (let i = 0; i < d.length; i++, pos += 4) dv.setFloat32(pos, d[i]!, true);
    } else if (t.dtype === 'F16') {
      for (let i = 0; i < d.length; i++, pos += 2) dv.setUint16(pos, f32ToF16(d[i]!), true);
    } else {
      for (let i = 0; i < d.length; i++, pos += 2) dv.setUint16(pos, f32ToBf16(d[i]!), true);
    }
  }
  return out;
}
