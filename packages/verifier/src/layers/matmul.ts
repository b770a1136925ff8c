/**
 * Matmul argument (verifier): out[…, o] = Σ_i W[o, i]·x[…, i] + b[o].
 *
 * Relation proven, on the whole zero-padded cube of `out` (poly/tensor.ts layout):
 *
 *     out[l, o] = Σ_{i < I} W[o, i]·x[l, i] + mask_L(l)·b[o]
 *
 * for every padded leading index l and padded output index o, where mask_L is the real-row
 * indicator. The sum runs over the REAL input columns only (mask_I), so on real (l, o) this
 * is exactly the op whatever the padding of x or of W holds (a prover who also made the
 * model commitment cannot hide a back door in W's padding columns), and honest
 * zero-padded tensors satisfy it everywhere (the mask keeps the bias off the padding rows).
 *
 * Reduction. Both sides are multilinear in a point r = (r_o ‖ r_l), so by Schwartz–Zippel
 * one random r suffices (error ≤ vars/|E|):
 *
 *     out̃(r) − b̃(r_o)·mask̃_L(r_l) = Σ_i mask_I(i)·W̃(r_o, i)·x̃(r_l, i),
 *
 * a degree-3 sumcheck over the input axis that ends in one claim on W at (s ‖ r_o) and one
 * on x at (s ‖ r_l); mask̃_I(s) and mask̃_L(r_l) are evaluated in closed form. Claims on out,
 * b, W, x are all checked by the driver's openings.
 *
 * Messages: claim out(r), [claim b(r_o)], the sumcheck rounds (no final values: they are
 * the two claims), claim W, claim x.
 *
 * This file also holds the small helpers every layer argument of this family uses
 * (the final check of a rounds-only sumcheck, point splitting, shape checks).
 */
import type { Ext } from '../field/extension.js';
import { readRoundsSumcheck } from '../sumcheck/rounds.js';
import { ceilLog2, prefixMaskEval, tensorMaskEval } from '../poly/tensor.js';
import { LayerError, type LayerContext, type TensorRef } from './context.js';

// ---------------------------------------------------------------------------------------
// Shared helpers (used by matmul, embed, elementwise and argmax).

/**
 * Validates that a tensor reference has a well-formed shape (positive integers) of the
 * given rank, or (rank omitted) of rank ≥ 1.
 */
export function checkTensorRef(t: TensorRef, what: string, rank?: number): void {
  if (!Array.isArray(t.shape) || t.shape.some((d) => !Number.isSafeInteger(d) || d < 1)) {
    throw new LayerError(`${what}: tensor ${t.id} has a malformed shape [${String(t.shape)}]`);
  }
  if (rank !== undefined ? t.shape.length !== rank : t.shape.length === 0) {
    throw new LayerError(`${what}: tensor ${t.id} must have rank ${rank ?? '≥ 1'}, has shape [${t.shape}]`);
  }
}

export function sameTensorShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Splits a tensor point into its last-axis part (the low variables) and the rest (the
 * leading axes, high variables). Both are views.
 */
export function splitLastAxis(point: Uint32Array, shape: readonly number[]): { low: Uint32Array; high: Uint32Array } {
  const k = 4 * ceilLog2(shape[shape.length - 1]!);
  return { low: point.subarray(0, k), high: point.subarray(k) };
}

/** Concatenates ext vectors (a point's low variables first). */
export function joinPoint(...parts: Uint32Array[]): Uint32Array {
  const out = new Uint32Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Throws unless the sumcheck's last claim equals the value recomputed from the claims. */
export function checkRoundsFinal(ctx: LayerContext, what: string, got: Ext, finalClaim: Ext): void {
  if (!ctx.E.equals(got, finalClaim)) {
    throw new LayerError(`${what}: sumcheck final check failed (the claimed evaluations do not satisfy the relation)`);
  }
}

// ---------------------------------------------------------------------------------------

/** The verifier's view of a matmul: shapes and committed tensor names only. */
export interface MatmulSpec {
  /** x: [...L, I] (trace tensor). */
  readonly input: TensorRef;
  /** W: [O, I] (model-committed, id `w:<name>`). */
  readonly weight: TensorRef;
  /** b: [O] (model-committed) or null. */
  readonly bias: TensorRef | null;
  /** out: [...L, O] (trace tensor). */
  readonly out: TensorRef;
}

export function checkMatmulSpec(spec: MatmulSpec): void {
  const what = `matmul ${spec.out.id}`;
  checkTensorRef(spec.input, what);
  checkTensorRef(spec.out, what);
  checkTensorRef(spec.weight, what, 2);
  const [O, I] = spec.weight.shape as [number, number];
  const x = spec.input.shape;
  const y = spec.out.shape;
  if (x[x.length - 1] !== I) throw new LayerError(`${what}: input [${x}] does not match weight [${O}, ${I}]`);
  if (y[y.length - 1] !== O) throw new LayerError(`${what}: output [${y}] does not match weight [${O}, ${I}]`);
  if (!sameTensorShape(x.slice(0, -1), y.slice(0, -1))) throw new LayerError(`${what}: input [${x}] and output [${y}] differ in leading axes`);
  if (spec.bias) {
    checkTensorRef(spec.bias, what, 1);
    if (spec.bias.shape[0] !== O) throw new LayerError(`${what}: bias [${spec.bias.shape}] does not match ${O} outputs`);
  }
}

export function verifyMatmul(ctx: LayerContext, spec: MatmulSpec): void {
  checkMatmulSpec(spec);
  const E = ctx.E;
  const what = `matmul ${spec.out.id}`;
  const [O, I] = spec.weight.shape as [number, number];
  const lead = spec.out.shape.slice(0, -1);
  const oVars = ceilLog2(O);
  const iVars = ceilLog2(I);

  const r = ctx.randomPoint(spec.out.shape, `matmul/${spec.out.id}`);
  const rO = r.subarray(0, 4 * oVars);
  const rL = r.subarray(4 * oVars);
  let claim = ctx.claim(spec.out, r);
  if (spec.bias) {
    const b = ctx.claim(spec.bias, rO);
    claim = E.sub(claim, E.mul(b, tensorMaskEval(E, rL, lead)));
  }
  const { point: s, finalClaim } = readRoundsSumcheck(ctx, what, iVars, 3, claim);
  const w = ctx.claim(spec.weight, joinPoint(s, rO));
  const x = ctx.claim(spec.input, joinPoint(s, rL));
  checkRoundsFinal(ctx, what, E.mul(prefixMaskEval(E, s, I), E.mul(w, x)), finalClaim);
}
