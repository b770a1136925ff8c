/**
 * Row selection with PUBLIC row indices (verifier): out[i, :] = x[rows_i, :], i < R.
 *
 * Generation proofs use it to run the model head (lm head, logits requant, argmax) only on
 * the R rows whose next token is part of the statement, instead of on all T rows of the
 * teacher-forced pass: the rest of the logits are never used by the argmax argument.
 *
 * Relation proven, on the whole zero-padded cube of `out` ([R, d] padded per axis):
 *
 *     out[i, j] = Σ_{t < T_pad} S[i, t]·x[t, j],   S[i, t] = [i < R]·[t = rows_i],
 *
 * i.e. a real row i is row rows_i of x (on every padded column j too, which the honest,
 * zero-padded tensors satisfy), and a padding row of out is 0 (S has no entry there).
 * This is the embedding gather (layers/embed.ts) with x as the table and `rows` as the
 * indices; it gets its own op so that the trace, the template and the labels say what it is.
 *
 * Reduction. At a random point r = (r_j ‖ r_i) of out, with Schwartz–Zippel error
 * ≤ vars/|E| (both sides are multilinear in r):
 *
 *     out̃(r) = Σ_t s(t)·x̃(t, r_j),   s(t) = Σ_{i<R} eq(r_i, i)·[t = rows_i],
 *
 * one degree-2 sumcheck over the ⌈log2 T⌉ row variables of x, ending at a point σ in one
 * claim x̃(r_j ‖ σ); the verifier evaluates the public selector s̃(σ) = Σ_i eq(r_i, i)·eq(σ, rows_i)
 * itself in O(R·log T) (`oneHotEval`).
 *
 * Messages: claim out(r), the sumcheck rounds, claim x.
 */
import { LayerError, type LayerContext, type TensorRef } from './context.js';
import { verifyGather } from './embed.js';
import { checkTensorRef } from './matmul.js';

export interface RowsSpec {
  /** x: [T, d] (trace tensor). */
  readonly input: TensorRef;
  /** out: [R, d] (trace tensor). */
  readonly out: TensorRef;
  /** Public row indices rows_i ∈ [0, T), one per output row (repeats allowed). */
  readonly rows: Int32Array;
}

export function checkRowsSpec(spec: RowsSpec): void {
  const what = `rows ${spec.out.id}`;
  checkTensorRef(spec.input, what, 2);
  checkTensorRef(spec.out, what, 2);
  const [T, d] = spec.input.shape as [number, number];
  const [R, d2] = spec.out.shape as [number, number];
  if (d !== d2) throw new LayerError(`${what}: output width ${d2} differs from input width ${d}`);
  if (!(spec.rows instanceof Int32Array) || spec.rows.length !== R) {
    throw new LayerError(`${what}: need ${R} public row indices, got ${spec.rows?.length}`);
  }
  for (let i = 0; i < R; i++) {
    const t = spec.rows[i]!;
    if (t < 0 || t >= T) throw new LayerError(`${what}: row index ${t} outside the input's rows [0, ${T})`);
  }
}

export function verifyRows(ctx: LayerContext, spec: RowsSpec): void {
  checkRowsSpec(spec);
  // The embedding gather's argument, with the trace tensor x in the table's place.
  verifyGather(ctx, `rows ${spec.out.id}`, `rows/${spec.out.id}`, spec.out, spec.input, spec.rows);
}
