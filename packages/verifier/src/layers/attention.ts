/**
 * Causal attention with GQA: the two batched matmuls around the softmax (`softmax.ts`).
 *
 *     qk:  out[h, t, j]      = [j ≤ t] · Σ_{i<hd} q[t, h·hd + i] · k[j, g(h)·hd + i]     out: [H, T, T]
 *     pv:  out[t, h·hd + i]  = Σ_{j<T} p[h, t, j] · v[j, g(h)·hd + i]                     out: [T, H·hd]
 *
 * with g(h) = ⌊h / (H/KV)⌋ (grouped-query attention), q: [T, H·hd], k, v: [T, KV·hd]. The
 * traced pass starts at position 0, so row t of the scores covers keys j ≤ t.
 *
 * ## Layout
 * q, k, v and the pv output are committed in their trace shapes ([T, H·hd], [T, KV·hd]).
 * Head h owns columns [h·hd, (h+1)·hd), which is an aligned sub-cube of the padded column
 * axis only when hd is a power of two. The arguments therefore never re-view these
 * tensors as [T, H, hd]: they sum over the committed column index c < C = H·hd and reach
 * heads and KV columns through the index maps
 *
 *     h(c) = ⌊c / hd⌋,    κ(c) = g(h(c))·hd + (c mod hd)     (the k / v column c reads),
 *
 * whose weights the verifier computes in O(C). A claim on a "gathered" table
 * Σ_c w(c)·X(map(c)) is reduced to a claim on X by one small sumcheck over X's own index
 * (a "gather"). No re-layout by the driver is needed.
 *
 * All sumchecks below run over padded hypercubes and send only their round messages; the
 * final values are computed by the verifier, claimed on committed tensors, or (the one
 * intermediate value each sumcheck hands to the next) sent with `ctx.exts`.
 *
 * ## qk
 * 1. r = (r_j ‖ r_t ‖ r_h) random on out; s = out(r) (claim).
 * 2. Because eq(r, ·) factors over the head variables, the head axis is bound to r_h at
 *    once: with the UNMASKED products A[h,t,j] = Σ_{c<C, h(c)=h} q[t,c]·k[j,κ(c)] (0 for
 *    h ≥ H) and A_r(t, j) = Σ_h eq(r_h, h)·A[h,t,j],
 *
 *        Σ_{t,j} eq((r_j, r_t), (j, t))·M(t, j)·A_r(t, j) = s,      M(t, j) = [t < T][j ≤ t],
 *
 *    a sumcheck over the 2·log T variables (j, t). The verifier evaluates eq·M at the final
 *    point (ρ_j, ρ_t) in closed form ({@link causalMaskEval}); a = A_r(ρ_j, ρ_t) is sent.
 *    As Σ_x eq(r, x)·M(x)·A(x) is the MLE of M ⊙ A at r, this proves out = M ⊙ A entrywise
 *    (Schwartz–Zippel over r): dot products on the causal part, exactly 0 on masked and
 *    padding entries.
 * 3. a = Σ_{c} Wh(c)·q(ρ_t, c)·Kg(c) over the column variables, Wh(c) = [c < C]·eq(r_h, h(c)),
 *    Kg(c) = [c < C]·k(ρ_j, κ(c)). Final point σ: Wh(σ) by the verifier, q claimed at
 *    (σ ‖ ρ_t), kg = Kg(σ) sent.
 * 4. Gather: kg = Σ_{c'} V(c')·k(ρ_j, c'),  V(c') = Σ_{c<C, κ(c)=c'} eq(σ, c). Final point τ:
 *    V(τ) by the verifier, k claimed at (τ ‖ ρ_j).
 *
 * ## pv
 * 1. r = (r_c ‖ r_t) random on out; o = out(r) (claim).
 * 2. Grouping the columns by head, o = Σ_{h,j} p(h, r_t, j)·Y(h, j) with
 *    Y(h, j) = Σ_{c<C, h(c)=h} eq(r_c, c)·v[j, κ(c)]: a sumcheck over (j, h) (j in the low
 *    variables, as in p's layout). Final point (τ_j ‖ τ_h): p claimed at (τ_j ‖ r_t ‖ τ_h),
 *    y = Y(τ_j, τ_h) sent.
 * 3. Gather: y = Σ_{c'} V(c')·v(τ_j, c'),  V(c') = Σ_{c<C, κ(c)=c'} eq(τ_h, h(c))·eq(r_c, c).
 *    Final point τ': V(τ') by the verifier, v claimed at (τ' ‖ τ_j).
 * pv needs no mask: the softmax argument proves p = 0 on masked and padding entries.
 *
 * Field soundness: all relations are checked in F_p; the trace keeps every dot product
 * within ±(p−1)/2 (QUANTIZATION.md: hd·A² ≤ FIELD_SAFE), so the committed integers equal
 * the integer results.
 */
import { ProofFormatError } from '../codec/errors.js';
import type { Ext, QuarticExtension } from '../field/extension.js';
import { eqTable } from '../poly/multilinear.js';
import { ceilLog2, splitTensorPoint, tensorPoint, tensorVars } from '../poly/tensor.js';
import type { SumcheckTerm } from '../sumcheck/proof.js';
import { evalSumcheckTerms } from '../sumcheck/verifier.js';
import { LayerError, type LayerContext, type TensorRef } from './context.js';
import { readRoundsSumcheck } from '../sumcheck/rounds.js';

/** qk as the verifier knows it: tensor refs and head geometry, no data. */
export interface QkSpec {
  /** [T, heads·headDim] */
  readonly q: TensorRef;
  /** [T, kvHeads·headDim] */
  readonly k: TensorRef;
  /** [heads, T, T] */
  readonly out: TensorRef;
  readonly heads: number;
  readonly kvHeads: number;
  readonly headDim: number;
}

/** pv as the verifier knows it. */
export interface PvSpec {
  /** [heads, T, T] (the softmax output) */
  readonly p: TensorRef;
  /** [T, kvHeads·headDim] */
  readonly v: TensorRef;
  /** [T, heads·headDim] */
  readonly out: TensorRef;
  readonly heads: number;
  readonly kvHeads: number;
  readonly headDim: number;
}

/** Head geometry shared by qk and pv (and the prover). */
export interface AttentionDims {
  readonly H: number;
  readonly KV: number;
  /** Query heads per KV head. */
  readonly group: number;
  readonly hd: number;
  readonly T: number;
  /** H·hd: query / output columns. */
  readonly C: number;
  /** KV·hd: key / value columns. */
  readonly Ck: number;
}

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((x, i) => x === b[i]);

function checkDims(what: string, heads: number, kvHeads: number, headDim: number, T: number): AttentionDims {
  const ok = (x: number) => Number.isSafeInteger(x) && x >= 1;
  if (!ok(heads) || !ok(kvHeads) || !ok(headDim) || !ok(T)) {
    throw new LayerError(`${what}: heads ${heads}, kvHeads ${kvHeads}, headDim ${headDim}, T ${T} must be positive integers`);
  }
  if (heads % kvHeads !== 0) throw new LayerError(`${what}: heads ${heads} is not a multiple of kvHeads ${kvHeads}`);
  if (heads * headDim > 2 ** 24 || T > 2 ** 20) throw new LayerError(`${what}: dimensions too large`);
  return { H: heads, KV: kvHeads, group: heads / kvHeads, hd: headDim, T, C: heads * headDim, Ck: kvHeads * headDim };
}

function expectShape(what: string, t: TensorRef, shape: readonly number[]): void {
  if (!sameShape(t.shape, shape)) throw new LayerError(`${what}: ${t.id} has shape [${t.shape}], expected [${shape}]`);
}

/** Validates a qk spec and returns its dimensions. */
export function qkDims(spec: QkSpec): AttentionDims {
  const what = `qk ${spec.out.id}`;
  const T = spec.q.shape[0] ?? 0;
  const d = checkDims(what, spec.heads, spec.kvHeads, spec.headDim, T);
  expectShape(what, spec.q, [T, d.C]);
  expectShape(what, spec.k, [T, d.Ck]);
  expectShape(what, spec.out, [d.H, T, T]);
  return d;
}

/** Validates a pv spec and returns its dimensions. */
export function pvDims(spec: PvSpec): AttentionDims {
  const what = `pv ${spec.out.id}`;
  const T = spec.v.shape[0] ?? 0;
  const d = checkDims(what, spec.heads, spec.kvHeads, spec.headDim, T);
  expectShape(what, spec.p, [d.H, T, T]);
  expectShape(what, spec.v, [T, d.Ck]);
  expectShape(what, spec.out, [T, d.C]);
  return d;
}

/** h(c): the head of query / output column c. */
export function headOf(d: AttentionDims, c: number): number {
  return Math.floor(c / d.hd);
}

/** κ(c): the key / value column that query / output column c reads (GQA). */
export function kvColumnOf(d: AttentionDims, c: number): number {
  const h = Math.floor(c / d.hd);
  return Math.floor(h / d.group) * d.hd + (c - h * d.hd);
}

// ---------------------------------------------------------------------------------------
// Closed-form masks.

/**
 * Σ_{b < bound} Π_k w_k(b_k) over b ∈ {0,1}^n (bit k of b ↔ variable k), where variable k
 * has weights w_k(0) = w0[k], w_k(1) = w1[k] (ext vectors of length 4n). With
 * w_k = (1 − ρ_k, ρ_k) this is the MLE of the prefix mask at ρ. O(n).
 */
export function prefixWeightSum(E: QuarticExtension, w0: Uint32Array, w1: Uint32Array, bound: number): Ext {
  const n = w0.length >>> 2;
  if (bound >= 2 ** n) return productOfSums(E, w0, w1);
  if (bound <= 0) return E.zero();
  const c = bound - 1; // b ≤ c
  // Scanning from the top bit: eqS = weight of prefixes equal to c's, lt = strictly below.
  let eqS = E.one();
  let lt = E.zero();
  const t = new Uint32Array(4);
  for (let k = n - 1; k >= 0; k--) {
    const cb = Math.floor(c / 2 ** k) % 2;
    E.addAt(t, 0, w0, 4 * k, w1, 4 * k);
    lt = E.mul(lt, t);
    if (cb === 1) lt = E.add(lt, E.mul(eqS, w0.subarray(4 * k, 4 * k + 4)));
    eqS = E.mul(eqS, (cb ? w1 : w0).subarray(4 * k, 4 * k + 4));
  }
  return E.add(eqS, lt);
}

function productOfSums(E: QuarticExtension, w0: Uint32Array, w1: Uint32Array): Ext {
  const acc = E.one();
  const t = new Uint32Array(4);
  for (let k = 0; k < w0.length; k += 4) {
    E.addAt(t, 0, w0, k, w1, k);
    E.mulAt(acc, 0, acc, 0, t, 0);
  }
  return acc;
}

/**
 * Σ_{t < T, j ≤ t} Π_k wj_k(j_k)·wt_k(t_k) over j, t ∈ {0,1}^n (per-variable weight pairs as
 * in {@link prefixWeightSum}). A 4-state scan from the top bit tracking (j vs t) and
 * (t vs T − 1), each "equal so far" or "below". O(n).
 */
export function causalWeightSum(
  E: QuarticExtension,
  wj0: Uint32Array,
  wj1: Uint32Array,
  wt0: Uint32Array,
  wt1: Uint32Array,
  T: number,
): Ext {
  const n = wj0.length >>> 2;
  if (T <= 0) return E.zero();
  const c = Math.min(T, 2 ** n) - 1;
  // state index: 2·(j<t decided) + (t<c decided)
  let st = [E.one(), E.zero(), E.zero(), E.zero()];
  const wj = [wj0, wj1];
  const wt = [wt0, wt1];
  for (let k = n - 1; k >= 0; k--) {
    const cb = Math.floor(c / 2 ** k) % 2;
    const next = [E.zero(), E.zero(), E.zero(), E.zero()];
    for (let s = 0; s < 4; s++) {
      const jlt = s >> 1;
      const tlt = s & 1;
      for (let jb = 0; jb < 2; jb++) {
        for (let tb = 0; tb < 2; tb++) {
          if (!jlt && jb > tb) continue; // j > t
          if (!tlt && tb > cb) continue; // t > c
          const ns = 2 * (jlt || jb < tb ? 1 : 0) + (tlt || tb < cb ? 1 : 0);
          const w = E.mul(wj[jb]!.subarray(4 * k, 4 * k + 4), wt[tb]!.subarray(4 * k, 4 * k + 4));
          next[ns] = E.add(next[ns]!, E.mul(st[s]!, w));
        }
      }
    }
    st = next;
  }
  return E.add(E.add(st[0]!, st[1]!), E.add(st[2]!, st[3]!));
}

/** Per-variable weight pairs of eq(ρ, ·) (and of eq(ρ, ·)·eq(r, ·) when r is given). */
function eqWeights(E: QuarticExtension, rho: Uint32Array, r?: Uint32Array): [Uint32Array, Uint32Array] {
  const w0 = new Uint32Array(rho.length);
  const w1 = new Uint32Array(rho.length);
  const one = E.one();
  const t = new Uint32Array(4);
  for (let k = 0; k < rho.length; k += 4) {
    E.subAt(w0, k, one, 0, rho, k);
    w1.set(rho.subarray(k, k + 4), k);
    if (r) {
      E.subAt(t, 0, one, 0, r, k);
      E.mulAt(w0, k, w0, k, t, 0);
      E.mulAt(w1, k, w1, k, r, k);
    }
  }
  return [w0, w1];
}

/**
 * Σ_x eq(ρ, x)·[eq(r, x)]·M(x) over the padded [H, T, T] hypercube, with the causal mask
 * M(h, t, j) = [h < H][t < T][j ≤ t]: the MLE of M at ρ (no r), or of eq(r, ·)·M at ρ.
 * Points in tensor layout (ρ_j ‖ ρ_t ‖ ρ_h). With heads = 1 this is the [T, T] mask.
 */
export function causalMaskEval(E: QuarticExtension, heads: number, T: number, rho: Uint32Array, r?: Uint32Array): Ext {
  const shape = [heads, T, T];
  if (rho.length !== 4 * tensorVars(shape) || (r && r.length !== rho.length)) throw new RangeError('causalMaskEval: point does not match [H, T, T]');
  const [w0, w1] = eqWeights(E, rho, r);
  const nt = 4 * ceilLog2(T);
  const part = (a: Uint32Array, lo: number, hi: number) => a.subarray(lo, hi);
  const tj = causalWeightSum(E, part(w0, 0, nt), part(w1, 0, nt), part(w0, nt, 2 * nt), part(w1, nt, 2 * nt), T);
  const h = prefixWeightSum(E, part(w0, 2 * nt, w0.length), part(w1, 2 * nt, w1.length), heads);
  return E.mul(tj, h);
}

// ---------------------------------------------------------------------------------------
// Index-map weights (verifier side, O(C)).

/**
 * Σ_{c<C} Π_f eqs[f][maps[f](c)]: a product of eq tables read through index maps, summed
 * over the columns (e.g. Σ_c eq(σ, c)·eq(τ, κ(c))). O(C·#factors).
 */
export function gatherWeight(E: QuarticExtension, C: number, factors: ReadonlyArray<readonly [Uint32Array, (c: number) => number]>): Ext {
  const acc = new Uint32Array(4);
  const t = new Uint32Array(4);
  for (let c = 0; c < C; c++) {
    t.set(factors[0]![0].subarray(4 * factors[0]![1](c), 4 * factors[0]![1](c) + 4));
    for (let f = 1; f < factors.length; f++) E.mulAt(t, 0, t, 0, factors[f]![0], 4 * factors[f]![1](c));
    E.addAt(acc, 0, acc, 0, t, 0);
  }
  return acc;
}

// ---------------------------------------------------------------------------------------
// Sumcheck glue. Sumchecks here send only their round messages: the final values are
// either computed by the verifier (eq / mask / index-map weights), or claims on committed
// tensors ({@link LayerContext.claim}), or — for the intermediate values that the next
// sumcheck reduces — sent once with {@link LayerContext.exts}. The verifier then checks the
// last round's claim against Σ_t c_t·Π_k value_k itself.

/** Reads and checks the rounds of one sumcheck; errors become {@link LayerError}. */
export function readLayerRounds(
  ctx: LayerContext,
  what: string,
  numVars: number,
  degree: number,
  claim: Ext,
): { point: Uint32Array; finalClaim: Ext } {
  try {
    return readRoundsSumcheck(ctx, what, numVars, degree, claim);
  } catch (e) {
    // Attention reports truncated round messages as a failed argument too.
    if (e instanceof ProofFormatError) throw new LayerError(`${what}: ${e.message}`, { cause: e });
    throw e;
  }
}

/** Throws unless Σ_t c_t·Π_k values[k] equals the last round's claim. */
export function checkLayerFinal(E: QuarticExtension, what: string, terms: readonly SumcheckTerm[], values: Uint32Array, finalClaim: Ext): void {
  if (!E.equals(evalSumcheckTerms(E, terms, values), finalClaim)) {
    throw new LayerError(`${what}: final check failed (the evaluations do not satisfy the relation)`);
  }
}

/** Concatenates ext elements into an ext vector (sumcheck final values in table order). */
export function extVec(...xs: Ext[]): Uint32Array {
  const out = new Uint32Array(4 * xs.length);
  xs.forEach((x, i) => out.set(x.subarray(0, 4), 4 * i));
  return out;
}

const ONE_TERM = (E: QuarticExtension, ...factors: number[]): SumcheckTerm => ({ coeff: E.one(), factors });

/** Terms (and degrees) of the sumchecks in this file, shared with the prover. */
export const attentionTerms = {
  /** Σ eqM·A_r (degree 2) */
  mask: (E: QuarticExtension) => [ONE_TERM(E, 0, 1)],
  /** Σ Wh·q·Kg (degree 3) */
  triple: (E: QuarticExtension) => [ONE_TERM(E, 0, 1, 2)],
  /** Σ X·Y (pv product, gathers; degree 2) */
  gather: (E: QuarticExtension) => [ONE_TERM(E, 0, 1)],
};

/** Transcript labels of the intermediate values (shared with the prover). */
export const attentionLabels = {
  qkPoint: (out: string) => `qk/${out}`,
  qkUnmasked: (out: string) => `qk/${out}/unmasked`,
  qkKeyGather: (out: string) => `qk/${out}/kg`,
  pvPoint: (out: string) => `pv/${out}`,
  pvValueGather: (out: string) => `pv/${out}/y`,
};

// ---------------------------------------------------------------------------------------
// The arguments.

const identity = (c: number) => c;

/** Verifies `out = causal(q·kᵀ)` per head (GQA); records claims on out, q and k. */
export function verifyQk(ctx: LayerContext, spec: QkSpec): void {
  const E = ctx.E;
  const d = qkDims(spec);
  const what = `qk ${spec.out.id}`;
  const shape = spec.out.shape;
  const nt = ceilLog2(d.T);
  const r = ctx.randomPoint(shape, attentionLabels.qkPoint(spec.out.id));
  const rTJ = r.subarray(0, 8 * nt);
  const rH = r.subarray(8 * nt);
  const s = ctx.claim(spec.out, r);

  // out = M ⊙ A at r, heads bound to r_h.
  const sc1 = readLayerRounds(ctx, `${what}: mask sumcheck`, 2 * nt, 2, s);
  const a = ctx.exts(attentionLabels.qkUnmasked(spec.out.id), 1);
  checkLayerFinal(E, `${what}: mask sumcheck`, attentionTerms.mask(E), extVec(causalMaskEval(E, 1, d.T, sc1.point, rTJ), a), sc1.finalClaim);
  const rhoJ = sc1.point.subarray(0, 4 * nt);
  const rhoT = sc1.point.subarray(4 * nt);

  // a = Σ_c Wh(c)·q(ρ_t, c)·Kg(c).
  const sc2 = readLayerRounds(ctx, `${what}: product sumcheck`, ceilLog2(d.C), 3, a);
  const eqSigma = eqTable(E, sc2.point);
  const wh = gatherWeight(E, d.C, [
    [eqSigma, identity],
    [eqTable(E, rH), (c) => headOf(d, c)],
  ]);
  const qv = ctx.claim(spec.q, tensorPoint([rhoT, sc2.point]));
  const kg = ctx.exts(attentionLabels.qkKeyGather(spec.out.id), 1);
  checkLayerFinal(E, `${what}: product sumcheck`, attentionTerms.triple(E), extVec(wh, qv, kg), sc2.finalClaim);

  // kg = Σ_{c'} V(c')·k(ρ_j, c').
  const sc3 = readLayerRounds(ctx, `${what}: key gather`, ceilLog2(d.Ck), 2, kg);
  const wk = gatherWeight(E, d.C, [
    [eqSigma, identity],
    [eqTable(E, sc3.point), (c) => kvColumnOf(d, c)],
  ]);
  const kv = ctx.claim(spec.k, tensorPoint([rhoJ, sc3.point]));
  checkLayerFinal(E, `${what}: key gather`, attentionTerms.gather(E), extVec(wk, kv), sc3.finalClaim);
}

/** Verifies `out[t, h·hd+i] = Σ_j p[h,t,j]·v[j, g(h)·hd+i]`; records claims on out, p and v. */
export function verifyPv(ctx: LayerContext, spec: PvSpec): void {
  const E = ctx.E;
  const d = pvDims(spec);
  const what = `pv ${spec.out.id}`;
  const r = ctx.randomPoint(spec.out.shape, attentionLabels.pvPoint(spec.out.id));
  const [rt, rc] = splitTensorPoint(r, spec.out.shape) as [Uint32Array, Uint32Array];
  const o = ctx.claim(spec.out, r);

  // o = Σ_{h,j} p(h, r_t, j)·Y(h, j).
  const nt = ceilLog2(d.T);
  const sc = readLayerRounds(ctx, `${what}: product sumcheck`, nt + ceilLog2(d.H), 2, o);
  const tauJ = sc.point.subarray(0, 4 * nt);
  const tauH = sc.point.subarray(4 * nt);
  const pv = ctx.claim(spec.p, tensorPoint([tauH, rt, tauJ]));
  const y = ctx.exts(attentionLabels.pvValueGather(spec.out.id), 1);
  checkLayerFinal(E, `${what}: product sumcheck`, attentionTerms.gather(E), extVec(pv, y), sc.finalClaim);

  // y = Σ_{c'} V(c')·v(τ_j, c').
  const sv = readLayerRounds(ctx, `${what}: value gather`, ceilLog2(d.Ck), 2, y);
  const wv = gatherWeight(E, d.C, [
    [eqTable(E, rc), identity],
    [eqTable(E, tauH), (c) => headOf(d, c)],
    [eqTable(E, sv.point), (c) => kvColumnOf(d, c)],
  ]);
  const vv = ctx.claim(spec.v, tensorPoint([tauJ, sv.point]));
  checkLayerFinal(E, `${what}: value gather`, attentionTerms.gather(E), extVec(wv, vv), sv.finalClaim);
}
