/**
 * Argmax argument (prover): every public (row, token) pair is the lowest-index argmax of
 * its logits row. Relations, witness and soundness: the verifier's layers/argmax.ts; every
 * transcript move here mirrors a line of `verifyArgmax` (the range check of the difference
 * tensor is the shared `rangeCheck`, the same function on both sides).
 *
 * The link sumcheck Σ_{t,v} G(t, v)·x[t, v] runs with the ROW variables first. G is
 * sparse plus a rank-one dense part:
 *     G(t, v) = mask̃_V(r_j)·Σ_k ρ_k·[t = t_k]·[v = tok_k]  −  H(t)·eq(r_j, v),
 *     ρ_k = eq(r_k, k),  H(t) = Σ_k ρ_k·[t = t_k],
 * so the row rounds only touch the ≤ R token columns of x plus the contraction
 * xe(t) = x̃(t, r_j), and after them the column rounds run on x̃(s_t, ·) (one T×V
 * contraction) and a V_pad coefficient vector. Memory and time are O(T·V) base reads and
 * O(V + R·T) ext storage — the dense T×V coefficient table is never built.
 */
import {
  BabyBear,
  SUMCHECK_CHALLENGE_LABEL,
  SUMCHECK_ROUND_LABEL,
  absorbSumcheckHeader,
  argmaxDiffRef,
  argmaxRangeBits,
  ceilLog2,
  checkArgmaxSpec,
  eqAtIndex,
  joinPoint,
  prefixMaskEval,
  rangeCheck,
  type ArgmaxSpec,
  type Ext,
  type PrimeField,
  type QuarticExtension,
} from '@zkllm/verifier';
import type { TraceOp } from '../model/quant/trace.js';
import type { IntTensorData } from './bundle.js';
import type { ProverContext } from './context.js';
import { traceTensorRef } from './matmul.js';
import { evalLastAxis, evalLeading } from '../poly/mle.js';
import { rangeWitness } from './range.js';
import { eqTableFast } from '../poly/eq.js';

type ArgmaxOp = Extract<TraceOp, { op: 'argmax' }>;

export interface ArgmaxOptions {
  /** |x| ≤ bound on every logit (the logits requant's clamp; model.bounds.logit). */
  readonly bound: number;
  /** The public rows (default: every row). */
  readonly rows?: ArrayLike<number>;
  /** The public tokens (default: the trace's argmax at those rows). Tests use it to lie. */
  readonly tokens?: ArrayLike<number>;
}

export function specArgmax(op: ArgmaxOp, opts: ArgmaxOptions): ArgmaxSpec {
  const T = op.input.shape[0]!;
  const rows = Int32Array.from(opts.rows ?? Array.from({ length: T }, (_, t) => t));
  const tokens = Int32Array.from(opts.tokens ?? Array.from(rows, (t) => op.out.data[t]!));
  return { input: traceTensorRef(op.input), out: traceTensorRef(op.out), rows, tokens, bound: opts.bound };
}

/**
 * D[k, j] = x[t_k, tok_k] − x[t_k, j] − [j < tok_k] for the spec's rows (row-major [R, V]).
 * Every entry is ≥ 0 iff every tok_k is the lowest argmax of its row.
 */
export function argmaxDifferences(x: Int32Array, spec: ArgmaxSpec): Int32Array {
  const R = spec.rows.length;
  const V = spec.input.shape[1]!;
  const D = new Int32Array(R * V);
  for (let k = 0; k < R; k++) {
    const row = spec.rows[k]! * V;
    const tok = spec.tokens[k]!;
    const top = x[row + tok]!;
    for (let j = 0; j < V; j++) D[k * V + j] = top - x[row + j]! - (j < tok ? 1 : 0);
  }
  return D;
}

/**
 * The auxiliary witnesses: the difference tensor `<out>.diff` and, if its range needs them,
 * the shared range check's limbs. Throws RangeError if a public token is not the argmax
 * (some difference is negative: no proof exists).
 */
export function witnessArgmax(op: ArgmaxOp, opts: ArgmaxOptions, F: PrimeField = BabyBear): Map<string, IntTensorData> {
  const spec = specArgmax(op, opts);
  checkArgmaxSpec(spec);
  const out = new Map<string, IntTensorData>();
  if (spec.rows.length === 0) return out;
  const ref = argmaxDiffRef(spec);
  const D = argmaxDifferences(op.input.data, spec);
  out.set(ref.id, { shape: ref.shape, data: D });
  for (const [id, t] of rangeWitness(ref, D, 0, 2 ** argmaxRangeBits(spec.bound, F.p) - 1, F)) out.set(id, t);
  return out;
}

// ---- a small degree-2 sumcheck prover over explicit pairs of ext tables ----

/** Round values s(0), s(2) of Σ_pairs Σ_x a(x)·b(x) at the lowest variable (size = entries). */
function pairsRound(E: QuarticExtension, pairs: readonly [Uint32Array, Uint32Array][], size: number, msg: Uint32Array): void {
  msg.fill(0);
  const t = new Uint32Array(4);
  const a2 = new Uint32Array(4);
  const b2 = new Uint32Array(4);
  for (const [a, b] of pairs) {
    for (let i = 0; i < size; i += 2) {
      const lo = 4 * i;
      const hi = lo + 4;
      E.mulAt(t, 0, a, lo, b, lo);
      E.addAt(msg, 0, msg, 0, t, 0);
      // 2·hi − lo
      E.addAt(a2, 0, a, hi, a, hi);
      E.subAt(a2, 0, a2, 0, a, lo);
      E.addAt(b2, 0, b, hi, b, hi);
      E.subAt(b2, 0, b2, 0, b, lo);
      E.mulAt(t, 0, a2, 0, b2, 0);
      E.addAt(msg, 4, msg, 4, t, 0);
    }
  }
}

/** Binds the lowest variable of every table to r, in place. */
function pairsFold(E: QuarticExtension, pairs: readonly [Uint32Array, Uint32Array][], size: number, r: Ext): void {
  const d = new Uint32Array(4);
  for (const pair of pairs) {
    for (const a of pair) {
      for (let i = 0; i < size / 2; i++) {
        E.subAt(d, 0, a, 8 * i + 4, a, 8 * i);
        E.mulAt(d, 0, d, 0, r, 0);
        E.addAt(a, 4 * i, a, 8 * i, d, 0);
      }
    }
  }
}

/** Σ_pairs Σ_x a(x)·b(x). */
function pairsSum(E: QuarticExtension, pairs: readonly [Uint32Array, Uint32Array][], size: number): Ext {
  const acc = E.zero();
  const t = new Uint32Array(4);
  for (const [a, b] of pairs) {
    for (let i = 0; i < size; i++) {
      E.mulAt(t, 0, a, 4 * i, b, 4 * i);
      E.addAt(acc, 0, acc, 0, t, 0);
    }
  }
  return acc;
}

/** Runs `rounds` rounds (schedule of verifySumcheckRounds, degree 2), writing each message. */
function pairsRounds(ctx: ProverContext, pairs: readonly [Uint32Array, Uint32Array][], size: number, rounds: number, point: Uint32Array, off: number): void {
  const E = ctx.E;
  const msg = new Uint32Array(8);
  for (let i = 0; i < rounds; i++) {
    pairsRound(E, pairs, size, msg);
    ctx.writer.exts(msg);
    ctx.transcript.absorbExt(SUMCHECK_ROUND_LABEL, msg);
    const r = ctx.transcript.challengeExt(SUMCHECK_CHALLENGE_LABEL);
    point.set(r, off + 4 * i);
    pairsFold(E, pairs, size, r);
    size >>>= 1;
  }
}

export function proveArgmax(ctx: ProverContext, spec: ArgmaxSpec): void {
  checkArgmaxSpec(spec);
  const R = spec.rows.length;
  if (R === 0) return;
  const E = ctx.E;
  const F = E.base;
  const [T, V] = spec.input.shape as [number, number];
  const diff = argmaxDiffRef(spec);
  rangeCheck(ctx, diff, 0, 2 ** argmaxRangeBits(spec.bound, F.p) - 1);

  const vVars = ceilLog2(V);
  const tVars = ceilLog2(T);
  const Tp = 1 << tVars;
  const Vp = 1 << vVars;
  const r = ctx.randomPoint([R, V], `argmax/${spec.out.id}`);
  const rJ = r.subarray(0, 4 * vVars);
  const rK = r.subarray(4 * vVars);
  ctx.claim(diff, r);
  if (ctx.dryRun) {
    // The link sumcheck's rounds (which draw the final claim's point) are a proof's only.
    ctx.claim(spec.input, new Uint32Array(4 * (tVars + vVars)));
    return;
  }

  const X = ctx.table(spec.input);
  const eqK = eqTableFast(E, rK);
  const MV = prefixMaskEval(E, rJ, V);
  const tmp = new Uint32Array(4);

  // Phase 1 (row variables): pairs (G_c, x[·, c]) for each public token column c, and (−H, xe).
  const columns = new Map<number, Uint32Array>();
  const negH = new Uint32Array(4 * Tp);
  for (let k = 0; k < R; k++) {
    const t = spec.rows[k]!;
    const c = spec.tokens[k]!;
    let g = columns.get(c);
    if (!g) columns.set(c, (g = new Uint32Array(4 * Tp)));
    E.mulAt(tmp, 0, MV, 0, eqK, 4 * k);
    E.addAt(g, 4 * t, g, 4 * t, tmp, 0);
    E.subAt(negH, 4 * t, negH, 4 * t, eqK, 4 * k);
  }
  const pairs: [Uint32Array, Uint32Array][] = [];
  for (const [c, g] of columns) {
    const xc = new Uint32Array(4 * Tp);
    for (let t = 0; t < Tp; t++) xc[4 * t] = X[t * Vp + c]!;
    pairs.push([g, xc]);
  }
  pairs.push([negH, evalLastAxis(E, X, spec.input.shape, rJ)]);

  const numVars = tVars + vVars;
  absorbSumcheckHeader(ctx.transcript, numVars, 2, pairsSum(E, pairs, Tp));
  const point = new Uint32Array(4 * numVars);
  pairsRounds(ctx, pairs, Tp, tVars, point, 0);
  const sT = point.subarray(0, 4 * tVars);

  // Phase 2 (column variables): G(s_t, ·) and x̃(s_t, ·).
  const eJ = eqTableFast(E, rJ);
  const Hs = E.zero();
  const G2 = new Uint32Array(4 * Vp);
  for (let k = 0; k < R; k++) {
    E.mulAt(tmp, 0, eqK, 4 * k, eqAtIndex(E, sT, spec.rows[k]!), 0);
    E.addAt(Hs, 0, Hs, 0, tmp, 0);
    E.mulAt(tmp, 0, tmp, 0, MV, 0);
    const c = spec.tokens[k]!;
    E.addAt(G2, 4 * c, G2, 4 * c, tmp, 0);
  }
  for (let v = 0; v < Vp; v++) {
    E.mulAt(tmp, 0, Hs, 0, eJ, 4 * v);
    E.subAt(G2, 4 * v, G2, 4 * v, tmp, 0);
  }
  const X2 = evalLeading(E, X, spec.input.shape, sT);
  pairsRounds(ctx, [[G2, X2]], Vp, vVars, point, 4 * tVars);
  const sV = point.subarray(4 * tVars);
  ctx.claim(spec.input, joinPoint(sV, sT));
}
