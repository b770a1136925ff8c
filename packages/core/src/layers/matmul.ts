/**
 * Matmul argument (prover): out[…, o] = Σ_i W[o, i]·x[…, i] + b[o]. Protocol, relation and
 * soundness: the verifier's layers/matmul.ts; every transcript move here mirrors a line of
 * `verifyMatmul`.
 *
 * Cost (this is the prover's main cost): two partial evaluations — W̃(r_o, ·) over the
 * output axis (O·I) and x̃(r_l, ·) over the rows (T·I) — with allocation-free typed-array
 * loops ({@link partialEvalHigh}), then a degree-3 sumcheck (real-column mask × the two
 * folded vectors) over I_pad entries. The partial evaluations multiply ext eq weights by
 * SMALL signed integers (int8 weights, 12-bit activations) accumulated exactly in doubles
 * and reduced once per block of rows, instead of one modular product per limb.
 *
 * Measured (2 shared cores): lm head T=32, I=288, O=32000 — the two contractions ≈ 0.1 s
 * each; with claims evaluated by {@link evalMleFast} the whole argument takes ≈ 0.35 s, but
 * ProverContext.claim's evalMleBase on the 32000×512 padded weight alone costs ≈ 2.5 s.
 *
 * The partial-evaluation kernels it shares with embed, elementwise, argmax and the claims are
 * in poly/mle.ts.
 */
import {
  ceilLog2,
  checkMatmulSpec,
  joinPoint,
  type MatmulSpec,
  type TensorRef,
} from '@zkllm/verifier';
import type { IntTensor, TraceOp } from '../model/quant/trace.js';
import { proveRoundsSumcheck } from '../sumcheck/rounds.js';
import type { IntTensorData } from './bundle.js';
import type { ProverContext } from './context.js';
import { evalLeading, partialEvalHigh } from '../poly/mle.js';

type MatmulOp = Extract<TraceOp, { op: 'matmul' }>;

/** The committed-tensor reference of a trace tensor (`t<N>`). */
export const traceTensorRef = (t: IntTensor): TensorRef => ({ id: `t${t.id}`, shape: [...t.shape] });

// ---------------------------------------------------------------------------------------

export function specMatmul(op: MatmulOp): MatmulSpec {
  const I = op.input.shape[op.input.shape.length - 1]!;
  const O = op.out.shape[op.out.shape.length - 1]!;
  return {
    input: traceTensorRef(op.input),
    weight: { id: `w:${op.weight}`, shape: [O, I] },
    bias: op.bias === null ? null : { id: `w:${op.bias}`, shape: [O] },
    out: traceTensorRef(op.out),
  };
}

/** A matmul needs no auxiliary witness. */
export function witnessMatmul(_op: MatmulOp): Map<string, IntTensorData> {
  return new Map();
}

export function proveMatmul(ctx: ProverContext, spec: MatmulSpec): void {
  checkMatmulSpec(spec);
  const E = ctx.E;
  const [O, I] = spec.weight.shape as [number, number];
  const oVars = ceilLog2(O);
  const iVars = ceilLog2(I);

  const r = ctx.randomPoint(spec.out.shape, `matmul/${spec.out.id}`);
  const rO = r.subarray(0, 4 * oVars);
  const rL = r.subarray(4 * oVars);
  ctx.claim(spec.out, r);
  if (spec.bias) ctx.claim(spec.bias, rO);
  const { point: s, finalEvals } = proveRoundsSumcheck(
    ctx,
    iVars,
    3,
    () => [
      { kind: 'base', data: new Uint32Array(1 << iVars).fill(1, 0, I) },
      { kind: 'ext', data: evalLeading(E, ctx.table(spec.weight), spec.weight.shape, rO) },
      { kind: 'ext', data: evalLeading(E, ctx.table(spec.input), spec.input.shape, rL) },
    ],
    [{ coeff: E.one(), factors: [0, 1, 2] }],
  );
  // The partial evaluations' final values are the tensors' MLEs at the joined points.
  ctx.claimFolded(spec.weight, joinPoint(s, rO), finalEvals.subarray(4, 8));
  ctx.claimFolded(spec.input, joinPoint(s, rL), finalEvals.subarray(8, 12));
}
