/**
 * Row selection with public row indices (prover): out[i, :] = x[rows_i, :], the embedding
 * gather's argument ({@link proveGather}) with the trace tensor x as the table. Relation and
 * soundness: the verifier's layers/rows.ts.
 *
 * Cost: one contraction x̃(·, r_j) of x over its width (T·d small integers), a sparse
 * selector (R entries) and a degree-2 sumcheck over T_pad — negligible next to the head
 * work it saves (lm head, logits requant and argmax on R instead of T rows).
 */
import { checkRowsSpec, type RowsSpec } from '@zkllm/verifier';
import type { TraceOp } from '../model/quant/trace.js';
import type { ProverContext } from './context.js';
import { proveGather } from './embed.js';
import { traceTensorRef } from './matmul.js';

type RowsOp = Extract<TraceOp, { op: 'rows' }>;

export function specRows(op: RowsOp): RowsSpec {
  return { input: traceTensorRef(op.input), out: traceTensorRef(op.out), rows: Int32Array.from(op.rows) };
}

export function proveRows(ctx: ProverContext, spec: RowsSpec): void {
  checkRowsSpec(spec);
  proveGather(ctx, `rows/${spec.out.id}`, spec.out, spec.input, spec.rows);
}
