/**
 * Elementwise and row-wise ops (prover): add, mul, center, sumsq, rowmul. Relations,
 * reductions and soundness: the verifier's layers/elementwise.ts; every transcript move here
 * mirrors a line of the matching `verify<Op>`.
 */
import {
  ceilLog2,
  joinPoint,
  prefixMaskEval,
  sameTensorShape,
  splitLastAxis,
  tensorVars,
  LayerError,
  type AddSpec,
  type CenterSpec,
  type MulSpec,
  type RowmulSpec,
  type SumsqSpec,
} from '@zkllm/verifier';
import type { TraceOp } from '../model/quant/trace.js';
import type { IntTensorData } from './bundle.js';
import type { ProverContext } from './context.js';
import { proveEqRoundsSumcheck, proveRoundsSumcheck } from '../sumcheck/rounds.js';
import { traceTensorRef } from './matmul.js';
import { evalLastAxis, evalLeading } from '../poly/mle.js';
import { eqTableFast } from '../poly/eq.js';

type Op<K extends TraceOp['op']> = Extract<TraceOp, { op: K }>;

// ---- specs and witnesses (none of these ops needs an auxiliary witness) ----

export function specAdd(op: Op<'add'>): AddSpec {
  return { a: traceTensorRef(op.a), b: traceTensorRef(op.b), out: traceTensorRef(op.out) };
}
export function specMul(op: Op<'mul'>): MulSpec {
  return { a: traceTensorRef(op.a), b: traceTensorRef(op.b), out: traceTensorRef(op.out) };
}
export function specCenter(op: Op<'center'>): CenterSpec {
  return { input: traceTensorRef(op.input), out: traceTensorRef(op.out) };
}
export function specSumsq(op: Op<'sumsq'>): SumsqSpec {
  return { input: traceTensorRef(op.input), out: traceTensorRef(op.out), c: op.c };
}
export function specRowmul(op: Op<'rowmul'>): RowmulSpec {
  return { input: traceTensorRef(op.input), scale: traceTensorRef(op.scale), out: traceTensorRef(op.out) };
}

const none = (): Map<string, IntTensorData> => new Map();
export const witnessAdd: (op: Op<'add'>) => Map<string, IntTensorData> = none;
export const witnessMul: (op: Op<'mul'>) => Map<string, IntTensorData> = none;
export const witnessCenter: (op: Op<'center'>) => Map<string, IntTensorData> = none;
export const witnessSumsq: (op: Op<'sumsq'>) => Map<string, IntTensorData> = none;
export const witnessRowmul: (op: Op<'rowmul'>) => Map<string, IntTensorData> = none;

// ---- provers ----

function checkSame(what: string, ...shapes: (readonly number[])[]): void {
  for (const s of shapes) if (!sameTensorShape(s, shapes[0]!)) throw new LayerError(`${what}: shapes differ`);
}

export function proveAdd(ctx: ProverContext, spec: AddSpec): void {
  checkSame(`add ${spec.out.id}`, spec.a.shape, spec.b.shape, spec.out.shape);
  const r = ctx.randomPoint(spec.out.shape, `add/${spec.out.id}`);
  ctx.claim(spec.out, r);
  ctx.claim(spec.a, r);
  ctx.claim(spec.b, r);
}

export function proveMul(ctx: ProverContext, spec: MulSpec): void {
  checkSame(`mul ${spec.out.id}`, spec.a.shape, spec.b.shape, spec.out.shape);
  const E = ctx.E;
  const r = ctx.randomPoint(spec.out.shape, `mul/${spec.out.id}`);
  ctx.claim(spec.out, r);
  const { point: s, finalEvals: ab } = proveEqRoundsSumcheck(
    ctx,
    tensorVars(spec.out.shape),
    3,
    r,
    () => [
      { kind: 'ext', data: eqTableFast(E, r) },
      { kind: 'base', data: ctx.table(spec.a) },
      { kind: 'base', data: ctx.table(spec.b) },
    ],
    [{ coeff: E.one(), factors: [0, 1, 2] }],
  );
  ctx.claimFolded(spec.a, s, ab.subarray(4, 8));
  ctx.claimFolded(spec.b, s, ab.subarray(8, 12));
}

export function proveCenter(ctx: ProverContext, spec: CenterSpec): void {
  checkSame(`center ${spec.out.id}`, spec.input.shape, spec.out.shape);
  const E = ctx.E;
  const F = E.base;
  const n = spec.out.shape[spec.out.shape.length - 1]!;
  const nVars = ceilLog2(n);
  const r = ctx.randomPoint(spec.out.shape, `center/${spec.out.id}`);
  const { low: rN, high: rL } = splitLastAxis(r, spec.out.shape);
  ctx.claim(spec.out, r);
  // c(j) = n·eq(r_n, j) − mask̃_n(r_n)·[j < n]
  const centering = (): Uint32Array => {
    const c = eqTableFast(E, rN);
    const nf = F.fromInt(n);
    const M = prefixMaskEval(E, rN, n);
    for (let j = 0; j < 1 << nVars; j++) {
      E.mulBaseAt(c, 4 * j, c, 4 * j, nf);
      if (j < n) E.subAt(c, 4 * j, c, 4 * j, M, 0);
    }
    return c;
  };
  const { point: s, finalEvals: fc } = proveRoundsSumcheck(
    ctx,
    nVars,
    2,
    () => [
      { kind: 'ext', data: centering() },
      { kind: 'ext', data: evalLeading(E, ctx.table(spec.input), spec.input.shape, rL) },
    ],
    [{ coeff: E.one(), factors: [0, 1] }],
  );
  ctx.claimFolded(spec.input, joinPoint(s, rL), fc.subarray(4, 8));
}

export function proveSumsq(ctx: ProverContext, spec: SumsqSpec): void {
  const lead = spec.input.shape.slice(0, -1);
  checkSame(`sumsq ${spec.out.id}`, spec.out.shape, lead);
  const E = ctx.E;
  const n = spec.input.shape[spec.input.shape.length - 1]!;
  const nVars = ceilLog2(n);
  const rL = ctx.randomPoint(lead, `sumsq/${spec.out.id}`);
  ctx.claim(spec.out, rL);
  // g(l, i) = eq(r_L, l)·[i < n], in the padded layout (i = low variables).
  const rowWeights = (): Uint32Array => {
    const eqL = eqTableFast(E, rL);
    const rowsPad = eqL.length >>> 2;
    const g = new Uint32Array(4 * (rowsPad << nVars));
    for (let l = 0; l < rowsPad; l++) {
      const e = eqL.subarray(4 * l, 4 * l + 4);
      for (let i = 0; i < n; i++) g.set(e, 4 * ((l << nVars) + i));
    }
    return g;
  };
  const { point: s, finalEvals: fs } = proveRoundsSumcheck(
    ctx,
    tensorVars(spec.input.shape),
    3,
    () => [
      { kind: 'ext', data: rowWeights() },
      { kind: 'base', data: ctx.table(spec.input) },
    ],
    [{ coeff: E.one(), factors: [0, 1, 1] }],
  );
  ctx.claimFolded(spec.input, s, fs.subarray(4, 8));
}

export function proveRowmul(ctx: ProverContext, spec: RowmulSpec): void {
  checkSame(`rowmul ${spec.out.id}`, spec.input.shape, spec.out.shape);
  const lead = spec.input.shape.slice(0, -1);
  checkSame(`rowmul ${spec.out.id}`, spec.scale.shape, lead);
  const E = ctx.E;
  const r = ctx.randomPoint(spec.out.shape, `rowmul/${spec.out.id}`);
  const { low: rN, high: rL } = splitLastAxis(r, spec.out.shape);
  ctx.claim(spec.out, r);
  const { point: u } = proveRoundsSumcheck(
    ctx,
    tensorVars(lead),
    3,
    () => [
      { kind: 'ext', data: eqTableFast(E, rL) },
      { kind: 'base', data: ctx.table(spec.scale) },
      { kind: 'ext', data: evalLastAxis(E, ctx.table(spec.input), spec.input.shape, rN) },
    ],
    [{ coeff: E.one(), factors: [0, 1, 2] }],
  );
  ctx.claim(spec.scale, u);
  ctx.claim(spec.input, joinPoint(rN, u));
}
