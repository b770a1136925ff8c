// Minimal safetensors writer: 8-byte little-endian header length, JSON header
// ({ name: { dtype, shape, data_offsets } , __metadata__ }), then little-endian raw data.
// Kept inside scripts/train so the trainer does not depend on packages/core.

function f32ToF16(val) {
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  f[0] = val;
  const x = u[0];
  const sign = (x >>> 16) & 0x8000;
  let exp = ((x >>> 23) & 0xff) - 127 + 15;
  let mant = x & 0x7fffff;
  if (((x >>> 23) & 0xff) === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  if (exp >= 0x1f) return sign | 0x7c00;
  if (exp <= 0) {
    if (exp < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - exp;
    let h = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rem > halfway || (rem === halfway && h & 1)) h++;
    return sign | h;
  }
  let h = (exp << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && h & 1)) h++;
  return sign | h;
}

/**
 * @param {Record<string, {dtype:'F32'|'F16', shape:number[], data: ArrayLike<number>}>} tensors
 * @param {Record<string,string>} metadata
 * @returns {Uint8Array}
 */
export function writeSafetensors(tensors, metadata = {}) {
  const names = Object.keys(tensors).sort();
  const header = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let off = 0;
  for (const n of names) {
    const t = tensors[n];
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) throw new Error(`${n}: shape ${t.shape} does not match ${t.data.length} values`);
    const bytes = count * (t.dtype === 'F16' ? 2 : 4);
    header[n] = { dtype: t.dtype, shape: t.shape, data_offsets: [off, off + bytes] };
    off += bytes;
  }
  let json = JSON.stringify(header);
  while ((8 + Buffer.byteLength(json)) % 8) json += ' '; // align data start to 8 bytes
  const hb = Buffer.from(json, 'utf8');
  const out = new Uint8Array(8 + hb.length + off);
  const dv = new DataView(out.buffer);
  dv.setBigUint64(0, BigInt(hb.length), true);
  out.set(hb, 8);
  let p = 8 + hb.length;
  for (const n of names) {
    const t = tensors[n];
    if (t.dtype === 'F32') {
      for (let i = 0; i < t.data.length; i++, p += 4) dv.setFloat32(p, t.data[i], true);
    } else if (t.dtype === 'F16') {
      for (let i = 0; i < t.data.length; i++, p += 2) dv.setUint16(p, f32ToF16(t.data[i]), true);
    } else throw new Error(`unsupported dtype ${t.dtype}`);
  }
  return out;
}

/** Reader (for round-trip checks in the training scripts). */
export function readSafetensors(buf) {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const n = Number(dv.getBigUint64(0, true));
  const header = JSON.parse(Buffer.from(buf.subarray(8, 8 + n)).toString('utf8'));
  const base = 8 + n;
  const out = {};
  for (const [name, h] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const [s, e] = h.data_offsets;
    if (h.dtype !== 'F32') throw new Error(`reader only handles F32 (got ${h.dtype})`);
    const data = new Float32Array((e - s) / 4);
    for (let i = 0; i < data.length; i++) data[i] = dv.getFloat32(base + s + 4 * i, true);
    out[name] = { dtype: h.dtype, shape: h.shape, data };
  }
  return out;
}
