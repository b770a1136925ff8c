/**
 * Embedding gathers with public indices (prover): `embed` and `posembed`. Protocol,
 * relation and soundness: the verifier's layers/embed.ts; every transcript move here
 * mirrors a line of `verifyEmbed`.
 * The argument itself is {@link proveGather}, shared with the rows op.
 */
import { ceilLog2, checkEmbedSpec, joinPoint, type EmbedSpec, type TensorRef } from '@zkllm/verifier';
import type { TraceOp } from '../model/quant/trace.js';
import type { IntTensorData } from './bundle.js';
import type { ProverContext } from './context.js';
import { proveRoundsSumcheck } from '../sumcheck/rounds.js';
import { traceTensorRef } from './matmul.js';
import { evalLastAxis } from '../poly/mle.js';
import { eqTableFast } from '../poly/eq.js';

type EmbedOp = Extract<TraceOp, { op: 'embed' | 'posembed' }>;

/**
 * The verifier's spec of an `embed` / `posembed` op. `tableRows` is the committed table's
 * row count (vocabulary size, resp. maximum positions), which the trace does not carry.
 */
export function specEmbed(op: EmbedOp, tableRows: number): EmbedSpec {
  const d = op.out.shape[1]!;
  return {
    kind: op.op,
    out: traceTensorRef(op.out),
    table: { id: `w:${op.weight}`, shape: [tableRows, d] },
    indices: Int32Array.from(op.op === 'embed' ? op.tokens : op.positions),
  };
}

/** Gathers need no auxiliary witness. */
export function witnessEmbed(_op: EmbedOp): Map<string, IntTensorData> {
  return new Map();
}

export function proveEmbed(ctx: ProverContext, spec: EmbedSpec): void {
  checkEmbedSpec(spec);
  proveGather(ctx, `${spec.kind}/${spec.out.id}`, spec.out, spec.table, spec.indices);
}

/**
 * The gather argument out[i, :] = src[idx_i, :] (embed, posembed, rows; mirrors the
 * verifier's `verifyGather` line by line). Cost: the contraction src̃(·, r_j) over the width
 * (the small-integer kernel of matmul.ts), a sparse one-hot (one entry per index) and a
 * degree-2 sumcheck over src's padded rows.
 */
export function proveGather(ctx: ProverContext, label: string, out: TensorRef, src: TensorRef, indices: Int32Array): void {
  const E = ctx.E;
  const d = out.shape[1]!;
  const vVars = ceilLog2(src.shape[0]!);
  const r = ctx.randomPoint(out.shape, label);
  const rJ = r.subarray(0, 4 * ceilLog2(d));
  const rI = r.subarray(4 * ceilLog2(d));
  ctx.claim(out, r);
  // oh(v) = Σ_i eq(r_i, i)·[v = idx_i]
  const oneHot = (): Uint32Array => {
    const eqI = eqTableFast(E, rI);
    const oh = new Uint32Array(4 << vVars);
    for (let i = 0; i < indices.length; i++) {
      const v = indices[i]!;
      E.addAt(oh, 4 * v, oh, 4 * v, eqI, 4 * i);
    }
    return oh;
  };
  const { point: s } = proveRoundsSumcheck(
    ctx,
    vVars,
    2,
    () => [
      { kind: 'ext', data: oneHot() },
      { kind: 'ext', data: evalLastAxis(E, ctx.table(src), src.shape, rJ) },
    ],
    [{ coeff: E.one(), factors: [0, 1] }],
  );
  ctx.claim(src, joinPoint(rJ, s));
}

/** Learned position embeddings use the same argument. */
export const specPosembed = specEmbed;
export const witnessPosembed = witnessEmbed;
export const provePosembed = proveEmbed;
