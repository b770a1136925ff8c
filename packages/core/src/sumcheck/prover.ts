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
 *   need one reduction; folds by a fixed challenge precompute w·r_k.
 * - A single product of 2 or 3 distinct tables has dedicated kernels (fold and next-round
 *   evaluation fused in one pass); everything else goes through one generic kernel.
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
function mm(x: number, y: number, p: number, invP: number): number {
  return (Math.imul(x, y) - Math.imul(Math.floor(x * y * invP), p)) | 0;
}

/** Canonical residue of an integer-valued double |x| < 2^52. */
function red(x: number, p: number, invP: number): number {
  const r = x - Math.floor(x * invP) * p;
  return r < 0 ? r + p : r >= p ? r - p : r;
}

/**
 * out[o..o+4) = a · b in F_p[X]/(X^4 − w), canonical. Requires w < 2^16 so that
 * w·(sum of three lazy products) stays below 2^52.
 */
function emul(
  out: Uint32Array,
  o: number,
  a0: number,
  a1: number,
  a2: number,
  a3: number,
  b0: number,
  b1: number,
  b2: number,
  b3: number,
  p: number,
  invP: number,
  w: number,
): void {
  const c0 = mm(a0, b0, p, invP) + w * (mm(a1, b3, p, invP) + mm(a2, b2, p, invP) + mm(a3, b1, p, invP));
  const c1 = mm(a0, b1, p, invP) + mm(a1, b0, p, invP) + w * (mm(a2, b3, p, invP) + mm(a3, b2, p, invP));
  const c2 = mm(a0, b2, p, invP) + mm(a1, b1, p, invP) + mm(a2, b0, p, invP) + w * mm(a3, b3, p, invP);
  const c3 = mm(a0, b3, p, invP) + mm(a1, b2, p, invP) + mm(a2, b1, p, invP) + mm(a3, b0, p, invP);
  out[o] = red(c0, p, invP);
  out[o + 1] = red(c1, p, invP);
  out[o + 2] = red(c2, p, invP);
  out[o + 3] = red(c3, p, invP);
}

/** 2·hi − lo mod p for canonical inputs: the next point of a line (t ↦ lo + t·(hi − lo)). */
function step(prev: number, diff: number, p: number): number {
  const s = prev + diff;
  return s >= p ? s - p : s;
}

// ---------------------------------------------------------------------------------------
// Folds: bind the lowest variable to r. dst may alias src for ext → ext.

function foldBase(src: Uint32Array, dst: Uint32Array, half: number, r: Ext, p: number, invP: number): void {
  const r0 = r[0]!, r1 = r[1]!, r2 = r[2]!, r3 = r[3]!;
  for (let i = 0; i < half; i++) {
    const lo = src[2 * i]!;
    let d = src[2 * i + 1]! - lo;
    if (d < 0) d += p;
    const o = 4 * i;
    dst[o] = red(lo + mm(d, r0, p, invP), p, invP);
    let x = mm(d, r1, p, invP);
    dst[o + 1] = x < 0 ? x + p : x >= p ? x - p : x;
    x = mm(d, r2, p, invP);
    dst[o + 2] = x < 0 ? x + p : x >= p ? x - p : x;
    x = mm(d, r3, p, invP);
    dst[o + 3] = x < 0 ? x + p : x >= p ? x - p : x;
  }
}

function foldExt(src: Uint32Array, dst: Uint32Array, half: number, r: Ext, p: number, invP: number, w: number): void {
  const r0 = r[0]!, r1 = r[1]!, r2 = r[2]!, r3 = r[3]!;
  // X^4 = w: fold w into r's limbs once.
  const wr1 = red(w * r1, p, invP), wr2 = red(w * r2, p, invP), wr3 = red(w * r3, p, invP);
  for (let i = 0; i < half; i++) {
    const s = 8 * i;
    const l0 = src[s]!, l1 = src[s + 1]!, l2 = src[s + 2]!, l3 = src[s + 3]!;
    let d0 = src[s + 4]! - l0, d1 = src[s + 5]! - l1, d2 = src[s + 6]! - l2, d3 = src[s + 7]! - l3;
    if (d0 < 0) d0 += p;
    if (d1 < 0) d1 += p;
    if (d2 < 0) d2 += p;
    if (d3 < 0) d3 += p;
    const o = 4 * i;
    dst[o] = red(l0 + mm(d0, r0, p, invP) + mm(d1, wr3, p, invP) + mm(d2, wr2, p, invP) + mm(d3, wr1, p, invP), p, invP);
    dst[o + 1] = red(l1 + mm(d0, r1, p, invP) + mm(d1, r0, p, invP) + mm(d2, wr3, p, invP) + mm(d3, wr2, p, invP), p, invP);
    dst[o + 2] = red(l2 + mm(d0, r2, p, invP) + mm(d1, r1, p, invP) + mm(d2, r0, p, invP) + mm(d3, wr3, p, invP), p, invP);
    dst[o + 3] = red(l3 + mm(d0, r3, p, invP) + mm(d1, r2, p, invP) + mm(d2, r1, p, invP) + mm(d3, r0, p, invP), p, invP);
  }
}

// ---------------------------------------------------------------------------------------
// Kernels. Each writes Σ over pairs of the product at t = 0..d into acc (Float64Array of
// 4(d+1) unreduced limb sums; t = 1 only when `withOne`). Limb sums of canonical values
// stay exact for 2^21 additions; kernels reduce every 2^20 pairs.

const REDUCE_MASK = 0xfffff;

function reduceAcc(acc: Float64Array, p: number, invP: number): void {
  for (let i = 0; i < acc.length; i++) acc[i] = red(acc[i]!, p, invP);
}

/** Product of two base tables, round 0: everything in the base field. */
function evalProd2Base(f: Uint32Array, g: Uint32Array, half: number, acc: Float64Array, p: number, invP: number): void {
  let s0 = 0, s1 = 0, s2 = 0;
  for (let i = 0; i < half; i++) {
    const f0 = f[2 * i]!, f1 = f[2 * i + 1]!, g0 = g[2 * i]!, g1 = g[2 * i + 1]!;
    let df = f1 - f0;
    if (df < 0) df += p;
    let dg = g1 - g0;
    if (dg < 0) dg += p;
    s0 += mm(f0, g0, p, invP);
    s1 += mm(f1, g1, p, invP);
    s2 += mm(step(f1, df, p), step(g1, dg, p), p, invP);
    if ((i & REDUCE_MASK) === REDUCE_MASK) {
      s0 = red(s0, p, invP);
      s1 = red(s1, p, invP);
      s2 = red(s2, p, invP);
    }
  }
  acc[0] += s0;
  acc[4] += s1;
  acc[8] += s2;
}

/** Product of three base tables, round 0. */
function evalProd3Base(
  f: Uint32Array,
  g: Uint32Array,
  h: Uint32Array,
  half: number,
  acc: Float64Array,
  p: number,
  invP: number,
): void {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  for (let i = 0; i < half; i++) {
    const f0 = f[2 * i]!, f1 = f[2 * i + 1]!, g0 = g[2 * i]!, g1 = g[2 * i + 1]!, h0 = h[2 * i]!, h1 = h[2 * i + 1]!;
    let df = f1 - f0;
    if (df < 0) df += p;
    let dg = g1 - g0;
    if (dg < 0) dg += p;
    let dh = h1 - h0;
    if (dh < 0) dh += p;
    const f2 = step(f1, df, p), g2 = step(g1, dg, p), h2 = step(h1, dh, p);
    const f3 = step(f2, df, p), g3 = step(g2, dg, p), h3 = step(h2, dh, p);
    // Lazy products chain: mm accepts (−2^10, p + 2^10) inputs.
    s0 += mm(mm(f0, g0, p, invP), h0, p, invP);
    s1 += mm(mm(f1, g1, p, invP), h1, p, invP);
    s2 += mm(mm(f2, g2, p, invP), h2, p, invP);
    s3 += mm(mm(f3, g3, p, invP), h3, p, invP);
    if ((i & REDUCE_MASK) === REDUCE_MASK) {
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

/** Product of two ext tables: `half` pairs. */
function evalProd2Ext(
  f: Uint32Array,
  g: Uint32Array,
  half: number,
  withOne: boolean,
  acc: Float64Array,
  p: number,
  invP: number,
  w: number,
): void {
  const T = new Uint32Array(4);
  let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
  let b0 = 0, b1 = 0, b2 = 0, b3 = 0;
  let e0 = 0, e1 = 0, e2 = 0, e3 = 0;
  for (let i = 0; i < half; i++) {
    const s = 8 * i;
    const f0 = f[s]!, f1 = f[s + 1]!, f2 = f[s + 2]!, f3 = f[s + 3]!;
    const F0 = f[s + 4]!, F1 = f[s + 5]!, F2 = f[s + 6]!, F3 = f[s + 7]!;
    const g0 = g[s]!, g1 = g[s + 1]!, g2 = g[s + 2]!, g3 = g[s + 3]!;
    const G0 = g[s + 4]!, G1 = g[s + 5]!, G2 = g[s + 6]!, G3 = g[s + 7]!;
    emul(T, 0, f0, f1, f2, f3, g0, g1, g2, g3, p, invP, w);
    a0 += T[0]!;
    a1 += T[1]!;
    a2 += T[2]!;
    a3 += T[3]!;
    if (withOne) {
      emul(T, 0, F0, F1, F2, F3, G0, G1, G2, G3, p, invP, w);
      e0 += T[0]!;
      e1 += T[1]!;
      e2 += T[2]!;
      e3 += T[3]!;
    }
    // value at 2: 2·hi − lo, in (−p, 2p) → one correction each.
    let x0 = 2 * F0 - f0, x1 = 2 * F1 - f1, x2 = 2 * F2 - f2, x3 = 2 * F3 - f3;
    let y0 = 2 * G0 - g0, y1 = 2 * G1 - g1, y2 = 2 * G2 - g2, y3 = 2 * G3 - g3;
    x0 = x0 < 0 ? x0 + p : x0 >= p ? x0 - p : x0;
    x1 = x1 < 0 ? x1 + p : x1 >= p ? x1 - p : x1;
    x2 = x2 < 0 ? x2 + p : x2 >= p ? x2 - p : x2;
    x3 = x3 < 0 ? x3 + p : x3 >= p ? x3 - p : x3;
    y0 = y0 < 0 ? y0 + p : y0 >= p ? y0 - p : y0;
    y1 = y1 < 0 ? y1 + p : y1 >= p ? y1 - p : y1;
    y2 = y2 < 0 ? y2 + p : y2 >= p ? y2 - p : y2;
    y3 = y3 < 0 ? y3 + p : y3 >= p ? y3 - p : y3;
    emul(T, 0, x0, x1, x2, x3, y0, y1, y2, y3, p, invP, w);
    b0 += T[0]!;
    b1 += T[1]!;
    b2 += T[2]!;
    b3 += T[3]!;
    if ((i & REDUCE_MASK) === REDUCE_MASK) {
      a0 = red(a0, p, invP); a1 = red(a1, p, invP); a2 = red(a2, p, invP); a3 = red(a3, p, invP);
      b0 = red(b0, p, invP); b1 = red(b1, p, invP); b2 = red(b2, p, invP); b3 = red(b3, p, invP);
      e0 = red(e0, p, invP); e1 = red(e1, p, invP); e2 = red(e2, p, invP); e3 = red(e3, p, invP);
    }
  }
  acc[0] += a0; acc[1] += a1; acc[2] += a2; acc[3] += a3;
  acc[4] += e0; acc[5] += e1; acc[6] += e2; acc[7] += e3;
  acc[8] += b0; acc[9] += b1; acc[10] += b2; acc[11] += b3;
}

/** Product of three ext tables: `half` pairs. */
function evalProd3Ext(
  f: Uint32Array,
  g: Uint32Array,
  h: Uint32Array,
  half: number,
  withOne: boolean,
  acc: Float64Array,
  p: number,
  invP: number,
  w: number,
): void {
  const T = new Uint32Array(4);
  const V = new Uint32Array(24); // f,g,h values at t = lo, hi, 2, 3 … laid out per table
  for (let i = 0; i < half; i++) {
    const s = 8 * i;
    for (let l = 0; l < 4; l++) {
      const fl = f[s + l]!, fh = f[s + 4 + l]!;
      const gl = g[s + l]!, gh = g[s + 4 + l]!;
      const hl = h[s + l]!, hh = h[s + 4 + l]!;
      let df = fh - fl;
      if (df < 0) df += p;
      let dg = gh - gl;
      if (dg < 0) dg += p;
      let dh = hh - hl;
      if (dh < 0) dh += p;
      const f2 = step(fh, df, p), g2 = step(gh, dg, p), h2 = step(hh, dh, p);
      V[l] = f2;
      V[4 + l] = g2;
      V[8 + l] = h2;
      V[12 + l] = step(f2, df, p);
      V[16 + l] = step(g2, dg, p);
      V[20 + l] = step(h2, dh, p);
    }
    // t = 0
    emul(T, 0, f[s]!, f[s + 1]!, f[s + 2]!, f[s + 3]!, g[s]!, g[s + 1]!, g[s + 2]!, g[s + 3]!, p, invP, w);
    emul(T, 0, T[0]!, T[1]!, T[2]!, T[3]!, h[s]!, h[s + 1]!, h[s + 2]!, h[s + 3]!, p, invP, w);
    acc[0] += T[0]!; acc[1] += T[1]!; acc[2] += T[2]!; acc[3] += T[3]!;
    if (withOne) {
      emul(T, 0, f[s + 4]!, f[s + 5]!, f[s + 6]!, f[s + 7]!, g[s + 4]!, g[s + 5]!, g[s + 6]!, g[s + 7]!, p, invP, w);
      emul(T, 0, T[0]!, T[1]!, T[2]!, T[3]!, h[s + 4]!, h[s + 5]!, h[s + 6]!, h[s + 7]!, p, invP, w);
      acc[4] += T[0]!; acc[5] += T[1]!; acc[6] += T[2]!; acc[7] += T[3]!;
    }
    // t = 2
    emul(T, 0, V[0]!, V[1]!, V[2]!, V[3]!, V[4]!, V[5]!, V[6]!, V[7]!, p, invP, w);
    emul(T, 0, T[0]!, T[1]!, T[2]!, T[3]!, V[8]!, V[9]!, V[10]!, V[11]!, p, invP, w);
    acc[8] += T[0]!; acc[9] += T[1]!; acc[10] += T[2]!; acc[11] += T[3]!;
    // t = 3
    emul(T, 0, V[12]!, V[13]!, V[14]!, V[15]!, V[16]!, V[17]!, V[18]!, V[19]!, p, invP, w);
    emul(T, 0, T[0]!, T[1]!, T[2]!, T[3]!, V[20]!, V[21]!, V[22]!, V[23]!, p, invP, w);
    acc[12] += T[0]!; acc[13] += T[1]!; acc[14] += T[2]!; acc[15] += T[3]!;
    if ((i & REDUCE_MASK) === REDUCE_MASK) reduceAcc(acc, p, invP);
  }
}

/** Terms compiled to flat arrays; in each term base-table factors come first. */
interface CompiledTerms {
  readonly off: Int32Array; // term j's factors are fac[off[j] .. off[j+1])
  readonly fac: Int32Array;
}

function compileTerms(terms: readonly SumcheckTerm[], isBase: Uint8Array): CompiledTerms {
  const off = new Int32Array(terms.length + 1);
  const all: number[] = [];
  for (let j = 0; j < terms.length; j++) {
    const f = [...terms[j]!.factors].sort((a, b) => isBase[b]! - isBase[a]! || a - b);
    all.push(...f);
    off[j + 1] = all.length;
  }
  return { off, fac: Int32Array.from(all) };
}

/**
 * Generic kernel: any terms over any mix of base/ext tables. Writes per-term sums into
 * acc (layout [term][t][limb], 4(d+1) per term).
 */
function evalGeneric(
  tabs: readonly Uint32Array[],
  isBase: Uint8Array,
  ct: CompiledTerms,
  half: number,
  d: number,
  withOne: boolean,
  acc: Float64Array,
  p: number,
  invP: number,
  w: number,
): void {
  const nT = tabs.length;
  const nTerms = ct.off.length - 1;
  const { off, fac } = ct;
  const stride = 4 * (d + 1);
  const vals = new Uint32Array(nT * stride);
  const prod = new Uint32Array(4);
  for (let i = 0; i < half; i++) {
    for (let k = 0; k < nT; k++) {
      const tab = tabs[k]!;
      const vb = k * stride;
      if (isBase[k] === 1) {
        const lo = tab[2 * i]!, hi = tab[2 * i + 1]!;
        let diff = hi - lo;
        if (diff < 0) diff += p;
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
          if (diff < 0) diff += p;
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
    for (let j = 0; j < nTerms; j++) {
      const start = off[j]!, end = off[j + 1]!;
      const ab = j * stride;
      for (let t = 0; t <= d; t++) {
        if (t === 1 && !withOne) continue;
        const at = ab + 4 * t;
        if (start === end) {
          acc[at] += 1;
          continue;
        }
        let pos = start;
        let k = fac[pos]!;
        if (isBase[k] === 1) {
          let b = vals[k * stride + 4 * t]!;
          pos++;
          while (pos < end && isBase[fac[pos]!] === 1) {
            b = red(mm(b, vals[fac[pos]! * stride + 4 * t]!, p, invP), p, invP);
            pos++;
          }
          if (pos === end) {
            acc[at] += b;
            continue;
          }
          k = fac[pos]!;
          const vk = k * stride + 4 * t;
          for (let l = 0; l < 4; l++) {
            const x = mm(vals[vk + l]!, b, p, invP);
            prod[l] = x < 0 ? x + p : x >= p ? x - p : x;
          }
        } else {
          const vk = k * stride + 4 * t;
          prod[0] = vals[vk]!;
          prod[1] = vals[vk + 1]!;
          prod[2] = vals[vk + 2]!;
          prod[3] = vals[vk + 3]!;
        }
        for (pos++; pos < end; pos++) {
          const vk = fac[pos]! * stride + 4 * t;
          emul(prod, 0, prod[0]!, prod[1]!, prod[2]!, prod[3]!, vals[vk]!, vals[vk + 1]!, vals[vk + 2]!, vals[vk + 3]!, p, invP, w);
        }
        acc[at] += prod[0]!;
        acc[at + 1] += prod[1]!;
        acc[at + 2] += prod[2]!;
        acc[at + 3] += prod[3]!;
      }
    }
    if ((i & REDUCE_MASK) === REDUCE_MASK) reduceAcc(acc, p, invP);
  }
}

// ---------------------------------------------------------------------------------------

function checkTables(input: SumcheckInput): void {
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

function statementDegree(input: SumcheckInput, E: QuarticExtension): number {
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
  const kinds = new Set(f.map((k) => input.tables[k]!.kind));
  if (kinds.size !== 1) return { kind: 'generic' };
  if (d === 2) return { kind: 'prod2', tabs: [...f] };
  if (d === 3) return { kind: 'prod3', tabs: [...f] };
  return { kind: 'generic' };
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
  const ct = compileTerms(input.terms, isBase);
  const coeffs = new Uint32Array(4 * nTerms);
  input.terms.forEach((t, j) => coeffs.set(t.coeff.subarray(0, 4), 4 * j));
  // Current tables; after the first fold all are ext and owned by us (folded in place).
  let cur: Uint32Array[] = input.tables.map((t) => t.data);
  let owned = false;
  let size = 2 ** n; // entries per table
  const acc = new Float64Array(shape.kind === 'generic' ? 4 * (d + 1) * nTerms : 4 * (d + 1));
  const evals = new Uint32Array(4 * (d + 1));
  const red4 = new Uint32Array(4);

  /** Writes s(t) for t = 0..d into `evals` (s(1) only if withOne). */
  const evaluate = (withOne: boolean): void => {
    acc.fill(0);
    const half = size >>> 1;
    if (shape.kind === 'prod2') {
      const [a, b] = shape.tabs as [number, number];
      if (isBase[a] === 1) evalProd2Base(cur[a]!, cur[b]!, half, acc, p, invP);
      else evalProd2Ext(cur[a]!, cur[b]!, half, withOne, acc, p, invP, w);
    } else if (shape.kind === 'prod3') {
      const [a, b, c] = shape.tabs as [number, number, number];
      if (isBase[a] === 1) evalProd3Base(cur[a]!, cur[b]!, cur[c]!, half, acc, p, invP);
      else evalProd3Ext(cur[a]!, cur[b]!, cur[c]!, half, withOne, acc, p, invP, w);
    } else {
      evalGeneric(cur, isBase, ct, half, d, withOne, acc, p, invP, w);
    }
    evals.fill(0);
    const termsInAcc = shape.kind === 'generic' ? nTerms : 1;
    for (let j = 0; j < termsInAcc; j++) {
      for (let t = 0; t <= d; t++) {
        const a = 4 * (j * (d + 1) + t);
        for (let l = 0; l < 4; l++) red4[l] = red(acc[a + l]!, p, invP);
        E.mulAt(red4, 0, red4, 0, coeffs, 4 * j);
        E.addAt(evals, 4 * t, evals, 4 * t, red4, 0);
      }
    }
  };

  /** Binds the lowest variable of every table to r. */
  const foldAll = (r: Ext): void => {
    const half = size >>> 1;
    cur = cur.map((src, k) => {
      const dst = owned ? src.subarray(0, 4 * half) : new Uint32Array(4 * half);
      if (isBase[k] === 1) foldBase(src, dst, half, r, p, invP);
      else foldExt(src, dst, half, r, p, invP, w);
      return dst;
    });
    isBase.fill(0);
    owned = true;
    size = half;
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
      foldAll(point.subarray(4 * (i - 1), 4 * i));
      evaluate(false);
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
  foldAll(point.subarray(4 * (n - 1)));
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
  const size = tables[0]!.kind === 'base' ? tables[0]!.data.length : tables[0]!.data.length >>> 2;
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
