/**
 * Embedding gathers with PUBLIC indices (verifier): `embed` (out[t, :] = E[tokens[t], :])
 * and `posembed` (out[t, :] = P[positions[t], :]), E / P model-committed tables [V, d].
 *
 * Relation proven, on the whole zero-padded cube of `out`:
 *
 *     out[t, j] = Σ_{v < V_pad} OH[t, v]·Tab[v, j],   OH[t, v] = [t < T]·[v = idx_t],
 *
 * which on real entries is the gather, and is satisfied by the honest zero-padded output
 * (OH has no row for padding t; the table's padding columns are zero).
 *
 * Reduction. At a random point r = (r_j ‖ r_t) of `out`:
 *
 *     out̃(r) = Σ_v oh(v)·Tab̃(v, r_j),   oh(v) = Σ_{t < T} eq(r_t, t)·[v = idx_t],
 *
 * a degree-2 sumcheck over the table's row axis. It ends at a point s; the verifier
 * evaluates the public one-hot itself, õh(s) = Σ_t eq(r_t, t)·eq(s, idx_t), in O(T·log V),
 * and the table claim Tab̃(r_j ‖ s) goes to the model-commitment opening.
 *
 * Messages: claim out(r), sumcheck rounds, claim Tab.
 */
import type { Ext, QuarticExtension } from '../field/extension.js';
import { eqTable } from '../poly/multilinear.js';
import { ceilLog2 } from '../poly/tensor.js';
import { LayerError, type LayerContext, type TensorRef } from './context.js';
import { readRoundsSumcheck } from '../sumcheck/rounds.js';
import { checkTensorRef, joinPoint, checkRoundsFinal } from './matmul.js';

export interface EmbedSpec {
  /** Which trace op this is (labels only; the argument is the same). */
  readonly kind: 'embed' | 'posembed';
  /** [T, d] trace tensor. */
  readonly out: TensorRef;
  /** [V, d] model-committed table (`w:embed`, `w:posEmbed`). */
  readonly table: TensorRef;
  /** Public indices (token ids / positions), one per output row, each in [0, V). */
  readonly indices: Int32Array;
}

/** eq(s, idx) = Π_k (bit_k(idx) ? s_k : 1 − s_k) for a point s and an integer index. */
export function eqAtIndex(E: QuarticExtension, s: Uint32Array, idx: number): Ext {
  const F = E.base;
  const acc = E.one();
  const t = new Uint32Array(4);
  const n = s.length >>> 2;
  for (let k = 0; k < n; k++) {
    if (Math.floor(idx / 2 ** k) % 2 === 1) {
      E.mulAt(acc, 0, acc, 0, s, 4 * k);
    } else {
      t[0] = F.sub(1, s[4 * k]!);
      t[1] = F.neg(s[4 * k + 1]!);
      t[2] = F.neg(s[4 * k + 2]!);
      t[3] = F.neg(s[4 * k + 3]!);
      E.mulAt(acc, 0, acc, 0, t, 0);
    }
  }
  return acc;
}

/** Σ_t eq(rRows, t)·eq(s, idx_t): the MLE of the public one-hot [t, idx_t] at (s ‖ rRows). */
export function oneHotEval(E: QuarticExtension, rRows: Uint32Array, s: Uint32Array, indices: ArrayLike<number>): Ext {
  const eqR = eqTable(E, rRows);
  const acc = E.zero();
  const tmp = new Uint32Array(4);
  for (let t = 0; t < indices.length; t++) {
    E.mulAt(tmp, 0, eqR, 4 * t, eqAtIndex(E, s, indices[t]!), 0);
    E.addAt(acc, 0, acc, 0, tmp, 0);
  }
  return acc;
}

export function checkEmbedSpec(spec: EmbedSpec): void {
  const what = `${spec.kind} ${spec.out.id}`;
  checkTensorRef(spec.out, what, 2);
  checkTensorRef(spec.table, what, 2);
  const [T, d] = spec.out.shape as [number, number];
  const [V, d2] = spec.table.shape as [number, number];
  if (d !== d2) throw new LayerError(`${what}: output width ${d} differs from table width ${d2}`);
  if (!(spec.indices instanceof Int32Array) || spec.indices.length !== T) {
    throw new LayerError(`${what}: need ${T} public indices, got ${spec.indices?.length}`);
  }
  for (let t = 0; t < T; t++) {
    const v = spec.indices[t]!;
    if (v < 0 || v >= V) throw new LayerError(`${what}: index ${v} at row ${t} outside the table [0, ${V})`);
  }
}

export function verifyEmbed(ctx: LayerContext, spec: EmbedSpec): void {
  checkEmbedSpec(spec);
  verifyGather(ctx, `${spec.kind} ${spec.out.id}`, `${spec.kind}/${spec.out.id}`, spec.out, spec.table, spec.indices);
}

/**
 * The gather argument out[i, :] = src[idx_i, :] with public indices idx (embed, posembed and
 * the rows op; specs already checked): claim out at a random point (rJ ‖ rI), reduce it by
 * one degree-2 sumcheck over src's rows s to a claim on src at (rJ ‖ s), and check the
 * last round against oneHot(rI, s)·src(rJ ‖ s).
 */
export function verifyGather(ctx: LayerContext, what: string, label: string, out: TensorRef, src: TensorRef, indices: Int32Array): void {
  const E = ctx.E;
  const d = out.shape[1]!;
  const r = ctx.randomPoint(out.shape, label);
  const rJ = r.subarray(0, 4 * ceilLog2(d));
  const rI = r.subarray(4 * ceilLog2(d));
  const claim = ctx.claim(out, r);
  const { point: s, finalClaim } = readRoundsSumcheck(ctx, what, ceilLog2(src.shape[0]!), 2, claim);
  const x = ctx.claim(src, joinPoint(rJ, s));
  checkRoundsFinal(ctx, what, E.mul(oneHotEval(E, rI, s, indices), x), finalClaim);
}

/** Same argument for learned position embeddings. */
export const verifyPosembed = verifyEmbed;
