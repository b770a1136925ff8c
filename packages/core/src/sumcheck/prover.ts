/**
 * Generic sumcheck prover for sums of products of multilinear polynomials:
 *
 *     Σ_{x ∈ {0,1}^n}  Σ_t c_t · Π_{k ∈ S_t} f_k(x)  =  claim,   degree d = max |S_t| ≤ 4.
 *
 * The verifier side (message types, codec, transcript schedule, checks) lives in
 * `@zkllm/verifier` (`sumcheck/`); this file follows its schedule exactly.
 *
 * Performance notes (this is the prover's hot loop):
 * - Tables are typed arrays; the caller's tables are never mutated: the first fold writes
 *   into fresh half-size ext arrays, later folds work in place.
 * - Base-field tables stay in the base field for round 0 (products of base values cost one
 *   base multiplication) and are folded into the extension with the first challenge.
 * - Multiplications use a lazily reduced remainder (see `mm`), so sums of a few products
 *   need one reduction; folds by a fixed challenge precompute w·r_k and r_k/p.
 * - A single product of 2 or 3 distinct tables (any base/ext mix) has dedicated kernels
 *   with the extension arithmetic written out inline (V8 does not inline the helpers
 *   reliably): fold and next-round evaluation are fused in one pass. For all-base tables,
 *   round 1 is computed from the unfolded base tables (each factor is a_t + r_0·b_t with
 *   base a_t, b_t, so the product's coefficients in r_0 are base-field sums — the
 *   "small-value" optimisation) and round 2 folds x_0 and x_1 in one base → ext pass.
 *   Every other statement goes through one generic kernel (base factors multiplied in the
 *   base field first). Tests check that all paths produce byte-identical proofs.
 */
import {
  BabyBearExt4,
  MAX_SUMCHECK_DEGREE,
  MAX_SUMCHECK_VARS,
  SUMCHECK_CHALLENGE_LABEL,
  SUMCHECK_FINAL_LABEL,
  SUMCHECK_ROUND_LABEL,
  SumcheckError,
  absorbSumcheckHeader,
  absorbSumcheckTerms,
  evalSumcheckTerms,
  interpolateAt,
  sumcheckDegree,
  type Ext,
  type QuarticExtension,
  type SumcheckProof,
  type SumcheckTerm,
  type Transcript,
} from '@zkllm/verifier';
import { parallelFor, proverThreads, sharedF64, sharedU32Views, toShared, toSharedAll, type KernelBundle } from '../parallel/pool.js';

/**
 * A multilinear polynomial as its evaluation table over {0,1}^n (entry i ↔ x_k = bit k of
 * i). Base tables hold 2^n canonical base-field values, ext tables 4·2^n limbs.
 */
export type MleTable =
  | { readonly kind: 'base'; readonly data: Uint32Array }
  | { readonly kind: 'ext'; readonly data: Uint32Array };

export interface SumcheckInput {
  /** Number of variables n. */
  readonly numVars: number;
  /** The tables f_k, each with 2^n entries. Not modified. */
  readonly tables: readonly MleTable[];
  /** Terms c_t · Π_{k ∈ S_t} f_k; indices into `tables`, repeats allowed, |S_t| ≤ 4. */
  readonly terms: readonly SumcheckTerm[];
  /** The sum, if the caller knows it; otherwise the prover computes it (returned as `claim`). */
  readonly claim?: Ext;
  /** Degree per variable; defaults to max(1, max |S_t|). Must match the verifier's. */
  readonly degree?: number;
}

export interface SumcheckProverOptions {
  /** Extension field (must match the transcript's). Default BabyBearExt4. */
  readonly ext?: QuarticExtension;
  /** 'generic' disables the specialised product kernels (tests / comparisons). */
  readonly kernel?: 'auto' | 'generic';
}

export interface SumcheckRoundsOutput {
  /** Round messages s_i(0), s_i(2..d). */
  readonly roundMessages: Uint32Array[];
  /** Challenges r_0..r_{n−1} (ext vector, 4n). */
  readonly point: Uint32Array;
  /** f_k(point) for every table (ext vector, 4·numTables). Not absorbed by this function. */
  readonly finalEvals: Uint32Array;
  /** The sum that was proven. */
  readonly claim: Ext;
  /** Σ_t c_t Π_k finalEvals[k] (= the claim left after the last round). */
  readonly finalClaim: Ext;
}

export interface SumcheckProverOutput {
  readonly proof: SumcheckProof;
  /** Challenges r_0..r_{n−1} (ext vector, 4n). */
  readonly point: Uint32Array;
  /** f_k(point) for every table (ext vector, 4·numTables) — what the verifier returns too. */
  readonly finalEvals: Uint32Array;
  /** The sum that was proven (the given claim, or the computed one). */
  readonly claim: Ext;
}

// ---------------------------------------------------------------------------------------
// Arithmetic helpers (small, monomorphic; V8 inlines them into the kernels).

/**
 * x·y mod p up to one multiple of p: returns a value in (−2^10, p + 2^10) congruent to x·y.
 * Valid for integers |x|, |y| < 2^31 with |x·y| < 2^62: the double quotient estimate is
 * off by at most one and only when the true remainder lies within 2^10 of 0 or p, and the
 * remainder is recovered exactly mod 2^32 with Math.imul (it fits an int32).
 */
export function mm(x: number, y: number, p: number, invP: number): number {
  return (Math.imul(x, y) - Math.imul(Math.floor(x * y * invP), p)) | 0;
}

/** Canonical residue of an integer-valued double |x| < 2^52. */
export function red(x: number, p: number, invP: number): number {
  const r = x - Math.floor(x * invP) * p;
  return r < 0 ? r + p : r >= p ? r - p : r;
}

/** prev + diff mod p for canonical inputs: the next point of a line t ↦ lo + t·(hi − lo). */
export function step(prev: number, diff: number, p: number): number {
  const s = prev + diff - p;
  return s + (p & (s >> 31));
}

// ---------------------------------------------------------------------------------------
// Folds: bind the lowest variable to r. dst may alias src for ext → ext.

/** Binds the lowest variable of a base table to r: dst[i] = src[2i] + r·(src[2i+1] − src[2i]) (ext). Also the PCS prover's fold. */
export function foldBase(src: Uint32Array, dst: Uint32Array, half: number, r: Ext, p: number, invP: number): void {
  const r0 = r[0]!, r1 = r[1]!, r2 = r[2]!, r3 = r[3]!;
  const q0 = r0 * invP, q1 = r1 * invP, q2 = r2 * invP, q3 = r3 * invP;
  for (let i = 0; i < half; i++) {
    const lo = src[2 * i]!;
    let d = src[2 * i + 1]! - lo;
    d += p & (d >> 31);
    const o = 4 * i;
    let x = lo + ((Math.imul(d, r0) - Math.imul(Math.floor(d * q0), p)) | 0);
    x -= Math.floor(x * invP) * p;
    dst[o] = x < 0 ? x + p : x >= p ? x - p : x;
    x = (Math.imul(d, r1) - Math.imul(Math.floor(d * q1), p)) | 0;
    dst[o + 1] = x < 0 ? x + p : x >= p ? x - p : x;
    x = (Math.imul(d, r2) - Math.imul(Math.floor(d * q2), p)) | 0;
    dst[o + 2] = x < 0 ? x + p : x >= p ? x - p : x;
    x = (Math.imul(d, r3) - Math.imul(Math.floor(d * q3), p)) | 0;
    dst[o + 3] = x < 0 ? x + p : x >= p ? x - p : x;
  }
}

/** The same for an ext table; dst may alias src. Also the PCS prover's fold. */
export function foldExt(src: Uint32Array, dst: Uint32Array, half: number, r: Ext, p: number, invP: number, w: number): void {
  const r0 = r[0]!, r1 = r[1]!, r2 = r[2]!, r3 = r[3]!;
  const wr1 = red(w * r1, p, invP), wr2 = red(w * r2, p, invP), wr3 = red(w * r3, p, invP);
  const q0 = r0 * invP, q1 = r1 * invP, q2 = r2 * invP, q3 = r3 * invP;
  const qw1 = wr1 * invP, qw2 = wr2 * invP, qw3 = wr3 * invP;
  for (let i = 0; i < half; i++) {
    const el0 = src[8 * i + 0]!, el1 = src[8 * i + 1]!, el2 = src[8 * i + 2]!, el3 = src[8 * i + 3]!;
    let ed0 = src[8 * i + 4]! - el0, ed1 = src[8 * i + 5]! - el1, ed2 = src[8 * i + 6]! - el2, ed3 = src[8 * i + 7]! - el3;
    ed0 += p & (ed0 >> 31);
    ed1 += p & (ed1 >> 31);
    ed2 += p & (ed2 >> 31);
    ed3 += p & (ed3 >> 31);
    let e0 = el0 + ((Math.imul(ed0, r0) - Math.imul(Math.floor(ed0 * q0), p)) | 0) + ((Math.imul(ed1, wr3) - Math.imul(Math.floor(ed1 * qw3), p)) | 0) + ((Math.imul(ed2, wr2) - Math.imul(Math.floor(ed2 * qw2), p)) | 0) + ((Math.imul(ed3, wr1) - Math.imul(Math.floor(ed3 * qw1), p)) | 0);
    e0 -= Math.floor(e0 * invP) * p;
    e0 = e0 < 0 ? e0 + p : e0 >= p ? e0 - p : e0;
    let e1 = el1 + ((Math.imul(ed0, r1) - Math.imul(Math.floor(ed0 * q1), p)) | 0) + ((Math.imul(ed1, r0) - Math.imul(Math.floor(ed1 * q0), p)) | 0) + ((Math.imul(ed2, wr3) - Math.imul(Math.floor(ed2 * qw3), p)) | 0) + ((Math.imul(ed3, wr2) - Math.imul(Math.floor(ed3 * qw2), p)) | 0);
    e1 -= Math.floor(e1 * invP) * p;
    e1 = e1 < 0 ? e1 + p : e1 >= p ? e1 - p : e1;
    let e2 = el2 + ((Math.imul(ed0, r2) - Math.imul(Math.floor(ed0 * q2), p)) | 0) + ((Math.imul(ed1, r1) - Math.imul(Math.floor(ed1 * q1), p)) | 0) + ((Math.imul(ed2, r0) - Math.imul(Math.floor(ed2 * q0), p)) | 0) + ((Math.imul(ed3, wr3) - Math.imul(Math.floor(ed3 * qw3), p)) | 0);
    e2 -= Math.floor(e2 * invP) * p;
    e2 = e2 < 0 ? e2 + p : e2 >= p ? e2 - p : e2;
    let e3 = el3 + ((Math.imul(ed0, r3) - Math.imul(Math.floor(ed0 * q3), p)) | 0) + ((Math.imul(ed1, r2) - Math.imul(Math.floor(ed1 * q2), p)) | 0) + ((Math.imul(ed2, r1) - Math.imul(Math.floor(ed2 * q1), p)) | 0) + ((Math.imul(ed3, r0) - Math.imul(Math.floor(ed3 * q0), p)) | 0);
    e3 -= Math.floor(e3 * invP) * p;
    e3 = e3 < 0 ? e3 + p : e3 >= p ? e3 - p : e3;
    dst[4 * i] = e0;
    dst[4 * i + 1] = e1;
    dst[4 * i + 2] = e2;
    dst[4 * i + 3] = e3;
  }
}

// ---------------------------------------------------------------------------------------
// Kernels. Each writes Σ over pairs of the product at t = 0..d into acc (Float64Array of
// 4(d+1) unreduced limb sums; t = 1 only when `withOne`). Limb sums of canonical values
// stay exact for 2^21 additions; kernels reduce every 2^20 pairs.

export const REDUCE_MASK = 0xfffff;

export function reduceAcc(acc: Float64Array, p: number, invP: number): void {
  for (let i = 0; i < acc.length; i++) acc[i] = red(acc[i]!, p, invP);
}

/*
 * The kernels below are generated (a small script expands extension multiplications and
 * folds into straight-line code): V8 does not reliably inline helper calls with a dozen
 * arguments, and the inlined form is ~2× faster. Each `Math.imul(x, y) − Math.imul(⌊x·(y/p)⌋, p)`
 * is the lazy remainder of `mm` with the quotient factor y/p (or x/p) precomputed; its error
 * bound is the same up to a factor 2 (the value lies in (−2^11, p + 2^11)).
 * Normalisations of values in (−p, p) are branchless (`x += p & (x >> 31)`): on random
 * field data a conditional `if (x < 0) x += p` is a coin flip for the branch predictor,
 * and the branchless form halves the kernels' running time.
 * Fused kernels fold src → dst (dst may alias src: entry 2j+1 is written after entries
 * 4j..4j+3 are read) and evaluate the folded pair in the same pass.
 */

// ---- BEGIN GENERATED KERNELS (inlined extension arithmetic; see the note above) ----

/** Product of 2 ext tables (no fold): `n` pairs; t = 1 only if withOne. */
function evalProd2Ext(fs: Uint32Array, gs: Uint32Array, n: number, withOne: boolean, acc: Float64Array, p: number, invP: number, w: number): void {
  let s0_0 = 0, s0_1 = 0, s0_2 = 0, s0_3 = 0, s1_0 = 0, s1_1 = 0, s1_2 = 0, s1_3 = 0, s2_0 = 0, s2_1 = 0, s2_2 = 0, s2_3 = 0;
  for (let j = 0; j < n; j++) {
    const fA0 = fs[8 * j + 0]!, fA1 = fs[8 * j + 1]!, fA2 = fs[8 * j + 2]!, fA3 = fs[8 * j + 3]!;
    const fB0 = fs[8 * j + 4]!, fB1 = fs[8 * j + 5]!, fB2 = fs[8 * j + 6]!, fB3 = fs[8 * j + 7]!;
    let fPd0 = fB0 - fA0, fPd1 = fB1 - fA1, fPd2 = fB2 - fA2, fPd3 = fB3 - fA3;
    fPd0 += p & (fPd0 >> 31);
    fPd1 += p & (fPd1 >> 31);
    fPd2 += p & (fPd2 >> 31);
    fPd3 += p & (fPd3 >> 31);
    let fP2_0 = fB0 + fPd0, fP2_1 = fB1 + fPd1, fP2_2 = fB2 + fPd2, fP2_3 = fB3 + fPd3;
    fP2_0 -= p;
    fP2_0 += p & (fP2_0 >> 31);
    fP2_1 -= p;
    fP2_1 += p & (fP2_1 >> 31);
    fP2_2 -= p;
    fP2_2 += p & (fP2_2 >> 31);
    fP2_3 -= p;
    fP2_3 += p & (fP2_3 >> 31);
    const gA0 = gs[8 * j + 0]!, gA1 = gs[8 * j + 1]!, gA2 = gs[8 * j + 2]!, gA3 = gs[8 * j + 3]!;
    const gB0 = gs[8 * j + 4]!, gB1 = gs[8 * j + 5]!, gB2 = gs[8 * j + 6]!, gB3 = gs[8 * j + 7]!;
    let gPd0 = gB0 - gA0, gPd1 = gB1 - gA1, gPd2 = gB2 - gA2, gPd3 = gB3 - gA3;
    gPd0 += p & (gPd0 >> 31);
    gPd1 += p & (gPd1 >> 31);
    gPd2 += p & (gPd2 >> 31);
    gPd3 += p & (gPd3 >> 31);
    let gP2_0 = gB0 + gPd0, gP2_1 = gB1 + gPd1, gP2_2 = gB2 + gPd2, gP2_3 = gB3 + gPd3;
    gP2_0 -= p;
    gP2_0 += p & (gP2_0 >> 31);
    gP2_1 -= p;
    gP2_1 += p & (gP2_1 >> 31);
    gP2_2 -= p;
    gP2_2 += p & (gP2_2 >> 31);
    gP2_3 -= p;
    gP2_3 += p & (gP2_3 >> 31);
    const qm00_0 = fA0 * invP, qm00_1 = fA1 * invP, qm00_2 = fA2 * invP, qm00_3 = fA3 * invP;
    let m00_0 = ((Math.imul(fA0, gA0) - Math.imul(Math.floor(qm00_0 * gA0), p)) | 0) + w * (((Math.imul(fA1, gA3) - Math.imul(Math.floor(qm00_1 * gA3), p)) | 0) + ((Math.imul(fA2, gA2) - Math.imul(Math.floor(qm00_2 * gA2), p)) | 0) + ((Math.imul(fA3, gA1) - Math.imul(Math.floor(qm00_3 * gA1), p)) | 0));
    let m00_1 = ((Math.imul(fA0, gA1) - Math.imul(Math.floor(qm00_0 * gA1), p)) | 0) + ((Math.imul(fA1, gA0) - Math.imul(Math.floor(qm00_1 * gA0), p)) | 0) + w * (((Math.imul(fA2, gA3) - Math.imul(Math.floor(qm00_2 * gA3), p)) | 0) + ((Math.imul(fA3, gA2) - Math.imul(Math.floor(qm00_3 * gA2), p)) | 0));
    let m00_2 = ((Math.imul(fA0, gA2) - Math.imul(Math.floor(qm00_0 * gA2), p)) | 0) + ((Math.imul(fA1, gA1) - Math.imul(Math.floor(qm00_1 * gA1), p)) | 0) + ((Math.imul(fA2, gA0) - Math.imul(Math.floor(qm00_2 * gA0), p)) | 0) + w * ((Math.imul(fA3, gA3) - Math.imul(Math.floor(qm00_3 * gA3), p)) | 0);
    let m00_3 = ((Math.imul(fA0, gA3) - Math.imul(Math.floor(qm00_0 * gA3), p)) | 0) + ((Math.imul(fA1, gA2) - Math.imul(Math.floor(qm00_1 * gA2), p)) | 0) + ((Math.imul(fA2, gA1) - Math.imul(Math.floor(qm00_2 * gA1), p)) | 0) + ((Math.imul(fA3, gA0) - Math.imul(Math.floor(qm00_3 * gA0), p)) | 0);
    m00_0 -= Math.floor(m00_0 * invP) * p;
    m00_0 = m00_0 < 0 ? m00_0 + p : m00_0 >= p ? m00_0 - p : m00_0;
    m00_1 -= Math.floor(m00_1 * invP) * p;
    m00_1 = m00_1 < 0 ? m00_1 + p : m00_1 >= p ? m00_1 - p : m00_1;
    m00_2 -= Math.floor(m00_2 * invP) * p;
    m00_2 = m00_2 < 0 ? m00_2 + p : m00_2 >= p ? m00_2 - p : m00_2;
    m00_3 -= Math.floor(m00_3 * invP) * p;
    m00_3 = m00_3 < 0 ? m00_3 + p : m00_3 >= p ? m00_3 - p : m00_3;
    s0_0 += m00_0;
    s0_1 += m00_1;
    s0_2 += m00_2;
    s0_3 += m00_3;
    if (withOne) {
      const qm10_0 = fB0 * invP, qm10_1 = fB1 * invP, qm10_2 = fB2 * invP, qm10_3 = fB3 * invP;
      let m10_0 = ((Math.imul(fB0, gB0) - Math.imul(Math.floor(qm10_0 * gB0), p)) | 0) + w * (((Math.imul(fB1, gB3) - Math.imul(Math.floor(qm10_1 * gB3), p)) | 0) + ((Math.imul(fB2, gB2) - Math.imul(Math.floor(qm10_2 * gB2), p)) | 0) + ((Math.imul(fB3, gB1) - Math.imul(Math.floor(qm10_3 * gB1), p)) | 0));
      let m10_1 = ((Math.imul(fB0, gB1) - Math.imul(Math.floor(qm10_0 * gB1), p)) | 0) + ((Math.imul(fB1, gB0) - Math.imul(Math.floor(qm10_1 * gB0), p)) | 0) + w * (((Math.imul(fB2, gB3) - Math.imul(Math.floor(qm10_2 * gB3), p)) | 0) + ((Math.imul(fB3, gB2) - Math.imul(Math.floor(qm10_3 * gB2), p)) | 0));
      let m10_2 = ((Math.imul(fB0, gB2) - Math.imul(Math.floor(qm10_0 * gB2), p)) | 0) + ((Math.imul(fB1, gB1) - Math.imul(Math.floor(qm10_1 * gB1), p)) | 0) + ((Math.imul(fB2, gB0) - Math.imul(Math.floor(qm10_2 * gB0), p)) | 0) + w * ((Math.imul(fB3, gB3) - Math.imul(Math.floor(qm10_3 * gB3), p)) | 0);
      let m10_3 = ((Math.imul(fB0, gB3) - Math.imul(Math.floor(qm10_0 * gB3), p)) | 0) + ((Math.imul(fB1, gB2) - Math.imul(Math.floor(qm10_1 * gB2), p)) | 0) + ((Math.imul(fB2, gB1) - Math.imul(Math.floor(qm10_2 * gB1), p)) | 0) + ((Math.imul(fB3, gB0) - Math.imul(Math.floor(qm10_3 * gB0), p)) | 0);
      m10_0 -= Math.floor(m10_0 * invP) * p;
      m10_0 = m10_0 < 0 ? m10_0 + p : m10_0 >= p ? m10_0 - p : m10_0;
      m10_1 -= Math.floor(m10_1 * invP) * p;
      m10_1 = m10_1 < 0 ? m10_1 + p : m10_1 >= p ? m10_1 - p : m10_1;
      m10_2 -= Math.floor(m10_2 * invP) * p;
      m10_2 = m10_2 < 0 ? m10_2 + p : m10_2 >= p ? m10_2 - p : m10_2;
      m10_3 -= Math.floor(m10_3 * invP) * p;
      m10_3 = m10_3 < 0 ? m10_3 + p : m10_3 >= p ? m10_3 - p : m10_3;
      s1_0 += m10_0;
      s1_1 += m10_1;
      s1_2 += m10_2;
      s1_3 += m10_3;
    }
    const qm20_0 = fP2_0 * invP, qm20_1 = fP2_1 * invP, qm20_2 = fP2_2 * invP, qm20_3 = fP2_3 * invP;
    let m20_0 = ((Math.imul(fP2_0, gP2_0) - Math.imul(Math.floor(qm20_0 * gP2_0), p)) | 0) + w * (((Math.imul(fP2_1, gP2_3) - Math.imul(Math.floor(qm20_1 * gP2_3), p)) | 0) + ((Math.imul(fP2_2, gP2_2) - Math.imul(Math.floor(qm20_2 * gP2_2), p)) | 0) + ((Math.imul(fP2_3, gP2_1) - Math.imul(Math.floor(qm20_3 * gP2_1), p)) | 0));
    let m20_1 = ((Math.imul(fP2_0, gP2_1) - Math.imul(Math.floor(qm20_0 * gP2_1), p)) | 0) + ((Math.imul(fP2_1, gP2_0) - Math.imul(Math.floor(qm20_1 * gP2_0), p)) | 0) + w * (((Math.imul(fP2_2, gP2_3) - Math.imul(Math.floor(qm20_2 * gP2_3), p)) | 0) + ((Math.imul(fP2_3, gP2_2) - Math.imul(Math.floor(qm20_3 * gP2_2), p)) | 0));
    let m20_2 = ((Math.imul(fP2_0, gP2_2) - Math.imul(Math.floor(qm20_0 * gP2_2), p)) | 0) + ((Math.imul(fP2_1, gP2_1) - Math.imul(Math.floor(qm20_1 * gP2_1), p)) | 0) + ((Math.imul(fP2_2, gP2_0) - Math.imul(Math.floor(qm20_2 * gP2_0), p)) | 0) + w * ((Math.imul(fP2_3, gP2_3) - Math.imul(Math.floor(qm20_3 * gP2_3), p)) | 0);
    let m20_3 = ((Math.imul(fP2_0, gP2_3) - Math.imul(Math.floor(qm20_0 * gP2_3), p)) | 0) + ((Math.imul(fP2_1, gP2_2) - Math.imul(Math.floor(qm20_1 * gP2_2), p)) | 0) + ((Math.imul(fP2_2, gP2_1) - Math.imul(Math.floor(qm20_2 * gP2_1), p)) | 0) + ((Math.imul(fP2_3, gP2_0) - Math.imul(Math.floor(qm20_3 * gP2_0), p)) | 0);
    m20_0 -= Math.floor(m20_0 * invP) * p;
    m20_0 = m20_0 < 0 ? m20_0 + p : m20_0 >= p ? m20_0 - p : m20_0;
    m20_1 -= Math.floor(m20_1 * invP) * p;
    m20_1 = m20_1 < 0 ? m20_1 + p : m20_1 >= p ? m20_1 - p : m20_1;
    m20_2 -= Math.floor(m20_2 * invP) * p;
    m20_2 = m20_2 < 0 ? m20_2 + p : m20_2 >= p ? m20_2 - p : m20_2;
    m20_3 -= Math.floor(m20_3 * invP) * p;
    m20_3 = m20_3 < 0 ? m20_3 + p : m20_3 >= p ? m20_3 - p : m20_3;
    s2_0 += m20_0;
    s2_1 += m20_1;
    s2_2 += m20_2;
    s2_3 += m20_3;
    if ((j & REDUCE_MASK) === REDUCE_MASK) {
      s0_0 = red(s0_0, p, invP);
      s0_1 = red(s0_1, p, invP);
      s0_2 = red(s0_2, p, invP);
      s0_3 = red(s0_3, p, invP);
      s1_0 = red(s1_0, p, invP);
      s1_1 = red(s1_1, p, invP);
      s1_2 = red(s1_2, p, invP);
      s1_3 = red(s1_3, p, invP);
      s2_0 = red(s2_0, p, invP);
      s2_1 = red(s2_1, p, invP);
      s2_2 = red(s2_2, p, invP);
      s2_3 = red(s2_3, p, invP);
    }
  }
  acc[0] += s0_0;
  acc[1] += s0_1;
  acc[2] += s0_2;
  acc[3] += s0_3;
  acc[4] += s1_0;
  acc[5] += s1_1;
  acc[6] += s1_2;
  acc[7] += s1_3;
  acc[8] += s2_0;
  acc[9] += s2_1;
  acc[10] += s2_2;
  acc[11] += s2_3;
}

/** Fused: folds 2 ext tables with r (src → dst, may alias) and evaluates the next round's product. `n` = pairs after folding. */
function foldEvalProd2Ext(fs: Uint32Array, gs: Uint32Array, fd: Uint32Array, gd: Uint32Array, n: number, r: Ext, acc: Float64Array, p: number, invP: number, w: number): void {
  const r0 = r[0]!, r1 = r[1]!, r2 = r[2]!, r3 = r[3]!;
  const wr1 = red(w * r1, p, invP), wr2 = red(w * r2, p, invP), wr3 = red(w * r3, p, invP);
  const q0 = r0 * invP, q1 = r1 * invP, q2 = r2 * invP, q3 = r3 * invP;
  const qw1 = wr1 * invP, qw2 = wr2 * invP, qw3 = wr3 * invP;
  let s0_0 = 0, s0_1 = 0, s0_2 = 0, s0_3 = 0, s1_0 = 0, s1_1 = 0, s1_2 = 0, s1_3 = 0, s2_0 = 0, s2_1 = 0, s2_2 = 0, s2_3 = 0;
  for (let j = 0; j < n; j++) {
    const fAl0 = fs[16 * j + 0]!, fAl1 = fs[16 * j + 1]!, fAl2 = fs[16 * j + 2]!, fAl3 = fs[16 * j + 3]!;
    let fAd0 = fs[16 * j + 4]! - fAl0, fAd1 = fs[16 * j + 5]! - fAl1, fAd2 = fs[16 * j + 6]! - fAl2, fAd3 = fs[16 * j + 7]! - fAl3;
    fAd0 += p & (fAd0 >> 31);
    fAd1 += p & (fAd1 >> 31);
    fAd2 += p & (fAd2 >> 31);
    fAd3 += p & (fAd3 >> 31);
    let fA0 = fAl0 + ((Math.imul(fAd0, r0) - Math.imul(Math.floor(fAd0 * q0), p)) | 0) + ((Math.imul(fAd1, wr3) - Math.imul(Math.floor(fAd1 * qw3), p)) | 0) + ((Math.imul(fAd2, wr2) - Math.imul(Math.floor(fAd2 * qw2), p)) | 0) + ((Math.imul(fAd3, wr1) - Math.imul(Math.floor(fAd3 * qw1), p)) | 0);
    fA0 -= Math.floor(fA0 * invP) * p;
    fA0 = fA0 < 0 ? fA0 + p : fA0 >= p ? fA0 - p : fA0;
    let fA1 = fAl1 + ((Math.imul(fAd0, r1) - Math.imul(Math.floor(fAd0 * q1), p)) | 0) + ((Math.imul(fAd1, r0) - Math.imul(Math.floor(fAd1 * q0), p)) | 0) + ((Math.imul(fAd2, wr3) - Math.imul(Math.floor(fAd2 * qw3), p)) | 0) + ((Math.imul(fAd3, wr2) - Math.imul(Math.floor(fAd3 * qw2), p)) | 0);
    fA1 -= Math.floor(fA1 * invP) * p;
    fA1 = fA1 < 0 ? fA1 + p : fA1 >= p ? fA1 - p : fA1;
    let fA2 = fAl2 + ((Math.imul(fAd0, r2) - Math.imul(Math.floor(fAd0 * q2), p)) | 0) + ((Math.imul(fAd1, r1) - Math.imul(Math.floor(fAd1 * q1), p)) | 0) + ((Math.imul(fAd2, r0) - Math.imul(Math.floor(fAd2 * q0), p)) | 0) + ((Math.imul(fAd3, wr3) - Math.imul(Math.floor(fAd3 * qw3), p)) | 0);
    fA2 -= Math.floor(fA2 * invP) * p;
    fA2 = fA2 < 0 ? fA2 + p : fA2 >= p ? fA2 - p : fA2;
    let fA3 = fAl3 + ((Math.imul(fAd0, r3) - Math.imul(Math.floor(fAd0 * q3), p)) | 0) + ((Math.imul(fAd1, r2) - Math.imul(Math.floor(fAd1 * q2), p)) | 0) + ((Math.imul(fAd2, r1) - Math.imul(Math.floor(fAd2 * q1), p)) | 0) + ((Math.imul(fAd3, r0) - Math.imul(Math.floor(fAd3 * q0), p)) | 0);
    fA3 -= Math.floor(fA3 * invP) * p;
    fA3 = fA3 < 0 ? fA3 + p : fA3 >= p ? fA3 - p : fA3;
    const fBl0 = fs[16 * j + 8 + 0]!, fBl1 = fs[16 * j + 8 + 1]!, fBl2 = fs[16 * j + 8 + 2]!, fBl3 = fs[16 * j + 8 + 3]!;
    let fBd0 = fs[16 * j + 8 + 4]! - fBl0, fBd1 = fs[16 * j + 8 + 5]! - fBl1, fBd2 = fs[16 * j + 8 + 6]! - fBl2, fBd3 = fs[16 * j + 8 + 7]! - fBl3;
    fBd0 += p & (fBd0 >> 31);
    fBd1 += p & (fBd1 >> 31);
    fBd2 += p & (fBd2 >> 31);
    fBd3 += p & (fBd3 >> 31);
    let fB0 = fBl0 + ((Math.imul(fBd0, r0) - Math.imul(Math.floor(fBd0 * q0), p)) | 0) + ((Math.imul(fBd1, wr3) - Math.imul(Math.floor(fBd1 * qw3), p)) | 0) + ((Math.imul(fBd2, wr2) - Math.imul(Math.floor(fBd2 * qw2), p)) | 0) + ((Math.imul(fBd3, wr1) - Math.imul(Math.floor(fBd3 * qw1), p)) | 0);
    fB0 -= Math.floor(fB0 * invP) * p;
    fB0 = fB0 < 0 ? fB0 + p : fB0 >= p ? fB0 - p : fB0;
    let fB1 = fBl1 + ((Math.imul(fBd0, r1) - Math.imul(Math.floor(fBd0 * q1), p)) | 0) + ((Math.imul(fBd1, r0) - Math.imul(Math.floor(fBd1 * q0), p)) | 0) + ((Math.imul(fBd2, wr3) - Math.imul(Math.floor(fBd2 * qw3), p)) | 0) + ((Math.imul(fBd3, wr2) - Math.imul(Math.floor(fBd3 * qw2), p)) | 0);
    fB1 -= Math.floor(fB1 * invP) * p;
    fB1 = fB1 < 0 ? fB1 + p : fB1 >= p ? fB1 - p : fB1;
    let fB2 = fBl2 + ((Math.imul(fBd0, r2) - Math.imul(Math.floor(fBd0 * q2), p)) | 0) + ((Math.imul(fBd1, r1) - Math.imul(Math.floor(fBd1 * q1), p)) | 0) + ((Math.imul(fBd2, r0) - Math.imul(Math.floor(fBd2 * q0), p)) | 0) + ((Math.imul(fBd3, wr3) - Math.imul(Math.floor(fBd3 * qw3), p)) | 0);
    fB2 -= Math.floor(fB2 * invP) * p;
    fB2 = fB2 < 0 ? fB2 + p : fB2 >= p ? fB2 - p : fB2;
    let fB3 = fBl3 + ((Math.imul(fBd0, r3) - Math.imul(Math.floor(fBd0 * q3), p)) | 0) + ((Math.imul(fBd1, r2) - Math.imul(Math.floor(fBd1 * q2), p)) | 0) + ((Math.imul(fBd2, r1) - Math.imul(Math.floor(fBd2 * q1), p)) | 0) + ((Math.imul(fBd3, r0) - Math.imul(Math.floor(fBd3 * q0), p)) | 0);
    fB3 -= Math.floor(fB3 * invP) * p;
    fB3 = fB3 < 0 ? fB3 + p : fB3 >= p ? fB3 - p : fB3;
    fd[8 * j + 0] = fA0;
    fd[8 * j + 1] = fA1;
    fd[8 * j + 2] = fA2;
    fd[8 * j + 3] = fA3;
    fd[8 * j + 4] = fB0;
    fd[8 * j + 5] = fB1;
    fd[8 * j + 6] = fB2;
    fd[8 * j + 7] = fB3;
    let fPd0 = fB0 - fA0, fPd1 = fB1 - fA1, fPd2 = fB2 - fA2, fPd3 = fB3 - fA3;
    fPd0 += p & (fPd0 >> 31);
    fPd1 += p & (fPd1 >> 31);
    fPd2 += p & (fPd2 >> 31);
    fPd3 += p & (fPd3 >> 31);
    let fP2_0 = fB0 + fPd0, fP2_1 = fB1 + fPd1, fP2_2 = fB2 + fPd2, fP2_3 = fB3 + fPd3;
    fP2_0 -= p;
    fP2_0 += p & (fP2_0 >> 31);
    fP2_1 -= p;
    fP2_1 += p & (fP2_1 >> 31);
    fP2_2 -= p;
    fP2_2 += p & (fP2_2 >> 31);
    fP2_3 -= p;
    fP2_3 += p & (fP2_3 >> 31);
    const gAl0 = gs[16 * j + 0]!, gAl1 = gs[16 * j + 1]!, gAl2 = gs[16 * j + 2]!, gAl3 = gs[16 * j + 3]!;
    let gAd0 = gs[16 * j + 4]! - gAl0, gAd1 = gs[16 * j + 5]! - gAl1, gAd2 = gs[16 * j + 6]! - gAl2, gAd3 = gs[16 * j + 7]! - gAl3;
    gAd0 += p & (gAd0 >> 31);
    gAd1 += p & (gAd1 >> 31);
    gAd2 += p & (gAd2 >> 31);
    gAd3 += p & (gAd3 >> 31);
    let gA0 = gAl0 + ((Math.imul(gAd0, r0) - Math.imul(Math.floor(gAd0 * q0), p)) | 0) + ((Math.imul(gAd1, wr3) - Math.imul(Math.floor(gAd1 * qw3), p)) | 0) + ((Math.imul(gAd2, wr2) - Math.imul(Math.floor(gAd2 * qw2), p)) | 0) + ((Math.imul(gAd3, wr1) - Math.imul(Math.floor(gAd3 * qw1), p)) | 0);
    gA0 -= Math.floor(gA0 * invP) * p;
    gA0 = gA0 < 0 ? gA0 + p : gA0 >= p ? gA0 - p : gA0;
    let gA1 = gAl1 + ((Math.imul(gAd0, r1) - Math.imul(Math.floor(gAd0 * q1), p)) | 0) + ((Math.imul(gAd1, r0) - Math.imul(Math.floor(gAd1 * q0), p)) | 0) + ((Math.imul(gAd2, wr3) - Math.imul(Math.floor(gAd2 * qw3), p)) | 0) + ((Math.imul(gAd3, wr2) - Math.imul(Math.floor(gAd3 * qw2), p)) | 0);
    gA1 -= Math.floor(gA1 * invP) * p;
    gA1 = gA1 < 0 ? gA1 + p : gA1 >= p ? gA1 - p : gA1;
    let gA2 = gAl2 + ((Math.imul(gAd0, r2) - Math.imul(Math.floor(gAd0 * q2), p)) | 0) + ((Math.imul(gAd1, r1) - Math.imul(Math.floor(gAd1 * q1), p)) | 0) + ((Math.imul(gAd2, r0) - Math.imul(Math.floor(gAd2 * q0), p)) | 0) + ((Math.imul(gAd3, wr3) - Math.imul(Math.floor(gAd3 * qw3), p)) | 0);
    gA2 -= Math.floor(gA2 * invP) * p;
    gA2 = gA2 < 0 ? gA2 + p : gA2 >= p ? gA2 - p : gA2;
    let gA3 = gAl3 + ((Math.imul(gAd0, r3) - Math.imul(Math.floor(gAd0 * q3), p)) | 0) + ((Math.imul(gAd1, r2) - Math.imul(Math.floor(gAd1 * q2), p)) | 0) + ((Math.imul(gAd2, r1) - Math.imul(Math.floor(gAd2 * q1), p)) | 0) + ((Math.imul(gAd3, r0) - Math.imul(Math.floor(gAd3 * q0), p)) | 0);
    gA3 -= Math.floor(gA3 * invP) * p;
    gA3 = gA3 < 0 ? gA3 + p : gA3 >= p ? gA3 - p : gA3;
    const gBl0 = gs[16 * j + 8 + 0]!, gBl1 = gs[16 * j + 8 + 1]!, gBl2 = gs[16 * j + 8 + 2]!, gBl3 = gs[16 * j + 8 + 3]!;
    let gBd0 = gs[16 * j + 8 + 4]! - gBl0, gBd1 = gs[16 * j + 8 + 5]! - gBl1, gBd2 = gs[16 * j + 8 + 6]! - gBl2, gBd3 = gs[16 * j + 8 + 7]! - gBl3;
    gBd0 += p & (gBd0 >> 31);
    gBd1 += p & (gBd1 >> 31);
    gBd2 += p & (gBd2 >> 31);
    gBd3 += p & (gBd3 >> 31);
    let gB0 = gBl0 + ((Math.imul(gBd0, r0) - Math.imul(Math.floor(gBd0 * q0), p)) | 0) + ((Math.imul(gBd1, wr3) - Math.imul(Math.floor(gBd1 * qw3), p)) | 0) + ((Math.imul(gBd2, wr2) - Math.imul(Math.floor(gBd2 * qw2), p)) | 0) + ((Math.imul(gBd3, wr1) - Math.imul(Math.floor(gBd3 * qw1), p)) | 0);
    gB0 -= Math.floor(gB0 * invP) * p;
    gB0 = gB0 < 0 ? gB0 + p : gB0 >= p ? gB0 - p : gB0;
    let gB1 = gBl1 + ((Math.imul(gBd0, r1) - Math.imul(Math.floor(gBd0 * q1), p)) | 0) + ((Math.imul(gBd1, r0) - Math.imul(Math.floor(gBd1 * q0), p)) | 0) + ((Math.imul(gBd2, wr3) - Math.imul(Math.floor(gBd2 * qw3), p)) | 0) + ((Math.imul(gBd3, wr2) - Math.imul(Math.floor(gBd3 * qw2), p)) | 0);
    gB1 -= Math.floor(gB1 * invP) * p;
    gB1 = gB1 < 0 ? gB1 + p : gB1 >= p ? gB1 - p : gB1;
    let gB2 = gBl2 + ((Math.imul(gBd0, r2) - Math.imul(Math.floor(gBd0 * q2), p)) | 0) + ((Math.imul(gBd1, r1) - Math.imul(Math.floor(gBd1 * q1), p)) | 0) + ((Math.imul(gBd2, r0) - Math.imul(Math.floor(gBd2 * q0), p)) | 0) + ((Math.imul(gBd3, wr3) - Math.imul(Math.floor(gBd3 * qw3), p)) | 0);
    gB2 -= Math.floor(gB2 * invP) * p;
    gB2 = gB2 < 0 ? gB2 + p : gB2 >= p ? gB2 - p : gB2;
    let gB3 = gBl3 + ((Math.imul(gBd0, r3) - Math.imul(Math.floor(gBd0 * q3), p)) | 0) + ((Math.imul(gBd1, r2) - Math.imul(Math.floor(gBd1 * q2), p)) | 0) + ((Math.imul(gBd2, r1) - Math.imul(Math.floor(gBd2 * q1), p)) | 0) + ((Math.imul(gBd3, r0) - Math.imul(Math.floor(gBd3 * q0), p)) | 0);
    gB3 -= Math.floor(gB3 * invP) * p;
    gB3 = gB3 < 0 ? gB3 + p : gB3 >= p ? gB3 - p : gB3;
    gd[8 * j + 0] = gA0;
    gd[8 * j + 1] = gA1;
    gd[8 * j + 2] = gA2;
    gd[8 * j + 3] = gA3;
    gd[8 * j + 4] = gB0;
    gd[8 * j + 5] = gB1;
    gd[8 * j + 6] = gB2;
    gd[8 * j + 7] = gB3;
    let gPd0 = gB0 - gA0, gPd1 = gB1 - gA1, gPd2 = gB2 - gA2, gPd3 = gB3 - gA3;
    gPd0 += p & (gPd0 >> 31);
    gPd1 += p & (gPd1 >> 31);
    gPd2 += p & (gPd2 >> 31);
    gPd3 += p & (gPd3 >> 31);
    let gP2_0 = gB0 + gPd0, gP2_1 = gB1 + gPd1, gP2_2 = gB2 + gPd2, gP2_3 = gB3 + gPd3;
    gP2_0 -= p;
    gP2_0 += p & (gP2_0 >> 31);
    gP2_1 -= p;
    gP2_1 += p & (gP2_1 >> 31);
    gP2_2 -= p;
    gP2_2 += p & (gP2_2 >> 31);
    gP2_3 -= p;
    gP2_3 += p & (gP2_3 >> 31);
    const qm00_0 = fA0 * invP, qm00_1 = fA1 * invP, qm00_2 = fA2 * invP, qm00_3 = fA3 * invP;
    let m00_0 = ((Math.imul(fA0, gA0) - Math.imul(Math.floor(qm00_0 * gA0), p)) | 0) + w * (((Math.imul(fA1, gA3) - Math.imul(Math.floor(qm00_1 * gA3), p)) | 0) + ((Math.imul(fA2, gA2) - Math.imul(Math.floor(qm00_2 * gA2), p)) | 0) + ((Math.imul(fA3, gA1) - Math.imul(Math.floor(qm00_3 * gA1), p)) | 0));
    let m00_1 = ((Math.imul(fA0, gA1) - Math.imul(Math.floor(qm00_0 * gA1), p)) | 0) + ((Math.imul(fA1, gA0) - Math.imul(Math.floor(qm00_1 * gA0), p)) | 0) + w * (((Math.imul(fA2, gA3) - Math.imul(Math.floor(qm00_2 * gA3), p)) | 0) + ((Math.imul(fA3, gA2) - Math.imul(Math.floor(qm00_3 * gA2), p)) | 0));
    let m00_2 = ((Math.imul(fA0, gA2) - Math.imul(Math.floor(qm00_0 * gA2), p)) | 0) + ((Math.imul(fA1, gA1) - Math.imul(Math.floor(qm00_1 * gA1), p)) | 0) + ((Math.imul(fA2, gA0) - Math.imul(Math.floor(qm00_2 * gA0), p)) | 0) + w * ((Math.imul(fA3, gA3) - Math.imul(Math.floor(qm00_3 * gA3), p)) | 0);
    let m00_3 = ((Math.imul(fA0, gA3) - Math.imul(Math.floor(qm00_0 * gA3), p)) | 0) + ((Math.imul(fA1, gA2) - Math.imul(Math.floor(qm00_1 * gA2), p)) | 0) + ((Math.imul(fA2, gA1) - Math.imul(Math.floor(qm00_2 * gA1), p)) | 0) + ((Math.imul(fA3, gA0) - Math.imul(Math.floor(qm00_3 * gA0), p)) | 0);
    m00_0 -= Math.floor(m00_0 * invP) * p;
    m00_0 = m00_0 < 0 ? m00_0 + p : m00_0 >= p ? m00_0 - p : m00_0;
    m00_1 -= Math.floor(m00_1 * invP) * p;
    m00_1 = m00_1 < 0 ? m00_1 + p : m00_1 >= p ? m00_1 - p : m00_1;
    m00_2 -= Math.floor(m00_2 * invP) * p;
    m00_2 = m00_2 < 0 ? m00_2 + p : m00_2 >= p ? m00_2 - p : m00_2;
    m00_3 -= Math.floor(m00_3 * invP) * p;
    m00_3 = m00_3 < 0 ? m00_3 + p : m00_3 >= p ? m00_3 - p : m00_3;
    s0_0 += m00_0;
    s0_1 += m00_1;
    s0_2 += m00_2;
    s0_3 += m00_3;
    const qm20_0 = fP2_0 * invP, qm20_1 = fP2_1 * invP, qm20_2 = fP2_2 * invP, qm20_3 = fP2_3 * invP;
    let m20_0 = ((Math.imul(fP2_0, gP2_0) - Math.imul(Math.floor(qm20_0 * gP2_0), p)) | 0) + w * (((Math.imul(fP2_1, gP2_3) - Math.imul(Math.floor(qm20_1 * gP2_3), p)) | 0) + ((Math.imul(fP2_2, gP2_2) - Math.imul(Math.floor(qm20_2 * gP2_2), p)) | 0) + ((Math.imul(fP2_3, gP2_1) - Math.imul(Math.floor(qm20_3 * gP2_1), p)) | 0));
    let m20_1 = ((Math.imul(fP2_0, gP2_1) - Math.imul(Math.floor(qm20_0 * gP2_1), p)) | 0) + ((Math.imul(fP2_1, gP2_0) - Math.imul(Math.floor(qm20_1 * gP2_0), p)) | 0) + w * (((Math.imul(fP2_2, gP2_3) - Math.imul(Math.floor(qm20_2 * gP2_3), p)) | 0) + ((Math.imul(fP2_3, gP2_2) - Math.imul(Math.floor(qm20_3 * gP2_2), p)) | 0));
    let m20_2 = ((Math.imul(fP2_0, gP2_2) - Math.imul(Math.floor(qm20_0 * gP2_2), p)) | 0) + ((Math.imul(fP2_1, gP2_1) - Math.imul(Math.floor(qm20_1 * gP2_1), p)) | 0) + ((Math.imul(fP2_2, gP2_0) - Math.imul(Math.floor(qm20_2 * gP2_0), p)) | 0) + w * ((Math.imul(fP2_3, gP2_3) - Math.imul(Math.floor(qm20_3 * gP2_3), p)) | 0);
    let m20_3 = ((Math.imul(fP2_0, gP2_3) - Math.imul(Math.floor(qm20_0 * gP2_3), p)) | 0) + ((Math.imul(fP2_1, gP2_2) - Math.imul(Math.floor(qm20_1 * gP2_2), p)) | 0) + ((Math.imul(fP2_2, gP2_1) - Math.imul(Math.floor(qm20_2 * gP2_1), p)) | 0) + ((Math.imul(fP2_3, gP2_0) - Math.imul(Math.floor(qm20_3 * gP2_0), p)) | 0);
    m20_0 -= Math.floor(m20_0 * invP) * p;
    m20_0 = m20_0 < 0 ? m20_0 + p : m20_0 >= p ? m20_0 - p : m20_0;
    m20_1 -= Math.floor(m20_1 * invP) * p;
    m20_1 = m20_1 < 0 ? m20_1 + p : m20_1 >= p ? m20_1 - p : m20_1;
    m20_2 -= Math.floor(m20_2 * invP) * p;
    m20_2 = m20_2 < 0 ? m20_2 + p : m20_2 >= p ? m20_2 - p : m20_2;
    m20_3 -= Math.floor(m20_3 * invP) * p;
    m20_3 = m20_3 < 0 ? m20_3 + p : m20_3 >= p ? m20_3 - p : m20_3;
    s2_0 += m20_0;
    s2_1 += m20_1;
    s2_2 += m20_2;
    s2_3 += m20_3;
    if ((j & REDUCE_MASK) === REDUCE_MASK) {
      s0_0 = red(s0_0, p, invP);
      s0_1 = red(s0_1, p, invP);
      s0_2 = red(s0_2, p, invP);
      s0_3 = red(s0_3, p, invP);
      s1_0 = red(s1_0, p, invP);
      s1_1 = red(s1_1, p, invP);
      s1_2 = red(s1_2, p, invP);
      s1_3 = red(s1_3, p, invP);
      s2_0 = red(s2_0, p, invP);
      s2_1 = red(s2_1, p, invP);
      s2_2 = red(s2_2, p, invP);
      s2_3 = red(s2_3, p, invP);
    }
  }
  acc[0] += s0_0;
  acc[1] += s0_1;
  acc[2] += s0_2;
  acc[3] += s0_3;
  acc[4] += s1_0;
  acc[5] += s1_1;
  acc[6] += s1_2;
  acc[7] += s1_3;
  acc[8] += s2_0;
  acc[9] += s2_1;
  acc[10] += s2_2;
  acc[11] += s2_3;
}

/** Product of 3 ext tables (no fold): `n` pairs; t = 1 only if withOne. */
function evalProd3Ext(fs: Uint32Array, gs: Uint32Array, hs: Uint32Array, n: number, withOne: boolean, acc: Float64Array, p: number, invP: number, w: number): void {
  let s0_0 = 0, s0_1 = 0, s0_2 = 0, s0_3 = 0, s1_0 = 0, s1_1 = 0, s1_2 = 0, s1_3 = 0, s2_0 = 0, s2_1 = 0, s2_2 = 0, s2_3 = 0, s3_0 = 0, s3_1 = 0, s3_2 = 0, s3_3 = 0;
  for (let j = 0; j < n; j++) {
    const fA0 = fs[8 * j + 0]!, fA1 = fs[8 * j + 1]!, fA2 = fs[8 * j + 2]!, fA3 = fs[8 * j + 3]!;
    const fB0 = fs[8 * j + 4]!, fB1 = fs[8 * j + 5]!, fB2 = fs[8 * j + 6]!, fB3 = fs[8 * j + 7]!;
    let fPd0 = fB0 - fA0, fPd1 = fB1 - fA1, fPd2 = fB2 - fA2, fPd3 = fB3 - fA3;
    fPd0 += p & (fPd0 >> 31);
    fPd1 += p & (fPd1 >> 31);
    fPd2 += p & (fPd2 >> 31);
    fPd3 += p & (fPd3 >> 31);
    let fP2_0 = fB0 + fPd0, fP2_1 = fB1 + fPd1, fP2_2 = fB2 + fPd2, fP2_3 = fB3 + fPd3;
    fP2_0 -= p;
    fP2_0 += p & (fP2_0 >> 31);
    fP2_1 -= p;
    fP2_1 += p & (fP2_1 >> 31);
    fP2_2 -= p;
    fP2_2 += p & (fP2_2 >> 31);
    fP2_3 -= p;
    fP2_3 += p & (fP2_3 >> 31);
    let fP3_0 = fP2_0 + fPd0, fP3_1 = fP2_1 + fPd1, fP3_2 = fP2_2 + fPd2, fP3_3 = fP2_3 + fPd3;
    fP3_0 -= p;
    fP3_0 += p & (fP3_0 >> 31);
    fP3_1 -= p;
    fP3_1 += p & (fP3_1 >> 31);
    fP3_2 -= p;
    fP3_2 += p & (fP3_2 >> 31);
    fP3_3 -= p;
    fP3_3 += p & (fP3_3 >> 31);
    const gA0 = gs[8 * j + 0]!, gA1 = gs[8 * j + 1]!, gA2 = gs[8 * j + 2]!, gA3 = gs[8 * j + 3]!;
    const gB0 = gs[8 * j + 4]!, gB1 = gs[8 * j + 5]!, gB2 = gs[8 * j + 6]!, gB3 = gs[8 * j + 7]!;
    let gPd0 = gB0 - gA0, gPd1 = gB1 - gA1, gPd2 = gB2 - gA2, gPd3 = gB3 - gA3;
    gPd0 += p & (gPd0 >> 31);
    gPd1 += p & (gPd1 >> 31);
    gPd2 += p & (gPd2 >> 31);
    gPd3 += p & (gPd3 >> 31);
    let gP2_0 = gB0 + gPd0, gP2_1 = gB1 + gPd1, gP2_2 = gB2 + gPd2, gP2_3 = gB3 + gPd3;
    gP2_0 -= p;
    gP2_0 += p & (gP2_0 >> 31);
    gP2_1 -= p;
    gP2_1 += p & (gP2_1 >> 31);
    gP2_2 -= p;
    gP2_2 += p & (gP2_2 >> 31);
    gP2_3 -= p;
    gP2_3 += p & (gP2_3 >> 31);
    let gP3_0 = gP2_0 + gPd0, gP3_1 = gP2_1 + gPd1, gP3_2 = gP2_2 + gPd2, gP3_3 = gP2_3 + gPd3;
    gP3_0 -= p;
    gP3_0 += p & (gP3_0 >> 31);
    gP3_1 -= p;
    gP3_1 += p & (gP3_1 >> 31);
    gP3_2 -= p;
    gP3_2 += p & (gP3_2 >> 31);
    gP3_3 -= p;
    gP3_3 += p & (gP3_3 >> 31);
    const hA0 = hs[8 * j + 0]!, hA1 = hs[8 * j + 1]!, hA2 = hs[8 * j + 2]!, hA3 = hs[8 * j + 3]!;
    const hB0 = hs[8 * j + 4]!, hB1 = hs[8 * j + 5]!, hB2 = hs[8 * j + 6]!, hB3 = hs[8 * j + 7]!;
    let hPd0 = hB0 - hA0, hPd1 = hB1 - hA1, hPd2 = hB2 - hA2, hPd3 = hB3 - hA3;
    hPd0 += p & (hPd0 >> 31);
    hPd1 += p & (hPd1 >> 31);
    hPd2 += p & (hPd2 >> 31);
    hPd3 += p & (hPd3 >> 31);
    let hP2_0 = hB0 + hPd0, hP2_1 = hB1 + hPd1, hP2_2 = hB2 + hPd2, hP2_3 = hB3 + hPd3;
    hP2_0 -= p;
    hP2_0 += p & (hP2_0 >> 31);
    hP2_1 -= p;
    hP2_1 += p & (hP2_1 >> 31);
    hP2_2 -= p;
    hP2_2 += p & (hP2_2 >> 31);
    hP2_3 -= p;
    hP2_3 += p & (hP2_3 >> 31);
    let hP3_0 = hP2_0 + hPd0, hP3_1 = hP2_1 + hPd1, hP3_2 = hP2_2 + hPd2, hP3_3 = hP2_3 + hPd3;
    hP3_0 -= p;
    hP3_0 += p & (hP3_0 >> 31);
    hP3_1 -= p;
    hP3_1 += p & (hP3_1 >> 31);
    hP3_2 -= p;
    hP3_2 += p & (hP3_2 >> 31);
    hP3_3 -= p;
    hP3_3 += p & (hP3_3 >> 31);
    const qm00_0 = fA0 * invP, qm00_1 = fA1 * invP, qm00_2 = fA2 * invP, qm00_3 = fA3 * invP;
    let m00_0 = ((Math.imul(fA0, gA0) - Math.imul(Math.floor(qm00_0 * gA0), p)) | 0) + w * (((Math.imul(fA1, gA3) - Math.imul(Math.floor(qm00_1 * gA3), p)) | 0) + ((Math.imul(fA2, gA2) - Math.imul(Math.floor(qm00_2 * gA2), p)) | 0) + ((Math.imul(fA3, gA1) - Math.imul(Math.floor(qm00_3 * gA1), p)) | 0));
    let m00_1 = ((Math.imul(fA0, gA1) - Math.imul(Math.floor(qm00_0 * gA1), p)) | 0) + ((Math.imul(fA1, gA0) - Math.imul(Math.floor(qm00_1 * gA0), p)) | 0) + w * (((Math.imul(fA2, gA3) - Math.imul(Math.floor(qm00_2 * gA3), p)) | 0) + ((Math.imul(fA3, gA2) - Math.imul(Math.floor(qm00_3 * gA2), p)) | 0));
    let m00_2 = ((Math.imul(fA0, gA2) - Math.imul(Math.floor(qm00_0 * gA2), p)) | 0) + ((Math.imul(fA1, gA1) - Math.imul(Math.floor(qm00_1 * gA1), p)) | 0) + ((Math.imul(fA2, gA0) - Math.imul(Math.floor(qm00_2 * gA0), p)) | 0) + w * ((Math.imul(fA3, gA3) - Math.imul(Math.floor(qm00_3 * gA3), p)) | 0);
    let m00_3 = ((Math.imul(fA0, gA3) - Math.imul(Math.floor(qm00_0 * gA3), p)) | 0) + ((Math.imul(fA1, gA2) - Math.imul(Math.floor(qm00_1 * gA2), p)) | 0) + ((Math.imul(fA2, gA1) - Math.imul(Math.floor(qm00_2 * gA1), p)) | 0) + ((Math.imul(fA3, gA0) - Math.imul(Math.floor(qm00_3 * gA0), p)) | 0);
    m00_0 -= Math.floor(m00_0 * invP) * p;
    m00_0 = m00_0 < 0 ? m00_0 + p : m00_0 >= p ? m00_0 - p : m00_0;
    m00_1 -= Math.floor(m00_1 * invP) * p;
    m00_1 = m00_1 < 0 ? m00_1 + p : m00_1 >= p ? m00_1 - p : m00_1;
    m00_2 -= Math.floor(m00_2 * invP) * p;
    m00_2 = m00_2 < 0 ? m00_2 + p : m00_2 >= p ? m00_2 - p : m00_2;
    m00_3 -= Math.floor(m00_3 * invP) * p;
    m00_3 = m00_3 < 0 ? m00_3 + p : m00_3 >= p ? m00_3 - p : m00_3;
    const qm01_0 = m00_0 * invP, qm01_1 = m00_1 * invP, qm01_2 = m00_2 * invP, qm01_3 = m00_3 * invP;
    let m01_0 = ((Math.imul(m00_0, hA0) - Math.imul(Math.floor(qm01_0 * hA0), p)) | 0) + w * (((Math.imul(m00_1, hA3) - Math.imul(Math.floor(qm01_1 * hA3), p)) | 0) + ((Math.imul(m00_2, hA2) - Math.imul(Math.floor(qm01_2 * hA2), p)) | 0) + ((Math.imul(m00_3, hA1) - Math.imul(Math.floor(qm01_3 * hA1), p)) | 0));
    let m01_1 = ((Math.imul(m00_0, hA1) - Math.imul(Math.floor(qm01_0 * hA1), p)) | 0) + ((Math.imul(m00_1, hA0) - Math.imul(Math.floor(qm01_1 * hA0), p)) | 0) + w * (((Math.imul(m00_2, hA3) - Math.imul(Math.floor(qm01_2 * hA3), p)) | 0) + ((Math.imul(m00_3, hA2) - Math.imul(Math.floor(qm01_3 * hA2), p)) | 0));
    let m01_2 = ((Math.imul(m00_0, hA2) - Math.imul(Math.floor(qm01_0 * hA2), p)) | 0) + ((Math.imul(m00_1, hA1) - Math.imul(Math.floor(qm01_1 * hA1), p)) | 0) + ((Math.imul(m00_2, hA0) - Math.imul(Math.floor(qm01_2 * hA0), p)) | 0) + w * ((Math.imul(m00_3, hA3) - Math.imul(Math.floor(qm01_3 * hA3), p)) | 0);
    let m01_3 = ((Math.imul(m00_0, hA3) - Math.imul(Math.floor(qm01_0 * hA3), p)) | 0) + ((Math.imul(m00_1, hA2) - Math.imul(Math.floor(qm01_1 * hA2), p)) | 0) + ((Math.imul(m00_2, hA1) - Math.imul(Math.floor(qm01_2 * hA1), p)) | 0) + ((Math.imul(m00_3, hA0) - Math.imul(Math.floor(qm01_3 * hA0), p)) | 0);
    m01_0 -= Math.floor(m01_0 * invP) * p;
    m01_0 = m01_0 < 0 ? m01_0 + p : m01_0 >= p ? m01_0 - p : m01_0;
    m01_1 -= Math.floor(m01_1 * invP) * p;
    m01_1 = m01_1 < 0 ? m01_1 + p : m01_1 >= p ? m01_1 - p : m01_1;
    m01_2 -= Math.floor(m01_2 * invP) * p;
    m01_2 = m01_2 < 0 ? m01_2 + p : m01_2 >= p ? m01_2 - p : m01_2;
    m01_3 -= Math.floor(m01_3 * invP) * p;
    m01_3 = m01_3 < 0 ? m01_3 + p : m01_3 >= p ? m01_3 - p : m01_3;
    s0_0 += m01_0;
    s0_1 += m01_1;
    s0_2 += m01_2;
    s0_3 += m01_3;
    if (withOne) {
      const qm10_0 = fB0 * invP, qm10_1 = fB1 * invP, qm10_2 = fB2 * invP, qm10_3 = fB3 * invP;
      let m10_0 = ((Math.imul(fB0, gB0) - Math.imul(Math.floor(qm10_0 * gB0), p)) | 0) + w * (((Math.imul(fB1, gB3) - Math.imul(Math.floor(qm10_1 * gB3), p)) | 0) + ((Math.imul(fB2, gB2) - Math.imul(Math.floor(qm10_2 * gB2), p)) | 0) + ((Math.imul(fB3, gB1) - Math.imul(Math.floor(qm10_3 * gB1), p)) | 0));
      let m10_1 = ((Math.imul(fB0, gB1) - Math.imul(Math.floor(qm10_0 * gB1), p)) | 0) + ((Math.imul(fB1, gB0) - Math.imul(Math.floor(qm10_1 * gB0), p)) | 0) + w * (((Math.imul(fB2, gB3) - Math.imul(Math.floor(qm10_2 * gB3), p)) | 0) + ((Math.imul(fB3, gB2) - Math.imul(Math.floor(qm10_3 * gB2), p)) | 0));
      let m10_2 = ((Math.imul(fB0, gB2) - Math.imul(Math.floor(qm10_0 * gB2), p)) | 0) + ((Math.imul(fB1, gB1) - Math.imul(Math.floor(qm10_1 * gB1), p)) | 0) + ((Math.imul(fB2, gB0) - Math.imul(Math.floor(qm10_2 * gB0), p)) | 0) + w * ((Math.imul(fB3, gB3) - Math.imul(Math.floor(qm10_3 * gB3), p)) | 0);
      let m10_3 = ((Math.imul(fB0, gB3) - Math.imul(Math.floor(qm10_0 * gB3), p)) | 0) + ((Math.imul(fB1, gB2) - Math.imul(Math.floor(qm10_1 * gB2), p)) | 0) + ((Math.imul(fB2, gB1) - Math.imul(Math.floor(qm10_2 * gB1), p)) | 0) + ((Math.imul(fB3, gB0) - Math.imul(Math.floor(qm10_3 * gB0), p)) | 0);
      m10_0 -= Math.floor(m10_0 * invP) * p;
      m10_0 = m10_0 < 0 ? m10_0 + p : m10_0 >= p ? m10_0 - p : m10_0;
      m10_1 -= Math.floor(m10_1 * invP) * p;
      m10_1 = m10_1 < 0 ? m10_1 + p : m10_1 >= p ? m10_1 - p : m10_1;
      m10_2 -= Math.floor(m10_2 * invP) * p;
      m10_2 = m10_2 < 0 ? m10_2 + p : m10_2 >= p ? m10_2 - p : m10_2;
      m10_3 -= Math.floor(m10_3 * invP) * p;
      m10_3 = m10_3 < 0 ? m10_3 + p : m10_3 >= p ? m10_3 - p : m10_3;
      const qm11_0 = m10_0 * invP, qm11_1 = m10_1 * invP, qm11_2 = m10_2 * invP, qm11_3 = m10_3 * invP;
      let m11_0 = ((Math.imul(m10_0, hB0) - Math.imul(Math.floor(qm11_0 * hB0), p)) | 0) + w * (((Math.imul(m10_1, hB3) - Math.imul(Math.floor(qm11_1 * hB3), p)) | 0) + ((Math.imul(m10_2, hB2) - Math.imul(Math.floor(qm11_2 * hB2), p)) | 0) + ((Math.imul(m10_3, hB1) - Math.imul(Math.floor(qm11_3 * hB1), p)) | 0));
      let m11_1 = ((Math.imul(m10_0, hB1) - Math.imul(Math.floor(qm11_0 * hB1), p)) | 0) + ((Math.imul(m10_1, hB0) - Math.imul(Math.floor(qm11_1 * hB0), p)) | 0) + w * (((Math.imul(m10_2, hB3) - Math.imul(Math.floor(qm11_2 * hB3), p)) | 0) + ((Math.imul(m10_3, hB2) - Math.imul(Math.floor(qm11_3 * hB2), p)) | 0));
      let m11_2 = ((Math.imul(m10_0, hB2) - Math.imul(Math.floor(qm11_0 * hB2), p)) | 0) + ((Math.imul(m10_1, hB1) - Math.imul(Math.floor(qm11_1 * hB1), p)) | 0) + ((Math.imul(m10_2, hB0) - Math.imul(Math.floor(qm11_2 * hB0), p)) | 0) + w * ((Math.imul(m10_3, hB3) - Math.imul(Math.floor(qm11_3 * hB3), p)) | 0);
      let m11_3 = ((Math.imul(m10_0, hB3) - Math.imul(Math.floor(qm11_0 * hB3), p)) | 0) + ((Math.imul(m10_1, hB2) - Math.imul(Math.floor(qm11_1 * hB2), p)) | 0) + ((Math.imul(m10_2, hB1) - Math.imul(Math.floor(qm11_2 * hB1), p)) | 0) + ((Math.imul(m10_3, hB0) - Math.imul(Math.floor(qm11_3 * hB0), p)) | 0);
      m11_0 -= Math.floor(m11_0 * invP) * p;
      m11_0 = m11_0 < 0 ? m11_0 + p : m11_0 >= p ? m11_0 - p : m11_0;
      m11_1 -= Math.floor(m11_1 * invP) * p;
      m11_1 = m11_1 < 0 ? m11_1 + p : m11_1 >= p ? m11_1 - p : m11_1;
      m11_2 -= Math.floor(m11_2 * invP) * p;
      m11_2 = m11_2 < 0 ? m11_2 + p : m11_2 >= p ? m11_2 - p : m11_2;
      m11_3 -= Math.floor(m11_3 * invP) * p;
      m11_3 = m11_3 < 0 ? m11_3 + p : m11_3 >= p ? m11_3 - p : m11_3;
      s1_0 += m11_0;
      s1_1 += m11_1;
      s1_2 += m11_2;
      s1_3 += m11_3;
    }
    const qm20_0 = fP2_0 * invP, qm20_1 = fP2_1 * invP, qm20_2 = fP2_2 * invP, qm20_3 = fP2_3 * invP;
    let m20_0 = ((Math.imul(fP2_0, gP2_0) - Math.imul(Math.floor(qm20_0 * gP2_0), p)) | 0) + w * (((Math.imul(fP2_1, gP2_3) - Math.imul(Math.floor(qm20_1 * gP2_3), p)) | 0) + ((Math.imul(fP2_2, gP2_2) - Math.imul(Math.floor(qm20_2 * gP2_2), p)) | 0) + ((Math.imul(fP2_3, gP2_1) - Math.imul(Math.floor(qm20_3 * gP2_1), p)) | 0));
    let m20_1 = ((Math.imul(fP2_0, gP2_1) - Math.imul(Math.floor(qm20_0 * gP2_1), p)) | 0) + ((Math.imul(fP2_1, gP2_0) - Math.imul(Math.floor(qm20_1 * gP2_0), p)) | 0) + w * (((Math.imul(fP2_2, gP2_3) - Math.imul(Math.floor(qm20_2 * gP2_3), p)) | 0) + ((Math.imul(fP2_3, gP2_2) - Math.imul(Math.floor(qm20_3 * gP2_2), p)) | 0));
    let m20_2 = ((Math.imul(fP2_0, gP2_2) - Math.imul(Math.floor(qm20_0 * gP2_2), p)) | 0) + ((Math.imul(fP2_1, gP2_1) - Math.imul(Math.floor(qm20_1 * gP2_1), p)) | 0) + ((Math.imul(fP2_2, gP2_0) - Math.imul(Math.floor(qm20_2 * gP2_0), p)) | 0) + w * ((Math.imul(fP2_3, gP2_3) - Math.imul(Math.floor(qm20_3 * gP2_3), p)) | 0);
    let m20_3 = ((Math.imul(fP2_0, gP2_3) - Math.imul(Math.floor(qm20_0 * gP2_3), p)) | 0) + ((Math.imul(fP2_1, gP2_2) - Math.imul(Math.floor(qm20_1 * gP2_2), p)) | 0) + ((Math.imul(fP2_2, gP2_1) - Math.imul(Math.floor(qm20_2 * gP2_1), p)) | 0) + ((Math.imul(fP2_3, gP2_0) - Math.imul(Math.floor(qm20_3 * gP2_0), p)) | 0);
    m20_0 -= Math.floor(m20_0 * invP) * p;
    m20_0 = m20_0 < 0 ? m20_0 + p : m20_0 >= p ? m20_0 - p : m20_0;
    m20_1 -= Math.floor(m20_1 * invP) * p;
    m20_1 = m20_1 < 0 ? m20_1 + p : m20_1 >= p ? m20_1 - p : m20_1;
    m20_2 -= Math.floor(m20_2 * invP) * p;
    m20_2 = m20_2 < 0 ? m20_2 + p : m20_2 >= p ? m20_2 - p : m20_2;
    m20_3 -= Math.floor(m20_3 * invP) * p;
    m20_3 = m20_3 < 0 ? m20_3 + p : m20_3 >= p ? m20_3 - p : m20_3;
    const qm21_0 = m20_0 * invP, qm21_1 = m20_1 * invP, qm21_2 = m20_2 * invP, qm21_3 = m20_3 * invP;
    let m21_0 = ((Math.imul(m20_0, hP2_0) - Math.imul(Math.floor(qm21_0 * hP2_0), p)) | 0) + w * (((Math.imul(m20_1, hP2_3) - Math.imul(Math.floor(qm21_1 * hP2_3), p)) | 0) + ((Math.imul(m20_2, hP2_2) - Math.imul(Math.floor(qm21_2 * hP2_2), p)) | 0) + ((Math.imul(m20_3, hP2_1) - Math.imul(Math.floor(qm21_3 * hP2_1), p)) | 0));
    let m21_1 = ((Math.imul(m20_0, hP2_1) - Math.imul(Math.floor(qm21_0 * hP2_1), p)) | 0) + ((Math.imul(m20_1, hP2_0) - Math.imul(Math.floor(qm21_1 * hP2_0), p)) | 0) + w * (((Math.imul(m20_2, hP2_3) - Math.imul(Math.floor(qm21_2 * hP2_3), p)) | 0) + ((Math.imul(m20_3, hP2_2) - Math.imul(Math.floor(qm21_3 * hP2_2), p)) | 0));
    let m21_2 = ((Math.imul(m20_0, hP2_2) - Math.imul(Math.floor(qm21_0 * hP2_2), p)) | 0) + ((Math.imul(m20_1, hP2_1) - Math.imul(Math.floor(qm21_1 * hP2_1), p)) | 0) + ((Math.imul(m20_2, hP2_0) - Math.imul(Math.floor(qm21_2 * hP2_0), p)) | 0) + w * ((Math.imul(m20_3, hP2_3) - Math.imul(Math.floor(qm21_3 * hP2_3), p)) | 0);
    let m21_3 = ((Math.imul(m20_0, hP2_3) - Math.imul(Math.floor(qm21_0 * hP2_3), p)) | 0) + ((Math.imul(m20_1, hP2_2) - Math.imul(Math.floor(qm21_1 * hP2_2), p)) | 0) + ((Math.imul(m20_2, hP2_1) - Math.imul(Math.floor(qm21_2 * hP2_1), p)) | 0) + ((Math.imul(m20_3, hP2_0) - Math.imul(Math.floor(qm21_3 * hP2_0), p)) | 0);
    m21_0 -= Math.floor(m21_0 * invP) * p;
    m21_0 = m21_0 < 0 ? m21_0 + p : m21_0 >= p ? m21_0 - p : m21_0;
    m21_1 -= Math.floor(m21_1 * invP) * p;
    m21_1 = m21_1 < 0 ? m21_1 + p : m21_1 >= p ? m21_1 - p : m21_1;
    m21_2 -= Math.floor(m21_2 * invP) * p;
    m21_2 = m21_2 < 0 ? m21_2 + p : m21_2 >= p ? m21_2 - p : m21_2;
    m21_3 -= Math.floor(m21_3 * invP) * p;
    m21_3 = m21_3 < 0 ? m21_3 + p : m21_3 >= p ? m21_3 - p : m21_3;
    s2_0 += m21_0;
    s2_1 += m21_1;
    s2_2 += m21_2;
    s2_3 += m21_3;
    const qm30_0 = fP3_0 * invP, qm30_1 = fP3_1 * invP, qm30_2 = fP3_2 * invP, qm30_3 = fP3_3 * invP;
    let m30_0 = ((Math.imul(fP3_0, gP3_0) - Math.imul(Math.floor(qm30_0 * gP3_0), p)) | 0) + w * (((Math.imul(fP3_1, gP3_3) - Math.imul(Math.floor(qm30_1 * gP3_3), p)) | 0) + ((Math.imul(fP3_2, gP3_2) - Math.imul(Math.floor(qm30_2 * gP3_2), p)) | 0) + ((Math.imul(fP3_3, gP3_1) - Math.imul(Math.floor(qm30_3 * gP3_1), p)) | 0));
    let m30_1 = ((Math.imul(fP3_0, gP3_1) - Math.imul(Math.floor(qm30_0 * gP3_1), p)) | 0) + ((Math.imul(fP3_1, gP3_0) - Math.imul(Math.floor(qm30_1 * gP3_0), p)) | 0) + w * (((Math.imul(fP3_2, gP3_3) - Math.imul(Math.floor(qm30_2 * gP3_3), p)) | 0) + ((Math.imul(fP3_3, gP3_2) - Math.imul(Math.floor(qm30_3 * gP3_2), p)) | 0));
    let m30_2 = ((Math.imul(fP3_0, gP3_2) - Math.imul(Math.floor(qm30_0 * gP3_2), p)) | 0) + ((Math.imul(fP3_1, gP3_1) - Math.imul(Math.floor(qm30_1 * gP3_1), p)) | 0) + ((Math.imul(fP3_2, gP3_0) - Math.imul(Math.floor(qm30_2 * gP3_0), p)) | 0) + w * ((Math.imul(fP3_3, gP3_3) - Math.imul(Math.floor(qm30_3 * gP3_3), p)) | 0);
    let m30_3 = ((Math.imul(fP3_0, gP3_3) - Math.imul(Math.floor(qm30_0 * gP3_3), p)) | 0) + ((Math.imul(fP3_1, gP3_2) - Math.imul(Math.floor(qm30_1 * gP3_2), p)) | 0) + ((Math.imul(fP3_2, gP3_1) - Math.imul(Math.floor(qm30_2 * gP3_1), p)) | 0) + ((Math.imul(fP3_3, gP3_0) - Math.imul(Math.floor(qm30_3 * gP3_0), p)) | 0);
    m30_0 -= Math.floor(m30_0 * invP) * p;
    m30_0 = m30_0 < 0 ? m30_0 + p : m30_0 >= p ? m30_0 - p : m30_0;
    m30_1 -= Math.floor(m30_1 * invP) * p;
    m30_1 = m30_1 < 0 ? m30_1 + p : m30_1 >= p ? m30_1 - p : m30_1;
    m30_2 -= Math.floor(m30_2 * invP) * p;
    m30_2 = m30_2 < 0 ? m30_2 + p : m30_2 >= p ? m30_2 - p : m30_2;
    m30_3 -= Math.floor(m30_3 * invP) * p;
    m30_3 = m30_3 < 0 ? m30_3 + p : m30_3 >= p ? m30_3 - p : m30_3;
    const qm31_0 = m30_0 * invP, qm31_1 = m30_1 * invP, qm31_2 = m30_2 * invP, qm31_3 = m30_3 * invP;
    let m31_0 = ((Math.imul(m30_0, hP3_0) - Math.imul(Math.floor(qm31_0 * hP3_0), p)) | 0) + w * (((Math.imul(m30_1, hP3_3) - Math.imul(Math.floor(qm31_1 * hP3_3), p)) | 0) + ((Math.imul(m30_2, hP3_2) - Math.imul(Math.floor(qm31_2 * hP3_2), p)) | 0) + ((Math.imul(m30_3, hP3_1) - Math.imul(Math.floor(qm31_3 * hP3_1), p)) | 0));
    let m31_1 = ((Math.imul(m30_0, hP3_1) - Math.imul(Math.floor(qm31_0 * hP3_1), p)) | 0) + ((Math.imul(m30_1, hP3_0) - Math.imul(Math.floor(qm31_1 * hP3_0), p)) | 0) + w * (((Math.imul(m30_2, hP3_3) - Math.imul(Math.floor(qm31_2 * hP3_3), p)) | 0) + ((Math.imul(m30_3, hP3_2) - Math.imul(Math.floor(qm31_3 * hP3_2), p)) | 0));
    let m31_2 = ((Math.imul(m30_0, hP3_2) - Math.imul(Math.floor(qm31_0 * hP3_2), p)) | 0) + ((Math.imul(m30_1, hP3_1) - Math.imul(Math.floor(qm31_1 * hP3_1), p)) | 0) + ((Math.imul(m30_2, hP3_0) - Math.imul(Math.floor(qm31_2 * hP3_0), p)) | 0) + w * ((Math.imul(m30_3, hP3_3) - Math.imul(Math.floor(qm31_3 * hP3_3), p)) | 0);
    let m31_3 = ((Math.imul(m30_0, hP3_3) - Math.imul(Math.floor(qm31_0 * hP3_3), p)) | 0) + ((Math.imul(m30_1, hP3_2) - Math.imul(Math.floor(qm31_1 * hP3_2), p)) | 0) + ((Math.imul(m30_2, hP3_1) - Math.imul(Math.floor(qm31_2 * hP3_1), p)) | 0) + ((Math.imul(m30_3, hP3_0) - Math.imul(Math.floor(qm31_3 * hP3_0), p)) | 0);
    m31_0 -= Math.floor(m31_0 * invP) * p;
    m31_0 = m31_0 < 0 ? m31_0 + p : m31_0 >= p ? m31_0 - p : m31_0;
    m31_1 -= Math.floor(m31_1 * invP) * p;
    m31_1 = m31_1 < 0 ? m31_1 + p : m31_1 >= p ? m31_1 - p : m31_1;
    m31_2 -= Math.floor(m31_2 * invP) * p;
    m31_2 = m31_2 < 0 ? m31_2 + p : m31_2 >= p ? m31_2 - p : m31_2;
    m31_3 -= Math.floor(m31_3 * invP) * p;
    m31_3 = m31_3 < 0 ? m31_3 + p : m31_3 >= p ? m31_3 - p : m31_3;
    s3_0 += m31_0;
    s3_1 += m31_1;
    s3_2 += m31_2;
    s3_3 += m31_3;
    if ((j & REDUCE_MASK) === REDUCE_MASK) {
      s0_0 = red(s0_0, p, invP);
      s0_1 = red(s0_1, p, invP);
      s0_2 = red(s0_2, p, invP);
      s0_3 = red(s0_3, p, invP);
      s1_0 = red(s1_0, p, invP);
      s1_1 = red(s1_1, p, invP);
      s1_2 = red(s1_2, p, invP);
      s1_3 = red(s1_3, p, invP);
      s2_0 = red(s2_0, p, invP);
      s2_1 = red(s2_1, p, invP);
      s2_2 = red(s2_2, p, invP);
      s2_3 = red(s2_3, p, invP);
      s3_0 = red(s3_0, p, invP);
      s3_1 = red(s3_1, p, invP);
      s3_2 = red(s3_2, p, invP);
      s3_3 = red(s3_3, p, invP);
    }
  }
  acc[0] += s0_0;
  acc[1] += s0_1;
  acc[2] += s0_2;
  acc[3] += s0_3;
  acc[4] += s1_0;
  acc[5] += s1_1;
  acc[6] += s1_2;
  acc[7] += s1_3;
  acc[8] += s2_0;
  acc[9] += s2_1;
  acc[10] += s2_2;
  acc[11] += s2_3;
  acc[12] += s3_0;
  acc[13] += s3_1;
  acc[14] += s3_2;
  acc[15] += s3_3;
}

/** Fused: folds 3 ext tables with r (src → dst, may alias) and evaluates the next round's product. `n` = pairs after folding. */
function foldEvalProd3Ext(fs: Uint32Array, gs: Uint32Array, hs: Uint32Array, fd: Uint32Array, gd: Uint32Array, hd: Uint32Array, n: number, r: Ext, acc: Float64Array, p: number, invP: number, w: number): void {
  const r0 = r[0]!, r1 = r[1]!, r2 = r[2]!, r3 = r[3]!;
  const wr1 = red(w * r1, p, invP), wr2 = red(w * r2, p, invP), wr3 = red(w * r3, p, invP);
  const q0 = r0 * invP, q1 = r1 * invP, q2 = r2 * invP, q3 = r3 * invP;
  const qw1 = wr1 * invP, qw2 = wr2 * invP, qw3 = wr3 * invP;
  let s0_0 = 0, s0_1 = 0, s0_2 = 0, s0_3 = 0, s1_0 = 0, s1_1 = 0, s1_2 = 0, s1_3 = 0, s2_0 = 0, s2_1 = 0, s2_2 = 0, s2_3 = 0, s3_0 = 0, s3_1 = 0, s3_2 = 0, s3_3 = 0;
  for (let j = 0; j < n; j++) {
    const fAl0 = fs[16 * j + 0]!, fAl1 = fs[16 * j + 1]!, fAl2 = fs[16 * j + 2]!, fAl3 = fs[16 * j + 3]!;
    let fAd0 = fs[16 * j + 4]! - fAl0, fAd1 = fs[16 * j + 5]! - fAl1, fAd2 = fs[16 * j + 6]! - fAl2, fAd3 = fs[16 * j + 7]! - fAl3;
    fAd0 += p & (fAd0 >> 31);
    fAd1 += p & (fAd1 >> 31);
    fAd2 += p & (fAd2 >> 31);
    fAd3 += p & (fAd3 >> 31);
    let fA0 = fAl0 + ((Math.imul(fAd0, r0) - Math.imul(Math.floor(fAd0 * q0), p)) | 0) + ((Math.imul(fAd1, wr3) - Math.imul(Math.floor(fAd1 * qw3), p)) | 0) + ((Math.imul(fAd2, wr2) - Math.imul(Math.floor(fAd2 * qw2), p)) | 0) + ((Math.imul(fAd3, wr1) - Math.imul(Math.floor(fAd3 * qw1), p)) | 0);
    fA0 -= Math.floor(fA0 * invP) * p;
    fA0 = fA0 < 0 ? fA0 + p : fA0 >= p ? fA0 - p : fA0;
    let fA1 = fAl1 + ((Math.imul(fAd0, r1) - Math.imul(Math.floor(fAd0 * q1), p)) | 0) + ((Math.imul(fAd1, r0) - Math.imul(Math.floor(fAd1 * q0), p)) | 0) + ((Math.imul(fAd2, wr3) - Math.imul(Math.floor(fAd2 * qw3), p)) | 0) + ((Math.imul(fAd3, wr2) - Math.imul(Math.floor(fAd3 * qw2), p)) | 0);
    fA1 -= Math.floor(fA1 * invP) * p;
    fA1 = fA1 < 0 ? fA1 + p : fA1 >= p ? fA1 - p : fA1;
    let fA2 = fAl2 + ((Math.imul(fAd0, r2) - Math.imul(Math.floor(fAd0 * q2), p)) | 0) + ((Math.imul(fAd1, r1) - Math.imul(Math.floor(fAd1 * q1), p)) | 0) + ((Math.imul(fAd2, r0) - Math.imul(Math.floor(fAd2 * q0), p)) | 0) + ((Math.imul(fAd3, wr3) - Math.imul(Math.floor(fAd3 * qw3), p)) | 0);
    fA2 -= Math.floor(fA2 * invP) * p;
    fA2 = fA2 < 0 ? fA2 + p : fA2 >= p ? fA2 - p : fA2;
    let fA3 = fAl3 + ((Math.imul(fAd0, r3) - Math.imul(Math.floor(fAd0 * q3), p)) | 0) + ((Math.imul(fAd1, r2) - Math.imul(Math.floor(fAd1 * q2), p)) | 0) + ((Math.imul(fAd2, r1) - Math.imul(Math.floor(fAd2 * q1), p)) | 0) + ((Math.imul(fAd3, r0) - Math.imul(Math.floor(fAd3 * q0), p)) | 0);
    fA3 -= Math.floor(fA3 * invP) * p;
    fA3 = fA3 < 0 ? fA3 + p : fA3 >= p ? fA3 - p : fA3;
    const fBl0 = fs[16 * j + 8 + 0]!, fBl1 = fs[16 * j + 8 + 1]!, fBl2 = fs[16 * j + 8 + 2]!, fBl3 = fs[16 * j + 8 + 3]!;
    let fBd0 = fs[16 * j + 8 + 4]! - fBl0, fBd1 = fs[16 * j + 8 + 5]! - fBl1, fBd2 = fs[16 * j + 8 + 6]! - fBl2, fBd3 = fs[16 * j + 8 + 7]! - fBl3;
    fBd0 += p & (fBd0 >> 31);
    fBd1 += p & (fBd1 >> 31);
    fBd2 += p & (fBd2 >> 31);
    fBd3 += p & (fBd3 >> 31);
    let fB0 = fBl0 + ((Math.imul(fBd0, r0) - Math.imul(Math.floor(fBd0 * q0), p)) | 0) + ((Math.imul(fBd1, wr3) - Math.imul(Math.floor(fBd1 * qw3), p)) | 0) + ((Math.imul(fBd2, wr2) - Math.imul(Math.floor(fBd2 * qw2), p)) | 0) + ((Math.imul(fBd3, wr1) - Math.imul(Math.floor(fBd3 * qw1), p)) | 0);
    fB0 -= Math.floor(fB0 * invP) * p;
    fB0 = fB0 < 0 ? fB0 + p : fB0 >= p ? fB0 - p : fB0;
    let fB1 = fBl1 + ((Math.imul(fBd0, r1) - Math.imul(Math.floor(fBd0 * q1), p)) | 0) + ((Math.imul(fBd1, r0) - Math.imul(Math.floor(fBd1 * q0), p)) | 0) + ((Math.imul(fBd2, wr3) - Math.imul(Math.floor(fBd2 * qw3), p)) | 0) + ((Math.imul(fBd3, wr2) - Math.imul(Math.floor(fBd3 * qw2), p)) | 0);
    fB1 -= Math.floor(fB1 * invP) * p;
    fB1 = fB1 < 0 ? fB1 + p : fB1 >= p ? fB1 - p : fB1;
    let fB2 = fBl2 + ((Math.imul(fBd0, r2) - Math.imul(Math.floor(fBd0 * q2), p)) | 0) + ((Math.imul(fBd1, r1) - Math.imul(Math.floor(fBd1 * q1), p)) | 0) + ((Math.imul(fBd2, r0) - Math.imul(Math.floor(fBd2 * q0), p)) | 0) + ((Math.imul(fBd3, wr3) - Math.imul(Math.floor(fBd3 * qw3), p)) | 0);
    fB2 -= Math.floor(fB2 * invP) * p;
    fB2 = fB2 < 0 ? fB2 + p : fB2 >= p ? fB2 - p : fB2;
    let fB3 = fBl3 + ((Math.imul(fBd0, r3) - Math.imul(Math.floor(fBd0 * q3), p)) | 0) + ((Math.imul(fBd1, r2) - Math.imul(Math.floor(fBd1 * q2), p)) | 0) + ((Math.imul(fBd2, r1) - Math.imul(Math.floor(fBd2 * q1), p)) | 0) + ((Math.imul(fBd3, r0) - Math.imul(Math.floor(fBd3 * q0), p)) | 0);
    fB3 -= Math.floor(fB3 * invP) * p;
    fB3 = fB3 < 0 ? fB3 + p : fB3 >= p ? fB3 - p : fB3;
    fd[8 * j + 0] = fA0;
    fd[8 * j + 1] = fA1;
    fd[8 * j + 2] = fA2;
    fd[8 * j + 3] = fA3;
    fd[8 * j + 4] = fB0;
    fd[8 * j + 5] = fB1;
    fd[8 * j + 6] = fB2;
    fd[8 * j + 7] = fB3;
    let fPd0 = fB0 - fA0, fPd1 = fB1 - fA1, fPd2 = fB2 - fA2, fPd3 = fB3 - fA3;
    fPd0 += p & (fPd0 >> 31);
    fPd1 += p & (fPd1 >> 31);
    fPd2 += p & (fPd2 >> 31);
    fPd3 += p & (fPd3 >> 31);
    let fP2_0 = fB0 + fPd0, fP2_1 = fB1 + fPd1, fP2_2 = fB2 + fPd2, fP2_3 = fB3 + fPd3;
    fP2_0 -= p;
    fP2_0 += p & (fP2_0 >> 31);
    fP2_1 -= p;
    fP2_1 += p & (fP2_1 >> 31);
    fP2_2 -= p;
    fP2_2 += p & (fP2_2 >> 31);
    fP2_3 -= p;
    fP2_3 += p & (fP2_3 >> 31);
    let fP3_0 = fP2_0 + fPd0, fP3_1 = fP2_1 + fPd1, fP3_2 = fP2_2 + fPd2, fP3_3 = fP2_3 + fPd3;
    fP3_0 -= p;
    fP3_0 += p & (fP3_0 >> 31);
    fP3_1 -= p;
    fP3_1 += p & (fP3_1 >> 31);
    fP3_2 -= p;
    fP3_2 += p & (fP3_2 >> 31);
    fP3_3 -= p;
    fP3_3 += p & (fP3_3 >> 31);
    const gAl0 = gs[16 * j + 0]!, gAl1 = gs[16 * j + 1]!, gAl2 = gs[16 * j + 2]!, gAl3 = gs[16 * j + 3]!;
    let gAd0 = gs[16 * j + 4]! - gAl0, gAd1 = gs[16 * j + 5]! - gAl1, gAd2 = gs[16 * j + 6]! - gAl2, gAd3 = gs[16 * j + 7]! - gAl3;
    gAd0 += p & (gAd0 >> 31);
    gAd1 += p & (gAd1 >> 31);
    gAd2 += p & (gAd2 >> 31);
    gAd3 += p & (gAd3 >> 31);
    let gA0 = gAl0 + ((Math.imul(gAd0, r0) - Math.imul(Math.floor(gAd0 * q0), p)) | 0) + ((Math.imul(gAd1, wr3) - Math.imul(Math.floor(gAd1 * qw3), p)) | 0) + ((Math.imul(gAd2, wr2) - Math.imul(Math.floor(gAd2 * qw2), p)) | 0) + ((Math.imul(gAd3, wr1) - Math.imul(Math.floor(gAd3 * qw1), p)) | 0);
    gA0 -= Math.floor(gA0 * invP) * p;
    gA0 = gA0 < 0 ? gA0 + p : gA0 >= p ? gA0 - p : gA0;
    let gA1 = gAl1 + ((Math.imul(gAd0, r1) - Math.imul(Math.floor(gAd0 * q1), p)) | 0) + ((Math.imul(gAd1, r0) - Math.imul(Math.floor(gAd1 * q0), p)) | 0) + ((Math.imul(gAd2, wr3) - Math.imul(Math.floor(gAd2 * qw3), p)) | 0) + ((Math.imul(gAd3, wr2) - Math.imul(Math.floor(gAd3 * qw2), p)) | 0);
    gA1 -= Math.floor(gA1 * invP) * p;
    gA1 = gA1 < 0 ? gA1 + p : gA1 >= p ? gA1 - p : gA1;
    let gA2 = gAl2 + ((Math.imul(gAd0, r2) - Math.imul(Math.floor(gAd0 * q2), p)) | 0) + ((Math.imul(gAd1, r1) - Math.imul(Math.floor(gAd1 * q1), p)) | 0) + ((Math.imul(gAd2, r0) - Math.imul(Math.floor(gAd2 * q0), p)) | 0) + ((Math.imul(gAd3, wr3) - Math.imul(Math.floor(gAd3 * qw3), p)) | 0);
    gA2 -= Math.floor(gA2 * invP) * p;
    gA2 = gA2 < 0 ? gA2 + p : gA2 >= p ? gA2 - p : gA2;
    let gA3 = gAl3 + ((Math.imul(gAd0, r3) - Math.imul(Math.floor(gAd0 * q3), p)) | 0) + ((Math.imul(gAd1, r2) - Math.imul(Math.floor(gAd1 * q2), p)) | 0) + ((Math.imul(gAd2, r1) - Math.imul(Math.floor(gAd2 * q1), p)) | 0) + ((Math.imul(gAd3, r0) - Math.imul(Math.floor(gAd3 * q0), p)) | 0);
    gA3 -= Math.floor(gA3 * invP) * p;
    gA3 = gA3 < 0 ? gA3 + p : gA3 >= p ? gA3 - p : gA3;
    const gBl0 = gs[16 * j + 8 + 0]!, gBl1 = gs[16 * j + 8 + 1]!, gBl2 = gs[16 * j + 8 + 2]!, gBl3 = gs[16 * j + 8 + 3]!;
    let gBd0 = gs[16 * j + 8 + 4]! - gBl0, gBd1 = gs[16 * j + 8 + 5]! - gBl1, gBd2 = gs[16 * j + 8 + 6]! - gBl2, gBd3 = gs[16 * j + 8 + 7]! - gBl3;
    gBd0 += p & (gBd0 >> 31);
    gBd1 += p & (gBd1 >> 31);
    gBd2 += p & (gBd2 >> 31);
    gBd3 += p & (gBd3 >> 31);
    let gB0 = gBl0 + ((Math.imul(gBd0, r0) - Math.imul(Math.floor(gBd0 * q0), p)) | 0) + ((Math.imul(gBd1, wr3) - Math.imul(Math.floor(gBd1 * qw3), p)) | 0) + ((Math.imul(gBd2, wr2) - Math.imul(Math.floor(gBd2 * qw2), p)) | 0) + ((Math.imul(gBd3, wr1) - Math.imul(Math.floor(gBd3 * qw1), p)) | 0);
    gB0 -= Math.floor(gB0 * invP) * p;
    gB0 = gB0 < 0 ? gB0 + p : gB0 >= p ? gB0 - p : gB0;
    let gB1 = gBl1 + ((Math.imul(gBd0, r1) - Math.imul(Math.floor(gBd0 * q1), p)) | 0) + ((Math.imul(gBd1, r0) - Math.imul(Math.floor(gBd1 * q0), p)) | 0) + ((Math.imul(gBd2, wr3) - Math.imul(Math.floor(gBd2 * qw3), p)) | 0) + ((Math.imul(gBd3, wr2) - Math.imul(Math.floor(gBd3 * qw2), p)) | 0);
    gB1 -= Math.floor(gB1 * invP) * p;
    gB1 = gB1 < 0 ? gB1 + p : gB1 >= p ? gB1 - p : gB1;
    let gB2 = gBl2 + ((Math.imul(gBd0, r2) - Math.imul(Math.floor(gBd0 * q2), p)) | 0) + ((Math.imul(gBd1, r1) - Math.imul(Math.floor(gBd1 * q1), p)) | 0) + ((Math.imul(gBd2, r0) - Math.imul(Math.floor(gBd2 * q0), p)) | 0) + ((Math.imul(gBd3, wr3) - Math.imul(Math.floor(gBd3 * qw3), p)) | 0);
    gB2 -= Math.floor(gB2 * invP) * p;
    gB2 = gB2 < 0 ? gB2 + p : gB2 >= p ? gB2 - p : gB2;
    let gB3 = gBl3 + ((Math.imul(gBd0, r3) - Math.imul(Math.floor(gBd0 * q3), p)) | 0) + ((Math.imul(gBd1, r2) - Math.imul(Math.floor(gBd1 * q2), p)) | 0) + ((Math.imul(gBd2, r1) - Math.imul(Math.floor(gBd2 * q1), p)) | 0) + ((Math.imul(gBd3, r0) - Math.imul(Math.floor(gBd3 * q0), p)) | 0);
    gB3 -= Math.floor(gB3 * invP) * p;
    gB3 = gB3 < 0 ? gB3 + p : gB3 >= p ? gB3 - p : gB3;
    gd[8 * j + 0] = gA0;
    gd[8 * j + 1] = gA1;
    gd[8 * j + 2] = gA2;
    gd[8 * j + 3] = gA3;
    gd[8 * j + 4] = gB0;
    gd[8 * j + 5] = gB1;
    gd[8 * j + 6] = gB2;
    gd[8 * j + 7] = gB3;
    let gPd0 = gB0 - gA0, gPd1 = gB1 - gA1, gPd2 = gB2 - gA2, gPd3 = gB3 - gA3;
    gPd0 += p & (gPd0 >> 31);
    gPd1 += p & (gPd1 >> 31);
    gPd2 += p & (gPd2 >> 31);
    gPd3 += p & (gPd3 >> 31);
    let gP2_0 = gB0 + gPd0, gP2_1 = gB1 + gPd1, gP2_2 = gB2 + gPd2, gP2_3 = gB3 + gPd3;
    gP2_0 -= p;
    gP2_0 += p & (gP2_0 >> 31);
    gP2_1 -= p;
    gP2_1 += p & (gP2_1 >> 31);
    gP2_2 -= p;
    gP2_2 += p & (gP2_2 >> 31);
    gP2_3 -= p;
    gP2_3 += p & (gP2_3 >> 31);
    let gP3_0 = gP2_0 + gPd0, gP3_1 = gP2_1 + gPd1, gP3_2 = gP2_2 + gPd2, gP3_3 = gP2_3 + gPd3;
    gP3_0 -= p;
    gP3_0 += p & (gP3_0 >> 31);
    gP3_1 -= p;
    gP3_1 += p & (gP3_1 >> 31);
    gP3_2 -= p;
    gP3_2 += p & (gP3_2 >> 31);
    gP3_3 -= p;
    gP3_3 += p & (gP3_3 >> 31);
    const hAl0 = hs[16 * j + 0]!, hAl1 = hs[16 * j + 1]!, hAl2 = hs[16 * j + 2]!, hAl3 = hs[16 * j + 3]!;
    let hAd0 = hs[16 * j + 4]! - hAl0, hAd1 = hs[16 * j + 5]! - hAl1, hAd2 = hs[16 * j + 6]! - hAl2, hAd3 = hs[16 * j + 7]! - hAl3;
    hAd0 += p & (hAd0 >> 31);
    hAd1 += p & (hAd1 >> 31);
    hAd2 += p & (hAd2 >> 31);
    hAd3 += p & (hAd3 >> 31);
    let hA0 = hAl0 + ((Math.imul(hAd0, r0) - Math.imul(Math.floor(hAd0 * q0), p)) | 0) + ((Math.imul(hAd1, wr3) - Math.imul(Math.floor(hAd1 * qw3), p)) | 0) + ((Math.imul(hAd2, wr2) - Math.imul(Math.floor(hAd2 * qw2), p)) | 0) + ((Math.imul(hAd3, wr1) - Math.imul(Math.floor(hAd3 * qw1), p)) | 0);
    hA0 -= Math.floor(hA0 * invP) * p;
    hA0 = hA0 < 0 ? hA0 + p : hA0 >= p ? hA0 - p : hA0;
    let hA1 = hAl1 + ((Math.imul(hAd0, r1) - Math.imul(Math.floor(hAd0 * q1), p)) | 0) + ((Math.imul(hAd1, r0) - Math.imul(Math.floor(hAd1 * q0), p)) | 0) + ((Math.imul(hAd2, wr3) - Math.imul(Math.floor(hAd2 * qw3), p)) | 0) + ((Math.imul(hAd3, wr2) - Math.imul(Math.floor(hAd3 * qw2), p)) | 0);
    hA1 -= Math.floor(hA1 * invP) * p;
    hA1 = hA1 < 0 ? hA1 + p : hA1 >= p ? hA1 - p : hA1;
    let hA2 = hAl2 + ((Math.imul(hAd0, r2) - Math.imul(Math.floor(hAd0 * q2), p)) | 0) + ((Math.imul(hAd1, r1) - Math.imul(Math.floor(hAd1 * q1), p)) | 0) + ((Math.imul(hAd2, r0) - Math.imul(Math.floor(hAd2 * q0), p)) | 0) + ((Math.imul(hAd3, wr3) - Math.imul(Math.floor(hAd3 * qw3), p)) | 0);
    hA2 -= Math.floor(hA2 * invP) * p;
    hA2 = hA2 < 0 ? hA2 + p : hA2 >= p ? hA2 - p : hA2;
    let hA3 = hAl3 + ((Math.imul(hAd0, r3) - Math.imul(Math.floor(hAd0 * q3), p)) | 0) + ((Math.imul(hAd1, r2) - Math.imul(Math.floor(hAd1 * q2), p)) | 0) + ((Math.imul(hAd2, r1) - Math.imul(Math.floor(hAd2 * q1), p)) | 0) + ((Math.imul(hAd3, r0) - Math.imul(Math.floor(hAd3 * q0), p)) | 0);
    hA3 -= Math.floor(hA3 * invP) * p;
    hA3 = hA3 < 0 ? hA3 + p : hA3 >= p ? hA3 - p : hA3;
    const hBl0 = hs[16 * j + 8 + 0]!, hBl1 = hs[16 * j + 8 + 1]!, hBl2 = hs[16 * j + 8 + 2]!, hBl3 = hs[16 * j + 8 + 3]!;
    let hBd0 = hs[16 * j + 8 + 4]! - hBl0, hBd1 = hs[16 * j + 8 + 5]! - hBl1, hBd2 = hs[16 * j + 8 + 6]! - hBl2, hBd3 = hs[16 * j + 8 + 7]! - hBl3;
    hBd0 += p & (hBd0 >> 31);
    hBd1 += p & (hBd1 >> 31);
    hBd2 += p & (hBd2 >> 31);
    hBd3 += p & (hBd3 >> 31);
    let hB0 = hBl0 + ((Math.imul(hBd0, r0) - Math.imul(Math.floor(hBd0 * q0), p)) | 0) + ((Math.imul(hBd1, wr3) - Math.imul(Math.floor(hBd1 * qw3), p)) | 0) + ((Math.imul(hBd2, wr2) - Math.imul(Math.floor(hBd2 * qw2), p)) | 0) + ((Math.imul(hBd3, wr1) - Math.imul(Math.floor(hBd3 * qw1), p)) | 0);
    hB0 -= Math.floor(hB0 * invP) * p;
    hB0 = hB0 < 0 ? hB0 + p : hB0 >= p ? hB0 - p : hB0;
    let hB1 = hBl1 + ((Math.imul(hBd0, r1) - Math.imul(Math.floor(hBd0 * q1), p)) | 0) + ((Math.imul(hBd1, r0) - Math.imul(Math.floor(hBd1 * q0), p)) | 0) + ((Math.imul(hBd2, wr3) - Math.imul(Math.floor(hBd2 * qw3), p)) | 0) + ((Math.imul(hBd3, wr2) - Math.imul(Math.floor(hBd3 * qw2), p)) | 0);
    hB1 -= Math.floor(hB1 * invP) * p;
    hB1 = hB1 < 0 ? hB1 + p : hB1 >= p ? hB1 - p : hB1;
    let hB2 = hBl2 + ((Math.imul(hBd0, r2) - Math.imul(Math.floor(hBd0 * q2), p)) | 0) + ((Math.imul(hBd1, r1) - Math.imul(Math.floor(hBd1 * q1), p)) | 0) + ((Math.imul(hBd2, r0) - Math.imul(Math.floor(hBd2 * q0), p)) | 0) + ((Math.imul(hBd3, wr3) - Math.imul(Math.floor(hBd3 * qw3), p)) | 0);
    hB2 -= Math.floor(hB2 * invP) * p;
    hB2 = hB2 < 0 ? hB2 + p : hB2 >= p ? hB2 - p : hB2;
    let hB3 = hBl3 + ((Math.imul(hBd0, r3) - Math.imul(Math.floor(hBd0 * q3), p)) | 0) + ((Math.imul(hBd1, r2) - Math.imul(Math.floor(hBd1 * q2), p)) | 0) + ((Math.imul(hBd2, r1) - Math.imul(Math.floor(hBd2 * q1), p)) | 0) + ((Math.imul(hBd3, r0) - Math.imul(Math.floor(hBd3 * q0), p)) | 0);
    hB3 -= Math.floor(hB3 * invP) * p;
    hB3 = hB3 < 0 ? hB3 + p : hB3 >= p ? hB3 - p : hB3;
    hd[8 * j + 0] = hA0;
    hd[8 * j + 1] = hA1;
    hd[8 * j + 2] = hA2;
    hd[8 * j + 3] = hA3;
    hd[8 * j + 4] = hB0;
    hd[8 * j + 5] = hB1;
    hd[8 * j + 6] = hB2;
    hd[8 * j + 7] = hB3;
    let hPd0 = hB0 - hA0, hPd1 = hB1 - hA1, hPd2 = hB2 - hA2, hPd3 = hB3 - hA3;
    hPd0 += p & (hPd0 >> 31);
    hPd1 += p & (hPd1 >> 31);
    hPd2 += p & (hPd2 >> 31);
    hPd3 += p & (hPd3 >> 31);
    let hP2_0 = hB0 + hPd0, hP2_1 = hB1 + hPd1, hP2_2 = hB2 + hPd2, hP2_3 = hB3 + hPd3;
    hP2_0 -= p;
    hP2_0 += p & (hP2_0 >> 31);
    hP2_1 -= p;
    hP2_1 += p & (hP2_1 >> 31);
    hP2_2 -= p;
    hP2_2 += p & (hP2_2 >> 31);
    hP2_3 -= p;
    hP2_3 += p & (hP2_3 >> 31);
    let hP3_0 = hP2_0 + hPd0, hP3_1 = hP2_1 + hPd1, hP3_2 = hP2_2 + hPd2, hP3_3 = hP2_3 + hPd3;
    hP3_0 -= p;
    hP3_0 += p & (hP3_0 >> 31);
    hP3_1 -= p;
    hP3_1 += p & (hP3_1 >> 31);
    hP3_2 -= p;
    hP3_2 += p & (hP3_2 >> 31);
    hP3_3 -= p;
    hP3_3 += p & (hP3_3 >> 31);
    const qm00_0 = fA0 * invP, qm00_1 = fA1 * invP, qm00_2 = fA2 * invP, qm00_3 = fA3 * invP;
    let m00_0 = ((Math.imul(fA0, gA0) - Math.imul(Math.floor(qm00_0 * gA0), p)) | 0) + w * (((Math.imul(fA1, gA3) - Math.imul(Math.floor(qm00_1 * gA3), p)) | 0) + ((Math.imul(fA2, gA2) - Math.imul(Math.floor(qm00_2 * gA2), p)) | 0) + ((Math.imul(fA3, gA1) - Math.imul(Math.floor(qm00_3 * gA1), p)) | 0));
    let m00_1 = ((Math.imul(fA0, gA1) - Math.imul(Math.floor(qm00_0 * gA1), p)) | 0) + ((Math.imul(fA1, gA0) - Math.imul(Math.floor(qm00_1 * gA0), p)) | 0) + w * (((Math.imul(fA2, gA3) - Math.imul(Math.floor(qm00_2 * gA3), p)) | 0) + ((Math.imul(fA3, gA2) - Math.imul(Math.floor(qm00_3 * gA2), p)) | 0));
    let m00_2 = ((Math.imul(fA0, gA2) - Math.imul(Math.floor(qm00_0 * gA2), p)) | 0) + ((Math.imul(fA1, gA1) - Math.imul(Math.floor(qm00_1 * gA1), p)) | 0) + ((Math.imul(fA2, gA0) - Math.imul(Math.floor(qm00_2 * gA0), p)) | 0) + w * ((Math.imul(fA3, gA3) - Math.imul(Math.floor(qm00_3 * gA3), p)) | 0);
    let m00_3 = ((Math.imul(fA0, gA3) - Math.imul(Math.floor(qm00_0 * gA3), p)) | 0) + ((Math.imul(fA1, gA2) - Math.imul(Math.floor(qm00_1 * gA2), p)) | 0) + ((Math.imul(fA2, gA1) - Math.imul(Math.floor(qm00_2 * gA1), p)) | 0) + ((Math.imul(fA3, gA0) - Math.imul(Math.floor(qm00_3 * gA0), p)) | 0);
    m00_0 -= Math.floor(m00_0 * invP) * p;
    m00_0 = m00_0 < 0 ? m00_0 + p : m00_0 >= p ? m00_0 - p : m00_0;
    m00_1 -= Math.floor(m00_1 * invP) * p;
    m00_1 = m00_1 < 0 ? m00_1 + p : m00_1 >= p ? m00_1 - p : m00_1;
    m00_2 -= Math.floor(m00_2 * invP) * p;
    m00_2 = m00_2 < 0 ? m00_2 + p : m00_2 >= p ? m00_2 - p : m00_2;
    m00_3 -= Math.floor(m00_3 * invP) * p;
    m00_3 = m00_3 < 0 ? m00_3 + p : m00_3 >= p ? m00_3 - p : m00_3;
    const qm01_0 = m00_0 * invP, qm01_1 = m00_1 * invP, qm01_2 = m00_2 * invP, qm01_3 = m00_3 * invP;
    let m01_0 = ((Math.imul(m00_0, hA0) - Math.imul(Math.floor(qm01_0 * hA0), p)) | 0) + w * (((Math.imul(m00_1, hA3) - Math.imul(Math.floor(qm01_1 * hA3), p)) | 0) + ((Math.imul(m00_2, hA2) - Math.imul(Math.floor(qm01_2 * hA2), p)) | 0) + ((Math.imul(m00_3, hA1) - Math.imul(Math.floor(qm01_3 * hA1), p)) | 0));
    let m01_1 = ((Math.imul(m00_0, hA1) - Math.imul(Math.floor(qm01_0 * hA1), p)) | 0) + ((Math.imul(m00_1, hA0) - Math.imul(Math.floor(qm01_1 * hA0), p)) | 0) + w * (((Math.imul(m00_2, hA3) - Math.imul(Math.floor(qm01_2 * hA3), p)) | 0) + ((Math.imul(m00_3, hA2) - Math.imul(Math.floor(qm01_3 * hA2), p)) | 0));
    let m01_2 = ((Math.imul(m00_0, hA2) - Math.imul(Math.floor(qm01_0 * hA2), p)) | 0) + ((Math.imul(m00_1, hA1) - Math.imul(Math.floor(qm01_1 * hA1), p)) | 0) + ((Math.imul(m00_2, hA0) - Math.imul(Math.floor(qm01_2 * hA0), p)) | 0) + w * ((Math.imul(m00_3, hA3) - Math.imul(Math.floor(qm01_3 * hA3), p)) | 0);
    let m01_3 = ((Math.imul(m00_0, hA3) - Math.imul(Math.floor(qm01_0 * hA3), p)) | 0) + ((Math.imul(m00_1, hA2) - Math.imul(Math.floor(qm01_1 * hA2), p)) | 0) + ((Math.imul(m00_2, hA1) - Math.imul(Math.floor(qm01_2 * hA1), p)) | 0) + ((Math.imul(m00_3, hA0) - Math.imul(Math.floor(qm01_3 * hA0), p)) | 0);
    m01_0 -= Math.floor(m01_0 * invP) * p;
    m01_0 = m01_0 < 0 ? m01_0 + p : m01_0 >= p ? m01_0 - p : m01_0;
    m01_1 -= Math.floor(m01_1 * invP) * p;
    m01_1 = m01_1 < 0 ? m01_1 + p : m01_1 >= p ? m01_1 - p : m01_1;
    m01_2 -= Math.floor(m01_2 * invP) * p;
    m01_2 = m01_2 < 0 ? m01_2 + p : m01_2 >= p ? m01_2 - p : m01_2;
    m01_3 -= Math.floor(m01_3 * invP) * p;
    m01_3 = m01_3 < 0 ? m01_3 + p : m01_3 >= p ? m01_3 - p : m01_3;
    s0_0 += m01_0;
    s0_1 += m01_1;
    s0_2 += m01_2;
    s0_3 += m01_3;
    const qm20_0 = fP2_0 * invP, qm20_1 = fP2_1 * invP, qm20_2 = fP2_2 * invP, qm20_3 = fP2_3 * invP;
    let m20_0 = ((Math.imul(fP2_0, gP2_0) - Math.imul(Math.floor(qm20_0 * gP2_0), p)) | 0) + w * (((Math.imul(fP2_1, gP2_3) - Math.imul(Math.floor(qm20_1 * gP2_3), p)) | 0) + ((Math.imul(fP2_2, gP2_2) - Math.imul(Math.floor(qm20_2 * gP2_2), p)) | 0) + ((Math.imul(fP2_3, gP2_1) - Math.imul(Math.floor(qm20_3 * gP2_1), p)) | 0));
    let m20_1 = ((Math.imul(fP2_0, gP2_1) - Math.imul(Math.floor(qm20_0 * gP2_1), p)) | 0) + ((Math.imul(fP2_1, gP2_0) - Math.imul(Math.floor(qm20_1 * gP2_0), p)) | 0) + w * (((Math.imul(fP2_2, gP2_3) - Math.imul(Math.floor(qm20_2 * gP2_3), p)) | 0) + ((Math.imul(fP2_3, gP2_2) - Math.imul(Math.floor(qm20_3 * gP2_2), p)) | 0));
    let m20_2 = ((Math.imul(fP2_0, gP2_2) - Math.imul(Math.floor(qm20_0 * gP2_2), p)) | 0) + ((Math.imul(fP2_1, gP2_1) - Math.imul(Math.floor(qm20_1 * gP2_1), p)) | 0) + ((Math.imul(fP2_2, gP2_0) - Math.imul(Math.floor(qm20_2 * gP2_0), p)) | 0) + w * ((Math.imul(fP2_3, gP2_3) - Math.imul(Math.floor(qm20_3 * gP2_3), p)) | 0);
    let m20_3 = ((Math.imul(fP2_0, gP2_3) - Math.imul(Math.floor(qm20_0 * gP2_3), p)) | 0) + ((Math.imul(fP2_1, gP2_2) - Math.imul(Math.floor(qm20_1 * gP2_2), p)) | 0) + ((Math.imul(fP2_2, gP2_1) - Math.imul(Math.floor(qm20_2 * gP2_1), p)) | 0) + ((Math.imul(fP2_3, gP2_0) - Math.imul(Math.floor(qm20_3 * gP2_0), p)) | 0);
    m20_0 -= Math.floor(m20_0 * invP) * p;
    m20_0 = m20_0 < 0 ? m20_0 + p : m20_0 >= p ? m20_0 - p : m20_0;
    m20_1 -= Math.floor(m20_1 * invP) * p;
    m20_1 = m20_1 < 0 ? m20_1 + p : m20_1 >= p ? m20_1 - p : m20_1;
    m20_2 -= Math.floor(m20_2 * invP) * p;
    m20_2 = m20_2 < 0 ? m20_2 + p : m20_2 >= p ? m20_2 - p : m20_2;
    m20_3 -= Math.floor(m20_3 * invP) * p;
    m20_3 = m20_3 < 0 ? m20_3 + p : m20_3 >= p ? m20_3 - p : m20_3;
    const qm21_0 = m20_0 * invP, qm21_1 = m20_1 * invP, qm21_2 = m20_2 * invP, qm21_3 = m20_3 * invP;
    let m21_0 = ((Math.imul(m20_0, hP2_0) - Math.imul(Math.floor(qm21_0 * hP2_0), p)) | 0) + w * (((Math.imul(m20_1, hP2_3) - Math.imul(Math.floor(qm21_1 * hP2_3), p)) | 0) + ((Math.imul(m20_2, hP2_2) - Math.imul(Math.floor(qm21_2 * hP2_2), p)) | 0) + ((Math.imul(m20_3, hP2_1) - Math.imul(Math.floor(qm21_3 * hP2_1), p)) | 0));
    let m21_1 = ((Math.imul(m20_0, hP2_1) - Math.imul(Math.floor(qm21_0 * hP2_1), p)) | 0) + ((Math.imul(m20_1, hP2_0) - Math.imul(Math.floor(qm21_1 * hP2_0), p)) | 0) + w * (((Math.imul(m20_2, hP2_3) - Math.imul(Math.floor(qm21_2 * hP2_3), p)) | 0) + ((Math.imul(m20_3, hP2_2) - Math.imul(Math.floor(qm21_3 * hP2_2), p)) | 0));
    let m21_2 = ((Math.imul(m20_0, hP2_2) - Math.imul(Math.floor(qm21_0 * hP2_2), p)) | 0) + ((Math.imul(m20_1, hP2_1) - Math.imul(Math.floor(qm21_1 * hP2_1), p)) | 0) + ((Math.imul(m20_2, hP2_0) - Math.imul(Math.floor(qm21_2 * hP2_0), p)) | 0) + w * ((Math.imul(m20_3, hP2_3) - Math.imul(Math.floor(qm21_3 * hP2_3), p)) | 0);
    let m21_3 = ((Math.imul(m20_0, hP2_3) - Math.imul(Math.floor(qm21_0 * hP2_3), p)) | 0) + ((Math.imul(m20_1, hP2_2) - Math.imul(Math.floor(qm21_1 * hP2_2), p)) | 0) + ((Math.imul(m20_2, hP2_1) - Math.imul(Math.floor(qm21_2 * hP2_1), p)) | 0) + ((Math.imul(m20_3, hP2_0) - Math.imul(Math.floor(qm21_3 * hP2_0), p)) | 0);
    m21_0 -= Math.floor(m21_0 * invP) * p;
    m21_0 = m21_0 < 0 ? m21_0 + p : m21_0 >= p ? m21_0 - p : m21_0;
    m21_1 -= Math.floor(m21_1 * invP) * p;
    m21_1 = m21_1 < 0 ? m21_1 + p : m21_1 >= p ? m21_1 - p : m21_1;
    m21_2 -= Math.floor(m21_2 * invP) * p;
    m21_2 = m21_2 < 0 ? m21_2 + p : m21_2 >= p ? m21_2 - p : m21_2;
    m21_3 -= Math.floor(m21_3 * invP) * p;
    m21_3 = m21_3 < 0 ? m21_3 + p : m21_3 >= p ? m21_3 - p : m21_3;
    s2_0 += m21_0;
    s2_1 += m21_1;
    s2_2 += m21_2;
    s2_3 += m21_3;
    const qm30_0 = fP3_0 * invP, qm30_1 = fP3_1 * invP, qm30_2 = fP3_2 * invP, qm30_3 = fP3_3 * invP;
    let m30_0 = ((Math.imul(fP3_0, gP3_0) - Math.imul(Math.floor(qm30_0 * gP3_0), p)) | 0) + w * (((Math.imul(fP3_1, gP3_3) - Math.imul(Math.floor(qm30_1 * gP3_3), p)) | 0) + ((Math.imul(fP3_2, gP3_2) - Math.imul(Math.floor(qm30_2 * gP3_2), p)) | 0) + ((Math.imul(fP3_3, gP3_1) - Math.imul(Math.floor(qm30_3 * gP3_1), p)) | 0));
    let m30_1 = ((Math.imul(fP3_0, gP3_1) - Math.imul(Math.floor(qm30_0 * gP3_1), p)) | 0) + ((Math.imul(fP3_1, gP3_0) - Math.imul(Math.floor(qm30_1 * gP3_0), p)) | 0) + w * (((Math.imul(fP3_2, gP3_3) - Math.imul(Math.floor(qm30_2 * gP3_3), p)) | 0) + ((Math.imul(fP3_3, gP3_2) - Math.imul(Math.floor(qm30_3 * gP3_2), p)) | 0));
    let m30_2 = ((Math.imul(fP3_0, gP3_2) - Math.imul(Math.floor(qm30_0 * gP3_2), p)) | 0) + ((Math.imul(fP3_1, gP3_1) - Math.imul(Math.floor(qm30_1 * gP3_1), p)) | 0) + ((Math.imul(fP3_2, gP3_0) - Math.imul(Math.floor(qm30_2 * gP3_0), p)) | 0) + w * ((Math.imul(fP3_3, gP3_3) - Math.imul(Math.floor(qm30_3 * gP3_3), p)) | 0);
    let m30_3 = ((Math.imul(fP3_0, gP3_3) - Math.imul(Math.floor(qm30_0 * gP3_3), p)) | 0) + ((Math.imul(fP3_1, gP3_2) - Math.imul(Math.floor(qm30_1 * gP3_2), p)) | 0) + ((Math.imul(fP3_2, gP3_1) - Math.imul(Math.floor(qm30_2 * gP3_1), p)) | 0) + ((Math.imul(fP3_3, gP3_0) - Math.imul(Math.floor(qm30_3 * gP3_0), p)) | 0);
    m30_0 -= Math.floor(m30_0 * invP) * p;
    m30_0 = m30_0 < 0 ? m30_0 + p : m30_0 >= p ? m30_0 - p : m30_0;
    m30_1 -= Math.floor(m30_1 * invP) * p;
    m30_1 = m30_1 < 0 ? m30_1 + p : m30_1 >= p ? m30_1 - p : m30_1;
    m30_2 -= Math.floor(m30_2 * invP) * p;
    m30_2 = m30_2 < 0 ? m30_2 + p : m30_2 >= p ? m30_2 - p : m30_2;
    m30_3 -= Math.floor(m30_3 * invP) * p;
    m30_3 = m30_3 < 0 ? m30_3 + p : m30_3 >= p ? m30_3 - p : m30_3;
    const qm31_0 = m30_0 * invP, qm31_1 = m30_1 * invP, qm31_2 = m30_2 * invP, qm31_3 = m30_3 * invP;
    let m31_0 = ((Math.imul(m30_0, hP3_0) - Math.imul(Math.floor(qm31_0 * hP3_0), p)) | 0) + w * (((Math.imul(m30_1, hP3_3) - Math.imul(Math.floor(qm31_1 * hP3_3), p)) | 0) + ((Math.imul(m30_2, hP3_2) - Math.imul(Math.floor(qm31_2 * hP3_2), p)) | 0) + ((Math.imul(m30_3, hP3_1) - Math.imul(Math.floor(qm31_3 * hP3_1), p)) | 0));
    let m31_1 = ((Math.imul(m30_0, hP3_1) - Math.imul(Math.floor(qm31_0 * hP3_1), p)) | 0) + ((Math.imul(m30_1, hP3_0) - Math.imul(Math.floor(qm31_1 * hP3_0), p)) | 0) + w * (((Math.imul(m30_2, hP3_3) - Math.imul(Math.floor(qm31_2 * hP3_3), p)) | 0) + ((Math.imul(m30_3, hP3_2) - Math.imul(Math.floor(qm31_3 * hP3_2), p)) | 0));
    let m31_2 = ((Math.imul(m30_0, hP3_2) - Math.imul(Math.floor(qm31_0 * hP3_2), p)) | 0) + ((Math.imul(m30_1, hP3_1) - Math.imul(Math.floor(qm31_1 * hP3_1), p)) | 0) + ((Math.imul(m30_2, hP3_0) - Math.imul(Math.floor(qm31_2 * hP3_0), p)) | 0) + w * ((Math.imul(m30_3, hP3_3) - Math.imul(Math.floor(qm31_3 * hP3_3), p)) | 0);
    let m31_3 = ((Math.imul(m30_0, hP3_3) - Math.imul(Math.floor(qm31_0 * hP3_3), p)) | 0) + ((Math.imul(m30_1, hP3_2) - Math.imul(Math.floor(qm31_1 * hP3_2), p)) | 0) + ((Math.imul(m30_2, hP3_1) - Math.imul(Math.floor(qm31_2 * hP3_1), p)) | 0) + ((Math.imul(m30_3, hP3_0) - Math.imul(Math.floor(qm31_3 * hP3_0), p)) | 0);
    m31_0 -= Math.floor(m31_0 * invP) * p;
    m31_0 = m31_0 < 0 ? m31_0 + p : m31_0 >= p ? m31_0 - p : m31_0;
    m31_1 -= Math.floor(m31_1 * invP) * p;
    m31_1 = m31_1 < 0 ? m31_1 + p : m31_1 >= p ? m31_1 - p : m31_1;
    m31_2 -= Math.floor(m31_2 * invP) * p;
    m31_2 = m31_2 < 0 ? m31_2 + p : m31_2 >= p ? m31_2 - p : m31_2;
    m31_3 -= Math.floor(m31_3 * invP) * p;
    m31_3 = m31_3 < 0 ? m31_3 + p : m31_3 >= p ? m31_3 - p : m31_3;
    s3_0 += m31_0;
    s3_1 += m31_1;
    s3_2 += m31_2;
    s3_3 += m31_3;
    if ((j & REDUCE_MASK) === REDUCE_MASK) {
      s0_0 = red(s0_0, p, invP);
      s0_1 = red(s0_1, p, invP);
      s0_2 = red(s0_2, p, invP);
      s0_3 = red(s0_3, p, invP);
      s1_0 = red(s1_0, p, invP);
      s1_1 = red(s1_1, p, invP);
      s1_2 = red(s1_2, p, invP);
      s1_3 = red(s1_3, p, invP);
      s2_0 = red(s2_0, p, invP);
      s2_1 = red(s2_1, p, invP);
      s2_2 = red(s2_2, p, invP);
      s2_3 = red(s2_3, p, invP);
      s3_0 = red(s3_0, p, invP);
      s3_1 = red(s3_1, p, invP);
      s3_2 = red(s3_2, p, invP);
      s3_3 = red(s3_3, p, invP);
    }
  }
  acc[0] += s0_0;
  acc[1] += s0_1;
  acc[2] += s0_2;
  acc[3] += s0_3;
  acc[4] += s1_0;
  acc[5] += s1_1;
  acc[6] += s1_2;
  acc[7] += s1_3;
  acc[8] += s2_0;
  acc[9] += s2_1;
  acc[10] += s2_2;
  acc[11] += s2_3;
  acc[12] += s3_0;
  acc[13] += s3_1;
  acc[14] += s3_2;
  acc[15] += s3_3;
}

/** Product of 2 base tables, round 0: base-field arithmetic only; t = 0..2. */
function evalProd2Base(f: Uint32Array, g: Uint32Array, n: number, acc: Float64Array, p: number, invP: number): void {
  let s0 = 0, s1 = 0, s2 = 0;
  for (let j = 0; j < n; j++) {
    const f0 = f[2 * j]!, f1 = f[2 * j + 1]!;
    let fd = f1 - f0;
    fd += p & (fd >> 31);
    let f2 = f1 + fd;
    f2 -= p;
    f2 += p & (f2 >> 31);
    const g0 = g[2 * j]!, g1 = g[2 * j + 1]!;
    let gd = g1 - g0;
    gd += p & (gd >> 31);
    let g2 = g1 + gd;
    g2 -= p;
    g2 += p & (g2 >> 31);
    s0 += ((Math.imul(f0, g0) - Math.imul(Math.floor(f0 * g0 * invP), p)) | 0);
    s1 += ((Math.imul(f1, g1) - Math.imul(Math.floor(f1 * g1 * invP), p)) | 0);
    s2 += ((Math.imul(f2, g2) - Math.imul(Math.floor(f2 * g2 * invP), p)) | 0);
    if ((j & REDUCE_MASK) === REDUCE_MASK) {
      s0 = red(s0, p, invP);
      s1 = red(s1, p, invP);
      s2 = red(s2, p, invP);
    }
  }
  acc[0] += s0;
  acc[4] += s1;
  acc[8] += s2;
}

/**
 * Round 1 for a product of 2 base tables whose x_0 is bound to r_0 but not folded yet
 * (small-value optimisation): at x_1 = t each factor is a_t + r_0·b_t with base a_t, b_t, so
 * the product is a degree-2 polynomial in r_0 with base coefficients; acc[t·3 + c]
 * accumulates coefficient c (t = 0, 2..2). `n` = number of 4-entry blocks.
 */
function evalProd2SmallValue(f: Uint32Array, g: Uint32Array, n: number, acc: Float64Array, p: number, invP: number): void {
  let s0_0 = 0, s0_1 = 0, s0_2 = 0, s2_0 = 0, s2_1 = 0, s2_2 = 0;
  for (let j = 0; j < n; j++) {
    const f00 = f[4 * j]!, f10 = f[4 * j + 1]!, f01 = f[4 * j + 2]!, f11 = f[4 * j + 3]!;
    let fda = f01 - f00, fdc = f11 - f10;
    fda += p & (fda >> 31);
    fdc += p & (fdc >> 31);
    let fa0 = f00, fc0 = f10;
    let fa2 = f01 + fda, fc2 = f11 + fdc;
    fa2 -= p;
    fa2 += p & (fa2 >> 31);
    fc2 -= p;
    fc2 += p & (fc2 >> 31);
    let fb0 = fc0 - fa0;
    fb0 += p & (fb0 >> 31);
    let fb2 = fc2 - fa2;
    fb2 += p & (fb2 >> 31);
    const g00 = g[4 * j]!, g10 = g[4 * j + 1]!, g01 = g[4 * j + 2]!, g11 = g[4 * j + 3]!;
    let gda = g01 - g00, gdc = g11 - g10;
    gda += p & (gda >> 31);
    gdc += p & (gdc >> 31);
    let ga0 = g00, gc0 = g10;
    let ga2 = g01 + gda, gc2 = g11 + gdc;
    ga2 -= p;
    ga2 += p & (ga2 >> 31);
    gc2 -= p;
    gc2 += p & (gc2 >> 31);
    let gb0 = gc0 - ga0;
    gb0 += p & (gb0 >> 31);
    let gb2 = gc2 - ga2;
    gb2 += p & (gb2 >> 31);
    let e0_0_0 = ((Math.imul(fa0, ga0) - Math.imul(Math.floor(fa0 * ga0 * invP), p)) | 0);
    let e0_0_1 = ((Math.imul(fb0, ga0) - Math.imul(Math.floor(fb0 * ga0 * invP), p)) | 0) + ((Math.imul(fa0, gb0) - Math.imul(Math.floor(fa0 * gb0 * invP), p)) | 0);
    let e0_0_2 = ((Math.imul(fb0, gb0) - Math.imul(Math.floor(fb0 * gb0 * invP), p)) | 0);
    s0_0 += e0_0_0;
    s0_1 += e0_0_1;
    s0_2 += e0_0_2;
    let e2_0_0 = ((Math.imul(fa2, ga2) - Math.imul(Math.floor(fa2 * ga2 * invP), p)) | 0);
    let e2_0_1 = ((Math.imul(fb2, ga2) - Math.imul(Math.floor(fb2 * ga2 * invP), p)) | 0) + ((Math.imul(fa2, gb2) - Math.imul(Math.floor(fa2 * gb2 * invP), p)) | 0);
    let e2_0_2 = ((Math.imul(fb2, gb2) - Math.imul(Math.floor(fb2 * gb2 * invP), p)) | 0);
    s2_0 += e2_0_0;
    s2_1 += e2_0_1;
    s2_2 += e2_0_2;
    if ((j & REDUCE_MASK) === REDUCE_MASK) {
      s0_0 = red(s0_0, p, invP);
      s0_1 = red(s0_1, p, invP);
      s0_2 = red(s0_2, p, invP);
      s2_0 = red(s2_0, p, invP);
      s2_1 = red(s2_1, p, invP);
      s2_2 = red(s2_2, p, invP);
    }
  }
  acc[0] += s0_0;
  acc[1] += s0_1;
  acc[2] += s0_2;
  acc[6] += s2_0;
  acc[7] += s2_1;
  acc[8] += s2_2;
}

/**
 * Round 2 for 2 base tables: binds x_0, x_1 to (u, v) = (r_0, r_1) in one pass (base → ext,
 * fresh dst of 2^(n−2) entries) and evaluates the next round's product. `n` = pairs after folding.
 */
function fold2EvalProd2(fs: Uint32Array, gs: Uint32Array, fd: Uint32Array, gd: Uint32Array, n: number, u: Ext, v: Ext, uv: Ext, acc: Float64Array, p: number, invP: number, w: number): void {
  const u0 = u[0]!, u1 = u[1]!, u2 = u[2]!, u3 = u[3]!;
  const qu0 = u0 * invP, qu1 = u1 * invP, qu2 = u2 * invP, qu3 = u3 * invP;
  const v0 = v[0]!, v1 = v[1]!, v2 = v[2]!, v3 = v[3]!;
  const qv0 = v0 * invP, qv1 = v1 * invP, qv2 = v2 * invP, qv3 = v3 * invP;
  const uv0 = uv[0]!, uv1 = uv[1]!, uv2 = uv[2]!, uv3 = uv[3]!;
  const quv0 = uv0 * invP, quv1 = uv1 * invP, quv2 = uv2 * invP, quv3 = uv3 * invP;
  let s0_0 = 0, s0_1 = 0, s0_2 = 0, s0_3 = 0, s2_0 = 0, s2_1 = 0, s2_2 = 0, s2_3 = 0;
  for (let j = 0; j < n; j++) {
    const fA00 = fs[8 * j]!, fA10 = fs[8 * j + 1]!, fA01 = fs[8 * j + 2]!, fA11 = fs[8 * j + 3]!;
    let fAx = fA10 - fA00, fAy = fA01 - fA00, fAz = fA11 + fA00 + 2 * p - fA10 - fA01;
    fAx += p & (fAx >> 31);
    fAy += p & (fAy >> 31);
    fAz -= Math.floor(fAz * invP) * p;
    fAz = fAz < 0 ? fAz + p : fAz >= p ? fAz - p : fAz;
    let fA0 = fA00 + ((Math.imul(fAx, u0) - Math.imul(Math.floor(fAx * qu0), p)) | 0) + ((Math.imul(fAy, v0) - Math.imul(Math.floor(fAy * qv0), p)) | 0) + ((Math.imul(fAz, uv0) - Math.imul(Math.floor(fAz * quv0), p)) | 0);
    fA0 -= Math.floor(fA0 * invP) * p;
    fA0 = fA0 < 0 ? fA0 + p : fA0 >= p ? fA0 - p : fA0;
    let fA1 = ((Math.imul(fAx, u1) - Math.imul(Math.floor(fAx * qu1), p)) | 0) + ((Math.imul(fAy, v1) - Math.imul(Math.floor(fAy * qv1), p)) | 0) + ((Math.imul(fAz, uv1) - Math.imul(Math.floor(fAz * quv1), p)) | 0);
    fA1 -= Math.floor(fA1 * invP) * p;
    fA1 = fA1 < 0 ? fA1 + p : fA1 >= p ? fA1 - p : fA1;
    let fA2 = ((Math.imul(fAx, u2) - Math.imul(Math.floor(fAx * qu2), p)) | 0) + ((Math.imul(fAy, v2) - Math.imul(Math.floor(fAy * qv2), p)) | 0) + ((Math.imul(fAz, uv2) - Math.imul(Math.floor(fAz * quv2), p)) | 0);
    fA2 -= Math.floor(fA2 * invP) * p;
    fA2 = fA2 < 0 ? fA2 + p : fA2 >= p ? fA2 - p : fA2;
    let fA3 = ((Math.imul(fAx, u3) - Math.imul(Math.floor(fAx * qu3), p)) | 0) + ((Math.imul(fAy, v3) - Math.imul(Math.floor(fAy * qv3), p)) | 0) + ((Math.imul(fAz, uv3) - Math.imul(Math.floor(fAz * quv3), p)) | 0);
    fA3 -= Math.floor(fA3 * invP) * p;
    fA3 = fA3 < 0 ? fA3 + p : fA3 >= p ? fA3 - p : fA3;
    const fB00 = fs[8 * j + 4]!, fB10 = fs[8 * j + 4 + 1]!, fB01 = fs[8 * j + 4 + 2]!, fB11 = fs[8 * j + 4 + 3]!;
    let fBx = fB10 - fB00, fBy = fB01 - fB00, fBz = fB11 + fB00 + 2 * p - fB10 - fB01;
    fBx += p & (fBx >> 31);
    fBy += p & (fBy >> 31);
    fBz -= Math.floor(fBz * invP) * p;
    fBz = fBz < 0 ? fBz + p : fBz >= p ? fBz - p : fBz;
    let fB0 = fB00 + ((Math.imul(fBx, u0) - Math.imul(Math.floor(fBx * qu0), p)) | 0) + ((Math.imul(fBy, v0) - Math.imul(Math.floor(fBy * qv0), p)) | 0) + ((Math.imul(fBz, uv0) - Math.imul(Math.floor(fBz * quv0), p)) | 0);
    fB0 -= Math.floor(fB0 * invP) * p;
    fB0 = fB0 < 0 ? fB0 + p : fB0 >= p ? fB0 - p : fB0;
    let fB1 = ((Math.imul(fBx, u1) - Math.imul(Math.floor(fBx * qu1), p)) | 0) + ((Math.imul(fBy, v1) - Math.imul(Math.floor(fBy * qv1), p)) | 0) + ((Math.imul(fBz, uv1) - Math.imul(Math.floor(fBz * quv1), p)) | 0);
    fB1 -= Math.floor(fB1 * invP) * p;
    fB1 = fB1 < 0 ? fB1 + p : fB1 >= p ? fB1 - p : fB1;
    let fB2 = ((Math.imul(fBx, u2) - Math.imul(Math.floor(fBx * qu2), p)) | 0) + ((Math.imul(fBy, v2) - Math.imul(Math.floor(fBy * qv2), p)) | 0) + ((Math.imul(fBz, uv2) - Math.imul(Math.floor(fBz * quv2), p)) | 0);
    fB2 -= Math.floor(fB2 * invP) * p;
    fB2 = fB2 < 0 ? fB2 + p : fB2 >= p ? fB2 - p : fB2;
    let fB3 = ((Math.imul(fBx, u3) - Math.imul(Math.floor(fBx * qu3), p)) | 0) + ((Math.imul(fBy, v3) - Math.imul(Math.floor(fBy * qv3), p)) | 0) + ((Math.imul(fBz, uv3) - Math.imul(Math.floor(fBz * quv3), p)) | 0);
    fB3 -= Math.floor(fB3 * invP) * p;
    fB3 = fB3 < 0 ? fB3 + p : fB3 >= p ? fB3 - p : fB3;
    fd[8 * j + 0] = fA0;
    fd[8 * j + 1] = fA1;
    fd[8 * j + 2] = fA2;
    fd[8 * j + 3] = fA3;
    fd[8 * j + 4] = fB0;
    fd[8 * j + 5] = fB1;
    fd[8 * j + 6] = fB2;
    fd[8 * j + 7] = fB3;
    let fPd0 = fB0 - fA0, fPd1 = fB1 - fA1, fPd2 = fB2 - fA2, fPd3 = fB3 - fA3;
    fPd0 += p & (fPd0 >> 31);
    fPd1 += p & (fPd1 >> 31);
    fPd2 += p & (fPd2 >> 31);
    fPd3 += p & (fPd3 >> 31);
    let fP2_0 = fB0 + fPd0, fP2_1 = fB1 + fPd1, fP2_2 = fB2 + fPd2, fP2_3 = fB3 + fPd3;
    fP2_0 -= p;
    fP2_0 += p & (fP2_0 >> 31);
    fP2_1 -= p;
    fP2_1 += p & (fP2_1 >> 31);
    fP2_2 -= p;
    fP2_2 += p & (fP2_2 >> 31);
    fP2_3 -= p;
    fP2_3 += p & (fP2_3 >> 31);
    const gA00 = gs[8 * j]!, gA10 = gs[8 * j + 1]!, gA01 = gs[8 * j + 2]!, gA11 = gs[8 * j + 3]!;
    let gAx = gA10 - gA00, gAy = gA01 - gA00, gAz = gA11 + gA00 + 2 * p - gA10 - gA01;
    gAx += p & (gAx >> 31);
    gAy += p & (gAy >> 31);
    gAz -= Math.floor(gAz * invP) * p;
    gAz = gAz < 0 ? gAz + p : gAz >= p ? gAz - p : gAz;
    let gA0 = gA00 + ((Math.imul(gAx, u0) - Math.imul(Math.floor(gAx * qu0), p)) | 0) + ((Math.imul(gAy, v0) - Math.imul(Math.floor(gAy * qv0), p)) | 0) + ((Math.imul(gAz, uv0) - Math.imul(Math.floor(gAz * quv0), p)) | 0);
    gA0 -= Math.floor(gA0 * invP) * p;
    gA0 = gA0 < 0 ? gA0 + p : gA0 >= p ? gA0 - p : gA0;
    let gA1 = ((Math.imul(gAx, u1) - Math.imul(Math.floor(gAx * qu1), p)) | 0) + ((Math.imul(gAy, v1) - Math.imul(Math.floor(gAy * qv1), p)) | 0) + ((Math.imul(gAz, uv1) - Math.imul(Math.floor(gAz * quv1), p)) | 0);
    gA1 -= Math.floor(gA1 * invP) * p;
    gA1 = gA1 < 0 ? gA1 + p : gA1 >= p ? gA1 - p : gA1;
    let gA2 = ((Math.imul(gAx, u2) - Math.imul(Math.floor(gAx * qu2), p)) | 0) + ((Math.imul(gAy, v2) - Math.imul(Math.floor(gAy * qv2), p)) | 0) + ((Math.imul(gAz, uv2) - Math.imul(Math.floor(gAz * quv2), p)) | 0);
    gA2 -= Math.floor(gA2 * invP) * p;
    gA2 = gA2 < 0 ? gA2 + p : gA2 >= p ? gA2 - p : gA2;
    let gA3 = ((Math.imul(gAx, u3) - Math.imul(Math.floor(gAx * qu3), p)) | 0) + ((Math.imul(gAy, v3) - Math.imul(Math.floor(gAy * qv3), p)) | 0) + ((Math.imul(gAz, uv3) - Math.imul(Math.floor(gAz * quv3), p)) | 0);
    gA3 -= Math.floor(gA3 * invP) * p;
    gA3 = gA3 < 0 ? gA3 + p : gA3 >= p ? gA3 - p : gA3;
    const gB00 = gs[8 * j + 4]!, gB10 = gs[8 * j + 4 + 1]!, gB01 = gs[8 * j + 4 + 2]!, gB11 = gs[8 * j + 4 + 3]!;
    let gBx = gB10 - gB00, gBy = gB01 - gB00, gBz = gB11 + gB00 + 2 * p - gB10 - gB01;
    gBx += p & (gBx >> 31);
    gBy += p & (gBy >> 31);
    gBz -= Math.floor(gBz * invP) * p;
    gBz = gBz < 0 ? gBz + p : gBz >= p ? gBz - p : gBz;
    let gB0 = gB00 + ((Math.imul(gBx, u0) - Math.imul(Math.floor(gBx * qu0), p)) | 0) + ((Math.imul(gBy, v0) - Math.imul(Math.floor(gBy * qv0), p)) | 0) + ((Math.imul(gBz, uv0) - Math.imul(Math.floor(gBz * quv0), p)) | 0);
    gB0 -= Math.floor(gB0 * invP) * p;
    gB0 = gB0 < 0 ? gB0 + p : gB0 >= p ? gB0 - p : gB0;
    let gB1 = ((Math.imul(gBx, u1) - Math.imul(Math.floor(gBx * qu1), p)) | 0) + ((Math.imul(gBy, v1) - Math.imul(Math.floor(gBy * qv1), p)) | 0) + ((Math.imul(gBz, uv1) - Math.imul(Math.floor(gBz * quv1), p)) | 0);
    gB1 -= Math.floor(gB1 * invP) * p;
    gB1 = gB1 < 0 ? gB1 + p : gB1 >= p ? gB1 - p : gB1;
    let gB2 = ((Math.imul(gBx, u2) - Math.imul(Math.floor(gBx * qu2), p)) | 0) + ((Math.imul(gBy, v2) - Math.imul(Math.floor(gBy * qv2), p)) | 0) + ((Math.imul(gBz, uv2) - Math.imul(Math.floor(gBz * quv2), p)) | 0);
    gB2 -= Math.floor(gB2 * invP) * p;
    gB2 = gB2 < 0 ? gB2 + p : gB2 >= p ? gB2 - p : gB2;
    let gB3 = ((Math.imul(gBx, u3) - Math.imul(Math.floor(gBx * qu3), p)) | 0) + ((Math.imul(gBy, v3) - Math.imul(Math.floor(gBy * qv3), p)) | 0) + ((Math.imul(gBz, uv3) - Math.imul(Math.floor(gBz * quv3), p)) | 0);
    gB3 -= Math.floor(gB3 * invP) * p;
    gB3 = gB3 < 0 ? gB3 + p : gB3 >= p ? gB3 - p : gB3;
    gd[8 * j + 0] = gA0;
    gd[8 * j + 1] = gA1;
    gd[8 * j + 2] = gA2;
    gd[8 * j + 3] = gA3;
    gd[8 * j + 4] = gB0;
    gd[8 * j + 5] = gB1;
    gd[8 * j + 6] = gB2;
    gd[8 * j + 7] = gB3;
    let gPd0 = gB0 - gA0, gPd1 = gB1 - gA1, gPd2 = gB2 - gA2, gPd3 = gB3 - gA3;
    gPd0 += p & (gPd0 >> 31);
    gPd1 += p & (gPd1 >> 31);
    gPd2 += p & (gPd2 >> 31);
    gPd3 += p & (gPd3 >> 31);
    let gP2_0 = gB0 + gPd0, gP2_1 = gB1 + gPd1, gP2_2 = gB2 + gPd2, gP2_3 = gB3 + gPd3;
    gP2_0 -= p;
    gP2_0 += p & (gP2_0 >> 31);
    gP2_1 -= p;
    gP2_1 += p & (gP2_1 >> 31);
    gP2_2 -= p;
    gP2_2 += p & (gP2_2 >> 31);
    gP2_3 -= p;
    gP2_3 += p & (gP2_3 >> 31);
    const qm00_0 = fA0 * invP, qm00_1 = fA1 * invP, qm00_2 = fA2 * invP, qm00_3 = fA3 * invP;
    let m00_0 = ((Math.imul(fA0, gA0) - Math.imul(Math.floor(qm00_0 * gA0), p)) | 0) + w * (((Math.imul(fA1, gA3) - Math.imul(Math.floor(qm00_1 * gA3), p)) | 0) + ((Math.imul(fA2, gA2) - Math.imul(Math.floor(qm00_2 * gA2), p)) | 0) + ((Math.imul(fA3, gA1) - Math.imul(Math.floor(qm00_3 * gA1), p)) | 0));
    let m00_1 = ((Math.imul(fA0, gA1) - Math.imul(Math.floor(qm00_0 * gA1), p)) | 0) + ((Math.imul(fA1, gA0) - Math.imul(Math.floor(qm00_1 * gA0), p)) | 0) + w * (((Math.imul(fA2, gA3) - Math.imul(Math.floor(qm00_2 * gA3), p)) | 0) + ((Math.imul(fA3, gA2) - Math.imul(Math.floor(qm00_3 * gA2), p)) | 0));
    let m00_2 = ((Math.imul(fA0, gA2) - Math.imul(Math.floor(qm00_0 * gA2), p)) | 0) + ((Math.imul(fA1, gA1) - Math.imul(Math.floor(qm00_1 * gA1), p)) | 0) + ((Math.imul(fA2, gA0) - Math.imul(Math.floor(qm00_2 * gA0), p)) | 0) + w * ((Math.imul(fA3, gA3) - Math.imul(Math.floor(qm00_3 * gA3), p)) | 0);
    let m00_3 = ((Math.imul(fA0, gA3) - Math.imul(Math.floor(qm00_0 * gA3), p)) | 0) + ((Math.imul(fA1, gA2) - Math.imul(Math.floor(qm00_1 * gA2), p)) | 0) + ((Math.imul(fA2, gA1) - Math.imul(Math.floor(qm00_2 * gA1), p)) | 0) + ((Math.imul(fA3, gA0) - Math.imul(Math.floor(qm00_3 * gA0), p)) | 0);
    m00_0 -= Math.floor(m00_0 * invP) * p;
    m00_0 = m00_0 < 0 ? m00_0 + p : m00_0 >= p ? m00_0 - p : m00_0;
    m00_1 -= Math.floor(m00_1 * invP) * p;
    m00_1 = m00_1 < 0 ? m00_1 + p : m00_1 >= p ? m00_1 - p : m00_1;
    m00_2 -= Math.floor(m00_2 * invP) * p;
    m00_2 = m00_2 < 0 ? m00_2 + p : m00_2 >= p ? m00_2 - p : m00_2;
    m00_3 -= Math.floor(m00_3 * invP) * p;
    m00_3 = m00_3 < 0 ? m00_3 + p : m00_3 >= p ? m00_3 - p : m00_3;
    s0_0 += m00_0;
    s0_1 += m00_1;
    s0_2 += m00_2;
    s0_3 += m00_3;
    const qm20_0 = fP2_0 * invP, qm20_1 = fP2_1 * invP, qm20_2 = fP2_2 * invP, qm20_3 = fP2_3 * invP;
    let m20_0 = ((Math.imul(fP2_0, gP2_0) - Math.imul(Math.floor(qm20_0 * gP2_0), p)) | 0) + w * (((Math.imul(fP2_1, gP2_3) - Math.imul(Math.floor(qm20_1 * gP2_3), p)) | 0) + ((Math.imul(fP2_2, gP2_2) - Math.imul(Math.floor(qm20_2 * gP2_2), p)) | 0) + ((Math.imul(fP2_3, gP2_1) - Math.imul(Math.floor(qm20_3 * gP2_1), p)) | 0));
    let m20_1 = ((Math.imul(fP2_0, gP2_1) - Math.imul(Math.floor(qm20_0 * gP2_1), p)) | 0) + ((Math.imul(fP2_1, gP2_0) - Math.imul(Math.floor(qm20_1 * gP2_0), p)) | 0) + w * (((Math.imul(fP2_2, gP2_3) - Math.imul(Math.floor(qm20_2 * gP2_3), p)) | 0) + ((Math.imul(fP2_3, gP2_2) - Math.imul(Math.floor(qm20_3 * gP2_2), p)) | 0));
    let m20_2 = ((Math.imul(fP2_0, gP2_2) - Math.imul(Math.floor(qm20_0 * gP2_2), p)) | 0) + ((Math.imul(fP2_1, gP2_1) - Math.imul(Math.floor(qm20_1 * gP2_1), p)) | 0) + ((Math.imul(fP2_2, gP2_0) - Math.imul(Math.floor(qm20_2 * gP2_0), p)) | 0) + w * ((Math.imul(fP2_3, gP2_3) - Math.imul(Math.floor(qm20_3 * gP2_3), p)) | 0);
    let m20_3 = ((Math.imul(fP2_0, gP2_3) - Math.imul(Math.floor(qm20_0 * gP2_3), p)) | 0) + ((Math.imul(fP2_1, gP2_2) - Math.imul(Math.floor(qm20_1 * gP2_2), p)) | 0) + ((Math.imul(fP2_2, gP2_1) - Math.imul(Math.floor(qm20_2 * gP2_1), p)) | 0) + ((Math.imul(fP2_3, gP2_0) - Math.imul(Math.floor(qm20_3 * gP2_0), p)) | 0);
    m20_0 -= Math.floor(m20_0 * invP) * p;
    m20_0 = m20_0 < 0 ? m20_0 + p : m20_0 >= p ? m20_0 - p : m20_0;
    m20_1 -= Math.floor(m20_1 * invP) * p;
    m20_1 = m20_1 < 0 ? m20_1 + p : m20_1 >= p ? m20_1 - p : m20_1;
    m20_2 -= Math.floor(m20_2 * invP) * p;
    m20_2 = m20_2 < 0 ? m20_2 + p : m20_2 >= p ? m20_2 - p : m20_2;
    m20_3 -= Math.floor(m20_3 * invP) * p;
    m20_3 = m20_3 < 0 ? m20_3 + p : m20_3 >= p ? m20_3 - p : m20_3;
    s2_0 += m20_0;
    s2_1 += m20_1;
    s2_2 += m20_2;
    s2_3 += m20_3;
    if ((j & REDUCE_MASK) === REDUCE_MASK) {
      s0_0 = red(s0_0, p, invP);
      s0_1 = red(s0_1, p, invP);
      s0_2 = red(s0_2, p, invP);
      s0_3 = red(s0_3, p, invP);
      s2_0 = red(s2_0, p, invP);
      s2_1 = red(s2_1, p, invP);
      s2_2 = red(s2_2, p, invP);
      s2_3 = red(s2_3, p, invP);
    }
  }
  acc[0] += s0_0;
  acc[1] += s0_1;
  acc[2] += s0_2;
  acc[3] += s0_3;
  acc[8] += s2_0;
  acc[9] += s2_1;
  acc[10] += s2_2;
  acc[11] += s2_3;
}

/** Product of 3 base tables, round 0: base-field arithmetic only; t = 0..3. */
function evalProd3Base(f: Uint32Array, g: Uint32Array, h: Uint32Array, n: number, acc: Float64Array, p: number, invP: number): void {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  for (let j = 0; j < n; j++) {
    const f0 = f[2 * j]!, f1 = f[2 * j + 1]!;
    let fd = f1 - f0;
    fd += p & (fd >> 31);
    let f2 = f1 + fd;
    f2 -= p;
    f2 += p & (f2 >> 31);
    let f3 = f2 + fd;
    f3 -= p;
    f3 += p & (f3 >> 31);
    const g0 = g[2 * j]!, g1 = g[2 * j + 1]!;
    let gd = g1 - g0;
    gd += p & (gd >> 31);
    let g2 = g1 + gd;
    g2 -= p;
    g2 += p & (g2 >> 31);
    let g3 = g2 + gd;
    g3 -= p;
    g3 += p & (g3 >> 31);
    const h0 = h[2 * j]!, h1 = h[2 * j + 1]!;
    let hd = h1 - h0;
    hd += p & (hd >> 31);
    let h2 = h1 + hd;
    h2 -= p;
    h2 += p & (h2 >> 31);
    let h3 = h2 + hd;
    h3 -= p;
    h3 += p & (h3 >> 31);
    s0 += ((Math.imul(((Math.imul(f0, g0) - Math.imul(Math.floor(f0 * g0 * invP), p)) | 0), h0) - Math.imul(Math.floor(((Math.imul(f0, g0) - Math.imul(Math.floor(f0 * g0 * invP), p)) | 0) * h0 * invP), p)) | 0);
    s1 += ((Math.imul(((Math.imul(f1, g1) - Math.imul(Math.floor(f1 * g1 * invP), p)) | 0), h1) - Math.imul(Math.floor(((Math.imul(f1, g1) - Math.imul(Math.floor(f1 * g1 * invP), p)) | 0) * h1 * invP), p)) | 0);
    s2 += ((Math.imul(((Math.imul(f2, g2) - Math.imul(Math.floor(f2 * g2 * invP), p)) | 0), h2) - Math.imul(Math.floor(((Math.imul(f2, g2) - Math.imul(Math.floor(f2 * g2 * invP), p)) | 0) * h2 * invP), p)) | 0);
    s3 += ((Math.imul(((Math.imul(f3, g3) - Math.imul(Math.floor(f3 * g3 * invP), p)) | 0), h3) - Math.imul(Math.floor(((Math.imul(f3, g3) - Math.imul(Math.floor(f3 * g3 * invP), p)) | 0) * h3 * invP), p)) | 0);
    if ((j & REDUCE_MASK) === REDUCE_MASK) {
      s0 = red(s0, p, invP);
      s1 = red(s1, p, invP);
      s2 = red(s2, p, invP);
      s3 = red(s3, p, invP);
    }
  }
  acc[0] += s0;
  acc[4] += s1;
  acc[8] += s2;
  acc[12] += s3;
}

/**
 * Round 1 for a product of 3 base tables whose x_0 is bound to r_0 but not folded yet
 * (small-value optimisation): at x_1 = t each factor is a_t + r_0·b_t with base a_t, b_t, so
 * the product is a degree-3 polynomial in r_0 with base coefficients; acc[t·4 + c]
 * accumulates coefficient c (t = 0, 2..3). `n` = number of 4-entry blocks.
 */
function evalProd3SmallValue(f: Uint32Array, g: Uint32Array, h: Uint32Array, n: number, acc: Float64Array, p: number, invP: number): void {
  let s0_0 = 0, s0_1 = 0, s0_2 = 0, s0_3 = 0, s2_0 = 0, s2_1 = 0, s2_2 = 0, s2_3 = 0, s3_0 = 0, s3_1 = 0, s3_2 = 0, s3_3 = 0;
  for (let j = 0; j < n; j++) {
    const f00 = f[4 * j]!, f10 = f[4 * j + 1]!, f01 = f[4 * j + 2]!, f11 = f[4 * j + 3]!;
    let fda = f01 - f00, fdc = f11 - f10;
    fda += p & (fda >> 31);
    fdc += p & (fdc >> 31);
    let fa0 = f00, fc0 = f10;
    let fa2 = f01 + fda, fc2 = f11 + fdc;
    fa2 -= p;
    fa2 += p & (fa2 >> 31);
    fc2 -= p;
    fc2 += p & (fc2 >> 31);
    let fa3 = fa2 + fda, fc3 = fc2 + fdc;
    fa3 -= p;
    fa3 += p & (fa3 >> 31);
    fc3 -= p;
    fc3 += p & (fc3 >> 31);
    let fb0 = fc0 - fa0;
    fb0 += p & (fb0 >> 31);
    let fb2 = fc2 - fa2;
    fb2 += p & (fb2 >> 31);
    let fb3 = fc3 - fa3;
    fb3 += p & (fb3 >> 31);
    const g00 = g[4 * j]!, g10 = g[4 * j + 1]!, g01 = g[4 * j + 2]!, g11 = g[4 * j + 3]!;
    let gda = g01 - g00, gdc = g11 - g10;
    gda += p & (gda >> 31);
    gdc += p & (gdc >> 31);
    let ga0 = g00, gc0 = g10;
    let ga2 = g01 + gda, gc2 = g11 + gdc;
    ga2 -= p;
    ga2 += p & (ga2 >> 31);
    gc2 -= p;
    gc2 += p & (gc2 >> 31);
    let ga3 = ga2 + gda, gc3 = gc2 + gdc;
    ga3 -= p;
    ga3 += p & (ga3 >> 31);
    gc3 -= p;
    gc3 += p & (gc3 >> 31);
    let gb0 = gc0 - ga0;
    gb0 += p & (gb0 >> 31);
    let gb2 = gc2 - ga2;
    gb2 += p & (gb2 >> 31);
    let gb3 = gc3 - ga3;
    gb3 += p & (gb3 >> 31);
    const h00 = h[4 * j]!, h10 = h[4 * j + 1]!, h01 = h[4 * j + 2]!, h11 = h[4 * j + 3]!;
    let hda = h01 - h00, hdc = h11 - h10;
    hda += p & (hda >> 31);
    hdc += p & (hdc >> 31);
    let ha0 = h00, hc0 = h10;
    let ha2 = h01 + hda, hc2 = h11 + hdc;
    ha2 -= p;
    ha2 += p & (ha2 >> 31);
    hc2 -= p;
    hc2 += p & (hc2 >> 31);
    let ha3 = ha2 + hda, hc3 = hc2 + hdc;
    ha3 -= p;
    ha3 += p & (ha3 >> 31);
    hc3 -= p;
    hc3 += p & (hc3 >> 31);
    let hb0 = hc0 - ha0;
    hb0 += p & (hb0 >> 31);
    let hb2 = hc2 - ha2;
    hb2 += p & (hb2 >> 31);
    let hb3 = hc3 - ha3;
    hb3 += p & (hb3 >> 31);
    let e0_0_0 = ((Math.imul(fa0, ga0) - Math.imul(Math.floor(fa0 * ga0 * invP), p)) | 0);
    e0_0_0 -= Math.floor(e0_0_0 * invP) * p;
    e0_0_0 = e0_0_0 < 0 ? e0_0_0 + p : e0_0_0 >= p ? e0_0_0 - p : e0_0_0;
    let e0_0_1 = ((Math.imul(fb0, ga0) - Math.imul(Math.floor(fb0 * ga0 * invP), p)) | 0) + ((Math.imul(fa0, gb0) - Math.imul(Math.floor(fa0 * gb0 * invP), p)) | 0);
    e0_0_1 -= Math.floor(e0_0_1 * invP) * p;
    e0_0_1 = e0_0_1 < 0 ? e0_0_1 + p : e0_0_1 >= p ? e0_0_1 - p : e0_0_1;
    let e0_0_2 = ((Math.imul(fb0, gb0) - Math.imul(Math.floor(fb0 * gb0 * invP), p)) | 0);
    e0_0_2 -= Math.floor(e0_0_2 * invP) * p;
    e0_0_2 = e0_0_2 < 0 ? e0_0_2 + p : e0_0_2 >= p ? e0_0_2 - p : e0_0_2;
    let e0_1_0 = ((Math.imul(e0_0_0, ha0) - Math.imul(Math.floor(e0_0_0 * ha0 * invP), p)) | 0);
    let e0_1_1 = ((Math.imul(e0_0_1, ha0) - Math.imul(Math.floor(e0_0_1 * ha0 * invP), p)) | 0) + ((Math.imul(e0_0_0, hb0) - Math.imul(Math.floor(e0_0_0 * hb0 * invP), p)) | 0);
    let e0_1_2 = ((Math.imul(e0_0_2, ha0) - Math.imul(Math.floor(e0_0_2 * ha0 * invP), p)) | 0) + ((Math.imul(e0_0_1, hb0) - Math.imul(Math.floor(e0_0_1 * hb0 * invP), p)) | 0);
    let e0_1_3 = ((Math.imul(e0_0_2, hb0) - Math.imul(Math.floor(e0_0_2 * hb0 * invP), p)) | 0);
    s0_0 += e0_1_0;
    s0_1 += e0_1_1;
    s0_2 += e0_1_2;
    s0_3 += e0_1_3;
    let e2_0_0 = ((Math.imul(fa2, ga2) - Math.imul(Math.floor(fa2 * ga2 * invP), p)) | 0);
    e2_0_0 -= Math.floor(e2_0_0 * invP) * p;
    e2_0_0 = e2_0_0 < 0 ? e2_0_0 + p : e2_0_0 >= p ? e2_0_0 - p : e2_0_0;
    let e2_0_1 = ((Math.imul(fb2, ga2) - Math.imul(Math.floor(fb2 * ga2 * invP), p)) | 0) + ((Math.imul(fa2, gb2) - Math.imul(Math.floor(fa2 * gb2 * invP), p)) | 0);
    e2_0_1 -= Math.floor(e2_0_1 * invP) * p;
    e2_0_1 = e2_0_1 < 0 ? e2_0_1 + p : e2_0_1 >= p ? e2_0_1 - p : e2_0_1;
    let e2_0_2 = ((Math.imul(fb2, gb2) - Math.imul(Math.floor(fb2 * gb2 * invP), p)) | 0);
    e2_0_2 -= Math.floor(e2_0_2 * invP) * p;
    e2_0_2 = e2_0_2 < 0 ? e2_0_2 + p : e2_0_2 >= p ? e2_0_2 - p : e2_0_2;
    let e2_1_0 = ((Math.imul(e2_0_0, ha2) - Math.imul(Math.floor(e2_0_0 * ha2 * invP), p)) | 0);
    let e2_1_1 = ((Math.imul(e2_0_1, ha2) - Math.imul(Math.floor(e2_0_1 * ha2 * invP), p)) | 0) + ((Math.imul(e2_0_0, hb2) - Math.imul(Math.floor(e2_0_0 * hb2 * invP), p)) | 0);
    let e2_1_2 = ((Math.imul(e2_0_2, ha2) - Math.imul(Math.floor(e2_0_2 * ha2 * invP), p)) | 0) + ((Math.imul(e2_0_1, hb2) - Math.imul(Math.floor(e2_0_1 * hb2 * invP), p)) | 0);
    let e2_1_3 = ((Math.imul(e2_0_2, hb2) - Math.imul(Math.floor(e2_0_2 * hb2 * invP), p)) | 0);
    s2_0 += e2_1_0;
    s2_1 += e2_1_1;
    s2_2 += e2_1_2;
    s2_3 += e2_1_3;
    let e3_0_0 = ((Math.imul(fa3, ga3) - Math.imul(Math.floor(fa3 * ga3 * invP), p)) | 0);
    e3_0_0 -= Math.floor(e3_0_0 * invP) * p;
    e3_0_0 = e3_0_0 < 0 ? e3_0_0 + p : e3_0_0 >= p ? e3_0_0 - p : e3_0_0;
    let e3_0_1 = ((Math.imul(fb3, ga3) - Math.imul(Math.floor(fb3 * ga3 * invP), p)) | 0) + ((Math.imul(fa3, gb3) - Math.imul(Math.floor(fa3 * gb3 * invP), p)) | 0);
    e3_0_1 -= Math.floor(e3_0_1 * invP) * p;
    e3_0_1 = e3_0_1 < 0 ? e3_0_1 + p : e3_0_1 >= p ? e3_0_1 - p : e3_0_1;
    let e3_0_2 = ((Math.imul(fb3, gb3) - Math.imul(Math.floor(fb3 * gb3 * invP), p)) | 0);
    e3_0_2 -= Math.floor(e3_0_2 * invP) * p;
    e3_0_2 = e3_0_2 < 0 ? e3_0_2 + p : e3_0_2 >= p ? e3_0_2 - p : e3_0_2;
    let e3_1_0 = ((Math.imul(e3_0_0, ha3) - Math.imul(Math.floor(e3_0_0 * ha3 * invP), p)) | 0);
    let e3_1_1 = ((Math.imul(e3_0_1, ha3) - Math.imul(Math.floor(e3_0_1 * ha3 * invP), p)) | 0) + ((Math.imul(e3_0_0, hb3) - Math.imul(Math.floor(e3_0_0 * hb3 * invP), p)) | 0);
    let e3_1_2 = ((Math.imul(e3_0_2, ha3) - Math.imul(Math.floor(e3_0_2 * ha3 * invP), p)) | 0) + ((Math.imul(e3_0_1, hb3) - Math.imul(Math.floor(e3_0_1 * hb3 * invP), p)) | 0);
    let e3_1_3 = ((Math.imul(e3_0_2, hb3) - Math.imul(Math.floor(e3_0_2 * hb3 * invP), p)) | 0);
    s3_0 += e3_1_0;
    s3_1 += e3_1_1;
    s3_2 += e3_1_2;
    s3_3 += e3_1_3;
    if ((j & REDUCE_MASK) === REDUCE_MASK) {
      s0_0 = red(s0_0, p, invP);
      s0_1 = red(s0_1, p, invP);
      s0_2 = red(s0_2, p, invP);
      s0_3 = red(s0_3, p, invP);
      s2_0 = red(s2_0, p, invP);
      s2_1 = red(s2_1, p, invP);
      s2_2 = red(s2_2, p, invP);
      s2_3 = red(s2_3, p, invP);
      s3_0 = red(s3_0, p, invP);
      s3_1 = red(s3_1, p, invP);
      s3_2 = red(s3_2, p, invP);
      s3_3 = red(s3_3, p, invP);
    }
  }
  acc[0] += s0_0;
  acc[1] += s0_1;
  acc[2] += s0_2;
  acc[3] += s0_3;
  acc[8] += s2_0;
  acc[9] += s2_1;
  acc[10] += s2_2;
  acc[11] += s2_3;
  acc[12] += s3_0;
  acc[13] += s3_1;
  acc[14] += s3_2;
  acc[15] += s3_3;
}

/**
 * Round 2 for 3 base tables: binds x_0, x_1 to (u, v) = (r_0, r_1) in one pass (base → ext,
 * fresh dst of 2^(n−2) entries) and evaluates the next round's product. `n` = pairs after folding.
 */
function fold2EvalProd3(fs: Uint32Array, gs: Uint32Array, hs: Uint32Array, fd: Uint32Array, gd: Uint32Array, hd: Uint32Array, n: number, u: Ext, v: Ext, uv: Ext, acc: Float64Array, p: number, invP: number, w: number): void {
  const u0 = u[0]!, u1 = u[1]!, u2 = u[2]!, u3 = u[3]!;
  const qu0 = u0 * invP, qu1 = u1 * invP, qu2 = u2 * invP, qu3 = u3 * invP;
  const v0 = v[0]!, v1 = v[1]!, v2 = v[2]!, v3 = v[3]!;
  const qv0 = v0 * invP, qv1 = v1 * invP, qv2 = v2 * invP, qv3 = v3 * invP;
  const uv0 = uv[0]!, uv1 = uv[1]!, uv2 = uv[2]!, uv3 = uv[3]!;
  const quv0 = uv0 * invP, quv1 = uv1 * invP, quv2 = uv2 * invP, quv3 = uv3 * invP;
  let s0_0 = 0, s0_1 = 0, s0_2 = 0, s0_3 = 0, s2_0 = 0, s2_1 = 0, s2_2 = 0, s2_3 = 0, s3_0 = 0, s3_1 = 0, s3_2 = 0, s3_3 = 0;
  for (let j = 0; j < n; j++) {
    const fA00 = fs[8 * j]!, fA10 = fs[8 * j + 1]!, fA01 = fs[8 * j + 2]!, fA11 = fs[8 * j + 3]!;
    let fAx = fA10 - fA00, fAy = fA01 - fA00, fAz = fA11 + fA00 + 2 * p - fA10 - fA01;
    fAx += p & (fAx >> 31);
    fAy += p & (fAy >> 31);
    fAz -= Math.floor(fAz * invP) * p;
    fAz = fAz < 0 ? fAz + p : fAz >= p ? fAz - p : fAz;
    let fA0 = fA00 + ((Math.imul(fAx, u0) - Math.imul(Math.floor(fAx * qu0), p)) | 0) + ((Math.imul(fAy, v0) - Math.imul(Math.floor(fAy * qv0), p)) | 0) + ((Math.imul(fAz, uv0) - Math.imul(Math.floor(fAz * quv0), p)) | 0);
    fA0 -= Math.floor(fA0 * invP) * p;
    fA0 = fA0 < 0 ? fA0 + p : fA0 >= p ? fA0 - p : fA0;
    let fA1 = ((Math.imul(fAx, u1) - Math.imul(Math.floor(fAx * qu1), p)) | 0) + ((Math.imul(fAy, v1) - Math.imul(Math.floor(fAy * qv1), p)) | 0) + ((Math.imul(fAz, uv1) - Math.imul(Math.floor(fAz * quv1), p)) | 0);
    fA1 -= Math.floor(fA1 * invP) * p;
    fA1 = fA1 < 0 ? fA1 + p : fA1 >= p ? fA1 - p : fA1;
    let fA2 = ((Math.imul(fAx, u2) - Math.imul(Math.floor(fAx * qu2), p)) | 0) + ((Math.imul(fAy, v2) - Math.imul(Math.floor(fAy * qv2), p)) | 0) + ((Math.imul(fAz, uv2) - Math.imul(Math.floor(fAz * quv2), p)) | 0);
    fA2 -= Math.floor(fA2 * invP) * p;
    fA2 = fA2 < 0 ? fA2 + p : fA2 >= p ? fA2 - p : fA2;
    let fA3 = ((Math.imul(fAx, u3) - Math.imul(Math.floor(fAx * qu3), p)) | 0) + ((Math.imul(fAy, v3) - Math.imul(Math.floor(fAy * qv3), p)) | 0) + ((Math.imul(fAz, uv3) - Math.imul(Math.floor(fAz * quv3), p)) | 0);
    fA3 -= Math.floor(fA3 * invP) * p;
    fA3 = fA3 < 0 ? fA3 + p : fA3 >= p ? fA3 - p : fA3;
    const fB00 = fs[8 * j + 4]!, fB10 = fs[8 * j + 4 + 1]!, fB01 = fs[8 * j + 4 + 2]!, fB11 = fs[8 * j + 4 + 3]!;
    let fBx = fB10 - fB00, fBy = fB01 - fB00, fBz = fB11 + fB00 + 2 * p - fB10 - fB01;
    fBx += p & (fBx >> 31);
    fBy += p & (fBy >> 31);
    fBz -= Math.floor(fBz * invP) * p;
    fBz = fBz < 0 ? fBz + p : fBz >= p ? fBz - p : fBz;
    let fB0 = fB00 + ((Math.imul(fBx, u0) - Math.imul(Math.floor(fBx * qu0), p)) | 0) + ((Math.imul(fBy, v0) - Math.imul(Math.floor(fBy * qv0), p)) | 0) + ((Math.imul(fBz, uv0) - Math.imul(Math.floor(fBz * quv0), p)) | 0);
    fB0 -= Math.floor(fB0 * invP) * p;
    fB0 = fB0 < 0 ? fB0 + p : fB0 >= p ? fB0 - p : fB0;
    let fB1 = ((Math.imul(fBx, u1) - Math.imul(Math.floor(fBx * qu1), p)) | 0) + ((Math.imul(fBy, v1) - Math.imul(Math.floor(fBy * qv1), p)) | 0) + ((Math.imul(fBz, uv1) - Math.imul(Math.floor(fBz * quv1), p)) | 0);
    fB1 -= Math.floor(fB1 * invP) * p;
    fB1 = fB1 < 0 ? fB1 + p : fB1 >= p ? fB1 - p : fB1;
    let fB2 = ((Math.imul(fBx, u2) - Math.imul(Math.floor(fBx * qu2), p)) | 0) + ((Math.imul(fBy, v2) - Math.imul(Math.floor(fBy * qv2), p)) | 0) + ((Math.imul(fBz, uv2) - Math.imul(Math.floor(fBz * quv2), p)) | 0);
    fB2 -= Math.floor(fB2 * invP) * p;
    fB2 = fB2 < 0 ? fB2 + p : fB2 >= p ? fB2 - p : fB2;
    let fB3 = ((Math.imul(fBx, u3) - Math.imul(Math.floor(fBx * qu3), p)) | 0) + ((Math.imul(fBy, v3) - Math.imul(Math.floor(fBy * qv3), p)) | 0) + ((Math.imul(fBz, uv3) - Math.imul(Math.floor(fBz * quv3), p)) | 0);
    fB3 -= Math.floor(fB3 * invP) * p;
    fB3 = fB3 < 0 ? fB3 + p : fB3 >= p ? fB3 - p : fB3;
    fd[8 * j + 0] = fA0;
    fd[8 * j + 1] = fA1;
    fd[8 * j + 2] = fA2;
    fd[8 * j + 3] = fA3;
    fd[8 * j + 4] = fB0;
    fd[8 * j + 5] = fB1;
    fd[8 * j + 6] = fB2;
    fd[8 * j + 7] = fB3;
    let fPd0 = fB0 - fA0, fPd1 = fB1 - fA1, fPd2 = fB2 - fA2, fPd3 = fB3 - fA3;
    fPd0 += p & (fPd0 >> 31);
    fPd1 += p & (fPd1 >> 31);
    fPd2 += p & (fPd2 >> 31);
    fPd3 += p & (fPd3 >> 31);
    let fP2_0 = fB0 + fPd0, fP2_1 = fB1 + fPd1, fP2_2 = fB2 + fPd2, fP2_3 = fB3 + fPd3;
    fP2_0 -= p;
    fP2_0 += p & (fP2_0 >> 31);
    fP2_1 -= p;
    fP2_1 += p & (fP2_1 >> 31);
    fP2_2 -= p;
    fP2_2 += p & (fP2_2 >> 31);
    fP2_3 -= p;
    fP2_3 += p & (fP2_3 >> 31);
    let fP3_0 = fP2_0 + fPd0, fP3_1 = fP2_1 + fPd1, fP3_2 = fP2_2 + fPd2, fP3_3 = fP2_3 + fPd3;
    fP3_0 -= p;
    fP3_0 += p & (fP3_0 >> 31);
    fP3_1 -= p;
    fP3_1 += p & (fP3_1 >> 31);
    fP3_2 -= p;
    fP3_2 += p & (fP3_2 >> 31);
    fP3_3 -= p;
    fP3_3 += p & (fP3_3 >> 31);
    const gA00 = gs[8 * j]!, gA10 = gs[8 * j + 1]!, gA01 = gs[8 * j + 2]!, gA11 = gs[8 * j + 3]!;
    let gAx = gA10 - gA00, gAy = gA01 - gA00, gAz = gA11 + gA00 + 2 * p - gA10 - gA01;
    gAx += p & (gAx >> 31);
    gAy += p & (gAy >> 31);
    gAz -= Math.floor(gAz * invP) * p;
    gAz = gAz < 0 ? gAz + p : gAz >= p ? gAz - p : gAz;
    let gA0 = gA00 + ((Math.imul(gAx, u0) - Math.imul(Math.floor(gAx * qu0), p)) | 0) + ((Math.imul(gAy, v0) - Math.imul(Math.floor(gAy * qv0), p)) | 0) + ((Math.imul(gAz, uv0) - Math.imul(Math.floor(gAz * quv0), p)) | 0);
    gA0 -= Math.floor(gA0 * invP) * p;
    gA0 = gA0 < 0 ? gA0 + p : gA0 >= p ? gA0 - p : gA0;
    let gA1 = ((Math.imul(gAx, u1) - Math.imul(Math.floor(gAx * qu1), p)) | 0) + ((Math.imul(gAy, v1) - Math.imul(Math.floor(gAy * qv1), p)) | 0) + ((Math.imul(gAz, uv1) - Math.imul(Math.floor(gAz * quv1), p)) | 0);
    gA1 -= Math.floor(gA1 * invP) * p;
    gA1 = gA1 < 0 ? gA1 + p : gA1 >= p ? gA1 - p : gA1;
    let gA2 = ((Math.imul(gAx, u2) - Math.imul(Math.floor(gAx * qu2), p)) | 0) + ((Math.imul(gAy, v2) - Math.imul(Math.floor(gAy * qv2), p)) | 0) + ((Math.imul(gAz, uv2) - Math.imul(Math.floor(gAz * quv2), p)) | 0);
    gA2 -= Math.floor(gA2 * invP) * p;
    gA2 = gA2 < 0 ? gA2 + p : gA2 >= p ? gA2 - p : gA2;
    let gA3 = ((Math.imul(gAx, u3) - Math.imul(Math.floor(gAx * qu3), p)) | 0) + ((Math.imul(gAy, v3) - Math.imul(Math.floor(gAy * qv3), p)) | 0) + ((Math.imul(gAz, uv3) - Math.imul(Math.floor(gAz * quv3), p)) | 0);
    gA3 -= Math.floor(gA3 * invP) * p;
    gA3 = gA3 < 0 ? gA3 + p : gA3 >= p ? gA3 - p : gA3;
    const gB00 = gs[8 * j + 4]!, gB10 = gs[8 * j + 4 + 1]!, gB01 = gs[8 * j + 4 + 2]!, gB11 = gs[8 * j + 4 + 3]!;
    let gBx = gB10 - gB00, gBy = gB01 - gB00, gBz = gB11 + gB00 + 2 * p - gB10 - gB01;
    gBx += p & (gBx >> 31);
    gBy += p & (gBy >> 31);
    gBz -= Math.floor(gBz * invP) * p;
    gBz = gBz < 0 ? gBz + p : gBz >= p ? gBz - p : gBz;
    let gB0 = gB00 + ((Math.imul(gBx, u0) - Math.imul(Math.floor(gBx * qu0), p)) | 0) + ((Math.imul(gBy, v0) - Math.imul(Math.floor(gBy * qv0), p)) | 0) + ((Math.imul(gBz, uv0) - Math.imul(Math.floor(gBz * quv0), p)) | 0);
    gB0 -= Math.floor(gB0 * invP) * p;
    gB0 = gB0 < 0 ? gB0 + p : gB0 >= p ? gB0 - p : gB0;
    let gB1 = ((Math.imul(gBx, u1) - Math.imul(Math.floor(gBx * qu1), p)) | 0) + ((Math.imul(gBy, v1) - Math.imul(Math.floor(gBy * qv1), p)) | 0) + ((Math.imul(gBz, uv1) - Math.imul(Math.floor(gBz * quv1), p)) | 0);
    gB1 -= Math.floor(gB1 * invP) * p;
    gB1 = gB1 < 0 ? gB1 + p : gB1 >= p ? gB1 - p : gB1;
    let gB2 = ((Math.imul(gBx, u2) - Math.imul(Math.floor(gBx * qu2), p)) | 0) + ((Math.imul(gBy, v2) - Math.imul(Math.floor(gBy * qv2), p)) | 0) + ((Math.imul(gBz, uv2) - Math.imul(Math.floor(gBz * quv2), p)) | 0);
    gB2 -= Math.floor(gB2 * invP) * p;
    gB2 = gB2 < 0 ? gB2 + p : gB2 >= p ? gB2 - p : gB2;
    let gB3 = ((Math.imul(gBx, u3) - Math.imul(Math.floor(gBx * qu3), p)) | 0) + ((Math.imul(gBy, v3) - Math.imul(Math.floor(gBy * qv3), p)) | 0) + ((Math.imul(gBz, uv3) - Math.imul(Math.floor(gBz * quv3), p)) | 0);
    gB3 -= Math.floor(gB3 * invP) * p;
    gB3 = gB3 < 0 ? gB3 + p : gB3 >= p ? gB3 - p : gB3;
    gd[8 * j + 0] = gA0;
    gd[8 * j + 1] = gA1;
    gd[8 * j + 2] = gA2;
    gd[8 * j + 3] = gA3;
    gd[8 * j + 4] = gB0;
    gd[8 * j + 5] = gB1;
    gd[8 * j + 6] = gB2;
    gd[8 * j + 7] = gB3;
    let gPd0 = gB0 - gA0, gPd1 = gB1 - gA1, gPd2 = gB2 - gA2, gPd3 = gB3 - gA3;
    gPd0 += p & (gPd0 >> 31);
    gPd1 += p & (gPd1 >> 31);
    gPd2 += p & (gPd2 >> 31);
    gPd3 += p & (gPd3 >> 31);
    let gP2_0 = gB0 + gPd0, gP2_1 = gB1 + gPd1, gP2_2 = gB2 + gPd2, gP2_3 = gB3 + gPd3;
    gP2_0 -= p;
    gP2_0 += p & (gP2_0 >> 31);
    gP2_1 -= p;
    gP2_1 += p & (gP2_1 >> 31);
    gP2_2 -= p;
    gP2_2 += p & (gP2_2 >> 31);
    gP2_3 -= p;
    gP2_3 += p & (gP2_3 >> 31);
    let gP3_0 = gP2_0 + gPd0, gP3_1 = gP2_1 + gPd1, gP3_2 = gP2_2 + gPd2, gP3_3 = gP2_3 + gPd3;
    gP3_0 -= p;
    gP3_0 += p & (gP3_0 >> 31);
    gP3_1 -= p;
    gP3_1 += p & (gP3_1 >> 31);
    gP3_2 -= p;
    gP3_2 += p & (gP3_2 >> 31);
    gP3_3 -= p;
    gP3_3 += p & (gP3_3 >> 31);
    const hA00 = hs[8 * j]!, hA10 = hs[8 * j + 1]!, hA01 = hs[8 * j + 2]!, hA11 = hs[8 * j + 3]!;
    let hAx = hA10 - hA00, hAy = hA01 - hA00, hAz = hA11 + hA00 + 2 * p - hA10 - hA01;
    hAx += p & (hAx >> 31);
    hAy += p & (hAy >> 31);
    hAz -= Math.floor(hAz * invP) * p;
    hAz = hAz < 0 ? hAz + p : hAz >= p ? hAz - p : hAz;
    let hA0 = hA00 + ((Math.imul(hAx, u0) - Math.imul(Math.floor(hAx * qu0), p)) | 0) + ((Math.imul(hAy, v0) - Math.imul(Math.floor(hAy * qv0), p)) | 0) + ((Math.imul(hAz, uv0) - Math.imul(Math.floor(hAz * quv0), p)) | 0);
    hA0 -= Math.floor(hA0 * invP) * p;
    hA0 = hA0 < 0 ? hA0 + p : hA0 >= p ? hA0 - p : hA0;
    let hA1 = ((Math.imul(hAx, u1) - Math.imul(Math.floor(hAx * qu1), p)) | 0) + ((Math.imul(hAy, v1) - Math.imul(Math.floor(hAy * qv1), p)) | 0) + ((Math.imul(hAz, uv1) - Math.imul(Math.floor(hAz * quv1), p)) | 0);
    hA1 -= Math.floor(hA1 * invP) * p;
    hA1 = hA1 < 0 ? hA1 + p : hA1 >= p ? hA1 - p : hA1;
    let hA2 = ((Math.imul(hAx, u2) - Math.imul(Math.floor(hAx * qu2), p)) | 0) + ((Math.imul(hAy, v2) - Math.imul(Math.floor(hAy * qv2), p)) | 0) + ((Math.imul(hAz, uv2) - Math.imul(Math.floor(hAz * quv2), p)) | 0);
    hA2 -= Math.floor(hA2 * invP) * p;
    hA2 = hA2 < 0 ? hA2 + p : hA2 >= p ? hA2 - p : hA2;
    let hA3 = ((Math.imul(hAx, u3) - Math.imul(Math.floor(hAx * qu3), p)) | 0) + ((Math.imul(hAy, v3) - Math.imul(Math.floor(hAy * qv3), p)) | 0) + ((Math.imul(hAz, uv3) - Math.imul(Math.floor(hAz * quv3), p)) | 0);
    hA3 -= Math.floor(hA3 * invP) * p;
    hA3 = hA3 < 0 ? hA3 + p : hA3 >= p ? hA3 - p : hA3;
    const hB00 = hs[8 * j + 4]!, hB10 = hs[8 * j + 4 + 1]!, hB01 = hs[8 * j + 4 + 2]!, hB11 = hs[8 * j + 4 + 3]!;
    let hBx = hB10 - hB00, hBy = hB01 - hB00, hBz = hB11 + hB00 + 2 * p - hB10 - hB01;
    hBx += p & (hBx >> 31);
    hBy += p & (hBy >> 31);
    hBz -= Math.floor(hBz * invP) * p;
    hBz = hBz < 0 ? hBz + p : hBz >= p ? hBz - p : hBz;
    let hB0 = hB00 + ((Math.imul(hBx, u0) - Math.imul(Math.floor(hBx * qu0), p)) | 0) + ((Math.imul(hBy, v0) - Math.imul(Math.floor(hBy * qv0), p)) | 0) + ((Math.imul(hBz, uv0) - Math.imul(Math.floor(hBz * quv0), p)) | 0);
    hB0 -= Math.floor(hB0 * invP) * p;
    hB0 = hB0 < 0 ? hB0 + p : hB0 >= p ? hB0 - p : hB0;
    let hB1 = ((Math.imul(hBx, u1) - Math.imul(Math.floor(hBx * qu1), p)) | 0) + ((Math.imul(hBy, v1) - Math.imul(Math.floor(hBy * qv1), p)) | 0) + ((Math.imul(hBz, uv1) - Math.imul(Math.floor(hBz * quv1), p)) | 0);
    hB1 -= Math.floor(hB1 * invP) * p;
    hB1 = hB1 < 0 ? hB1 + p : hB1 >= p ? hB1 - p : hB1;
    let hB2 = ((Math.imul(hBx, u2) - Math.imul(Math.floor(hBx * qu2), p)) | 0) + ((Math.imul(hBy, v2) - Math.imul(Math.floor(hBy * qv2), p)) | 0) + ((Math.imul(hBz, uv2) - Math.imul(Math.floor(hBz * quv2), p)) | 0);
    hB2 -= Math.floor(hB2 * invP) * p;
    hB2 = hB2 < 0 ? hB2 + p : hB2 >= p ? hB2 - p : hB2;
    let hB3 = ((Math.imul(hBx, u3) - Math.imul(Math.floor(hBx * qu3), p)) | 0) + ((Math.imul(hBy, v3) - Math.imul(Math.floor(hBy * qv3), p)) | 0) + ((Math.imul(hBz, uv3) - Math.imul(Math.floor(hBz * quv3), p)) | 0);
    hB3 -= Math.floor(hB3 * invP) * p;
    hB3 = hB3 < 0 ? hB3 + p : hB3 >= p ? hB3 - p : hB3;
    hd[8 * j + 0] = hA0;
    hd[8 * j + 1] = hA1;
    hd[8 * j + 2] = hA2;
    hd[8 * j + 3] = hA3;
    hd[8 * j + 4] = hB0;
    hd[8 * j + 5] = hB1;
    hd[8 * j + 6] = hB2;
    hd[8 * j + 7] = hB3;
    let hPd0 = hB0 - hA0, hPd1 = hB1 - hA1, hPd2 = hB2 - hA2, hPd3 = hB3 - hA3;
    hPd0 += p & (hPd0 >> 31);
    hPd1 += p & (hPd1 >> 31);
    hPd2 += p & (hPd2 >> 31);
    hPd3 += p & (hPd3 >> 31);
    let hP2_0 = hB0 + hPd0, hP2_1 = hB1 + hPd1, hP2_2 = hB2 + hPd2, hP2_3 = hB3 + hPd3;
    hP2_0 -= p;
    hP2_0 += p & (hP2_0 >> 31);
    hP2_1 -= p;
    hP2_1 += p & (hP2_1 >> 31);
    hP2_2 -= p;
    hP2_2 += p & (hP2_2 >> 31);
    hP2_3 -= p;
    hP2_3 += p & (hP2_3 >> 31);
    let hP3_0 = hP2_0 + hPd0, hP3_1 = hP2_1 + hPd1, hP3_2 = hP2_2 + hPd2, hP3_3 = hP2_3 + hPd3;
    hP3_0 -= p;
    hP3_0 += p & (hP3_0 >> 31);
    hP3_1 -= p;
    hP3_1 += p & (hP3_1 >> 31);
    hP3_2 -= p;
    hP3_2 += p & (hP3_2 >> 31);
    hP3_3 -= p;
    hP3_3 += p & (hP3_3 >> 31);
    const qm00_0 = fA0 * invP, qm00_1 = fA1 * invP, qm00_2 = fA2 * invP, qm00_3 = fA3 * invP;
    let m00_0 = ((Math.imul(fA0, gA0) - Math.imul(Math.floor(qm00_0 * gA0), p)) | 0) + w * (((Math.imul(fA1, gA3) - Math.imul(Math.floor(qm00_1 * gA3), p)) | 0) + ((Math.imul(fA2, gA2) - Math.imul(Math.floor(qm00_2 * gA2), p)) | 0) + ((Math.imul(fA3, gA1) - Math.imul(Math.floor(qm00_3 * gA1), p)) | 0));
    let m00_1 = ((Math.imul(fA0, gA1) - Math.imul(Math.floor(qm00_0 * gA1), p)) | 0) + ((Math.imul(fA1, gA0) - Math.imul(Math.floor(qm00_1 * gA0), p)) | 0) + w * (((Math.imul(fA2, gA3) - Math.imul(Math.floor(qm00_2 * gA3), p)) | 0) + ((Math.imul(fA3, gA2) - Math.imul(Math.floor(qm00_3 * gA2), p)) | 0));
    let m00_2 = ((Math.imul(fA0, gA2) - Math.imul(Math.floor(qm00_0 * gA2), p)) | 0) + ((Math.imul(fA1, gA1) - Math.imul(Math.floor(qm00_1 * gA1), p)) | 0) + ((Math.imul(fA2, gA0) - Math.imul(Math.floor(qm00_2 * gA0), p)) | 0) + w * ((Math.imul(fA3, gA3) - Math.imul(Math.floor(qm00_3 * gA3), p)) | 0);
    let m00_3 = ((Math.imul(fA0, gA3) - Math.imul(Math.floor(qm00_0 * gA3), p)) | 0) + ((Math.imul(fA1, gA2) - Math.imul(Math.floor(qm00_1 * gA2), p)) | 0) + ((Math.imul(fA2, gA1) - Math.imul(Math.floor(qm00_2 * gA1), p)) | 0) + ((Math.imul(fA3, gA0) - Math.imul(Math.floor(qm00_3 * gA0), p)) | 0);
    m00_0 -= Math.floor(m00_0 * invP) * p;
    m00_0 = m00_0 < 0 ? m00_0 + p : m00_0 >= p ? m00_0 - p : m00_0;
    m00_1 -= Math.floor(m00_1 * invP) * p;
    m00_1 = m00_1 < 0 ? m00_1 + p : m00_1 >= p ? m00_1 - p : m00_1;
    m00_2 -= Math.floor(m00_2 * invP) * p;
    m00_2 = m00_2 < 0 ? m00_2 + p : m00_2 >= p ? m00_2 - p : m00_2;
    m00_3 -= Math.floor(m00_3 * invP) * p;
    m00_3 = m00_3 < 0 ? m00_3 + p : m00_3 >= p ? m00_3 - p : m00_3;
    const qm01_0 = m00_0 * invP, qm01_1 = m00_1 * invP, qm01_2 = m00_2 * invP, qm01_3 = m00_3 * invP;
    let m01_0 = ((Math.imul(m00_0, hA0) - Math.imul(Math.floor(qm01_0 * hA0), p)) | 0) + w * (((Math.imul(m00_1, hA3) - Math.imul(Math.floor(qm01_1 * hA3), p)) | 0) + ((Math.imul(m00_2, hA2) - Math.imul(Math.floor(qm01_2 * hA2), p)) | 0) + ((Math.imul(m00_3, hA1) - Math.imul(Math.floor(qm01_3 * hA1), p)) | 0));
    let m01_1 = ((Math.imul(m00_0, hA1) - Math.imul(Math.floor(qm01_0 * hA1), p)) | 0) + ((Math.imul(m00_1, hA0) - Math.imul(Math.floor(qm01_1 * hA0), p)) | 0) + w * (((Math.imul(m00_2, hA3) - Math.imul(Math.floor(qm01_2 * hA3), p)) | 0) + ((Math.imul(m00_3, hA2) - Math.imul(Math.floor(qm01_3 * hA2), p)) | 0));
    let m01_2 = ((Math.imul(m00_0, hA2) - Math.imul(Math.floor(qm01_0 * hA2), p)) | 0) + ((Math.imul(m00_1, hA1) - Math.imul(Math.floor(qm01_1 * hA1), p)) | 0) + ((Math.imul(m00_2, hA0) - Math.imul(Math.floor(qm01_2 * hA0), p)) | 0) + w * ((Math.imul(m00_3, hA3) - Math.imul(Math.floor(qm01_3 * hA3), p)) | 0);
    let m01_3 = ((Math.imul(m00_0, hA3) - Math.imul(Math.floor(qm01_0 * hA3), p)) | 0) + ((Math.imul(m00_1, hA2) - Math.imul(Math.floor(qm01_1 * hA2), p)) | 0) + ((Math.imul(m00_2, hA1) - Math.imul(Math.floor(qm01_2 * hA1), p)) | 0) + ((Math.imul(m00_3, hA0) - Math.imul(Math.floor(qm01_3 * hA0), p)) | 0);
    m01_0 -= Math.floor(m01_0 * invP) * p;
    m01_0 = m01_0 < 0 ? m01_0 + p : m01_0 >= p ? m01_0 - p : m01_0;
    m01_1 -= Math.floor(m01_1 * invP) * p;
    m01_1 = m01_1 < 0 ? m01_1 + p : m01_1 >= p ? m01_1 - p : m01_1;
    m01_2 -= Math.floor(m01_2 * invP) * p;
    m01_2 = m01_2 < 0 ? m01_2 + p : m01_2 >= p ? m01_2 - p : m01_2;
    m01_3 -= Math.floor(m01_3 * invP) * p;
    m01_3 = m01_3 < 0 ? m01_3 + p : m01_3 >= p ? m01_3 - p : m01_3;
    s0_0 += m01_0;
    s0_1 += m01_1;
    s0_2 += m01_2;
    s0_3 += m01_3;
    const qm20_0 = fP2_0 * invP, qm20_1 = fP2_1 * invP, qm20_2 = fP2_2 * invP, qm20_3 = fP2_3 * invP;
    let m20_0 = ((Math.imul(fP2_0, gP2_0) - Math.imul(Math.floor(qm20_0 * gP2_0), p)) | 0) + w * (((Math.imul(fP2_1, gP2_3) - Math.imul(Math.floor(qm20_1 * gP2_3), p)) | 0) + ((Math.imul(fP2_2, gP2_2) - Math.imul(Math.floor(qm20_2 * gP2_2), p)) | 0) + ((Math.imul(fP2_3, gP2_1) - Math.imul(Math.floor(qm20_3 * gP2_1), p)) | 0));
    let m20_1 = ((Math.imul(fP2_0, gP2_1) - Math.imul(Math.floor(qm20_0 * gP2_1), p)) | 0) + ((Math.imul(fP2_1, gP2_0) - Math.imul(Math.floor(qm20_1 * gP2_0), p)) | 0) + w * (((Math.imul(fP2_2, gP2_3) - Math.imul(Math.floor(qm20_2 * gP2_3), p)) | 0) + ((Math.imul(fP2_3, gP2_2) - Math.imul(Math.floor(qm20_3 * gP2_2), p)) | 0));
    let m20_2 = ((Math.imul(fP2_0, gP2_2) - Math.imul(Math.floor(qm20_0 * gP2_2), p)) | 0) + ((Math.imul(fP2_1, gP2_1) - Math.imul(Math.floor(qm20_1 * gP2_1), p)) | 0) + ((Math.imul(fP2_2, gP2_0) - Math.imul(Math.floor(qm20_2 * gP2_0), p)) | 0) + w * ((Math.imul(fP2_3, gP2_3) - Math.imul(Math.floor(qm20_3 * gP2_3), p)) | 0);
    let m20_3 = ((Math.imul(fP2_0, gP2_3) - Math.imul(Math.floor(qm20_0 * gP2_3), p)) | 0) + ((Math.imul(fP2_1, gP2_2) - Math.imul(Math.floor(qm20_1 * gP2_2), p)) | 0) + ((Math.imul(fP2_2, gP2_1) - Math.imul(Math.floor(qm20_2 * gP2_1), p)) | 0) + ((Math.imul(fP2_3, gP2_0) - Math.imul(Math.floor(qm20_3 * gP2_0), p)) | 0);
    m20_0 -= Math.floor(m20_0 * invP) * p;
    m20_0 = m20_0 < 0 ? m20_0 + p : m20_0 >= p ? m20_0 - p : m20_0;
    m20_1 -= Math.floor(m20_1 * invP) * p;
    m20_1 = m20_1 < 0 ? m20_1 + p : m20_1 >= p ? m20_1 - p : m20_1;
    m20_2 -= Math.floor(m20_2 * invP) * p;
    m20_2 = m20_2 < 0 ? m20_2 + p : m20_2 >= p ? m20_2 - p : m20_2;
    m20_3 -= Math.floor(m20_3 * invP) * p;
    m20_3 = m20_3 < 0 ? m20_3 + p : m20_3 >= p ? m20_3 - p : m20_3;
    const qm21_0 = m20_0 * invP, qm21_1 = m20_1 * invP, qm21_2 = m20_2 * invP, qm21_3 = m20_3 * invP;
    let m21_0 = ((Math.imul(m20_0, hP2_0) - Math.imul(Math.floor(qm21_0 * hP2_0), p)) | 0) + w * (((Math.imul(m20_1, hP2_3) - Math.imul(Math.floor(qm21_1 * hP2_3), p)) | 0) + ((Math.imul(m20_2, hP2_2) - Math.imul(Math.floor(qm21_2 * hP2_2), p)) | 0) + ((Math.imul(m20_3, hP2_1) - Math.imul(Math.floor(qm21_3 * hP2_1), p)) | 0));
    let m21_1 = ((Math.imul(m20_0, hP2_1) - Math.imul(Math.floor(qm21_0 * hP2_1), p)) | 0) + ((Math.imul(m20_1, hP2_0) - Math.imul(Math.floor(qm21_1 * hP2_0), p)) | 0) + w * (((Math.imul(m20_2, hP2_3) - Math.imul(Math.floor(qm21_2 * hP2_3), p)) | 0) + ((Math.imul(m20_3, hP2_2) - Math.imul(Math.floor(qm21_3 * hP2_2), p)) | 0));
    let m21_2 = ((Math.imul(m20_0, hP2_2) - Math.imul(Math.floor(qm21_0 * hP2_2), p)) | 0) + ((Math.imul(m20_1, hP2_1) - Math.imul(Math.floor(qm21_1 * hP2_1), p)) | 0) + ((Math.imul(m20_2, hP2_0) - Math.imul(Math.floor(qm21_2 * hP2_0), p)) | 0) + w * ((Math.imul(m20_3, hP2_3) - Math.imul(Math.floor(qm21_3 * hP2_3), p)) | 0);
    let m21_3 = ((Math.imul(m20_0, hP2_3) - Math.imul(Math.floor(qm21_0 * hP2_3), p)) | 0) + ((Math.imul(m20_1, hP2_2) - Math.imul(Math.floor(qm21_1 * hP2_2), p)) | 0) + ((Math.imul(m20_2, hP2_1) - Math.imul(Math.floor(qm21_2 * hP2_1), p)) | 0) + ((Math.imul(m20_3, hP2_0) - Math.imul(Math.floor(qm21_3 * hP2_0), p)) | 0);
    m21_0 -= Math.floor(m21_0 * invP) * p;
    m21_0 = m21_0 < 0 ? m21_0 + p : m21_0 >= p ? m21_0 - p : m21_0;
    m21_1 -= Math.floor(m21_1 * invP) * p;
    m21_1 = m21_1 < 0 ? m21_1 + p : m21_1 >= p ? m21_1 - p : m21_1;
    m21_2 -= Math.floor(m21_2 * invP) * p;
    m21_2 = m21_2 < 0 ? m21_2 + p : m21_2 >= p ? m21_2 - p : m21_2;
    m21_3 -= Math.floor(m21_3 * invP) * p;
    m21_3 = m21_3 < 0 ? m21_3 + p : m21_3 >= p ? m21_3 - p : m21_3;
    s2_0 += m21_0;
    s2_1 += m21_1;
    s2_2 += m21_2;
    s2_3 += m21_3;
    const qm30_0 = fP3_0 * invP, qm30_1 = fP3_1 * invP, qm30_2 = fP3_2 * invP, qm30_3 = fP3_3 * invP;
    let m30_0 = ((Math.imul(fP3_0, gP3_0) - Math.imul(Math.floor(qm30_0 * gP3_0), p)) | 0) + w * (((Math.imul(fP3_1, gP3_3) - Math.imul(Math.floor(qm30_1 * gP3_3), p)) | 0) + ((Math.imul(fP3_2, gP3_2) - Math.imul(Math.floor(qm30_2 * gP3_2), p)) | 0) + ((Math.imul(fP3_3, gP3_1) - Math.imul(Math.floor(qm30_3 * gP3_1), p)) | 0));
    let m30_1 = ((Math.imul(fP3_0, gP3_1) - Math.imul(Math.floor(qm30_0 * gP3_1), p)) | 0) + ((Math.imul(fP3_1, gP3_0) - Math.imul(Math.floor(qm30_1 * gP3_0), p)) | 0) + w * (((Math.imul(fP3_2, gP3_3) - Math.imul(Math.floor(qm30_2 * gP3_3), p)) | 0) + ((Math.imul(fP3_3, gP3_2) - Math.imul(Math.floor(qm30_3 * gP3_2), p)) | 0));
    let m30_2 = ((Math.imul(fP3_0, gP3_2) - Math.imul(Math.floor(qm30_0 * gP3_2), p)) | 0) + ((Math.imul(fP3_1, gP3_1) - Math.imul(Math.floor(qm30_1 * gP3_1), p)) | 0) + ((Math.imul(fP3_2, gP3_0) - Math.imul(Math.floor(qm30_2 * gP3_0), p)) | 0) + w * ((Math.imul(fP3_3, gP3_3) - Math.imul(Math.floor(qm30_3 * gP3_3), p)) | 0);
    let m30_3 = ((Math.imul(fP3_0, gP3_3) - Math.imul(Math.floor(qm30_0 * gP3_3), p)) | 0) + ((Math.imul(fP3_1, gP3_2) - Math.imul(Math.floor(qm30_1 * gP3_2), p)) | 0) + ((Math.imul(fP3_2, gP3_1) - Math.imul(Math.floor(qm30_2 * gP3_1), p)) | 0) + ((Math.imul(fP3_3, gP3_0) - Math.imul(Math.floor(qm30_3 * gP3_0), p)) | 0);
    m30_0 -= Math.floor(m30_0 * invP) * p;
    m30_0 = m30_0 < 0 ? m30_0 + p : m30_0 >= p ? m30_0 - p : m30_0;
    m30_1 -= Math.floor(m30_1 * invP) * p;
    m30_1 = m30_1 < 0 ? m30_1 + p : m30_1 >= p ? m30_1 - p : m30_1;
    m30_2 -= Math.floor(m30_2 * invP) * p;
    m30_2 = m30_2 < 0 ? m30_2 + p : m30_2 >= p ? m30_2 - p : m30_2;
    m30_3 -= Math.floor(m30_3 * invP) * p;
    m30_3 = m30_3 < 0 ? m30_3 + p : m30_3 >= p ? m30_3 - p : m30_3;
    const qm31_0 = m30_0 * invP, qm31_1 = m30_1 * invP, qm31_2 = m30_2 * invP, qm31_3 = m30_3 * invP;
    let m31_0 = ((Math.imul(m30_0, hP3_0) - Math.imul(Math.floor(qm31_0 * hP3_0), p)) | 0) + w * (((Math.imul(m30_1, hP3_3) - Math.imul(Math.floor(qm31_1 * hP3_3), p)) | 0) + ((Math.imul(m30_2, hP3_2) - Math.imul(Math.floor(qm31_2 * hP3_2), p)) | 0) + ((Math.imul(m30_3, hP3_1) - Math.imul(Math.floor(qm31_3 * hP3_1), p)) | 0));
    let m31_1 = ((Math.imul(m30_0, hP3_1) - Math.imul(Math.floor(qm31_0 * hP3_1), p)) | 0) + ((Math.imul(m30_1, hP3_0) - Math.imul(Math.floor(qm31_1 * hP3_0), p)) | 0) + w * (((Math.imul(m30_2, hP3_3) - Math.imul(Math.floor(qm31_2 * hP3_3), p)) | 0) + ((Math.imul(m30_3, hP3_2) - Math.imul(Math.floor(qm31_3 * hP3_2), p)) | 0));
    let m31_2 = ((Math.imul(m30_0, hP3_2) - Math.imul(Math.floor(qm31_0 * hP3_2), p)) | 0) + ((Math.imul(m30_1, hP3_1) - Math.imul(Math.floor(qm31_1 * hP3_1), p)) | 0) + ((Math.imul(m30_2, hP3_0) - Math.imul(Math.floor(qm31_2 * hP3_0), p)) | 0) + w * ((Math.imul(m30_3, hP3_3) - Math.imul(Math.floor(qm31_3 * hP3_3), p)) | 0);
    let m31_3 = ((Math.imul(m30_0, hP3_3) - Math.imul(Math.floor(qm31_0 * hP3_3), p)) | 0) + ((Math.imul(m30_1, hP3_2) - Math.imul(Math.floor(qm31_1 * hP3_2), p)) | 0) + ((Math.imul(m30_2, hP3_1) - Math.imul(Math.floor(qm31_2 * hP3_1), p)) | 0) + ((Math.imul(m30_3, hP3_0) - Math.imul(Math.floor(qm31_3 * hP3_0), p)) | 0);
    m31_0 -= Math.floor(m31_0 * invP) * p;
    m31_0 = m31_0 < 0 ? m31_0 + p : m31_0 >= p ? m31_0 - p : m31_0;
    m31_1 -= Math.floor(m31_1 * invP) * p;
    m31_1 = m31_1 < 0 ? m31_1 + p : m31_1 >= p ? m31_1 - p : m31_1;
    m31_2 -= Math.floor(m31_2 * invP) * p;
    m31_2 = m31_2 < 0 ? m31_2 + p : m31_2 >= p ? m31_2 - p : m31_2;
    m31_3 -= Math.floor(m31_3 * invP) * p;
    m31_3 = m31_3 < 0 ? m31_3 + p : m31_3 >= p ? m31_3 - p : m31_3;
    s3_0 += m31_0;
    s3_1 += m31_1;
    s3_2 += m31_2;
    s3_3 += m31_3;
    if ((j & REDUCE_MASK) === REDUCE_MASK) {
      s0_0 = red(s0_0, p, invP);
      s0_1 = red(s0_1, p, invP);
      s0_2 = red(s0_2, p, invP);
      s0_3 = red(s0_3, p, invP);
      s2_0 = red(s2_0, p, invP);
      s2_1 = red(s2_1, p, invP);
      s2_2 = red(s2_2, p, invP);
      s2_3 = red(s2_3, p, invP);
      s3_0 = red(s3_0, p, invP);
      s3_1 = red(s3_1, p, invP);
      s3_2 = red(s3_2, p, invP);
      s3_3 = red(s3_3, p, invP);
    }
  }
  acc[0] += s0_0;
  acc[1] += s0_1;
  acc[2] += s0_2;
  acc[3] += s0_3;
  acc[8] += s2_0;
  acc[9] += s2_1;
  acc[10] += s2_2;
  acc[11] += s2_3;
  acc[12] += s3_0;
  acc[13] += s3_1;
  acc[14] += s3_2;
  acc[15] += s3_3;
}

// ---- END GENERATED KERNELS ----


/**
 * Terms compiled for the generic kernel. Terms with the same factors (as a multiset) are
 * merged (coefficients added: the round polynomial is linear in them), and the distinct
 * factor lists — base-table factors first — form a prefix trie, listed in depth-first
 * pre-order: the kernel computes each node's product as its parent's times one factor, so
 * products shared by several terms (w·s·s in w·s·s, w·s·s·s and w·s·s·y) are computed once.
 */
export interface CompiledTerms {
  readonly nodeFactor: Int32Array;
  /** 1 for a root's children (a single factor), parent depth + 1 below. */
  readonly nodeDepth: Int32Array;
  /** Merged term whose factor list ends at this node, or −1. */
  readonly nodeTerm: Int32Array;
  /** Merged term with no factors (a constant), or −1. */
  readonly constTerm: number;
  /** Merged coefficients, 4 limbs each. */
  readonly coeffs: Uint32Array;
  readonly count: number;
}

interface TrieNode {
  readonly factor: number;
  term: number;
  readonly children: Map<number, TrieNode>;
}

export function compileTerms(terms: readonly SumcheckTerm[], isBase: Uint8Array, E: QuarticExtension, order: 'base-first' | 'frequent-first' = 'base-first'): CompiledTerms {
  const merged = new Map<string, number>();
  const coeffs: Ext[] = [];
  const root = new Map<number, TrieNode>();
  let constTerm = -1;
  // 'frequent-first' (for kernels whose products are ext from the first factor on, where
  // a base factor costs the same anywhere): tables in more terms first, so terms share
  // longer prefixes (s·s·y and s·s·s share s·s).
  const count = new Map<number, number>();
  if (order === 'frequent-first') for (const t of terms) for (const k of new Set(t.factors)) count.set(k, (count.get(k) ?? 0) + 1);
  const cmp =
    order === 'frequent-first'
      ? (a: number, b: number) => count.get(b)! - count.get(a)! || a - b
      : (a: number, b: number) => isBase[b]! - isBase[a]! || a - b;
  for (const t of terms) {
    const f = [...t.factors].sort(cmp);
    const key = f.join(',');
    let m = merged.get(key);
    if (m === undefined) {
      m = coeffs.length;
      merged.set(key, m);
      coeffs.push(t.coeff.slice(0, 4));
      if (f.length === 0) constTerm = m;
      else {
        let level = root;
        let node: TrieNode | undefined;
        for (const k of f) {
          node = level.get(k);
          if (!node) level.set(k, (node = { factor: k, term: -1, children: new Map() }));
          level = node.children;
        }
        node!.term = m;
      }
    } else coeffs[m] = E.add(coeffs[m]!, t.coeff);
  }
  const factor: number[] = [], depth: number[] = [], term: number[] = [];
  const visit = (level: Map<number, TrieNode>, d: number): void => {
    for (const node of level.values()) {
      factor.push(node.factor);
      depth.push(d);
      term.push(node.term);
      visit(node.children, d + 1);
    }
  };
  visit(root, 1);
  const flat = new Uint32Array(4 * coeffs.length);
  coeffs.forEach((c, j) => flat.set(c, 4 * j));
  return { nodeFactor: Int32Array.from(factor), nodeDepth: Int32Array.from(depth), nodeTerm: Int32Array.from(term), constTerm, coeffs: flat, count: coeffs.length };
}

/**
 * Generic kernel: any terms over any mix of base/ext tables (compiled by
 * {@link compileTerms}). Adds per-merged-term sums over the pairs start ≤ i < end into acc
 * (layout [term][t][limb], 4(d+1) per term).
 */
export function evalGeneric(
  tabs: readonly Uint32Array[],
  isBase: Uint8Array,
  nodeFactor: Int32Array,
  nodeDepth: Int32Array,
  nodeTerm: Int32Array,
  constTerm: number,
  start: number,
  end: number,
  d: number,
  withOne: boolean,
  acc: Float64Array,
  p: number,
  invP: number,
  w: number,
): void {
  const nT = tabs.length;
  const nNodes = nodeFactor.length;
  const stride = 4 * (d + 1);
  const vals = new Uint32Array(nT * stride);
  // Products along the current trie path: base scalars and ext limbs per depth (≤ 4 + 1).
  const pb = new Float64Array(8);
  const pe = new Uint32Array(32);
  const pext = new Uint8Array(8);
  for (let i = start; i < end; i++) {
    for (let k = 0; k < nT; k++) {
      const tab = tabs[k]!;
      const vb = k * stride;
      if (isBase[k] === 1) {
        const lo = tab[2 * i]!, hi = tab[2 * i + 1]!;
        let diff = hi - lo;
        diff += p & (diff >> 31);
        vals[vb] = lo;
        vals[vb + 4] = hi;
        let v = hi;
        for (let t = 2; t <= d; t++) {
          v = step(v, diff, p);
          vals[vb + 4 * t] = v;
        }
      } else {
        for (let l = 0; l < 4; l++) {
          const lo = tab[8 * i + l]!, hi = tab[8 * i + 4 + l]!;
          let diff = hi - lo;
          diff += p & (diff >> 31);
          vals[vb + l] = lo;
          vals[vb + 4 + l] = hi;
          let v = hi;
          for (let t = 2; t <= d; t++) {
            v = step(v, diff, p);
            vals[vb + 4 * t + l] = v;
          }
        }
      }
    }
    for (let t = 0; t <= d; t++) {
      if (t === 1 && !withOne) continue;
      if (constTerm >= 0) acc[constTerm * stride + 4 * t] += 1;
      for (let n = 0; n < nNodes; n++) {
        const dep = nodeDepth[n]!;
        const k = nodeFactor[n]!;
        const vk = k * stride + 4 * t;
        const o = 4 * dep;
        if (dep === 1) {
          if (isBase[k] === 1) {
            pb[1] = vals[vk]!;
            pext[1] = 0;
          } else {
            pe[4] = vals[vk]!;
            pe[5] = vals[vk + 1]!;
            pe[6] = vals[vk + 2]!;
            pe[7] = vals[vk + 3]!;
            pext[1] = 1;
          }
        } else if (pext[dep - 1] === 0) {
          const b = pb[dep - 1]!;
          if (isBase[k] === 1) {
            pb[dep] = red(mm(b, vals[vk]!, p, invP), p, invP);
            pext[dep] = 0;
          } else {
            for (let l = 0; l < 4; l++) {
              const x = mm(vals[vk + l]!, b, p, invP);
              pe[o + l] = x < 0 ? x + p : x >= p ? x - p : x;
            }
            pext[dep] = 1;
          }
        } else {
          const q = o - 4;
          const x0 = pe[q]!, x1 = pe[q + 1]!, x2 = pe[q + 2]!, x3 = pe[q + 3]!;
          if (isBase[k] === 1) {
            const b = vals[vk]!;
            for (let l = 0; l < 4; l++) {
              const x = mm(pe[q + l]!, b, p, invP);
              pe[o + l] = x < 0 ? x + p : x >= p ? x - p : x;
            }
          } else {
            const y0 = vals[vk]!, y1 = vals[vk + 1]!, y2 = vals[vk + 2]!, y3 = vals[vk + 3]!;
            const qm0 = x0 * invP, qm1 = x1 * invP, qm2 = x2 * invP, qm3 = x3 * invP;
            let m0 = ((Math.imul(x0, y0) - Math.imul(Math.floor(qm0 * y0), p)) | 0) + w * (((Math.imul(x1, y3) - Math.imul(Math.floor(qm1 * y3), p)) | 0) + ((Math.imul(x2, y2) - Math.imul(Math.floor(qm2 * y2), p)) | 0) + ((Math.imul(x3, y1) - Math.imul(Math.floor(qm3 * y1), p)) | 0));
            let m1 = ((Math.imul(x0, y1) - Math.imul(Math.floor(qm0 * y1), p)) | 0) + ((Math.imul(x1, y0) - Math.imul(Math.floor(qm1 * y0), p)) | 0) + w * (((Math.imul(x2, y3) - Math.imul(Math.floor(qm2 * y3), p)) | 0) + ((Math.imul(x3, y2) - Math.imul(Math.floor(qm3 * y2), p)) | 0));
            let m2 = ((Math.imul(x0, y2) - Math.imul(Math.floor(qm0 * y2), p)) | 0) + ((Math.imul(x1, y1) - Math.imul(Math.floor(qm1 * y1), p)) | 0) + ((Math.imul(x2, y0) - Math.imul(Math.floor(qm2 * y0), p)) | 0) + w * ((Math.imul(x3, y3) - Math.imul(Math.floor(qm3 * y3), p)) | 0);
            let m3 = ((Math.imul(x0, y3) - Math.imul(Math.floor(qm0 * y3), p)) | 0) + ((Math.imul(x1, y2) - Math.imul(Math.floor(qm1 * y2), p)) | 0) + ((Math.imul(x2, y1) - Math.imul(Math.floor(qm2 * y1), p)) | 0) + ((Math.imul(x3, y0) - Math.imul(Math.floor(qm3 * y0), p)) | 0);
            m0 -= Math.floor(m0 * invP) * p;
            pe[o] = m0 < 0 ? m0 + p : m0 >= p ? m0 - p : m0;
            m1 -= Math.floor(m1 * invP) * p;
            pe[o + 1] = m1 < 0 ? m1 + p : m1 >= p ? m1 - p : m1;
            m2 -= Math.floor(m2 * invP) * p;
            pe[o + 2] = m2 < 0 ? m2 + p : m2 >= p ? m2 - p : m2;
            m3 -= Math.floor(m3 * invP) * p;
            pe[o + 3] = m3 < 0 ? m3 + p : m3 >= p ? m3 - p : m3;
          }
          pext[dep] = 1;
        }
        const tm = nodeTerm[n]!;
        if (tm >= 0) {
          const at = tm * stride + 4 * t;
          if (pext[dep] === 1) {
            acc[at] += pe[o]!;
            acc[at + 1] += pe[o + 1]!;
            acc[at + 2] += pe[o + 2]!;
            acc[at + 3] += pe[o + 3]!;
          } else acc[at] += pb[dep]!;
        }
      }
    }
    if ((i & REDUCE_MASK) === REDUCE_MASK) reduceAcc(acc, p, invP);
  }
}

// ---------------------------------------------------------------------------------------

/** Folds tables start ≤ k < end (base or ext) into dsts with r (a helper-thread job). */
export function foldMany(
  tabs: readonly Uint32Array[],
  dsts: readonly Uint32Array[],
  isBase: Uint8Array,
  half: number,
  r: Uint32Array,
  p: number,
  invP: number,
  w: number,
  start: number,
  end: number,
): void {
  for (let k = start; k < end; k++) {
    if (isBase[k] === 1) foldBase(tabs[k]!, dsts[k]!, half, r, p, invP);
    else foldExt(tabs[k]!, dsts[k]!, half, r, p, invP, w);
  }
}

/**
 * The generic kernel and the folds as a helper-thread bundle (parallel/pool.ts), built from
 * the running functions' own source text, so both sides execute the same code.
 */
let genericBundle: KernelBundle | undefined;
export function genericKernels(): KernelBundle {
  genericBundle ??= {
    id: 'sumcheck-generic/v1',
    source: `const REDUCE_MASK = ${REDUCE_MASK};\n${[mm, red, step, reduceAcc, foldBase, foldExt, foldMany, evalGeneric].map(String).join('\n')}\nreturn { foldMany, evalGeneric };`,
  };
  return genericBundle;
}

/** Pair-terms of generic work per thread below which a round stays on the calling thread. */
export const GENERIC_MIN_WORK = 1 << 17;
/** Table entries per thread below which a fold stays on the calling thread. */
export const FOLD_MIN_WORK = 1 << 16;

export function checkTables(input: SumcheckInput): void {
  const n = input.numVars;
  if (!Number.isInteger(n) || n < 0 || n > MAX_SUMCHECK_VARS) throw new SumcheckError(`numVars ${n} out of range`);
  if (n > 30) throw new SumcheckError(`numVars ${n}: tables above 2^30 entries are not supported by the prover`);
  const size = 2 ** n;
  input.tables.forEach((t, k) => {
    if (!(t.data instanceof Uint32Array)) throw new SumcheckError(`table ${k}: data must be a Uint32Array`);
    const want = t.kind === 'base' ? size : 4 * size;
    if (t.kind !== 'base' && t.kind !== 'ext') throw new SumcheckError(`table ${k}: unknown kind`);
    if (t.data.length !== want) {
      throw new SumcheckError(`table ${k}: ${t.kind} table for ${n} variables needs ${want} limbs, got ${t.data.length}`);
    }
  });
}

export function statementDegree(input: SumcheckInput, E: QuarticExtension): number {
  const need = sumcheckDegree(input.terms);
  if (need > MAX_SUMCHECK_DEGREE) {
    throw new SumcheckError(`a term has ${need} factors: degree > ${MAX_SUMCHECK_DEGREE} is not supported`);
  }
  const d = input.degree ?? need;
  if (!Number.isInteger(d) || d < need || d > MAX_SUMCHECK_DEGREE) {
    throw new SumcheckError(`degree ${d} must be an integer in [${need}, ${MAX_SUMCHECK_DEGREE}]`);
  }
  if (input.terms.length === 0) throw new SumcheckError('statement has no terms');
  input.terms.forEach((t, j) => {
    if (!(t.coeff instanceof Uint32Array) || t.coeff.length !== 4 || !E.isCanonical(t.coeff)) {
      throw new SumcheckError(`term ${j}: coefficient is not a canonical ext element`);
    }
    for (const k of t.factors) {
      if (!Number.isInteger(k) || k < 0 || k >= input.tables.length) {
        throw new SumcheckError(`term ${j}: factor index ${k} out of range [0, ${input.tables.length})`);
      }
    }
  });
  if (input.claim !== undefined && (input.claim.length !== 4 || !E.isCanonical(input.claim))) {
    throw new SumcheckError('claim is not a canonical ext element');
  }
  if (E.w >= 1 << 16) throw new SumcheckError('extension X^4 − w with w ≥ 2^16 is not supported by the prover');
  return d;
}

type Shape = { kind: 'prod2' | 'prod3'; tabs: number[] } | { kind: 'generic' };

function detectShape(input: SumcheckInput, d: number, opt: SumcheckProverOptions): Shape {
  if (opt.kernel === 'generic' || input.terms.length !== 1) return { kind: 'generic' };
  const f = input.terms[0]!.factors;
  if (f.length !== d || new Set(f).size !== f.length || input.tables.length !== f.length) return { kind: 'generic' };
  if (d === 2) return { kind: 'prod2', tabs: [...f] };
  if (d === 3) return { kind: 'prod3', tabs: [...f] };
  return { kind: 'generic' };
}

/**
 * out[t] += Σ_j c_j·reduce(acc[j·stride + 4t …]) for t ≤ tMax (t = 1 skipped unless withOne):
 * a round's values from the kernels' per-term sums (acc: float limbs, [term][t][limb]).
 */
export function combineTermSums(
  E: QuarticExtension,
  acc: Float64Array,
  coeffs: Uint32Array,
  count: number,
  stride: number,
  tMax: number,
  withOne: boolean,
  out: Uint32Array,
): void {
  const p = E.base.p, invP = E.base.invP;
  const r = new Uint32Array(4);
  for (let j = 0; j < count; j++) {
    for (let t = 0; t <= tMax; t++) {
      if (t === 1 && !withOne) continue;
      const a = j * stride + 4 * t;
      for (let l = 0; l < 4; l++) r[l] = red(acc[a + l]!, p, invP);
      E.mulAt(r, 0, r, 0, coeffs, 4 * j);
      E.addAt(out, 4 * t, out, 4 * t, r, 0);
    }
  }
}

/**
 * Binds the lowest variable of every table (base or ext) to r and returns the folded ext
 * tables: whole tables per helper thread into fresh shared tables when the work is big
 * enough (an in-place fold split by ranges would overwrite entries another thread still
 * reads), else on the calling thread, in place when the tables are the caller's (`owned`).
 */
export function foldTables(
  cur: readonly Uint32Array[],
  isBase: Uint8Array,
  owned: boolean,
  half: number,
  r: Ext,
  p: number,
  invP: number,
  w: number,
): Uint32Array[] {
  if (proverThreads() > 1 && cur.length * half >= 2 * FOLD_MIN_WORK && cur.length > 1) {
    const src = toSharedAll(cur);
    const dsts = sharedU32Views(src.length, 4 * half);
    const isB = toShared(isBase);
    const rs = toShared(r);
    parallelFor(
      genericKernels(),
      'foldMany',
      src.length,
      Math.max(1, Math.ceil(FOLD_MIN_WORK / half)),
      (_, a, b) => [src, dsts, isB, half, rs, p, invP, w, a, b],
      (x) => foldMany(...(x as Parameters<typeof foldMany>)),
    );
    return dsts;
  }
  return cur.map((src, k) => {
    const dst = owned ? src.subarray(0, 4 * half) : new Uint32Array(4 * half);
    if (isBase[k] === 1) foldBase(src, dst, half, r, p, invP);
    else foldExt(src, dst, half, r, p, invP, w);
    return dst;
  });
}

/**
 * Runs the rounds only (schedule steps 2–3): absorbs numVars, degree, claim and each round
 * message before its challenge. Pairs with `verifySumcheckRounds`. The returned
 * `finalEvals` are NOT absorbed.
 */
export function proveSumcheckRounds(
  input: SumcheckInput,
  transcript: Transcript,
  options: SumcheckProverOptions = {},
): SumcheckRoundsOutput {
  const E = options.ext ?? BabyBearExt4;
  checkTables(input);
  const d = statementDegree(input, E);
  const n = input.numVars;
  const F = E.base;
  const p = F.p, invP = F.invP, w = E.w;
  const nTab = input.tables.length;
  const nTerms = input.terms.length;

  if (n === 0) {
    const finalEvals = new Uint32Array(4 * nTab);
    input.tables.forEach((t, k) => finalEvals.set(t.kind === 'base' ? [t.data[0]!, 0, 0, 0] : t.data.subarray(0, 4), 4 * k));
    const sum = evalSumcheckTerms(E, input.terms, finalEvals);
    if (input.claim !== undefined && !E.equals(sum, input.claim)) {
      throw new SumcheckError('prover: the claimed sum does not match the tables');
    }
    absorbSumcheckHeader(transcript, 0, d, sum);
    return { roundMessages: [], point: new Uint32Array(0), finalEvals, claim: sum, finalClaim: sum };
  }

  const shape = detectShape(input, d, options);
  const isBase = Uint8Array.from(input.tables, (t) => (t.kind === 'base' ? 1 : 0));
  const ct = compileTerms(input.terms, isBase, E);
  const coeffs = new Uint32Array(4 * nTerms);
  input.terms.forEach((t, j) => coeffs.set(t.coeff.subarray(0, 4), 4 * j));
  // Current tables; after the first fold all are ext and owned by us (folded in place).
  let cur: Uint32Array[] = input.tables.map((t) => t.data);
  let owned = false;
  let size = 2 ** n; // entries per table
  const acc = new Float64Array(shape.kind === 'generic' ? 4 * (d + 1) * ct.count : 4 * (d + 1));
  const evals = new Uint32Array(4 * (d + 1));
  const red4 = new Uint32Array(4);

  /** Writes s(t) for t = 0..d into `evals` (s(1) only if withOne). */
  const evaluate = (withOne: boolean): void => {
    acc.fill(0);
    const half = size >>> 1;
    // Specialised shapes: all-base and all-ext tables have kernels; a base/ext mix (only
    // possible before the first fold) uses the generic kernel, which multiplies base
    // factors first and then needs a single base×ext product.
    const kinds = shape.kind === 'generic' ? -1 : shape.tabs.reduce((s, k) => s + isBase[k]!, 0);
    if (shape.kind === 'prod2' && (kinds === 0 || kinds === 2)) {
      const [a, b] = shape.tabs as [number, number];
      if (kinds === 2) evalProd2Base(cur[a]!, cur[b]!, half, acc, p, invP);
      else evalProd2Ext(cur[a]!, cur[b]!, half, withOne, acc, p, invP, w);
    } else if (shape.kind === 'prod3' && (kinds === 0 || kinds === 3)) {
      const [a, b, c] = shape.tabs as [number, number, number];
      if (kinds === 3) evalProd3Base(cur[a]!, cur[b]!, cur[c]!, half, acc, p, invP);
      else evalProd3Ext(cur[a]!, cur[b]!, cur[c]!, half, withOne, acc, p, invP, w);
    } else {
      const minRange = Math.max(16, Math.ceil(GENERIC_MIN_WORK / (ct.nodeFactor.length * (d + 1))));
      if (proverThreads() > 1 && half >= 2 * minRange) {
        // Split the pairs across threads; each slot sums into its own accumulators.
        cur = toSharedAll(cur);
        const isB = toShared(isBase);
        const nf = toShared(ct.nodeFactor), nd = toShared(ct.nodeDepth), nt = toShared(ct.nodeTerm);
        const len = acc.length;
        const slots = sharedF64(len * proverThreads());
        const used = parallelFor(
          genericKernels(),
          'evalGeneric',
          half,
          minRange,
          (slot, a, b) => [cur, isB, nf, nd, nt, ct.constTerm, a, b, d, withOne, slots.subarray(slot * len, (slot + 1) * len), p, invP, w],
          (x) => evalGeneric(...(x as Parameters<typeof evalGeneric>)),
        );
        for (let slot = 0; slot < used; slot++) for (let i = 0; i < len; i++) acc[i] += slots[slot * len + i]!;
      } else {
        evalGeneric(cur, isBase, ct.nodeFactor, ct.nodeDepth, ct.nodeTerm, ct.constTerm, 0, half, d, withOne, acc, p, invP, w);
      }
    }
    finish();
  };

  /** evals ← Σ_j c_j · (reduced per-term sums in acc). */
  const finish = (): void => {
    evals.fill(0);
    const generic = shape.kind === 'generic';
    combineTermSums(E, acc, generic ? ct.coeffs : coeffs, generic ? ct.count : 1, 4 * (d + 1), d, true, evals);
  };

  /** Binds the lowest variable of every table to r. */
  const foldAll = (r: Ext): void => {
    const half = size >>> 1;
    cur = foldTables(cur, isBase, owned, half, r, p, invP, w);
    isBase.fill(0);
    owned = true;
    size = half;
  };

  /** Specialised shapes on ext tables: fold with r and evaluate the next round in one pass. */
  const foldEvaluate = (r: Ext, tabs: number[]): void => {
    const half = size >>> 1;
    const src = tabs.map((k) => cur[k]!);
    const dst = owned ? src : src.map(() => new Uint32Array(4 * half));
    acc.fill(0);
    if (tabs.length === 2) foldEvalProd2Ext(src[0]!, src[1]!, dst[0]!, dst[1]!, half >>> 1, r, acc, p, invP, w);
    else foldEvalProd3Ext(src[0]!, src[1]!, src[2]!, dst[0]!, dst[1]!, dst[2]!, half >>> 1, r, acc, p, invP, w);
    tabs.forEach((k, j) => (cur[k] = dst[j]!.subarray(0, 4 * half)));
    owned = true;
    size = half;
    finish();
  };

  // Small-value rounds for a product of base tables: round 1 is evaluated from the base
  // tables with x_0 bound symbolically to r_0 (`pending`); round 2 folds x_0 and x_1 at once.
  const allBase = shape.kind !== 'generic' && shape.tabs.every((k) => isBase[k] === 1);
  let pending = false;

  const smallValueRound = (r0: Ext): void => {
    const tabs = (shape as { tabs: number[] }).tabs;
    const k = tabs.length;
    acc.fill(0);
    if (k === 2) evalProd2SmallValue(cur[tabs[0]!]!, cur[tabs[1]!]!, size >>> 2, acc, p, invP);
    else evalProd3SmallValue(cur[tabs[0]!]!, cur[tabs[1]!]!, cur[tabs[2]!]!, size >>> 2, acc, p, invP);
    evals.fill(0);
    for (let t = 0; t <= k; t++) {
      if (t === 1) continue;
      // Σ_c r0^c · coefficient_c (Horner), then × the term's coefficient.
      red4.fill(0);
      for (let c = k; c >= 0; c--) {
        E.mulAt(red4, 0, red4, 0, r0, 0);
        red4[0] = F.add(red4[0]!, red(acc[t * (k + 1) + c]!, p, invP));
      }
      E.mulAt(evals, 4 * t, red4, 0, coeffs, 0);
    }
  };

  const fold2Evaluate = (u: Ext, v: Ext): void => {
    const tabs = (shape as { tabs: number[] }).tabs;
    const quarter = size >>> 2;
    const uv = E.mul(u, v);
    const dst = tabs.map(() => new Uint32Array(4 * quarter));
    acc.fill(0);
    const s = tabs.map((k) => cur[k]!);
    if (tabs.length === 2) fold2EvalProd2(s[0]!, s[1]!, dst[0]!, dst[1]!, quarter >>> 1, u, v, uv, acc, p, invP, w);
    else fold2EvalProd3(s[0]!, s[1]!, s[2]!, dst[0]!, dst[1]!, dst[2]!, quarter >>> 1, u, v, uv, acc, p, invP, w);
    tabs.forEach((k, j) => (cur[k] = dst[j]!));
    isBase.fill(0);
    owned = true;
    size = quarter;
    finish();
  };

  // Round 0 is evaluated before the header is absorbed: without a given claim, s(0)+s(1)
  // is the claim.
  evaluate(input.claim === undefined);
  let claim: Ext;
  if (input.claim === undefined) {
    claim = new Uint32Array(4);
    E.addAt(claim, 0, evals, 0, evals, 4);
  } else {
    claim = input.claim.slice();
  }
  absorbSumcheckHeader(transcript, n, d, claim);
  const point = new Uint32Array(4 * n);
  const roundMessages: Uint32Array[] = [];
  let running: Ext = claim.slice();
  for (let i = 0; i < n; i++) {
    if (i > 0) {
      const r = point.subarray(4 * (i - 1), 4 * i);
      if (i === 1 && allBase) {
        smallValueRound(r);
        pending = true;
      } else if (pending) {
        fold2Evaluate(point.subarray(0, 4), r);
        pending = false;
      } else if (shape.kind !== 'generic' && !isBase.includes(1)) foldEvaluate(r, shape.tabs);
      else {
        foldAll(r);
        evaluate(false);
      }
    }
    const msg = new Uint32Array(4 * d);
    msg.set(evals.subarray(0, 4), 0);
    msg.set(evals.subarray(8), 4);
    roundMessages.push(msg);
    transcript.absorbExt(SUMCHECK_ROUND_LABEL, msg);
    const r = transcript.challengeExt(SUMCHECK_CHALLENGE_LABEL);
    point.set(r, 4 * i);
    E.subAt(evals, 4, running, 0, evals, 0);
    running = interpolateAt(E, evals, r);
  }
  if (pending) {
    // n = 2: the small-value round left x_0 unfolded.
    foldAll(point.subarray(0, 4));
    foldAll(point.subarray(4, 8));
  } else {
    foldAll(point.subarray(4 * (n - 1)));
  }
  const finalEvals = new Uint32Array(4 * nTab);
  cur.forEach((t, k) => finalEvals.set(t.subarray(0, 4), 4 * k));
  const finalClaim = evalSumcheckTerms(E, input.terms, finalEvals);
  if (!E.equals(finalClaim, running)) {
    throw new SumcheckError('prover: the claimed sum does not match the tables');
  }
  return { roundMessages, point, finalEvals, claim, finalClaim };
}

/**
 * Proves Σ_x Σ_t c_t Π_{k∈S_t} f_k(x) = claim. Follows the full schedule of
 * `verifySumcheck`: absorbs the terms, numVars/degree/claim, every round message before
 * its challenge, and the final values. Throws {@link SumcheckError} on malformed input or
 * if a given claim is not the sum of the tables.
 *
 * The caller must make the verifier able to check `finalEvals` (open the committed tables
 * at `point`, or reduce them to the next layer's claims).
 */
export function proveSumcheck(
  input: SumcheckInput,
  transcript: Transcript,
  options: SumcheckProverOptions = {},
): SumcheckProverOutput {
  const E = options.ext ?? BabyBearExt4;
  checkTables(input);
  statementDegree(input, E); // validate before absorbing anything
  absorbSumcheckTerms(transcript, input.tables.length, input.terms);
  const out = proveSumcheckRounds(input, transcript, options);
  transcript.absorbExt(SUMCHECK_FINAL_LABEL, out.finalEvals);
  return {
    proof: { roundMessages: out.roundMessages, finalEvals: out.finalEvals },
    point: out.point,
    finalEvals: out.finalEvals,
    claim: out.claim,
  };
}

/** Σ_x Σ_t c_t Π_{k∈S_t} f_k(x), computed directly (tests, and claims of small statements). */
export function sumOverHypercube(
  tables: readonly MleTable[],
  terms: readonly SumcheckTerm[],
  ext: QuarticExtension = BabyBearExt4,
): Ext {
  const E = ext;
  if (tables.length === 0) throw new SumcheckError('sumOverHypercube: no tables');
  const sizeOf = (t: MleTable) => (t.kind === 'base' ? t.data.length : t.data.length >>> 2);
  const size = sizeOf(tables[0]!);
  if (tables.some((t) => sizeOf(t) !== size)) throw new SumcheckError('sumOverHypercube: tables of different sizes');
  const acc = new Uint32Array(4);
  const prod = new Uint32Array(4);
  for (let x = 0; x < size; x++) {
    for (const t of terms) {
      prod.set(t.coeff.subarray(0, 4));
      for (const k of t.factors) {
        const tab = tables[k]!;
        if (tab.kind === 'base') E.mulBaseAt(prod, 0, prod, 0, tab.data[x]!);
        else E.mulAt(prod, 0, prod, 0, tab.data, 4 * x);
      }
      E.addAt(acc, 0, acc, 0, prod, 0);
    }
  }
  return acc;
}
