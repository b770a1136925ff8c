/**
 * Integer forward kernels. Every kernel is exact integer arithmetic on JS numbers
 * (exact below 2^53; all values stay below 2^30 by construction). Kernels return the
 * number of clamped outputs so the caller can count saturation.
 */
import { FIELD_HALF, FIELD_SAFE } from './field.js';
import type { LookupTable, RequantSpec } from './trace.js';

/** round(v / 2^s) with ties up; s = 0 is the identity. */
export function roundShift(v: number, s: number): number {
  if (s === 0) return v;
  const d = 2 ** s;
  return Math.floor((v + d / 2) / d);
}

/**
 * Builds a requant spec approximating y ≈ x·mult[c] for multipliers in (0, ∞), output
 * clamped to [lo, hi]. s1 keeps the pre-shift's rounding below ½ output unit for the
 * largest multiplier; s2 ≤ 16 is as large as the field bound q·max(m) ≤ FIELD_SAFE allows
 * (multiplier precision); q is large enough that the inner clamp never changes y.
 */
export function makeRequant(mult: ArrayLike<number>, lo: number, hi: number): RequantSpec {
  let mMax = 0;
  let mMin = Infinity;
  for (let i = 0; i < mult.length; i++) {
    const v = mult[i]!;
    if (!(v > 0) || !Number.isFinite(v)) throw new RangeError(`requant multiplier must be positive and finite, got ${v}`);
    if (v > mMax) mMax = v;
    if (v < mMin) mMin = v;
  }
  const s1 = Math.max(0, Math.min(16, Math.floor(Math.log2(1 / mMax)) - 1));
  const bound = Math.max(Math.abs(lo), Math.abs(hi));
  // |t| never exceeds this (inputs are within the field), so a larger q is vacuous.
  const tMax = Math.ceil(FIELD_HALF / 2 ** s1) + 1;
  for (let s2 = 16; s2 >= 0; s2--) {
    const m = new Int32Array(mult.length);
    let mi0 = Infinity;
    let mi1 = 0;
    let ok = true;
    for (let i = 0; i < mult.length; i++) {
      const mi = Math.round(mult[i]! * 2 ** (s1 + s2));
      if (mi < 1) {
        ok = false;
        break;
      }
      m[i] = mi;
      if (mi < mi0) mi0 = mi;
      if (mi > mi1) mi1 = mi;
    }
    if (!ok) continue;
    // q is the smallest clamp with q·min(m)/2^s2 > bound + 1/2: any |t| ≥ q rounds to a
    // saturated output in every channel, so the inner clamp never changes y.
    const q = Math.min(tMax, Math.ceil(((bound + 1) * 2 ** s2) / mi0) + 1);
    if (q * mi1 <= FIELD_SAFE) return { s1, q, m, s2, lo, hi };
  }
  throw new RangeError(`cannot represent requant multipliers [${mMin}, ${mMax}] within the field bound`);
}

/** Applies a requant spec; `x` has rows of length `cols` and m is per-tensor or per-column. */
export function requant(out: Int32Array, x: Int32Array, spec: RequantSpec, cols: number): number {
  const { s1, q, m, s2, lo, hi } = spec;
  const perCh = m.length > 1;
  const m0 = m[0]!;
  const d1 = 2 ** s1;
  const h1 = s1 === 0 ? 0 : d1 / 2;
  const d2 = 2 ** s2;
  const h2 = s2 === 0 ? 0 : d2 / 2;
  let sat = 0;
  for (let i = 0; i < x.length; i++) {
    let t = Math.floor((x[i]! + h1) / d1);
    if (t > q) t = q;
    else if (t < -q) t = -q;
    const mi = perCh ? m[i % cols]! : m0;
    let y = Math.floor((t * mi + h2) / d2);
    if (y > hi) {
      y = hi;
      sat++;
    } else if (y < lo) {
      y = lo;
      sat++;
    }
    out[i] = y;
  }
  return sat;
}

/** out[t, o] = Σ_i w[o, i]·x[t, i] + b[o]. */
export function matmulInt(
  out: Int32Array,
  w: Int8Array,
  x: Int32Array,
  T: number,
  rows: number,
  cols: number,
  bias: Int32Array | undefined,
): void {
  // Four tokens per pass over a weight row: each weight load feeds four accumulators.
  let t = 0;
  for (; t + 4 <= T; t += 4) {
    const x0 = t * cols;
    const x1 = x0 + cols;
    const x2 = x1 + cols;
    const x3 = x2 + cols;
    for (let o = 0; o < rows; o++) {
      const wo = o * cols;
      const b = bias === undefined ? 0 : bias[o]!;
      let a0 = b;
      let a1 = b;
      let a2 = b;
      let a3 = b;
      for (let i = 0; i < cols; i++) {
        const wv = w[wo + i]!;
        a0 += wv * x[x0 + i]!;
        a1 += wv * x[x1 + i]!;
        a2 += wv * x[x2 + i]!;
        a3 += wv * x[x3 + i]!;
      }
      out[t * rows + o] = a0;
      out[(t + 1) * rows + o] = a1;
      out[(t + 2) * rows + o] = a2;
      out[(t + 3) * rows + o] = a3;
    }
  }
  for (; t < T; t++) {
    const xo = t * cols;
    const oo = t * rows;
    for (let o = 0; o < rows; o++) {
      const wo = o * cols;
      let acc = bias === undefined ? 0 : bias[o]!;
      for (let i = 0; i < cols; i++) acc += w[wo + i]! * x[xo + i]!;
      out[oo + o] = acc;
    }
  }
}

export function lookup(out: Int32Array, x: Int32Array, table: LookupTable): void {
  const v = table.values;
  const min = table.inMin;
  const n = v.length;
  for (let i = 0; i < x.length; i++) {
    const j = x[i]! - min;
    if (j < 0 || j >= n) throw new RangeError(`lookup into ${table.name}: input ${x[i]} outside [${min}, ${min + n - 1}]`);
    out[i] = v[j]!;
  }
}

/** HF half-split RoPE on integer vectors with tables at 2^fr. Returns saturation count. */
export function ropeInt(
  out: Int32Array,
  x: Int32Array,
  positions: Int32Array,
  heads: number,
  hd: number,
  cos: Int32Array,
  sin: Int32Array,
  fr: number,
  clamp: number,
): number {
  const half = hd / 2;
  const width = heads * hd;
  let sat = 0;
  for (let t = 0; t < positions.length; t++) {
    const tb = positions[t]! * half;
    for (let h = 0; h < heads; h++) {
      const o = t * width + h * hd;
      for (let i = 0; i < half; i++) {
        const a = x[o + i]!;
        const b = x[o + i + half]!;
        const c = cos[tb + i]!;
        const s = sin[tb + i]!;
        let y0 = roundShift(a * c - b * s, fr);
        let y1 = roundShift(b * c + a * s, fr);
        if (y0 > clamp || y0 < -clamp) {
          y0 = y0 > 0 ? clamp : -clamp;
          sat++;
        }
        if (y1 > clamp || y1 < -clamp) {
          y1 = y1 > 0 ? clamp : -clamp;
          sat++;
        }
        out[o + i] = y0;
        out[o + i + half] = y1;
      }
    }
  }
  return sat;
}

/** Public RoPE tables C, S: [positions, hd/2] at scale 2^fr. */
export function ropeTables(maxPos: number, hd: number, theta: number, fr: number): { cos: Int32Array; sin: Int32Array } {
  const half = hd / 2;
  const cos = new Int32Array(maxPos * half);
  const sin = new Int32Array(maxPos * half);
  const one = 2 ** fr;
  for (let p = 0; p < maxPos; p++) {
    for (let i = 0; i < half; i++) {
      const ang = p * Math.pow(theta, (-2 * i) / hd);
      cos[p * half + i] = Math.round(Math.cos(ang) * one);
      sin[p * half + i] = Math.round(Math.sin(ang) * one);
    }
  }
  return { cos, sin };
}
