/**
 * zkAttn softmax (zkLLM §5) over causal rows: for head h and query t (n = t + 1 keys)
 *
 *     e_j = ŝ[h, t] − z[h, t, j] ≥ 0,   e_j = Σ_{k<K} d_k·2^(b·k)                (digits)
 *     Π_0 = E_0[d_0],   Π_k = round(Π_{k−1}·E_k[d_k] / 2^fp)  (k ≥ 1),   p_j = Π_{K−1}
 *     p[h, t, j] = 0 for j > t
 *
 * with public digit tables E_k[d] = round(2^fp·exp(−d·2^(b·k) / 2^fs)) (digits 0..K−2 in
 * [0, 2^b), the top digit's table spans the whole exponent range) and a per-row shift ŝ
 * chosen by the prover. round(v / 2^fp) = ⌊(v + 2^(fp−1)) / 2^fp⌋.
 *
 * ## Committed witnesses (ids `<out>.<what>`, all [H, T, T] unless noted)
 * `digit<k>`, `exp<k>` (k < K), `prod<k>` (1 ≤ k ≤ K−2; Π_{K−1} is the output itself),
 * `rem<k>` (1 ≤ k ≤ K−1): R_k = Π_{k−1}·E_k − 2^fp·Π_k ∈ [−2^(fp−1), 2^(fp−1)), and the row-sum
 * slacks `sumlo`, `sumhi` ([H, T]). The shift ŝ is the trace tensor `spec.shift`. On masked
 * entries (j > t) the prover sets d_k = 0, E_k = E_k[0], Π_k = R_k = 0 so the lookups hold
 * everywhere; the relations below ignore those entries.
 *
 * ## Argument
 * 1. Entrywise relations, one sumcheck over [H, T, T] at a random point r with random β:
 *
 *        Σ_x eqM_r(x)·( β_0·(ŝ(x) − z(x) − Σ_k 2^(bk)·d_k(x))
 *                     + Σ_{k≥1} β_k·(Π_{k−1}(x)·E_k(x) − 2^fp·Π_k(x) − R_k(x)) )
 *      + β_K·Σ_x (eq_r(x) − eqM_r(x))·p(x)  =  0
 *
 *    (Π_0 = E_0, Π_{K−1} = p, ŝ broadcast along j), where eqM_r = eq(r, ·)·M with the
 *    causal-and-real mask M = [h < H][t < T][j ≤ t] (closed form, attention.ts). So every
 *    relation holds on every causal entry and p = 0 on masked and padding entries. The
 *    prover folds the linear part into one table L (terms: {@link softmaxSumcheckTerms});
 *    every committed table is claimed at the final point and the verifier recomputes L's
 *    value from those claims.
 * 2. Lookups: (d_k, E_k) ∈ digit table k (two columns: this is also the digit range check),
 *    R_k ∈ [−2^(fp−1), 2^(fp−1)), Π_k and p ∈ [0, 2^(fp+1)).
 * 3. Row sums at a random point r' of [H, T] (linear, so no sumcheck: Σ_j of a multilinear
 *    table is 2^(log T)· its value at j = (½, …, ½)):
 *
 *        sumlo = Σ_j p[h, t, j] − 2^fp + B_t,      sumlo + sumhi = 2·B_t,
 *
 *    and sumlo, sumhi ∈ [0, 2^m) (2^m > 2·B_T). Hence |Σ_j p[h,t,j] − 2^fp| ≤ B_t.
 *
 * Integer soundness of the field relations (checked in {@link softmaxDims}): E_k ∈ [0, 2^fp]
 * and Π ∈ [0, 2^(fp+1)) give |Π·E|, |2^fp·Π + R| < 2^(2fp+1) + 2^(fp−1) < p for fp ≤ 14, so
 * the rescale relation holds over the integers and Π_k is exactly round(Π_{k−1}·E_k / 2^fp);
 * the digit ranges make e = Σ d_k·2^(bk) < (p−1)/2 and the decomposition unique, so
 * e ≡ ŝ − z pins e and every factor. Row sums are < T·2^(fp+1) ≪ p.
 *
 * ## The row-sum bound and what it implies
 *
 *     B_t = ⌊ 2^fp·(e^(2^−(fs+1)) − 1) + n·(K − ½) ⌋,     n = t + 1
 *
 * (`softmaxRowSumBound` of the quantized model, floored: the row sum is an integer).
 * Write L = 2^fs·ln Σ_j exp(z_j / 2^fs) (the exact log-sum-exp in score units) and
 * u_j = 2^fp·exp(−e_j / 2^fs), so Σ_j u_j = 2^fp·exp((L − ŝ) / 2^fs).
 * - Per entry, |p_j − u_j| ≤ K − ½: the first lookup rounds by ≤ ½, each later product adds
 *   ≤ ½ (table rounding times Π/2^fp ≤ 1) + ½ (rescale), and earlier errors are multiplied
 *   by exp(·) ≤ 1.
 * - Completeness: the honest shift ŝ = round(L) has |L − ŝ| ≤ ½, so
 *   |Σ u_j − 2^fp| ≤ 2^fp·(e^(2^−(fs+1)) − 1) and |Σ p_j − 2^fp| ≤ B_t.
 * - Soundness: given ŝ, the relations and lookups make every p_j EXACTLY the op's zkAttn
 *   value (exact digits, exact table entries, exact rounding); the only freedom left is ŝ.
 *   The check gives |Σ u_j − 2^fp| ≤ D_t = B_t + n·(K − ½), i.e.
 *   exp((L − ŝ)/2^fs) ∈ [1 − D_t/2^fp, 1 + D_t/2^fp]: an accepted shift is within
 *   Δ_t = 2^fs·|ln(1 − D_t/2^fp)| of L, and every accepted p_j equals
 *   2^fp·softmax(z)_j·λ ± (K − ½) with one factor λ ∈ [1 − D_t/2^fp, 1 + D_t/2^fp] per row.
 *   For fs = 8, fp = 14, K = 2, n = 128: B = 224, D = 416, λ within ±2.5 %, Δ ≈ 6.6 score
 *   units (the honest shift is within ½). The proof does NOT pin ŝ to round(L): a shift
 *   within Δ_t of L may be accepted, with the output then its exact zkAttn value.
 */
import type { Ext, QuarticExtension } from '../field/extension.js';
import type { PrimeField } from '../field/prime.js';
import { LookupTable } from '../lookup/table.js';
import { eqEval } from '../poly/multilinear.js';
import { ceilLog2, prefixMaskEval, splitTensorPoint, tensorVars } from '../poly/tensor.js';
import type { SumcheckTerm } from '../sumcheck/proof.js';
import { causalMaskEval, checkLayerFinal, extVec, readLayerRounds } from './attention.js';
import { rangeCheck } from './range.js';
import { LayerError, type LayerContext, type TensorRef } from './context.js';

/** One public digit table: E_k[d] = values[d] for d = 0 … values.length − 1. */
export interface SoftmaxDigitTable {
  /** Table name (e.g. `L0.softmax.exp0`), bound into the transcript by the lookup. */
  readonly id: string;
  readonly values: ArrayLike<number>;
}

/** softmax as the verifier knows it: tensor refs and the public zkAttn parameters. */
export interface SoftmaxSpec {
  /** Scores z: [H, T, T]. */
  readonly input: TensorRef;
  /** Per-row shift ŝ (a prover witness recorded in the trace): [H, T]. */
  readonly shift: TensorRef;
  /** Probabilities p: [H, T, T]. */
  readonly out: TensorRef;
  /** Fraction bits of z. */
  readonly fs: number;
  /** Fraction bits of p (1.0 = 2^fp). */
  readonly fp: number;
  /** Digit base 2^baseBits. */
  readonly baseBits: number;
  /** K ≥ 2 digit tables, least significant digit first. */
  readonly tables: readonly SoftmaxDigitTable[];
}

/** Ids of the auxiliary witnesses of a softmax whose output is `outId`. */
export function softmaxWitnessIds(outId: string, K: number) {
  const range = (from: number, to: number, f: (k: number) => string) => Array.from({ length: Math.max(0, to - from) }, (_, i) => f(from + i));
  return {
    digit: range(0, K, (k) => `${outId}.digit${k}`),
    exp: range(0, K, (k) => `${outId}.exp${k}`),
    /** Π_1 … Π_{K−2} */
    prod: range(1, K - 1, (k) => `${outId}.prod${k}`),
    /** R_1 … R_{K−1} */
    rem: range(1, K, (k) => `${outId}.rem${k}`),
    sumLo: `${outId}.sumlo`,
    sumHi: `${outId}.sumhi`,
  };
}

/** B_t of the module comment for a row of n entries (an integer). */
export function softmaxRowBound(fs: number, fp: number, K: number, n: number): number {
  return Math.floor(2 ** fp * (Math.exp(2 ** -(fs + 1)) - 1) + n * (K - 0.5));
}

export interface SoftmaxDims {
  readonly H: number;
  readonly T: number;
  readonly K: number;
  /** log2 of the row-slack range table. */
  readonly slackBits: number;
}

/** Validates a spec (shapes, parameter ranges that the soundness argument needs). */
export function softmaxDims(spec: SoftmaxSpec, F: PrimeField): SoftmaxDims {
  const what = `softmax ${spec.out.id}`;
  const [H, T, T2] = spec.input.shape;
  const okInt = (x: unknown, lo: number, hi: number) => typeof x === 'number' && Number.isInteger(x) && x >= lo && x <= hi;
  if (spec.input.shape.length !== 3 || !okInt(H, 1, 2 ** 12) || !okInt(T, 1, 2 ** 16) || T2 !== T) {
    throw new LayerError(`${what}: input shape [${spec.input.shape}] is not [H, T, T]`);
  }
  const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((x, i) => x === b[i]);
  if (!sameShape(spec.out.shape, spec.input.shape)) throw new LayerError(`${what}: output shape [${spec.out.shape}] differs from the input's`);
  if (!sameShape(spec.shift.shape, [H!, T!])) throw new LayerError(`${what}: shift shape [${spec.shift.shape}] is not [${H}, ${T}]`);
  if (!okInt(spec.fp, 1, 14)) throw new LayerError(`${what}: fp ${spec.fp} outside [1, 14] (field soundness of the rescale needs 2^(2fp+1) < p)`);
  if (!okInt(spec.fs, 0, 24)) throw new LayerError(`${what}: fs ${spec.fs} out of range`);
  if (!okInt(spec.baseBits, 1, 20)) throw new LayerError(`${what}: baseBits ${spec.baseBits} out of range`);
  const K = spec.tables.length;
  if (K < 2 || K > 8) throw new LayerError(`${what}: needs 2 to 8 digit tables, got ${K}`);
  let maxE = 0;
  for (let k = 0; k < K; k++) {
    const t = spec.tables[k]!;
    const len = t.values.length;
    if (k < K - 1 ? len !== 2 ** spec.baseBits : !okInt(len, 1, 2 ** 20)) {
      throw new LayerError(`${what}: digit table ${k} (${t.id}) has ${len} entries`);
    }
    for (let d = 0; d < len; d++) {
      if (!okInt(t.values[d], 0, 2 ** spec.fp)) throw new LayerError(`${what}: digit table ${t.id} entry ${d} = ${t.values[d]} outside [0, 2^fp]`);
    }
    maxE += (len - 1) * 2 ** (spec.baseBits * k);
  }
  if (maxE >= (F.p - 1) / 2) throw new LayerError(`${what}: digit tables cover exponents up to ${maxE}, beyond the field`);
  const slackBits = ceilLog2(2 * softmaxRowBound(spec.fs, spec.fp, K, T!) + 1);
  if (slackBits > 16) throw new LayerError(`${what}: row-sum bound too large for one range table (T = ${T})`);
  return { H: H!, T: T!, K, slackBits };
}

/**
 * The public digit table k as a two-column lookup table (digit, exp). Row counts that are
 * not powers of two are padded by repeating the last row, so the table's SET of rows is
 * exactly {(d, E_k[d])}.
 */
export function softmaxDigitLookupTable(F: PrimeField, t: SoftmaxDigitTable): LookupTable {
  const len = t.values.length;
  const size = 2 ** ceilLog2(len);
  const keys = new Uint32Array(size);
  const vals = new Uint32Array(size);
  for (let i = 0; i < size; i++) {
    const d = Math.min(i, len - 1);
    keys[i] = F.fromInt(d);
    vals[i] = F.fromInt(t.values[d]!);
  }
  return new LookupTable(t.id, [keys, vals]);
}

/**
 * The committed tensors of the relation sumcheck in table order, starting at table 2
 * (tables 0 and 1 are eqM_r and eq_r): ŝ (broadcast; claimed on [H, T]), z, d_0…d_{K−1},
 * E_0…E_{K−1}, Π_1…Π_{K−2}, p, R_1…R_{K−1}.
 */
export function softmaxRelationRefs(spec: SoftmaxSpec): TensorRef[] {
  const K = spec.tables.length;
  const ids = softmaxWitnessIds(spec.out.id, K);
  const shape = spec.input.shape;
  const w = (id: string): TensorRef => ({ id, shape });
  return [spec.shift, spec.input, ...ids.digit.map(w), ...ids.exp.map(w), ...ids.prod.map(w), spec.out, ...ids.rem.map(w)];
}

/**
 * Coefficients of the linear part L of the relation (module comment, step 1), one per
 * entry of {@link softmaxRelationRefs}: L = β_0·(ŝ − z − Σ_k 2^(bk)·d_k)
 * − Σ_{k≥1} β_k·(2^fp·Π_k + R_k) − β_K·p (the last from the mask term).
 */
export function softmaxLinearCoeffs(E: QuarticExtension, spec: SoftmaxSpec, beta: Uint32Array): Ext[] {
  const F = E.base;
  const K = spec.tables.length;
  const b = (i: number) => beta.slice(4 * i, 4 * i + 4);
  const scaled = (i: number, s: number) => E.mulBase(b(i), s);
  const one = F.fromInt(2 ** spec.fp);
  const out: Ext[] = [b(0), E.neg(b(0))];
  for (let k = 0; k < K; k++) out.push(E.neg(scaled(0, F.pow(2, spec.baseBits * k))));
  for (let k = 0; k < K; k++) out.push(E.zero());
  for (let k = 1; k <= K - 2; k++) out.push(E.neg(scaled(k, one)));
  out.push(E.neg(E.add(scaled(K - 1, one), b(K))));
  for (let k = 1; k < K; k++) out.push(E.neg(b(k)));
  return out;
}

/**
 * Terms of the relation sumcheck (claim 0) over the tables
 * [eqM_r, eq_r, L, E_0 … E_{K−1}, Π_1 … Π_{K−2}, p]:
 * eqM_r·L + Σ_{k≥1} β_k·eqM_r·Π_{k−1}·E_k + β_K·eq_r·p.
 */
export function softmaxSumcheckTerms(E: QuarticExtension, K: number, beta: Uint32Array): SumcheckTerm[] {
  const b = (i: number) => beta.slice(4 * i, 4 * i + 4);
  const X = (k: number) => 3 + k;
  const P = 2 * K + 1;
  const prod = (k: number) => (k === 0 ? X(0) : k === K - 1 ? P : 3 + K + (k - 1));
  const terms: SumcheckTerm[] = [{ coeff: E.one(), factors: [0, 2] }];
  for (let k = 1; k < K; k++) terms.push({ coeff: b(k), factors: [0, prod(k - 1), X(k)] });
  terms.push({ coeff: b(K), factors: [1, P] });
  return terms;
}

/** Positions in {@link softmaxRelationRefs} of the tables E_0 … E_{K−1}, Π_1 … Π_{K−2}, p. */
export function softmaxProductIndices(K: number): number[] {
  const out: number[] = [];
  for (let k = 0; k < K; k++) out.push(2 + K + k);
  for (let k = 1; k < K; k++) out.push(2 + 2 * K + (k - 1));
  return out;
}

/**
 * Registers every lookup of the argument (identical on both sides; range checks through
 * the shared `rangeCheck`, which for these widths (≤ 2^16) adds no witness and no message).
 */
export function registerSoftmaxLookups(ctx: LayerContext, spec: SoftmaxSpec, dims: SoftmaxDims): void {
  const F = ctx.E.base;
  const ids = softmaxWitnessIds(spec.out.id, dims.K);
  const shape = spec.input.shape;
  for (let k = 0; k < dims.K; k++) {
    ctx.lookups.push({ table: softmaxDigitLookupTable(F, spec.tables[k]!), columns: [ids.digit[k]!, ids.exp[k]!], shape });
  }
  const half = 2 ** (spec.fp - 1);
  for (const id of ids.rem) rangeCheck(ctx, { id, shape }, -half, half - 1);
  for (const id of [...ids.prod, spec.out.id]) rangeCheck(ctx, { id, shape }, 0, 2 ** (spec.fp + 1) - 1);
  const rowShape = [dims.H, dims.T];
  for (const id of [ids.sumLo, ids.sumHi]) rangeCheck(ctx, { id, shape: rowShape }, 0, 2 ** dims.slackBits - 1);
}

/** Labels of the argument's challenges (shared with the prover). */
export const softmaxLabels = {
  relation: (spec: SoftmaxSpec) => `softmax/${spec.out.id}`,
  beta: (spec: SoftmaxSpec) => `softmax/${spec.out.id}/beta`,
  rowSum: (spec: SoftmaxSpec) => `softmax/${spec.out.id}/rowsum`,
};

/** The point (½, …, ½ ‖ r') at which Σ_j p[·, ·, j] is read (j has log T variables). */
export function rowSumPoint(E: QuarticExtension, r2: Uint32Array, T: number): Uint32Array {
  const nt = ceilLog2(T);
  const pt = new Uint32Array(4 * nt + r2.length);
  const half = E.base.inv(2);
  for (let k = 0; k < nt; k++) pt[4 * k] = half;
  pt.set(r2, 4 * nt);
  return pt;
}

/**
 * The public parts of the row-sum relations at r' = (r_t ‖ r_h):
 *   lin = Σ_{h<H, t<T} eq(r', (h, t))·(B_t − 2^fp),   twoB = Σ_{h<H, t<T} eq(r', (h, t))·2·B_t.
 */
function rowSumPublic(E: QuarticExtension, spec: SoftmaxSpec, dims: SoftmaxDims, r2: Uint32Array): { lin: Ext; twoB: Ext } {
  const F = E.base;
  const [rh, rt] = splitTensorPoint(r2, [dims.H, dims.T]) as [Uint32Array, Uint32Array];
  const hMask = prefixMaskEval(E, rh, dims.H);
  const lin = E.zero();
  const twoB = E.zero();
  const nt = rt.length >>> 2;
  const eqT = new Uint32Array(4);
  const one = E.one();
  for (let t = 0; t < dims.T; t++) {
    // eq(r_t, t) = Π_k (bit ? r_k : 1 − r_k)
    eqT.set(one);
    for (let k = 0; k < nt; k++) {
      const f = Math.floor(t / 2 ** k) % 2 ? rt.subarray(4 * k, 4 * k + 4) : E.sub(one, rt.subarray(4 * k, 4 * k + 4));
      E.mulAt(eqT, 0, eqT, 0, f, 0);
    }
    const B = softmaxRowBound(spec.fs, spec.fp, dims.K, t + 1);
    E.addAt(lin, 0, lin, 0, E.mulBase(eqT, F.fromInt(B - 2 ** spec.fp)), 0);
    E.addAt(twoB, 0, twoB, 0, E.mulBase(eqT, F.fromInt(2 * B)), 0);
  }
  return { lin: E.mul(lin, hMask), twoB: E.mul(twoB, hMask) };
}

/** Verifies the zkAttn softmax; records claims on z, ŝ, p and the witnesses, and its lookups. */
export function verifySoftmax(ctx: LayerContext, spec: SoftmaxSpec): void {
  const E = ctx.E;
  const F = E.base;
  const dims = softmaxDims(spec, F);
  const what = `softmax ${spec.out.id}`;
  const shape = spec.input.shape;
  const nt = ceilLog2(dims.T);

  // 1. Entrywise relations.
  const r = ctx.randomPoint(shape, softmaxLabels.relation(spec));
  const beta = ctx.transcript.challengeExts(softmaxLabels.beta(spec), dims.K + 1);
  const refs = softmaxRelationRefs(spec);
  const sc = readLayerRounds(ctx, `${what}: relation sumcheck`, tensorVars(shape), 3, E.zero());
  const claims = refs.map((t, i) => ctx.claim(t, i === 0 ? sc.point.subarray(4 * nt) : sc.point)); // ŝ is constant along j
  const coeffs = softmaxLinearCoeffs(E, spec, beta);
  const L = E.zero();
  claims.forEach((c, i) => E.addAt(L, 0, L, 0, E.mul(coeffs[i]!, c), 0));
  const values = extVec(
    causalMaskEval(E, dims.H, dims.T, sc.point, r),
    eqEval(E, r, sc.point),
    L,
    ...softmaxProductIndices(dims.K).map((i) => claims[i]!),
  );
  checkLayerFinal(E, `${what}: relation sumcheck`, softmaxSumcheckTerms(E, dims.K, beta), values, sc.finalClaim);

  // 3. Row sums.
  const ids = softmaxWitnessIds(spec.out.id, dims.K);
  const rowShape = [dims.H, dims.T];
  const r2 = ctx.randomPoint(rowShape, softmaxLabels.rowSum(spec));
  const lo = ctx.claim({ id: ids.sumLo, shape: rowShape }, r2);
  const hi = ctx.claim({ id: ids.sumHi, shape: rowShape }, r2);
  const half = ctx.claim(spec.out, rowSumPoint(E, r2, dims.T));
  const { lin, twoB } = rowSumPublic(E, spec, dims, r2);
  const rowSum = E.mulBase(half, F.fromInt(2 ** nt));
  if (!E.equals(lo, E.add(rowSum, lin))) throw new LayerError(`${what}: row-sum slack ${ids.sumLo} is not Σ_j p − 2^fp + B_t`);
  if (!E.equals(E.add(lo, hi), twoB)) throw new LayerError(`${what}: row-sum slacks do not add up to 2·B_t`);

  // 2. Lookups (proven by the driver, per table).
  registerSoftmaxLookups(ctx, spec, dims);
}
