/**
 * Zero-check prover: the sumcheck of Σ_x eq(r, x) · P(x) where every term carries the
 * factor eq(r, ·) exactly once (the batched requant zero-checks). It sends the same round
 * messages as {@link proveSumcheckRounds} on the same statement (the verifier runs a plain
 * sumcheck of degree d), but never materialises the eq factor in the rounds.
 *
 * With the variables bound lowest first, after challenges c_0..c_{j−1} the round polynomial
 * factors as (Gruen's split of eq)
 *
 *     s_j(X) = Π_{i<j} eq(r_i, c_i) · eq(r_j, X) · q_j(X),
 *     q_j(X) = Σ_{y} eq(r_{>j}, y) · P(c_{<j}, X, y),
 *
 * and q_j has degree d − 1. So each round evaluates q_j at 0, 2, …, d − 1 only: q_j(1)
 * follows from the running claim s_j(0) + s_j(1) (when r_j ≠ 0 and the prefix is not 0;
 * otherwise q_j(1) is evaluated or s_j ≡ 0), and q_j(d) from the d values. The weights
 * eq(r_{>j}, ·) are a table of half the current size; the next round's is its pair sums
 * (eq(r, 0) + eq(r, 1) = 1), so no eq table is ever folded.
 *
 * The weight is multiplied into each pair's first factor once (w·f(t) = w·f_lo + t·w·Δf,
 * two products per first-factor table and pair, then additions), so a linear term costs no
 * product per point, and a term of k factors k − 1 products per point, where the generic
 * kernel pays k (the eq factor included) at one more point.
 *
 * Terms without the eq factor (RoPE's w·x) are summed alongside by the generic kernel over
 * their own tables (folded with the rest): their part of s_j is added to every value, and
 * subtracted from the running claim before q_j(1) is derived.
 *
 * Rounds j ≥ 1 fold the previous round's tables inside the evaluation kernel, range by
 * range, into buffers in shared memory, so a round split across threads copies nothing.
 */
import {
  BabyBearExt4,
  SUMCHECK_CHALLENGE_LABEL,
  SUMCHECK_ROUND_LABEL,
  SumcheckError,
  absorbSumcheckHeader,
  evalSumcheckTerms,
  interpolateAt,
  type Ext,
  type QuarticExtension,
  type SumcheckTerm,
  type Transcript,
} from '@zkllm/verifier';
import { parallelFor, proverThreads, sharedF64, sharedU32, toShared, type KernelBundle } from '../parallel/pool.js';
import { eqTableFast } from '../poly/eq.js';
import {
  checkTables,
  compileTerms,
  combineTermSums,
  evalGeneric,
  foldBase,
  foldExt,
  foldTables,
  proveSumcheckRounds,
  statementDegree,
  type MleTable,
  type SumcheckInput,
  type SumcheckProverOptions,
  type SumcheckRoundsOutput,
} from './prover.js';

// Helpers the kernel calls. They are repeated here rather than imported because the
// kernel's source text runs on helper threads: an imported name would be rewritten to a
// module binding there (under the test runner's transform) that a helper cannot resolve.

const REDUCE_MASK = 0xfffff;

// The folds of prover.ts under local names (an imported name would be rewritten as above);
// the bundle defines these names from the folds' own source text.
const foldBaseRange = foldBase;
const foldExtRange = foldExt;

/** Canonical residue of an integer-valued double |x| < 2^52. */
function red(x: number, p: number, invP: number): number {
  const r = x - Math.floor(x * invP) * p;
  return r < 0 ? r + p : r >= p ? r - p : r;
}

function reduceAcc(acc: Float64Array, p: number, invP: number): void {
  for (let i = 0; i < acc.length; i++) acc[i] = red(acc[i]!, p, invP);
}

/**
 * Adds, for every merged term of P (compiled by `compileTerms`) and every point t ∈ {0, 2,
 * …, d − 1} (and t = 1 when `withOne`), Σ_{start ≤ i < end} weights[i] · term(pair i at t)
 * into acc (layout [term][t][limb], 4·max(d, 2) per term). `use[k]`: bit 0 = table k is a
 * later factor of some term (plain values needed), bit 1 = a first factor (weighted values).
 * Node values are ext (weighted from the root on); a base factor costs 4 products, an ext
 * one 16. Base tables hold their plain values in limb 0 of `vals`.
 * Table k starts at tabPool[tabOff[k]] (srcPool, srcOff: the previous round's, read when
 * folding): two arrays to pass to a helper instead of one view per table (cloning hundreds
 * of views per message cost more than small rounds).
 */
function evalZeroCheck(
  srcPool: Uint32Array,
  srcOff: Int32Array,
  srcBase: Uint8Array,
  fold: Uint32Array,
  tabPool: Uint32Array,
  tabOff: Int32Array,
  isBase: Uint8Array,
  use: Uint8Array,
  nodeFactor: Int32Array,
  nodeDepth: Int32Array,
  nodeTerm: Int32Array,
  constTerm: number,
  weights: Uint32Array,
  start: number,
  end: number,
  d: number,
  withOne: boolean,
  acc: Float64Array,
  p: number,
  invP: number,
  w: number,
): void {
  const nT = tabOff.length;
  const tabs: Uint32Array[] = [];
  const src: Uint32Array[] = [];
  for (let k = 0; k < nT; k++) tabs.push(tabPool.subarray(tabOff[k]!));
  if (fold.length === 4) for (let k = 0; k < nT; k++) src.push(srcPool.subarray(srcOff[k]!));
  const nNodes = nodeFactor.length;
  const nPts = d < 2 ? 2 : d;
  const tMax = withOne && d < 2 ? 1 : d - 1;
  const stride = 4 * nPts;
  const vals = new Uint32Array(nT * stride);
  const wv = new Uint32Array(nT * stride);
  const nv = new Uint32Array(4 * nNodes + 4);
  // Parent node of each node (its value is the product's other operand), −1 for roots.
  const parent = new Int32Array(nNodes);
  const last = new Int32Array(8).fill(-1);
  for (let n = 0; n < nNodes; n++) {
    const dep = nodeDepth[n]!;
    parent[n] = dep === 1 ? -1 : last[dep - 1]!;
    last[dep] = n;
  }
  // The fold stage (when `fold` holds a challenge c): pairs start … end − 1 of this round
  // are entries 2·start … 2·end − 1 of the tables bound at c, i.e. src entries 4·start …
  // 4·end − 1; they are written to tabs first (a range of its own per thread).
  if (fold.length === 4) {
    for (let k = 0; k < nT; k++) {
      const s = src[k]!;
      if (srcBase[k] === 1) foldBaseRange(s.subarray(4 * start, 4 * end), tabs[k]!.subarray(8 * start, 8 * end), 2 * (end - start), fold, p, invP);
      else foldExtRange(s.subarray(16 * start, 16 * end), tabs[k]!.subarray(8 * start, 8 * end), 2 * (end - start), fold, p, invP, w);
    }
  }
  for (let i = start; i < end; i++) {
    const w0 = weights[4 * i]!, w1 = weights[4 * i + 1]!, w2 = weights[4 * i + 2]!, w3 = weights[4 * i + 3]!;
    const qw0 = w0 * invP, qw1 = w1 * invP, qw2 = w2 * invP, qw3 = w3 * invP;
    for (let k = 0; k < nT; k++) {
      const u = use[k]!;
      if (u === 0) continue;
      const tab = tabs[k]!;
      const vb = k * stride;
      if (isBase[k] === 1) {
        const lo = tab[2 * i]!;
        let dl = tab[2 * i + 1]! - lo;
        dl += p & (dl >> 31);
        if ((u & 1) !== 0) {
          let v = lo;
          vals[vb] = v;
          for (let t = 1; t <= tMax; t++) {
            v = v + dl - p;
            v += p & (v >> 31);
            vals[vb + 4 * t] = v;
          }
        }
        if ((u & 2) !== 0) {
          // w·lo and w·Δ: four base products each.
          const ql = lo * invP, qd = dl * invP;
          let a0 = (Math.imul(w0, lo) - Math.imul(Math.floor(w0 * ql), p)) | 0;
          a0 = a0 < 0 ? a0 + p : a0 >= p ? a0 - p : a0;
          let a1 = (Math.imul(w1, lo) - Math.imul(Math.floor(w1 * ql), p)) | 0;
          a1 = a1 < 0 ? a1 + p : a1 >= p ? a1 - p : a1;
          let a2 = (Math.imul(w2, lo) - Math.imul(Math.floor(w2 * ql), p)) | 0;
          a2 = a2 < 0 ? a2 + p : a2 >= p ? a2 - p : a2;
          let a3 = (Math.imul(w3, lo) - Math.imul(Math.floor(w3 * ql), p)) | 0;
          a3 = a3 < 0 ? a3 + p : a3 >= p ? a3 - p : a3;
          let e0 = (Math.imul(w0, dl) - Math.imul(Math.floor(w0 * qd), p)) | 0;
          e0 = e0 < 0 ? e0 + p : e0 >= p ? e0 - p : e0;
          let e1 = (Math.imul(w1, dl) - Math.imul(Math.floor(w1 * qd), p)) | 0;
          e1 = e1 < 0 ? e1 + p : e1 >= p ? e1 - p : e1;
          let e2 = (Math.imul(w2, dl) - Math.imul(Math.floor(w2 * qd), p)) | 0;
          e2 = e2 < 0 ? e2 + p : e2 >= p ? e2 - p : e2;
          let e3 = (Math.imul(w3, dl) - Math.imul(Math.floor(w3 * qd), p)) | 0;
          e3 = e3 < 0 ? e3 + p : e3 >= p ? e3 - p : e3;
          wv[vb] = a0;
          wv[vb + 1] = a1;
          wv[vb + 2] = a2;
          wv[vb + 3] = a3;
          for (let t = 1; t <= tMax; t++) {
            a0 = a0 + e0 - p;
            a0 += p & (a0 >> 31);
            a1 = a1 + e1 - p;
            a1 += p & (a1 >> 31);
            a2 = a2 + e2 - p;
            a2 += p & (a2 >> 31);
            a3 = a3 + e3 - p;
            a3 += p & (a3 >> 31);
            const a = vb + 4 * t;
            wv[a] = a0;
            wv[a + 1] = a1;
            wv[a + 2] = a2;
            wv[a + 3] = a3;
          }
        }
        continue;
      }
      const l0 = tab[8 * i]!, l1 = tab[8 * i + 1]!, l2 = tab[8 * i + 2]!, l3 = tab[8 * i + 3]!;
      let d0 = tab[8 * i + 4]! - l0, d1 = tab[8 * i + 5]! - l1, d2 = tab[8 * i + 6]! - l2, d3 = tab[8 * i + 7]! - l3;
      d0 += p & (d0 >> 31);
      d1 += p & (d1 >> 31);
      d2 += p & (d2 >> 31);
      d3 += p & (d3 >> 31);
      if ((u & 1) !== 0) {
        let a0 = l0, a1 = l1, a2 = l2, a3 = l3;
        vals[vb] = a0;
        vals[vb + 1] = a1;
        vals[vb + 2] = a2;
        vals[vb + 3] = a3;
        for (let t = 1; t <= tMax; t++) {
          a0 = a0 + d0 - p;
          a0 += p & (a0 >> 31);
          a1 = a1 + d1 - p;
          a1 += p & (a1 >> 31);
          a2 = a2 + d2 - p;
          a2 += p & (a2 >> 31);
          a3 = a3 + d3 - p;
          a3 += p & (a3 >> 31);
          const a = vb + 4 * t;
          vals[a] = a0;
          vals[a + 1] = a1;
          vals[a + 2] = a2;
          vals[a + 3] = a3;
        }
      }
      if ((u & 2) !== 0) {
        // w·lo and w·Δ, then the line w·lo + t·w·Δ.
        let m0 = ((Math.imul(w0, l0) - Math.imul(Math.floor(qw0 * l0), p)) | 0) + w * (((Math.imul(w1, l3) - Math.imul(Math.floor(qw1 * l3), p)) | 0) + ((Math.imul(w2, l2) - Math.imul(Math.floor(qw2 * l2), p)) | 0) + ((Math.imul(w3, l1) - Math.imul(Math.floor(qw3 * l1), p)) | 0));
        let m1 = ((Math.imul(w0, l1) - Math.imul(Math.floor(qw0 * l1), p)) | 0) + ((Math.imul(w1, l0) - Math.imul(Math.floor(qw1 * l0), p)) | 0) + w * (((Math.imul(w2, l3) - Math.imul(Math.floor(qw2 * l3), p)) | 0) + ((Math.imul(w3, l2) - Math.imul(Math.floor(qw3 * l2), p)) | 0));
        let m2 = ((Math.imul(w0, l2) - Math.imul(Math.floor(qw0 * l2), p)) | 0) + ((Math.imul(w1, l1) - Math.imul(Math.floor(qw1 * l1), p)) | 0) + ((Math.imul(w2, l0) - Math.imul(Math.floor(qw2 * l0), p)) | 0) + w * ((Math.imul(w3, l3) - Math.imul(Math.floor(qw3 * l3), p)) | 0);
        let m3 = ((Math.imul(w0, l3) - Math.imul(Math.floor(qw0 * l3), p)) | 0) + ((Math.imul(w1, l2) - Math.imul(Math.floor(qw1 * l2), p)) | 0) + ((Math.imul(w2, l1) - Math.imul(Math.floor(qw2 * l1), p)) | 0) + ((Math.imul(w3, l0) - Math.imul(Math.floor(qw3 * l0), p)) | 0);
        m0 -= Math.floor(m0 * invP) * p;
        let a0 = m0 < 0 ? m0 + p : m0 >= p ? m0 - p : m0;
        m1 -= Math.floor(m1 * invP) * p;
        let a1 = m1 < 0 ? m1 + p : m1 >= p ? m1 - p : m1;
        m2 -= Math.floor(m2 * invP) * p;
        let a2 = m2 < 0 ? m2 + p : m2 >= p ? m2 - p : m2;
        m3 -= Math.floor(m3 * invP) * p;
        let a3 = m3 < 0 ? m3 + p : m3 >= p ? m3 - p : m3;
        m0 = ((Math.imul(w0, d0) - Math.imul(Math.floor(qw0 * d0), p)) | 0) + w * (((Math.imul(w1, d3) - Math.imul(Math.floor(qw1 * d3), p)) | 0) + ((Math.imul(w2, d2) - Math.imul(Math.floor(qw2 * d2), p)) | 0) + ((Math.imul(w3, d1) - Math.imul(Math.floor(qw3 * d1), p)) | 0));
        m1 = ((Math.imul(w0, d1) - Math.imul(Math.floor(qw0 * d1), p)) | 0) + ((Math.imul(w1, d0) - Math.imul(Math.floor(qw1 * d0), p)) | 0) + w * (((Math.imul(w2, d3) - Math.imul(Math.floor(qw2 * d3), p)) | 0) + ((Math.imul(w3, d2) - Math.imul(Math.floor(qw3 * d2), p)) | 0));
        m2 = ((Math.imul(w0, d2) - Math.imul(Math.floor(qw0 * d2), p)) | 0) + ((Math.imul(w1, d1) - Math.imul(Math.floor(qw1 * d1), p)) | 0) + ((Math.imul(w2, d0) - Math.imul(Math.floor(qw2 * d0), p)) | 0) + w * ((Math.imul(w3, d3) - Math.imul(Math.floor(qw3 * d3), p)) | 0);
        m3 = ((Math.imul(w0, d3) - Math.imul(Math.floor(qw0 * d3), p)) | 0) + ((Math.imul(w1, d2) - Math.imul(Math.floor(qw1 * d2), p)) | 0) + ((Math.imul(w2, d1) - Math.imul(Math.floor(qw2 * d1), p)) | 0) + ((Math.imul(w3, d0) - Math.imul(Math.floor(qw3 * d0), p)) | 0);
        m0 -= Math.floor(m0 * invP) * p;
        const e0 = m0 < 0 ? m0 + p : m0 >= p ? m0 - p : m0;
        m1 -= Math.floor(m1 * invP) * p;
        const e1 = m1 < 0 ? m1 + p : m1 >= p ? m1 - p : m1;
        m2 -= Math.floor(m2 * invP) * p;
        const e2 = m2 < 0 ? m2 + p : m2 >= p ? m2 - p : m2;
        m3 -= Math.floor(m3 * invP) * p;
        const e3 = m3 < 0 ? m3 + p : m3 >= p ? m3 - p : m3;
        wv[vb] = a0;
        wv[vb + 1] = a1;
        wv[vb + 2] = a2;
        wv[vb + 3] = a3;
        for (let t = 1; t <= tMax; t++) {
          a0 = a0 + e0 - p;
          a0 += p & (a0 >> 31);
          a1 = a1 + e1 - p;
          a1 += p & (a1 >> 31);
          a2 = a2 + e2 - p;
          a2 += p & (a2 >> 31);
          a3 = a3 + e3 - p;
          a3 += p & (a3 >> 31);
          const a = vb + 4 * t;
          wv[a] = a0;
          wv[a + 1] = a1;
          wv[a + 2] = a2;
          wv[a + 3] = a3;
        }
      }
    }
    for (let t = 0; t <= tMax; t++) {
      if (t === 1 && !withOne) continue;
      const t4 = 4 * t;
      if (constTerm >= 0) {
        const at = constTerm * stride + t4;
        acc[at] += w0;
        acc[at + 1] += w1;
        acc[at + 2] += w2;
        acc[at + 3] += w3;
      }
      for (let n = 0; n < nNodes; n++) {
        const k = nodeFactor[n]!;
        const vk = k * stride + t4;
        const o = 4 * n;
        const par = parent[n]!;
        let x0: number, x1: number, x2: number, x3: number;
        if (par < 0) {
          x0 = wv[vk]!;
          x1 = wv[vk + 1]!;
          x2 = wv[vk + 2]!;
          x3 = wv[vk + 3]!;
        } else if (isBase[k] === 1) {
          const q = 4 * par;
          const b = vals[vk]!;
          const qb = b * invP;
          const y0 = nv[q]!, y1 = nv[q + 1]!, y2 = nv[q + 2]!, y3 = nv[q + 3]!;
          let m = (Math.imul(y0, b) - Math.imul(Math.floor(y0 * qb), p)) | 0;
          x0 = m < 0 ? m + p : m >= p ? m - p : m;
          m = (Math.imul(y1, b) - Math.imul(Math.floor(y1 * qb), p)) | 0;
          x1 = m < 0 ? m + p : m >= p ? m - p : m;
          m = (Math.imul(y2, b) - Math.imul(Math.floor(y2 * qb), p)) | 0;
          x2 = m < 0 ? m + p : m >= p ? m - p : m;
          m = (Math.imul(y3, b) - Math.imul(Math.floor(y3 * qb), p)) | 0;
          x3 = m < 0 ? m + p : m >= p ? m - p : m;
        } else {
          const q = 4 * par;
          const y0 = nv[q]!, y1 = nv[q + 1]!, y2 = nv[q + 2]!, y3 = nv[q + 3]!;
          const z0 = vals[vk]!, z1 = vals[vk + 1]!, z2 = vals[vk + 2]!, z3 = vals[vk + 3]!;
          const qm0 = y0 * invP, qm1 = y1 * invP, qm2 = y2 * invP, qm3 = y3 * invP;
          let m0 = ((Math.imul(y0, z0) - Math.imul(Math.floor(qm0 * z0), p)) | 0) + w * (((Math.imul(y1, z3) - Math.imul(Math.floor(qm1 * z3), p)) | 0) + ((Math.imul(y2, z2) - Math.imul(Math.floor(qm2 * z2), p)) | 0) + ((Math.imul(y3, z1) - Math.imul(Math.floor(qm3 * z1), p)) | 0));
          let m1 = ((Math.imul(y0, z1) - Math.imul(Math.floor(qm0 * z1), p)) | 0) + ((Math.imul(y1, z0) - Math.imul(Math.floor(qm1 * z0), p)) | 0) + w * (((Math.imul(y2, z3) - Math.imul(Math.floor(qm2 * z3), p)) | 0) + ((Math.imul(y3, z2) - Math.imul(Math.floor(qm3 * z2), p)) | 0));
          let m2 = ((Math.imul(y0, z2) - Math.imul(Math.floor(qm0 * z2), p)) | 0) + ((Math.imul(y1, z1) - Math.imul(Math.floor(qm1 * z1), p)) | 0) + ((Math.imul(y2, z0) - Math.imul(Math.floor(qm2 * z0), p)) | 0) + w * ((Math.imul(y3, z3) - Math.imul(Math.floor(qm3 * z3), p)) | 0);
          let m3 = ((Math.imul(y0, z3) - Math.imul(Math.floor(qm0 * z3), p)) | 0) + ((Math.imul(y1, z2) - Math.imul(Math.floor(qm1 * z2), p)) | 0) + ((Math.imul(y2, z1) - Math.imul(Math.floor(qm2 * z1), p)) | 0) + ((Math.imul(y3, z0) - Math.imul(Math.floor(qm3 * z0), p)) | 0);
          m0 -= Math.floor(m0 * invP) * p;
          x0 = m0 < 0 ? m0 + p : m0 >= p ? m0 - p : m0;
          m1 -= Math.floor(m1 * invP) * p;
          x1 = m1 < 0 ? m1 + p : m1 >= p ? m1 - p : m1;
          m2 -= Math.floor(m2 * invP) * p;
          x2 = m2 < 0 ? m2 + p : m2 >= p ? m2 - p : m2;
          m3 -= Math.floor(m3 * invP) * p;
          x3 = m3 < 0 ? m3 + p : m3 >= p ? m3 - p : m3;
        }
        nv[o] = x0;
        nv[o + 1] = x1;
        nv[o + 2] = x2;
        nv[o + 3] = x3;
        const tm = nodeTerm[n]!;
        if (tm >= 0) {
          const at = tm * stride + t4;
          acc[at] += x0;
          acc[at + 1] += x1;
          acc[at + 2] += x2;
          acc[at + 3] += x3;
        }
      }
    }
    if ((i & REDUCE_MASK) === REDUCE_MASK) reduceAcc(acc, p, invP);
  }
}

/**
 * Runs `kernel` on a tiny statement that takes every branch (base and ext tables as first
 * and later factors, with and without t = 1 and the fold stage). The first real call (round 0) sees base
 * factors only; without this, the optimised code would have no feedback for the ext paths
 * and be thrown away at round 1, costing tens of milliseconds in slow tiers per process.
 */
function primeZeroCheck(kernel: typeof evalZeroCheck): void {
  const p = 2013265921;
  // Pseudo-random full-size values (sums of products exceed 2^31), so the arithmetic
  // feedback is that of real data: no 32-bit speculation for real values to overflow.
  let seed = 12345;
  const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % p;
  const pairs = 4;
  // A base table (2·pairs entries) then an ext one (8·pairs).
  const tabs = Uint32Array.from({ length: 10 * pairs }, next);
  const tabOff = Int32Array.of(0, 2 * pairs);
  const isB = Uint8Array.of(1, 0);
  const use = Uint8Array.of(3, 3);
  // The fold stage: a base and an ext source of twice the size into ext tables.
  const src = Uint32Array.from({ length: 20 * pairs }, next);
  const srcOff = Int32Array.of(0, 4 * pairs);
  const dst = new Uint32Array(16 * pairs);
  const dstOff = Int32Array.of(0, 8 * pairs);
  const allExt = Uint8Array.of(0, 0);
  const c = Uint32Array.from({ length: 4 }, next);
  const none = new Uint32Array(0);
  // Trie: 0 → 0·1 → 0·1·0, and 1 → 1·0; terms at every node.
  const factor = Int32Array.of(0, 1, 0, 1, 0);
  const depth = Int32Array.of(1, 2, 3, 1, 2);
  const term = Int32Array.of(0, 1, 2, 3, 4);
  const weights = Uint32Array.from({ length: 4 * pairs }, next);
  const acc = new Float64Array(5 * 16);
  // Feedback vectors are allocated only after a few calls: call it more than that.
  for (let rep = 0; rep < 16; rep++) {
    if (rep % 4 < 2) kernel(src, srcOff, isB, none, tabs, tabOff, isB, use, factor, depth, term, 0, weights, 0, pairs, 4, rep % 2 === 0, acc, p, 1 / p, 11);
    else kernel(src, srcOff, isB, c, dst, dstOff, allExt, use, factor, depth, term, 0, weights, 0, pairs, 4, rep % 2 === 0, acc, p, 1 / p, 11);
  }
}

/**
 * Node-points per thread below which a round stays on the calling thread. Higher than the
 * generic kernel's: a helper compiles this bundle on first use and runs its first ranges in
 * slow tiers, so small rounds are not worth sending. Measured on the bundled model (2
 * threads, zero-check time at 32 / 64 / 128 tokens): 2^23 0.48 / 0.80 / 1.76 s, 2^21 0.41 /
 * 0.67 / 1.44 s, 2^19 0.38–0.41 / 0.59–0.67 / 1.09–1.24 s, 2^17 0.51 / 0.72 / 1.13 s.
 */
const ZERO_CHECK_MIN_WORK = 1 << 16;

let zeroCheckBundle: KernelBundle | undefined;
function zeroCheckKernels(): KernelBundle {
  zeroCheckBundle ??= {
    id: 'sumcheck-zerocheck/v4',
    source: `const REDUCE_MASK = ${REDUCE_MASK};\n${[red, reduceAcc, foldBase, foldExt, evalZeroCheck, primeZeroCheck].map(String).join('\n')}\nconst foldBaseRange = foldBase, foldExtRange = foldExt;\nprimeZeroCheck(evalZeroCheck);\nreturn { evalZeroCheck };`,
  };
  return zeroCheckBundle;
}

let primed = false;

/**
 * The terms split by their eq factor (index 0), factors shifted down by one: those with it
 * exactly once (the terms of P) and those without it (`plain`: RoPE's w·x); null if a term
 * has it more than once or no term has it.
 */
function splitEq(terms: readonly SumcheckTerm[]): { eqTerms: SumcheckTerm[]; plain: SumcheckTerm[] } | null {
  const eqTerms: SumcheckTerm[] = [];
  const plain: SumcheckTerm[] = [];
  for (const t of terms) {
    let eqs = 0;
    const rest: number[] = [];
    for (const k of t.factors) {
      if (k === 0) eqs++;
      else rest.push(k - 1);
    }
    if (eqs > 1) return null;
    (eqs === 1 ? eqTerms : plain).push({ coeff: t.coeff, factors: rest });
  }
  return eqTerms.length > 0 ? { eqTerms, plain } : null;
}

/** Sums of adjacent ext entries into `next` (binds the lowest variable of an eq table away). */
function pairSumsInto(t: Uint32Array, next: Uint32Array, p: number): void {
  const half = t.length >>> 3;
  for (let i = 0; i < half; i++) {
    for (let l = 0; l < 4; l++) {
      const s = t[8 * i + l]! + t[8 * i + 4 + l]! - p;
      next[4 * i + l] = s + (p & (s >> 31));
    }
  }
}

/** Sums of adjacent ext entries (binds the lowest variable of an eq table away). */
function pairSums(t: Uint32Array, p: number): Uint32Array {
  const next = new Uint32Array(t.length >>> 1);
  pairSumsInto(t, next, p);
  return next;
}

function sameLimbs(a: Uint32Array, b: Uint32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export interface ZeroCheckProverOptions extends SumcheckProverOptions {
  /**
   * Node-points of work per thread below which a round stays on the calling thread
   * (default {@link ZERO_CHECK_MIN_WORK}; tests lower it to run the helper threads).
   */
  readonly minWorkPerThread?: number;
  /**
   * `tables[0]` is known to be eq(r, ·) (the caller built it with eqTableFast from the same
   * r): skips rebuilding it to check.
   */
  readonly trustedEq?: boolean;
}

/** {@link SumcheckRoundsOutput} plus the values the rounds bound without extra work. */
export interface ZeroCheckRoundsOutput extends SumcheckRoundsOutput {
  /**
   * f_k(point) for the tables the rounds folded (indexed as `input.tables`, eq included),
   * undefined for those only linear terms read: `finalEvals` computes those (one inner
   * product each).
   */
  readonly boundEvals: readonly (Ext | undefined)[];
}

/** The generic prover's output as a {@link ZeroCheckRoundsOutput} (every value bound). */
function generic(input: SumcheckInput, transcript: Transcript, options: ZeroCheckProverOptions): ZeroCheckRoundsOutput {
  const out = proveSumcheckRounds(input, transcript, options);
  return { ...out, boundEvals: input.tables.map((_, k) => out.finalEvals.slice(4 * k, 4 * k + 4)) };
}

/**
 * Proves the sumcheck of `input` exactly as {@link proveSumcheckRounds} does (same
 * transcript, messages, point, final values), for a zero-check statement: `tables[0]` is
 * eq(r, ·) and every term has the factor 0 at most once (terms without it, like RoPE's w·x,
 * are evaluated by the generic kernel alongside). Statements of another shape, and
 * `kernel: 'generic'`, go through the generic prover. `finalEvals` is computed when first
 * read (the tables used only in linear terms need one inner product each).
 */
export function proveEqSumcheckRounds(
  input: SumcheckInput,
  r: Uint32Array,
  transcript: Transcript,
  options: ZeroCheckProverOptions = {},
): ZeroCheckRoundsOutput {
  const E = options.ext ?? BabyBearExt4;
  checkTables(input);
  const d = statementDegree(input, E);
  const n = input.numVars;
  const eqTab = input.tables[0];
  const split = splitEq(input.terms);
  if (options.kernel === 'generic' || n === 0 || !split || !eqTab || eqTab.kind !== 'ext' || r.length !== 4 * n) {
    return generic(input, transcript, options);
  }
  // The factorisation describes the statement only if the given table is eq(r, ·).
  if (!options.trustedEq && !sameLimbs(eqTableFast(E, r), eqTab.data)) return generic(input, transcript, options);
  // Round 0's weights eq(r_{≥1}, ·): the pair sums of eq(r, ·) (eq(r_0, 0) + eq(r_0, 1) = 1).
  const weights0 = pairSums(eqTab.data, E.base.p);
  return runZeroCheck(E, input, split.eqTerms, split.plain, weights0, r, d, transcript, options.minWorkPerThread ?? ZERO_CHECK_MIN_WORK);
}

function runZeroCheck(
  E: QuarticExtension,
  input: SumcheckInput,
  pTerms: readonly SumcheckTerm[],
  plainTerms: readonly SumcheckTerm[],
  weights0: Uint32Array,
  r: Uint32Array,
  d: number,
  transcript: Transcript,
  minWork: number,
): ZeroCheckRoundsOutput {
  const n = input.numVars;
  const F = E.base;
  const p = F.p, invP = F.invP, w = E.w;
  const allTables = input.tables.slice(1);
  // Tables that only occur in linear terms (x, remainders, …) are not folded: their terms
  // are combined into one ext table L = Σ c·f once, and their final values are inner
  // products with eq(point, ·) at the end.
  const nonlinear = new Uint8Array(allTables.length);
  for (const t of pTerms) if (t.factors.length !== 1) for (const k of t.factors) nonlinear[k] = 1;
  // The plain terms' tables are folded too (the generic kernel reads them every round).
  for (const t of plainTerms) for (const k of t.factors) nonlinear[k] = 1;
  const linearOnly = (k: number) => nonlinear[k] === 0;
  const lTerms = pTerms.filter((t) => t.factors.length === 1 && linearOnly(t.factors[0]!));
  const active: number[] = [];
  const slotOf = new Int32Array(allTables.length).fill(-1);
  allTables.forEach((_, k) => {
    if (!linearOnly(k)) {
      slotOf[k] = active.length;
      active.push(k);
    }
  });
  const tables: MleTable[] = active.map((k) => allTables[k]!);
  const terms: SumcheckTerm[] = pTerms
    .filter((t) => !(t.factors.length === 1 && linearOnly(t.factors[0]!)))
    .map((t) => ({ coeff: t.coeff, factors: t.factors.map((k) => slotOf[k]!) }));
  if (lTerms.length > 0) {
    terms.push({ coeff: E.one(), factors: [tables.length] });
    tables.push({ kind: 'ext', data: linearCombination(E, allTables, lTerms, 2 ** n) });
  }
  const nTab = tables.length;
  const isBase = Uint8Array.from(tables, (t) => (t.kind === 'base' ? 1 : 0));
  const ct = compileTerms(terms, isBase, E, 'frequent-first');
  const use = new Uint8Array(nTab);
  for (let i = 0; i < ct.nodeFactor.length; i++) use[ct.nodeFactor[i]!]! |= ct.nodeDepth[i] === 1 ? 2 : 1;
  const nPts = Math.max(d, 2);
  const stride = 4 * nPts;
  const acc = new Float64Array(stride * ct.count);
  const q = new Uint32Array(4 * (d + 1));
  const evals = new Uint32Array(4 * (d + 1));

  // The plain terms over their own tables (a subset of the slots), for the generic kernel.
  const plainSlots = [...new Set(plainTerms.flatMap((t) => t.factors.map((k) => slotOf[k]!)))];
  const plainBase0 = Uint8Array.from(plainSlots, (k) => isBase[k]!);
  const plainExt = new Uint8Array(plainSlots.length);
  const ctPlain =
    plainTerms.length > 0
      ? compileTerms(
          plainTerms.map((t) => ({ coeff: t.coeff, factors: t.factors.map((k) => plainSlots.indexOf(slotOf[k]!)) })),
          plainBase0,
          E,
        )
      : undefined;
  // The plain terms' part of s_j has their own degree (w·x: 2), often below d: it is
  // evaluated at 0..plainDeg and extended to 0..d by interpolation.
  const plainDeg = Math.max(1, ...plainTerms.map((t) => t.factors.length));
  const plainStride = 4 * (plainDeg + 1);
  const plainAt = Array.from({ length: d + 1 }, (_, t) => Uint32Array.of(t, 0, 0, 0));
  const accPlain = new Float64Array(ctPlain ? plainStride * ctPlain.count : 0);
  const plainEvals = new Uint32Array(4 * (d + 1));

  let size = 2 ** n;
  const threads = proverThreads();
  const nNodes = Math.max(1, ct.nodeFactor.length);
  const minRange = Math.max(16, Math.ceil(minWork / (nNodes * nPts)));
  // Whether any round goes to the helpers (round 0 is the largest): then every array a
  // kernel reads lives in shared memory from the start, so no round copies anything.
  const parallel = threads > 1 && size >>> 1 >= 2 * minRange;
  const share = <T extends Uint8Array | Int32Array | Uint32Array>(a: T): T => (parallel ? toShared(a) : a);
  const alloc = (len: number): Uint32Array => (parallel ? sharedU32(len) : new Uint32Array(len));
  const offsets = (at: (k: number) => number): Int32Array => share<Int32Array>(Int32Array.from({ length: nTab }, (_, k) => at(k)));
  // Round 0's tables, copied into one pool.
  const off0 = new Int32Array(nTab);
  let total = 0;
  tables.forEach((t, k) => {
    off0[k] = total;
    total += t.data.length;
  });
  const pool0 = alloc(total);
  tables.forEach((t, k) => pool0.set(t.data, off0[k]!));
  const isB0 = share(isBase);
  const allExt = share(new Uint8Array(nTab));
  const us = share(use);
  const nf = share(ct.nodeFactor), nd = share(ct.nodeDepth), nt = share(ct.nodeTerm);
  const len = acc.length;
  const slots = parallel ? sharedF64(len * threads) : acc;
  const challenge = alloc(4);
  const noFold = alloc(0);
  // Rounds j ≥ 1 fold the previous round's tables (bound at the last challenge) into one of
  // two buffers, alternately (a range's fold must not overwrite entries another thread
  // still reads): odd rounds into A (round 1's tables have 2^(n−1) ext entries), even ones
  // back into round 0's copy (a base table's 2^n limbs hold the 2^(n−2) ext entries of
  // round 2 and later, an ext table's more), which round 1 has finished reading.
  const la = 4 * (size >>> 1);
  const foldPool = alloc(n > 1 ? nTab * la : 0);
  const offA = offsets((k) => k * la);
  const offB = share(off0);
  let curPool: Uint32Array = pool0, curOff: Int32Array = offB;
  const views = (pool: Uint32Array, off: Int32Array, length: number): Uint32Array[] => Array.from(off, (o) => pool.subarray(o, o + length));
  let cur: Uint32Array[] = tables.map((t, k) => pool0.subarray(off0[k]!, off0[k]! + t.data.length));
  // Every round's weights eq(r_{>j}, ·) (2^(n−1−j) entries), each the pair sums of the one before.
  let weights = parallel ? toShared(weights0) : weights0;
  const weightPool = alloc(Math.max(0, 4 * ((size >>> 1) - 1)));
  let weightAt = 0;

  if (!primed) {
    primeZeroCheck(evalZeroCheck);
    primed = true;
  }
  /**
   * q ← Σ_terms c · (weighted sums) at the evaluated points; with `c`, first binds the lowest
   * variable of every table to c (the generic prover's fold), in the same pass.
   */
  const evaluate = (withOne: boolean, c?: Ext): void => {
    let srcPool = curPool, srcOff = curOff;
    let srcBase = isB0;
    let tabPool = curPool, tabOff = curOff;
    let tabsBase = isB0;
    let fold = noFold;
    if (c) {
      size >>>= 1;
      srcBase = size === 2 ** (n - 1) ? isB0 : allExt;
      const odd = (n - Math.log2(size)) % 2 === 1;
      tabPool = odd ? foldPool : pool0;
      tabOff = odd ? offA : offB;
      tabsBase = allExt;
      challenge.set(c);
      fold = challenge;
      const nw = weightPool.subarray(weightAt, weightAt + 2 * size);
      pairSumsInto(weights, nw, p);
      weightAt += 2 * size;
      weights = nw;
    } else {
      srcPool = noFold;
    }
    const half = size >>> 1;
    const ws = weights;
    acc.fill(0);
    if (parallel && half >= 2 * minRange) {
      slots.fill(0);
      const used = parallelFor(
        zeroCheckKernels(),
        'evalZeroCheck',
        half,
        minRange,
        (slot, a, b) => [srcPool, srcOff, srcBase, fold, tabPool, tabOff, tabsBase, us, nf, nd, nt, ct.constTerm, ws, a, b, d, withOne, slots.subarray(slot * len, (slot + 1) * len), p, invP, w],
        (x) => evalZeroCheck(...(x as Parameters<typeof evalZeroCheck>)),
      );
      for (let slot = 0; slot < used; slot++) for (let i = 0; i < len; i++) acc[i] += slots[slot * len + i]!;
    } else {
      evalZeroCheck(srcPool, srcOff, srcBase, fold, tabPool, tabOff, tabsBase, us, nf, nd, nt, ct.constTerm, ws, 0, half, d, withOne, acc, p, invP, w);
    }
    if (c) {
      curPool = tabPool;
      curOff = tabOff;
      cur = views(tabPool, tabOff, 4 * size);
    }
    q.fill(0);
    combineTermSums(E, acc, ct.coeffs, ct.count, stride, withOne && d < 2 ? 1 : d - 1, withOne, q);
    if (ctPlain) {
      // The plain terms' s(0..d), t = 1 included (the claim holds their sum too).
      accPlain.fill(0);
      const pt = plainSlots.map((k) => cur[k]!);
      evalGeneric(pt, c ? plainExt : plainBase0, ctPlain.nodeFactor, ctPlain.nodeDepth, ctPlain.nodeTerm, ctPlain.constTerm, 0, half, plainDeg, true, accPlain, p, invP, w);
      plainEvals.fill(0);
      combineTermSums(E, accPlain, ctPlain.coeffs, ctPlain.count, plainStride, plainDeg, true, plainEvals);
      const known = plainEvals.slice(0, 4 * (plainDeg + 1));
      for (let t = plainDeg + 1; t <= d; t++) plainEvals.set(interpolateAt(E, known, plainAt[t]!), 4 * t);
    }
  };

  /** Binds the lowest variable of every table to c (after the last round). */
  const foldLast = (c: Ext): void => {
    const half = size >>> 1;
    cur = foldTables(cur, size === 2 ** n ? isBase : allExt, false, half, c, p, invP, w);
    size = half;
  };

  const claimGiven = input.claim !== undefined;
  const point = new Uint32Array(4 * n);
  const roundMessages: Uint32Array[] = [];
  let claim: Ext = claimGiven ? input.claim!.slice() : E.zero();
  let running: Ext = claim;
  let prefix: Ext = E.one();
  const tmp = new Uint32Array(4);
  for (let j = 0; j < n; j++) {
    const rj = r.subarray(4 * j, 4 * j + 4);
    const oneMinus = E.sub(E.one(), rj);
    const prefixZero = E.isZero(prefix);
    // q(1) is evaluated when the claim cannot give it: round 0 without a claim, r_j = 0, or
    // (with plain terms, whose part of s_j does not vanish) a zero prefix.
    const withOne = (j === 0 && !claimGiven) || E.isZero(rj) || prefixZero;
    if (prefixZero && !ctPlain) {
      // Every later s_j is the zero polynomial (the generic prover's folded eq table is 0).
      evals.fill(0);
      // The tables are still bound: their values at the point are the claims' values.
      if (j > 0) foldLast(point.subarray(4 * (j - 1), 4 * j));
    } else {
      evaluate(withOne, j > 0 ? point.subarray(4 * (j - 1), 4 * j) : undefined);
      if (j === 0 && !claimGiven) {
        // claim = s(0) + s(1) = (1 − r_0)·q(0) + r_0·q(1) (+ the plain terms' s(0) + s(1)).
        claim = E.add(E.mul(oneMinus, q.subarray(0, 4)), E.mul(rj, q.subarray(4, 8)));
        if (ctPlain) claim = E.add(claim, E.add(plainEvals.subarray(0, 4), plainEvals.subarray(4, 8)));
        running = claim;
      }
      if (!withOne && d >= 2) {
        // running = prefix·((1 − r_j)·q(0) + r_j·q(1)) (+ the plain terms' s(0) + s(1)).
        const eqRunning = ctPlain ? E.sub(running, E.add(plainEvals.subarray(0, 4), plainEvals.subarray(4, 8))) : running;
        const t = E.sub(E.mul(eqRunning, E.inv(prefix)), E.mul(oneMinus, q.subarray(0, 4)));
        q.set(E.mul(t, E.inv(rj)), 4);
      }
      extrapolateLast(E, q, d);
      // s(t) = prefix · ((1 − r_j) + t·(2r_j − 1)) · q(t).
      const slope = E.sub(E.add(rj, rj), E.one());
      const lin = oneMinus.slice();
      for (let t = 0; t <= d; t++) {
        E.mulAt(tmp, 0, prefix, 0, lin, 0);
        E.mulAt(evals, 4 * t, tmp, 0, q, 4 * t);
        E.addAt(lin, 0, lin, 0, slope, 0);
      }
      if (ctPlain) for (let t = 0; t <= d; t++) E.addAt(evals, 4 * t, evals, 4 * t, plainEvals, 4 * t);
    }
    if (j === 0) absorbSumcheckHeader(transcript, n, d, claim);
    const msg = new Uint32Array(4 * d);
    msg.set(evals.subarray(0, 4), 0);
    msg.set(evals.subarray(8), 4);
    roundMessages.push(msg);
    transcript.absorbExt(SUMCHECK_ROUND_LABEL, msg);
    const c = transcript.challengeExt(SUMCHECK_CHALLENGE_LABEL);
    point.set(c, 4 * j);
    // As the generic prover: s(1) from the running claim, then s(c).
    E.subAt(evals, 4, running, 0, evals, 0);
    running = interpolateAt(E, evals, c);
    // eq(r_j, c) = r_j·c + (1 − r_j)(1 − c).
    prefix = E.mul(prefix, E.add(E.mul(rj, c), E.mul(oneMinus, E.sub(E.one(), c))));
  }
  foldLast(point.subarray(4 * (n - 1)));
  // The last claim is eq(r, point)·P(point), P over the folded tables (L included).
  const folded = new Uint32Array(4 * nTab);
  cur.forEach((t, j) => folded.set(t.subarray(0, 4), 4 * j));
  let finalClaim = E.mul(prefix, evalSumcheckTerms(E, terms, folded));
  if (ctPlain) {
    const remapped = plainTerms.map((t) => ({ coeff: t.coeff, factors: t.factors.map((k) => slotOf[k]!) }));
    finalClaim = E.add(finalClaim, evalSumcheckTerms(E, remapped, folded));
  }
  if (!E.equals(finalClaim, running)) {
    throw new SumcheckError('prover: the claimed sum does not match the tables');
  }
  // Every table's value at the point; the linear-only tables' (inner products with
  // eq(point, ·)) only if a caller reads them (the batched zero-check does not).
  let finalEvals: Uint32Array | undefined;
  const evalsAt = (): Uint32Array => {
    if (finalEvals) return finalEvals;
    finalEvals = new Uint32Array(4 * (allTables.length + 1));
    finalEvals.set(prefix, 0);
    active.forEach((k, j) => finalEvals!.set(folded.subarray(4 * j, 4 * j + 4), 4 * (k + 1)));
    if (active.length < allTables.length) {
      const eqAt = eqTableFast(E, point);
      allTables.forEach((t, k) => {
        if (linearOnly(k)) finalEvals!.set(innerProduct(E, eqAt, t), 4 * (k + 1));
      });
    }
    return finalEvals;
  };
  const boundEvals: (Ext | undefined)[] = [prefix.slice(), ...allTables.map(() => undefined)];
  active.forEach((k, j) => (boundEvals[k + 1] = folded.slice(4 * j, 4 * j + 4)));
  return {
    roundMessages,
    point,
    get finalEvals() {
      return evalsAt();
    },
    boundEvals,
    claim,
    finalClaim,
  };
}

/** Σ_terms c·f for single-factor terms, as an ext table of `size` entries. */
function linearCombination(E: QuarticExtension, tables: readonly MleTable[], terms: readonly SumcheckTerm[], size: number): Uint32Array {
  const p = E.base.p, invP = E.base.invP;
  // Lazily reduced products (each in (−2^11, p + 2^11)) summed exactly in doubles; reduced
  // every 2^20 terms.
  const acc = new Float64Array(4 * size);
  const out = new Uint32Array(4 * size);
  const tmp = new Uint32Array(4);
  terms.forEach((t, j) => {
    const c = t.coeff;
    const tab = tables[t.factors[0]!]!;
    if (tab.kind === 'base') {
      const f = tab.data;
      const c0 = c[0]!, c1 = c[1]!, c2 = c[2]!, c3 = c[3]!;
      const q0 = c0 * invP, q1 = c1 * invP, q2 = c2 * invP, q3 = c3 * invP;
      for (let x = 0; x < size; x++) {
        const v = f[x]!;
        acc[4 * x] += (Math.imul(c0, v) - Math.imul(Math.floor(q0 * v), p)) | 0;
        acc[4 * x + 1] += (Math.imul(c1, v) - Math.imul(Math.floor(q1 * v), p)) | 0;
        acc[4 * x + 2] += (Math.imul(c2, v) - Math.imul(Math.floor(q2 * v), p)) | 0;
        acc[4 * x + 3] += (Math.imul(c3, v) - Math.imul(Math.floor(q3 * v), p)) | 0;
      }
    } else {
      for (let x = 0; x < size; x++) {
        E.mulAt(tmp, 0, tab.data, 4 * x, c, 0);
        for (let l = 0; l < 4; l++) acc[4 * x + l] += tmp[l]!;
      }
    }
    if ((j & REDUCE_MASK) === REDUCE_MASK) reduceAcc(acc, p, invP);
  });
  for (let i = 0; i < out.length; i++) out[i] = red(acc[i]!, p, invP);
  return out;
}

/** Σ_x eq[x]·f[x] (eq an ext table, f base or ext). */
function innerProduct(E: QuarticExtension, eq: Uint32Array, f: MleTable): Ext {
  const p = E.base.p, invP = E.base.invP;
  const size = eq.length >>> 2;
  const acc = new Float64Array(4);
  const tmp = new Uint32Array(4);
  for (let x = 0; x < size; x++) {
    if (f.kind === 'base') {
      const v = f.data[x]!;
      const qv = v * invP;
      for (let l = 0; l < 4; l++) {
        const e = eq[4 * x + l]!;
        acc[l] += (Math.imul(e, v) - Math.imul(Math.floor(e * qv), p)) | 0;
      }
    } else {
      E.mulAt(tmp, 0, eq, 4 * x, f.data, 4 * x);
      for (let l = 0; l < 4; l++) acc[l] += tmp[l]!;
    }
    if ((x & REDUCE_MASK) === REDUCE_MASK) reduceAcc(acc, p, invP);
  }
  return Uint32Array.from(acc, (v) => red(v, p, invP));
}

/** q(d) of a polynomial of degree < d from q(0..d−1): the d-th finite difference vanishes. */
function extrapolateLast(E: QuarticExtension, q: Uint32Array, d: number): void {
  const F = E.base;
  const out = new Uint32Array(4);
  const tmp = new Uint32Array(4);
  let binom = 1; // C(d, i)
  for (let i = 0; i < d; i++) {
    // q(d) = Σ_{i<d} (−1)^{d−1−i} C(d, i) q(i)
    const c = (d - 1 - i) % 2 === 0 ? F.fromInt(binom) : F.neg(F.fromInt(binom));
    E.mulBaseAt(tmp, 0, q, 4 * i, c);
    E.addAt(out, 0, out, 0, tmp, 0);
    binom = (binom * (d - i)) / (i + 1);
  }
  q.set(out, 4 * d);
}
