/**
 * Elementwise and row-wise integer ops (verifier): add, mul, center, sumsq, rowmul.
 *
 * Every relation below is stated on the whole zero-padded cubes (poly/tensor.ts layout) and
 * is built so that (a) honest zero-padded tensors satisfy it everywhere, (b) the real
 * entries of the output depend only on the real entries of the inputs — sums over an axis
 * carry the axis' real-entry mask, so whatever a cheating prover puts in the padding of an
 * input cannot move a real output. Each is checked at a fresh random point (Schwartz–Zippel:
 * both sides are multilinear in the point, or become so after a sumcheck), and every
 * evaluation of a committed tensor is a recorded claim checked by the final openings.
 *
 * Notation: a tensor [...L, n] has leading axes L (high variables) and last axis n (low
 * variables); r = (r_n ‖ r_L); mask_n(i) = [i < n], mask_L(l) = [l real]; both have closed-
 * form MLEs (prefixMaskEval / tensorMaskEval).
 *
 * - add:    out = a + b.                      out̃(r) = ã(r) + b̃(r). Claims only.
 * - mul:    out = a ⊙ b.                      out̃(r) = Σ_x eq(r, x)·a(x)·b(x): sumcheck over all
 *           variables (degree 3), ends in claims a(s), b(s); eq(r, s) by the verifier.
 * - center: out[l, i] = n·x[l, i] − mask_n(i)·Σ_j mask_n(j)·x[l, j].
 *           out̃(r) = Σ_j c(j)·x̃(r_L, j) with the public c(j) = n·eq(r_n, j) − mask̃_n(r_n)·mask_n(j):
 *           sumcheck over the last axis (degree 2), ends in the claim x(s ‖ r_L); c̃(s) by the verifier.
 * - sumsq:  out[l] = mask_L(l)·c + Σ_i mask_n(i)·x[l, i]².
 *           out̃(r_L) − c·mask̃_L(r_L) = Σ_{l,i} eq(r_L, l)·mask_n(i)·x[l, i]²: sumcheck over all
 *           variables (degree 3) with the public factor g(l, i) = eq(r_L, l)·mask_n(i) (a product
 *           of functions of disjoint variables, so g̃(s) = eq(r_L, s_L)·mask̃_n(s_n)); ends in x(s).
 * - rowmul: out[l, i] = x[l, i]·s[l].
 *           out̃(r) = Σ_l eq(r_L, l)·s[l]·x̃(l, r_n): sumcheck over the leading axes only (degree
 *           3), ends in claims s(u), x(r_n ‖ u).
 *
 * On real entries these are exactly the trace semantics (quant/trace.ts): add, mul (SwiGLU
 * product), center (n·x − Σx, the mean removal without division), sumsq (Σx² + ε) and
 * rowmul (x·ρ[t], the norm's scale).
 */
import { eqEval } from '../poly/multilinear.js';
import { ceilLog2, prefixMaskEval, tensorMaskEval, tensorVars } from '../poly/tensor.js';
import { LayerError, type LayerContext, type TensorRef } from './context.js';
import { readRoundsSumcheck } from '../sumcheck/rounds.js';
import { checkTensorRef, joinPoint, checkRoundsFinal, sameTensorShape, splitLastAxis } from './matmul.js';

export interface AddSpec {
  readonly a: TensorRef;
  readonly b: TensorRef;
  readonly out: TensorRef;
}
export type MulSpec = AddSpec;

export interface CenterSpec {
  /** [...L, n] */
  readonly input: TensorRef;
  /** [...L, n] */
  readonly out: TensorRef;
}

export interface SumsqSpec {
  /** [...L, n] */
  readonly input: TensorRef;
  /** [...L] */
  readonly out: TensorRef;
  /** Public additive constant (the norm's ε), a signed integer. */
  readonly c: number;
}

export interface RowmulSpec {
  /** [...L, n] */
  readonly input: TensorRef;
  /** [...L] */
  readonly scale: TensorRef;
  /** [...L, n] */
  readonly out: TensorRef;
}

function checkBinary(kind: string, spec: AddSpec): string {
  const what = `${kind} ${spec.out.id}`;
  checkTensorRef(spec.a, what);
  checkTensorRef(spec.b, what);
  checkTensorRef(spec.out, what);
  if (!sameTensorShape(spec.a.shape, spec.out.shape) || !sameTensorShape(spec.b.shape, spec.out.shape)) {
    throw new LayerError(`${what}: shapes [${spec.a.shape}], [${spec.b.shape}] → [${spec.out.shape}] differ`);
  }
  return what;
}

export function verifyAdd(ctx: LayerContext, spec: AddSpec): void {
  const what = checkBinary('add', spec);
  const E = ctx.E;
  const r = ctx.randomPoint(spec.out.shape, `add/${spec.out.id}`);
  const out = ctx.claim(spec.out, r);
  const a = ctx.claim(spec.a, r);
  const b = ctx.claim(spec.b, r);
  if (!E.equals(out, E.add(a, b))) throw new LayerError(`${what}: out(r) ≠ a(r) + b(r)`);
}

export function verifyMul(ctx: LayerContext, spec: MulSpec): void {
  const what = checkBinary('mul', spec);
  const E = ctx.E;
  const r = ctx.randomPoint(spec.out.shape, `mul/${spec.out.id}`);
  const out = ctx.claim(spec.out, r);
  const { point: s, finalClaim } = readRoundsSumcheck(ctx, what, tensorVars(spec.out.shape), 3, out);
  const a = ctx.claim(spec.a, s);
  const b = ctx.claim(spec.b, s);
  checkRoundsFinal(ctx, what, E.mul(eqEval(E, r, s), E.mul(a, b)), finalClaim);
}

export function verifyCenter(ctx: LayerContext, spec: CenterSpec): void {
  const what = `center ${spec.out.id}`;
  checkTensorRef(spec.input, what);
  checkTensorRef(spec.out, what);
  if (!sameTensorShape(spec.input.shape, spec.out.shape)) throw new LayerError(`${what}: shapes [${spec.input.shape}] → [${spec.out.shape}] differ`);
  const E = ctx.E;
  const F = E.base;
  const n = spec.out.shape[spec.out.shape.length - 1]!;
  const r = ctx.randomPoint(spec.out.shape, `center/${spec.out.id}`);
  const { low: rN, high: rL } = splitLastAxis(r, spec.out.shape);
  const out = ctx.claim(spec.out, r);
  const { point: s, finalClaim } = readRoundsSumcheck(ctx, what, ceilLog2(n), 2, out);
  const x = ctx.claim(spec.input, joinPoint(s, rL));
  // c̃(s) = n·eq(r_n, s) − mask̃_n(r_n)·mask̃_n(s)
  const c = E.sub(E.mulBase(eqEval(E, rN, s), F.fromInt(n)), E.mul(prefixMaskEval(E, rN, n), prefixMaskEval(E, s, n)));
  checkRoundsFinal(ctx, what, E.mul(c, x), finalClaim);
}

export function verifySumsq(ctx: LayerContext, spec: SumsqSpec): void {
  const what = `sumsq ${spec.out.id}`;
  checkTensorRef(spec.input, what);
  const lead = spec.input.shape.slice(0, -1);
  if (!Array.isArray(spec.out.shape) || !sameTensorShape(spec.out.shape, lead)) {
    throw new LayerError(`${what}: output shape [${String(spec.out.shape)}] must be the input's leading axes [${lead}]`);
  }
  if (!Number.isSafeInteger(spec.c)) throw new LayerError(`${what}: constant ${spec.c} is not an integer`);
  const E = ctx.E;
  const F = E.base;
  const n = spec.input.shape[spec.input.shape.length - 1]!;
  const nVars = ceilLog2(n);
  const rL = ctx.randomPoint(lead, `sumsq/${spec.out.id}`);
  const out = ctx.claim(spec.out, rL);
  const claim = E.sub(out, E.mulBase(tensorMaskEval(E, rL, lead), F.fromInt(spec.c)));
  const { point: s, finalClaim } = readRoundsSumcheck(ctx, what, tensorVars(spec.input.shape), 3, claim);
  const x = ctx.claim(spec.input, s);
  const g = E.mul(eqEval(E, rL, s.subarray(4 * nVars)), prefixMaskEval(E, s.subarray(0, 4 * nVars), n));
  checkRoundsFinal(ctx, what, E.mul(g, E.mul(x, x)), finalClaim);
}

export function verifyRowmul(ctx: LayerContext, spec: RowmulSpec): void {
  const what = `rowmul ${spec.out.id}`;
  checkTensorRef(spec.input, what);
  checkTensorRef(spec.out, what);
  if (!sameTensorShape(spec.input.shape, spec.out.shape)) throw new LayerError(`${what}: shapes [${spec.input.shape}] → [${spec.out.shape}] differ`);
  const lead = spec.input.shape.slice(0, -1);
  if (!Array.isArray(spec.scale.shape) || !sameTensorShape(spec.scale.shape, lead)) {
    throw new LayerError(`${what}: scale shape [${String(spec.scale.shape)}] must be the input's leading axes [${lead}]`);
  }
  const E = ctx.E;
  const r = ctx.randomPoint(spec.out.shape, `rowmul/${spec.out.id}`);
  const { low: rN, high: rL } = splitLastAxis(r, spec.out.shape);
  const out = ctx.claim(spec.out, r);
  const { point: u, finalClaim } = readRoundsSumcheck(ctx, what, tensorVars(lead), 3, out);
  const sc = ctx.claim(spec.scale, u);
  const x = ctx.claim(spec.input, joinPoint(rN, u));
  checkRoundsFinal(ctx, what, E.mul(eqEval(E, rL, u), E.mul(sc, x)), finalClaim);
}
