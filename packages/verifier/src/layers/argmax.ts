/**
 * Argmax argument (verifier): for every PUBLIC row (t_k, tok_k), k < R — the positions whose
 * next token is part of the statement — tok_k is the LOWEST index maximising x[t_k, ·]
 * (greedy decoding, ties → lowest index).
 *
 * Witness: the difference tensor D[k, j] = x[t_k, tok_k] − x[t_k, j] − [j < tok_k], shape
 * [R, V], committed as `<out>.diff` (plus the shared range check's limbs if its range is
 * wider than 2^16 — not for the ±32767 logits, whose differences fit 16 bits).
 *
 * Relations proven:
 *  1. Range (layers/range.ts `rangeCheck`, tlookup): every real D[k, j] is an integer in
 *     [0, 2^bits), bits = ⌈log2(2·bound + 1)⌉.
 *  2. Link, on the whole padded cube of D, for every padded (k, j):
 *         D[k, j] = [k < R]·( [j < V]·x[t_k, tok_k] − x[t_k, j] − [j < tok_k] ),
 *     checked at a random point r = (r_j ‖ r_k):
 *         D̃(r) + Σ_{k<R} eq(r_k, k)·mask̃_{tok_k}(r_j) = Σ_{t, v} G(t, v)·x[t, v],
 *         G(t, v) = Σ_{k<R} eq(r_k, k)·[t = t_k]·( mask̃_V(r_j)·[v = tok_k] − eq(r_j, v) ),
 *     where mask̃_m(r_j) = Σ_{j<m} eq(r_j, j) (closed form). Both sides are multilinear in r,
 *     so one random r gives the identity at every padded (k, j) except with probability
 *     ≤ vars/|E| (Schwartz–Zippel). The right side is one degree-2 sumcheck over all
 *     variables of x, run with the row variables FIRST (so the prover never materialises
 *     the dense T×V coefficient table); it ends at (s_t, s_v) in one claim x̃(s_v ‖ s_t), and
 *     the verifier evaluates G̃(s_t, s_v) from the public rows and tokens in O(R·log(TV)).
 *     Honest zero-padded D satisfies the link everywhere.
 *
 * Why this is argmax. Precondition (established by the op producing x — the logits requant
 * clamps to ±bound and range-checks its output): every real |x[t, j]| ≤ bound. Then
 * Δ = x[t_k, tok_k] − x[t_k, j] − [j < tok_k] is an integer in [−2·bound − 1, 2·bound], and
 * by 2 D ≡ Δ (mod p). If Δ < 0 then D = Δ + p ≥ p − 2·bound − 1 ≥ 2^bits (checked by
 * {@link argmaxRangeBits}), contradicting 1. So Δ ≥ 0 for every real j: x[t_k, tok_k] ≥
 * x[t_k, j] for all j, strictly for j < tok_k, i.e. tok_k is the lowest maximiser.
 *
 * Messages: the range check's (none for 16 bits), claim D(r), the sumcheck rounds, claim
 * x(s). The argmax trace tensor itself is never claimed: the public tokens replace it.
 */
import type { Ext } from '../field/extension.js';
import { eqEval, eqTable } from '../poly/multilinear.js';
import { ceilLog2, prefixMaskEval } from '../poly/tensor.js';
import { LayerError, type LayerContext, type TensorRef } from './context.js';
import { eqAtIndex } from './embed.js';
import { rangeCheck } from './range.js';
import { readRoundsSumcheck } from '../sumcheck/rounds.js';
import { checkTensorRef, joinPoint, checkRoundsFinal } from './matmul.js';

export interface ArgmaxSpec {
  /** Logits x: [T, V] (trace tensor). */
  readonly input: TensorRef;
  /** The argmax output tensor [T]; only its id is used, to name the witness. */
  readonly out: TensorRef;
  /** Public rows t_k (distinct, in [0, T)). */
  readonly rows: Int32Array;
  /** Public tokens tok_k ∈ [0, V), one per row. */
  readonly tokens: Int32Array;
  /** |x| ≤ bound on every real entry (guaranteed by the producer of x). */
  readonly bound: number;
}

/**
 * Bits of the range check on D: the smallest b with 2·bound < 2^b, refused unless
 * 2^b + 2·bound + 1 ≤ p (otherwise a negative difference could wrap into the range).
 */
export function argmaxRangeBits(bound: number, p: number): number {
  if (!Number.isSafeInteger(bound) || bound < 0) throw new LayerError(`argmax: bound ${bound} is not a non-negative integer`);
  const bits = Math.max(1, ceilLog2(2 * bound + 1));
  if (2 ** bits + 2 * bound + 1 > p) throw new LayerError(`argmax: bound ${bound} too large for a sound range check in this field`);
  return bits;
}

/** The committed difference tensor `<out>.diff`, shape [R, V]. */
export function argmaxDiffRef(spec: ArgmaxSpec): TensorRef {
  return { id: `${spec.out.id}.diff`, shape: [spec.rows.length, spec.input.shape[1]!] };
}

export function checkArgmaxSpec(spec: ArgmaxSpec): void {
  const what = `argmax ${spec.out.id}`;
  checkTensorRef(spec.input, what, 2);
  const [T, V] = spec.input.shape as [number, number];
  if (!(spec.rows instanceof Int32Array) || !(spec.tokens instanceof Int32Array) || spec.rows.length !== spec.tokens.length) {
    throw new LayerError(`${what}: rows and tokens must be Int32Arrays of equal length`);
  }
  const seen = new Set<number>();
  for (let k = 0; k < spec.rows.length; k++) {
    const t = spec.rows[k]!;
    const tok = spec.tokens[k]!;
    if (t < 0 || t >= T) throw new LayerError(`${what}: row ${t} outside [0, ${T})`);
    if (seen.has(t)) throw new LayerError(`${what}: row ${t} listed twice`);
    seen.add(t);
    if (tok < 0 || tok >= V) throw new LayerError(`${what}: token ${tok} outside the vocabulary [0, ${V})`);
  }
}

/**
 * G̃(s_t, s_v) = Σ_k eq(r_k, k)·eq(s_t, t_k)·(mask̃_V(r_j)·eq(s_v, tok_k) − eq(r_j, s_v)).
 * (Shared with the prover's tests.)
 */
export function argmaxCoeffEval(
  ctx: Pick<LayerContext, 'E'>,
  spec: ArgmaxSpec,
  rJ: Uint32Array,
  rK: Uint32Array,
  sT: Uint32Array,
  sV: Uint32Array,
): Ext {
  const E = ctx.E;
  const V = spec.input.shape[1]!;
  const eqK = eqTable(E, rK);
  const onehot = E.zero();
  const rowsum = E.zero();
  const tmp = new Uint32Array(4);
  for (let k = 0; k < spec.rows.length; k++) {
    E.mulAt(tmp, 0, eqK, 4 * k, eqAtIndex(E, sT, spec.rows[k]!), 0);
    E.addAt(rowsum, 0, rowsum, 0, tmp, 0);
    E.mulAt(tmp, 0, tmp, 0, eqAtIndex(E, sV, spec.tokens[k]!), 0);
    E.addAt(onehot, 0, onehot, 0, tmp, 0);
  }
  return E.sub(E.mul(prefixMaskEval(E, rJ, V), onehot), E.mul(eqEval(E, rJ, sV), rowsum));
}

export function verifyArgmax(ctx: LayerContext, spec: ArgmaxSpec): void {
  checkArgmaxSpec(spec);
  const R = spec.rows.length;
  if (R === 0) return; // no public rows: nothing to prove, nothing sent
  const E = ctx.E;
  const F = E.base;
  const what = `argmax ${spec.out.id}`;
  const [T, V] = spec.input.shape as [number, number];
  const diff = argmaxDiffRef(spec);
  rangeCheck(ctx, diff, 0, 2 ** argmaxRangeBits(spec.bound, F.p) - 1);

  const vVars = ceilLog2(V);
  const tVars = ceilLog2(T);
  const r = ctx.randomPoint([R, V], `argmax/${spec.out.id}`);
  const rJ = r.subarray(0, 4 * vVars);
  const rK = r.subarray(4 * vVars);
  const claim = ctx.claim(diff, r).slice();
  // + Σ_k eq(r_k, k)·mask̃_{tok_k}(r_j)
  const eqK = eqTable(E, rK);
  const tmp = new Uint32Array(4);
  for (let k = 0; k < R; k++) {
    E.mulAt(tmp, 0, eqK, 4 * k, prefixMaskEval(E, rJ, spec.tokens[k]!), 0);
    E.addAt(claim, 0, claim, 0, tmp, 0);
  }
  const { point, finalClaim } = readRoundsSumcheck(ctx, what, tVars + vVars, 2, claim);
  const sT = point.subarray(0, 4 * tVars);
  const sV = point.subarray(4 * tVars);
  const x = ctx.claim(spec.input, joinPoint(sV, sT));
  checkRoundsFinal(ctx, what, E.mul(argmaxCoeffEval(ctx, spec, rJ, rK, sT, sV), x), finalClaim);
}
