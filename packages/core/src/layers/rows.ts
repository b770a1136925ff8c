/**
 * Row selection with public row indices (prover): out[i, :] = x[rows_i, :]. Relation and
 * soundness: the verifier's layers/rows.ts; every transcript move here mirrors a line of
 * `verifyRows`.
 *
 * Cost: one contraction x̃(·, r_j) of x over its width (T·d small integers), a sparse
 * selector (R entries) and a degree-2 sumcheck over T_pad — negligible next to the head
 * work it saves (lm head, logits requant and argmax on R instead of T rows).
 */
import { ceilLog2, checkRowsSpec, eqTable, joinPoint, type RowsSpec } from '@zkllm/verifier';
import type { TraceOp } from '../model/quant/trace.js';
import type { ProverContext } from './context.js';
import { proveRoundsSumcheck } from '../sumcheck/rounds.js';
import { evalLastAxis, traceTensorRef } from './matmul.js';

type RowsOp = Extract<TraceOp, { op: 'rows' }>;

export function specRows(op: RowsOp): RowsSpec {
  return { input: traceTensorRef(op.input), out: traceTensorRef(op.out), rows: Int32Array.from(op.rows) };
}

export function proveRows(ctx: ProverContext, spec: RowsSpec): void {
  checkRowsSpec(spec);
  const E = ctx.E;
  const [T, d] = spec.input.shape as [number, number];
  const R = spec.out.shape[0]!;
  const tVars = ceilLog2(T);
  const r = ctx.randomPoint(spec.out.shape, `rows/${spec.out.id}`);
  const rJ = r.subarray(0, 4 * ceilLog2(d));
  const rI = r.subarray(4 * ceilLog2(d));
  ctx.claim(spec.out, r);
  // s(t) = Σ_i eq(r_i, i)·[t = rows_i]
  const eqI = eqTable(E, rI);
  const sel = new Uint32Array(4 << tVars);
  for (let i = 0; i < R; i++) {
    const t = spec.rows[i]!;
    E.addAt(sel, 4 * t, sel, 4 * t, eqI, 4 * i);
  }
  const xR = evalLastAxis(E, ctx.table(spec.input), spec.input.shape, rJ);
  const { point: s } = proveRoundsSumcheck(
    ctx,
    tVars,
    2,
    [
      { kind: 'ext', data: sel },
      { kind: 'ext', data: xR },
    ],
    [{ coeff: E.one(), factors: [0, 1] }],
  );
  ctx.claim(spec.input, joinPoint(rJ, s));
}
