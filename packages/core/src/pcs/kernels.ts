/**
 * Straight-line BabyBear-ext4 kernels (x^4 = w) of the PCS prover: table and coefficient
 * folds by a fixed challenge, eq-table expansion, and the degree-2 sumcheck round of Σ v·W.
 *
 * Why this shape (same conventions as sumcheck/prover.ts):
 * - The extension arithmetic is written out inline: V8 does not reliably inline a helper
 *   with six arguments into a hot loop, and a call per product costs more than the product.
 * - Products use the lazy remainder Math.imul(x, c) − Math.imul(⌊x·(c/p)⌋, p) with the quotient
 *   factor c/p precomputed when c is fixed for the whole loop (a challenge, w·challenge).
 *   For |x| < 2p and 0 ≤ c < p the double quotient is off by at most one, and only when the
 *   true remainder is within 2^12 of 0 or p, so a term lies in (−2^12, p + 2^12) (an int32)
 *   and multiplicands need not be canonical: differences enter unnormalised.
 * - A limb sums at most five such terms (< 2^34, exact in doubles) and is reduced once with
 *   the float quotient; the result is then almost always canonical, so the final
 *   conditional correction is well predicted.
 * - Additions and subtractions of canonical values are normalised branchlessly
 *   (`x += p & (x >> 31)`): on random field data a conditional correction is a coin flip
 *   for the branch predictor.
 * The kernels are BabyBear-specific only through `P` and `W_EXT`.
 */
import { BabyBear, BabyBearExt4 } from '@zkllm/verifier';
import { foldBase, foldExt } from '../sumcheck/prover.js';

const p = BabyBear.p;
const invP = BabyBear.invP;
const W_EXT = BabyBearExt4.w;

/** Canonical residue of an integer-valued double |x| < 2^52. */
function red(x: number): number {
  const r = x - Math.floor(x * invP) * p;
  return r < 0 ? r + p : r >= p ? r - p : r;
}

/**
 * dst[i] = src[2i] + r·(src[2i+1] − src[2i]) for an ext table src of 2·half entries (the
 * sumcheck prover's fold). dst may alias src (entry i is written after entries 2i, 2i+1 are read).
 */
export function foldExtTableBy(dst: Uint32Array, src: Uint32Array, half: number, r: Uint32Array): void {
  foldExt(src, dst, half, r, p, invP, W_EXT);
}

/** dst[i] = src[2i] + r·(src[2i+1] − src[2i]) for a base table src of 2·half entries; dst is ext. */
export function foldBaseTableBy(dst: Uint32Array, src: Uint32Array, half: number, r: Uint32Array): void {
  foldBase(src, dst, half, r, p, invP);
}

/** Monomial-coefficient fold of a base vector: dst[i] = c[2i] + r·c[2i+1] (dst ext). */
export function foldCoeffsBaseBy(dst: Uint32Array, c: Uint32Array, half: number, r: Uint32Array): void {
  const r0 = r[0]!, r1 = r[1]!, r2 = r[2]!, r3 = r[3]!;
  const q0 = r0 * invP, q1 = r1 * invP, q2 = r2 * invP, q3 = r3 * invP;
  for (let i = 0; i < half; i++) {
    const lo = c[2 * i]!;
    const h = c[2 * i + 1]!;
    const u = 4 * i;
    let x = lo + ((Math.imul(h, r0) - Math.imul(Math.floor(h * q0), p)) | 0);
    x -= Math.floor(x * invP) * p;
    dst[u] = x < 0 ? x + p : x >= p ? x - p : x;
    x = (Math.imul(h, r1) - Math.imul(Math.floor(h * q1), p)) | 0;
    dst[u + 1] = x < 0 ? x + p : x >= p ? x - p : x;
    x = (Math.imul(h, r2) - Math.imul(Math.floor(h * q2), p)) | 0;
    dst[u + 2] = x < 0 ? x + p : x >= p ? x - p : x;
    x = (Math.imul(h, r3) - Math.imul(Math.floor(h * q3), p)) | 0;
    dst[u + 3] = x < 0 ? x + p : x >= p ? x - p : x;
  }
}

/** Monomial-coefficient fold of an ext vector: dst[i] = c[2i] + r·c[2i+1]. dst may alias c. */
export function foldCoeffsExtBy(dst: Uint32Array, c: Uint32Array, half: number, r: Uint32Array): void {
  const r0 = r[0]!, r1 = r[1]!, r2 = r[2]!, r3 = r[3]!;
  const wr1 = red(W_EXT * r1), wr2 = red(W_EXT * r2), wr3 = red(W_EXT * r3);
  const q0 = r0 * invP, q1 = r1 * invP, q2 = r2 * invP, q3 = r3 * invP;
  const qw1 = wr1 * invP, qw2 = wr2 * invP, qw3 = wr3 * invP;
  for (let i = 0; i < half; i++) {
    const o = 8 * i;
    const l0 = c[o]!, l1 = c[o + 1]!, l2 = c[o + 2]!, l3 = c[o + 3]!;
    const h0 = c[o + 4]!, h1 = c[o + 5]!, h2 = c[o + 6]!, h3 = c[o + 7]!;
    let e0 = l0 + ((Math.imul(h0, r0) - Math.imul(Math.floor(h0 * q0), p)) | 0) + ((Math.imul(h1, wr3) - Math.imul(Math.floor(h1 * qw3), p)) | 0) + ((Math.imul(h2, wr2) - Math.imul(Math.floor(h2 * qw2), p)) | 0) + ((Math.imul(h3, wr1) - Math.imul(Math.floor(h3 * qw1), p)) | 0);
    e0 -= Math.floor(e0 * invP) * p;
    e0 = e0 < 0 ? e0 + p : e0 >= p ? e0 - p : e0;
    let e1 = l1 + ((Math.imul(h0, r1) - Math.imul(Math.floor(h0 * q1), p)) | 0) + ((Math.imul(h1, r0) - Math.imul(Math.floor(h1 * q0), p)) | 0) + ((Math.imul(h2, wr3) - Math.imul(Math.floor(h2 * qw3), p)) | 0) + ((Math.imul(h3, wr2) - Math.imul(Math.floor(h3 * qw2), p)) | 0);
    e1 -= Math.floor(e1 * invP) * p;
    e1 = e1 < 0 ? e1 + p : e1 >= p ? e1 - p : e1;
    let e2 = l2 + ((Math.imul(h0, r2) - Math.imul(Math.floor(h0 * q2), p)) | 0) + ((Math.imul(h1, r1) - Math.imul(Math.floor(h1 * q1), p)) | 0) + ((Math.imul(h2, r0) - Math.imul(Math.floor(h2 * q0), p)) | 0) + ((Math.imul(h3, wr3) - Math.imul(Math.floor(h3 * qw3), p)) | 0);
    e2 -= Math.floor(e2 * invP) * p;
    e2 = e2 < 0 ? e2 + p : e2 >= p ? e2 - p : e2;
    let e3 = l3 + ((Math.imul(h0, r3) - Math.imul(Math.floor(h0 * q3), p)) | 0) + ((Math.imul(h1, r2) - Math.imul(Math.floor(h1 * q2), p)) | 0) + ((Math.imul(h2, r1) - Math.imul(Math.floor(h2 * q1), p)) | 0) + ((Math.imul(h3, r0) - Math.imul(Math.floor(h3 * q0), p)) | 0);
    e3 -= Math.floor(e3 * invP) * p;
    e3 = e3 < 0 ? e3 + p : e3 >= p ? e3 - p : e3;
    const u = 4 * i;
    dst[u] = e0;
    dst[u + 1] = e1;
    dst[u + 2] = e2;
    dst[u + 3] = e3;
  }
}

/**
 * Writes scale · eq(z, ·) (ext table of 2^k entries, k = z.length / 4) into t[0 .. 4·2^k).
 * Level j doubles the table with the fixed factor z_j: t_hi = t_lo·z_j, t_lo −= t_hi.
 */
export function scaledEqTable(t: Uint32Array, z: Uint32Array, scale: Uint32Array): void {
  const k = z.length >>> 2;
  t[0] = scale[0]!;
  t[1] = scale[1]!;
  t[2] = scale[2]!;
  t[3] = scale[3]!;
  for (let lvl = 0; lvl < k; lvl++) {
    const zo = 4 * lvl;
    const r0 = z[zo]!, r1 = z[zo + 1]!, r2 = z[zo + 2]!, r3 = z[zo + 3]!;
    const wr1 = red(W_EXT * r1), wr2 = red(W_EXT * r2), wr3 = red(W_EXT * r3);
    const q0 = r0 * invP, q1 = r1 * invP, q2 = r2 * invP, q3 = r3 * invP;
    const qw1 = wr1 * invP, qw2 = wr2 * invP, qw3 = wr3 * invP;
    const size = 1 << lvl;
    for (let j = 0; j < size; j++) {
      const lo = 4 * j;
      const hi = 4 * (j + size);
      const l0 = t[lo]!, l1 = t[lo + 1]!, l2 = t[lo + 2]!, l3 = t[lo + 3]!;
      let e0 = ((Math.imul(l0, r0) - Math.imul(Math.floor(l0 * q0), p)) | 0) + ((Math.imul(l1, wr3) - Math.imul(Math.floor(l1 * qw3), p)) | 0) + ((Math.imul(l2, wr2) - Math.imul(Math.floor(l2 * qw2), p)) | 0) + ((Math.imul(l3, wr1) - Math.imul(Math.floor(l3 * qw1), p)) | 0);
      e0 -= Math.floor(e0 * invP) * p;
      e0 = e0 < 0 ? e0 + p : e0 >= p ? e0 - p : e0;
      let e1 = ((Math.imul(l0, r1) - Math.imul(Math.floor(l0 * q1), p)) | 0) + ((Math.imul(l1, r0) - Math.imul(Math.floor(l1 * q0), p)) | 0) + ((Math.imul(l2, wr3) - Math.imul(Math.floor(l2 * qw3), p)) | 0) + ((Math.imul(l3, wr2) - Math.imul(Math.floor(l3 * qw2), p)) | 0);
      e1 -= Math.floor(e1 * invP) * p;
      e1 = e1 < 0 ? e1 + p : e1 >= p ? e1 - p : e1;
      let e2 = ((Math.imul(l0, r2) - Math.imul(Math.floor(l0 * q2), p)) | 0) + ((Math.imul(l1, r1) - Math.imul(Math.floor(l1 * q1), p)) | 0) + ((Math.imul(l2, r0) - Math.imul(Math.floor(l2 * q0), p)) | 0) + ((Math.imul(l3, wr3) - Math.imul(Math.floor(l3 * qw3), p)) | 0);
      e2 -= Math.floor(e2 * invP) * p;
      e2 = e2 < 0 ? e2 + p : e2 >= p ? e2 - p : e2;
      let e3 = ((Math.imul(l0, r3) - Math.imul(Math.floor(l0 * q3), p)) | 0) + ((Math.imul(l1, r2) - Math.imul(Math.floor(l1 * q2), p)) | 0) + ((Math.imul(l2, r1) - Math.imul(Math.floor(l2 * q1), p)) | 0) + ((Math.imul(l3, r0) - Math.imul(Math.floor(l3 * q0), p)) | 0);
      e3 -= Math.floor(e3 * invP) * p;
      e3 = e3 < 0 ? e3 + p : e3 >= p ? e3 - p : e3;
      t[hi] = e0;
      t[hi + 1] = e1;
      t[hi + 2] = e2;
      t[hi + 3] = e3;
      let x = l0 - e0;
      t[lo] = x + (p & (x >> 31));
      x = l1 - e1;
      t[lo + 1] = x + (p & (x >> 31));
      x = l2 - e2;
      t[lo + 2] = x + (p & (x >> 31));
      x = l3 - e3;
      t[lo + 3] = x + (p & (x >> 31));
    }
  }
}

/** W[off ..] += t (ext or base vectors of canonical values). */
export function addInto(W: Uint32Array, off: number, t: Uint32Array): void {
  for (let i = 0; i < t.length; i++) {
    const x = W[off + i]! + t[i]! - p;
    W[off + i] = x + (p & (x >> 31));
  }
}

// Round kernels: accumulators take values in (−2^12, p + 2^12), at most four per limb per
// pair, so limb sums stay exact (< 2^53) for 2^19 pairs between reductions.
const REDUCE_MASK = (1 << 19) - 1;

/** g(0), g(2) of Σ v·W for a base table v (2·half entries) and an ext table W. Writes 8 limbs to out. */
export function roundPolyBaseInto(out: Uint32Array, v: Uint32Array, W: Uint32Array, half: number): void {
  let a0 = 0, a1 = 0, a2 = 0, a3 = 0, b0 = 0, b1 = 0, b2 = 0, b3 = 0;
  for (let i = 0; i < half; i++) {
    const v0 = v[2 * i]!;
    // 2·v1 − v0 = v1 + (v1 − v0), canonical (each step stays in int32 range for the
    // branchless fix); the W differences stay in (−p, 2p) (see header).
    const v1 = v[2 * i + 1]!;
    let dv = v1 - v0;
    dv += p & (dv >> 31);
    dv += v1 - p;
    dv += p & (dv >> 31);
    const qv = v0 * invP;
    const qd = dv * invP;
    const o = 8 * i;
    const w0 = W[o]!, w1 = W[o + 1]!, w2 = W[o + 2]!, w3 = W[o + 3]!;
    a0 += (Math.imul(w0, v0) - Math.imul(Math.floor(w0 * qv), p)) | 0;
    a1 += (Math.imul(w1, v0) - Math.imul(Math.floor(w1 * qv), p)) | 0;
    a2 += (Math.imul(w2, v0) - Math.imul(Math.floor(w2 * qv), p)) | 0;
    a3 += (Math.imul(w3, v0) - Math.imul(Math.floor(w3 * qv), p)) | 0;
    const f0 = 2 * W[o + 4]! - w0, f1 = 2 * W[o + 5]! - w1, f2 = 2 * W[o + 6]! - w2, f3 = 2 * W[o + 7]! - w3;
    b0 += (Math.imul(f0, dv) - Math.imul(Math.floor(f0 * qd), p)) | 0;
    b1 += (Math.imul(f1, dv) - Math.imul(Math.floor(f1 * qd), p)) | 0;
    b2 += (Math.imul(f2, dv) - Math.imul(Math.floor(f2 * qd), p)) | 0;
    b3 += (Math.imul(f3, dv) - Math.imul(Math.floor(f3 * qd), p)) | 0;
    if ((i & REDUCE_MASK) === REDUCE_MASK) {
      a0 = red(a0); a1 = red(a1); a2 = red(a2); a3 = red(a3);
      b0 = red(b0); b1 = red(b1); b2 = red(b2); b3 = red(b3);
    }
  }
  out[0] = red(a0); out[1] = red(a1); out[2] = red(a2); out[3] = red(a3);
  out[4] = red(b0); out[5] = red(b1); out[6] = red(b2); out[7] = red(b3);
}

/**
 * g(0), g(2) of Σ v·W for ext tables of 2·half entries. The w-multiplied parts of the
 * products are accumulated separately (AW, BW) and multiplied by w once at the end.
 */
export function roundPolyExtInto(out: Uint32Array, v: Uint32Array, W: Uint32Array, half: number): void {
  let A0 = 0, A1 = 0, A2 = 0, A3 = 0, AW0 = 0, AW1 = 0, AW2 = 0;
  let B0 = 0, B1 = 0, B2 = 0, B3 = 0, BW0 = 0, BW1 = 0, BW2 = 0;
  for (let i = 0; i < half; i++) {
    const o = 8 * i;
    const a0 = v[o]!, a1 = v[o + 1]!, a2 = v[o + 2]!, a3 = v[o + 3]!;
    const b0 = W[o]!, b1 = W[o + 1]!, b2 = W[o + 2]!, b3 = W[o + 3]!;
    const qa0 = a0 * invP, qa1 = a1 * invP, qa2 = a2 * invP, qa3 = a3 * invP;
    A0 += ((Math.imul(a0, b0) - Math.imul(Math.floor(b0 * qa0), p)) | 0);
    AW0 += ((Math.imul(a1, b3) - Math.imul(Math.floor(b3 * qa1), p)) | 0) + ((Math.imul(a2, b2) - Math.imul(Math.floor(b2 * qa2), p)) | 0) + ((Math.imul(a3, b1) - Math.imul(Math.floor(b1 * qa3), p)) | 0);
    A1 += ((Math.imul(a0, b1) - Math.imul(Math.floor(b1 * qa0), p)) | 0) + ((Math.imul(a1, b0) - Math.imul(Math.floor(b0 * qa1), p)) | 0);
    AW1 += ((Math.imul(a2, b3) - Math.imul(Math.floor(b3 * qa2), p)) | 0) + ((Math.imul(a3, b2) - Math.imul(Math.floor(b2 * qa3), p)) | 0);
    A2 += ((Math.imul(a0, b2) - Math.imul(Math.floor(b2 * qa0), p)) | 0) + ((Math.imul(a1, b1) - Math.imul(Math.floor(b1 * qa1), p)) | 0) + ((Math.imul(a2, b0) - Math.imul(Math.floor(b0 * qa2), p)) | 0);
    AW2 += ((Math.imul(a3, b3) - Math.imul(Math.floor(b3 * qa3), p)) | 0);
    A3 += ((Math.imul(a0, b3) - Math.imul(Math.floor(b3 * qa0), p)) | 0) + ((Math.imul(a1, b2) - Math.imul(Math.floor(b2 * qa1), p)) | 0) + ((Math.imul(a2, b1) - Math.imul(Math.floor(b1 * qa2), p)) | 0) + ((Math.imul(a3, b0) - Math.imul(Math.floor(b0 * qa3), p)) | 0);
    // 2·v_hi − v_lo = v_hi + (v_hi − v_lo), canonical (it carries the quotients);
    // 2·W_hi − W_lo stays in (−p, 2p).
    const h0 = v[o + 4]!, h1 = v[o + 5]!, h2 = v[o + 6]!, h3 = v[o + 7]!;
    let c0 = h0 - a0, c1 = h1 - a1, c2 = h2 - a2, c3 = h3 - a3;
    c0 += p & (c0 >> 31); c0 += h0 - p; c0 += p & (c0 >> 31);
    c1 += p & (c1 >> 31); c1 += h1 - p; c1 += p & (c1 >> 31);
    c2 += p & (c2 >> 31); c2 += h2 - p; c2 += p & (c2 >> 31);
    c3 += p & (c3 >> 31); c3 += h3 - p; c3 += p & (c3 >> 31);
    const f0 = 2 * W[o + 4]! - b0, f1 = 2 * W[o + 5]! - b1, f2 = 2 * W[o + 6]! - b2, f3 = 2 * W[o + 7]! - b3;
    const qc0 = c0 * invP, qc1 = c1 * invP, qc2 = c2 * invP, qc3 = c3 * invP;
    B0 += ((Math.imul(c0, f0) - Math.imul(Math.floor(f0 * qc0), p)) | 0);
    BW0 += ((Math.imul(c1, f3) - Math.imul(Math.floor(f3 * qc1), p)) | 0) + ((Math.imul(c2, f2) - Math.imul(Math.floor(f2 * qc2), p)) | 0) + ((Math.imul(c3, f1) - Math.imul(Math.floor(f1 * qc3), p)) | 0);
    B1 += ((Math.imul(c0, f1) - Math.imul(Math.floor(f1 * qc0), p)) | 0) + ((Math.imul(c1, f0) - Math.imul(Math.floor(f0 * qc1), p)) | 0);
    BW1 += ((Math.imul(c2, f3) - Math.imul(Math.floor(f3 * qc2), p)) | 0) + ((Math.imul(c3, f2) - Math.imul(Math.floor(f2 * qc3), p)) | 0);
    B2 += ((Math.imul(c0, f2) - Math.imul(Math.floor(f2 * qc0), p)) | 0) + ((Math.imul(c1, f1) - Math.imul(Math.floor(f1 * qc1), p)) | 0) + ((Math.imul(c2, f0) - Math.imul(Math.floor(f0 * qc2), p)) | 0);
    BW2 += ((Math.imul(c3, f3) - Math.imul(Math.floor(f3 * qc3), p)) | 0);
    B3 += ((Math.imul(c0, f3) - Math.imul(Math.floor(f3 * qc0), p)) | 0) + ((Math.imul(c1, f2) - Math.imul(Math.floor(f2 * qc1), p)) | 0) + ((Math.imul(c2, f1) - Math.imul(Math.floor(f1 * qc2), p)) | 0) + ((Math.imul(c3, f0) - Math.imul(Math.floor(f0 * qc3), p)) | 0);
    if ((i & REDUCE_MASK) === REDUCE_MASK) {
      A0 = red(A0); A1 = red(A1); A2 = red(A2); A3 = red(A3); AW0 = red(AW0); AW1 = red(AW1); AW2 = red(AW2);
      B0 = red(B0); B1 = red(B1); B2 = red(B2); B3 = red(B3); BW0 = red(BW0); BW1 = red(BW1); BW2 = red(BW2);
    }
  }
  out[0] = red(red(A0) + W_EXT * red(AW0));
  out[1] = red(red(A1) + W_EXT * red(AW1));
  out[2] = red(red(A2) + W_EXT * red(AW2));
  out[3] = red(A3);
  out[4] = red(red(B0) + W_EXT * red(BW0));
  out[5] = red(red(B1) + W_EXT * red(BW1));
  out[6] = red(red(B2) + W_EXT * red(BW2));
  out[7] = red(B3);
}
