/**
 * Embedding gathers with public indices (prover): `embed` and `posembed`. Protocol,
 * relation and soundness: the verifier's layers/embed.ts; every transcript move here
 * mirrors a line of `verifyEmbed`.
 *
 * Cost: the contraction Tab̃(·, r_j) of the table over its width (V·d, the small-integer
 * kernel of matmul.ts), a sparse one-hot (T entries) and a degree-2 sumcheck over V_pad.
 */
import { ceilLog2, checkEmbedSpec, eqTable, joinPoint, type EmbedSpec } from '@zkllm/verifier';
import type { TraceOp } from '../model/quant/trace.js';
import type { IntTensorData } from './bundle.js';
import type { ProverContext } from './context.js';
import { proveRoundsSumcheck } from '../sumcheck/rounds.js';
import { evalLastAxis, traceTensorRef } from './matmul.js';

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
  const E = ctx.E;
  const [T, d] = spec.out.shape as [number, number];
  const [V] = spec.table.shape as [number, number];
  const vVars = ceilLog2(V);
  const r = ctx.randomPoint(spec.out.shape, `${spec.kind}/${spec.out.id}`);
  const rJ = r.subarray(0, 4 * ceilLog2(d));
  const rT = r.subarray(4 * ceilLog2(d));
  ctx.claim(spec.out, r);
  // oh(v) = Σ_t eq(r_t, t)·[v = idx_t]
  const eqT = eqTable(E, rT);
  const oh = new Uint32Array(4 << vVars);
  for (let t = 0; t < T; t++) {
    const v = spec.indices[t]!;
    E.addAt(oh, 4 * v, oh, 4 * v, eqT, 4 * t);
  }
  const tabR = evalLastAxis(E, ctx.table(spec.table), spec.table.shape, rJ);
  const { point: s } = proveRoundsSumcheck(
    ctx,
    vVars,
    2,
    [
      { kind: 'ext', data: oh },
      { kind: 'ext', data: tabR },
    ],
    [{ coeff: E.one(), factors: [0, 1] }],
  );
  ctx.claim(spec.table, joinPoint(rJ, s));
}

/** Learned position embeddings use the same argument. */
export const specPosembed = specEmbed;
export const witnessPosembed = witnessEmbed;
export const provePosembed = proveEmbed;
