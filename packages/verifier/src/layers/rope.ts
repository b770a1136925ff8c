/**
 * RoPE (HF half-split, per head) on integer vectors with public tables at scale 2^fr:
 *
 *     C[p][i] = round(2^fr·cos(p·θ^(−2i/hd))),  S[p][i] = round(2^fr·sin(p·θ^(−2i/hd)))
 *     out[i]        = clamp(round((x[i]·C − x[i+hd/2]·S) / 2^fr), ±clamp)
 *     out[i+hd/2]   = clamp(round((x[i+hd/2]·C + x[i]·S) / 2^fr), ±clamp)
 *
 * for i < hd/2 in every head of every row t, with p = positions[t] (public) and rounding
 * round(v / 2^s) = floor((v + 2^(s−1)) / 2^s). Tensors x, out: shape [T, heads·hd].
 *
 * Unified per entry j (column h·hd + k, pair index i = k mod hd/2, partner π(j) = the other
 * half of the pair, σ = −1 in the lower half and +1 in the upper half):
 *
 *     x[j]·C[p][i] + σ·x[π(j)]·S[p][i] = 2^fr·(y[j] + sel[j]·(1 + exc[j])) + rem[j]
 *
 * plus the clamp gadget (layers/requant.ts) for (y, sel, [−clamp, clamp]). Witnesses
 * (ids `<out.id>.<what>`): rem, and sel/exc if the clamp can be active.
 *
 * The partner term is linear in x: Σ_j eq(r, j)·σ_j·S_j·x[π(j)] = Σ_k x[k]·eq(r, π(k))·σ_π(k)·S_π(k),
 * so the zero-check has ONE public weight table w(k) = eq(r, k)·C_k + eq(r, π(k))·σ_π(k)·S_π(k)
 * multiplying x — no permutation argument (and no power-of-two head dim) is needed. Its MLE
 * at the sumcheck point factors over rows and columns and is evaluated by the verifier in
 * O(T·hd/2 + heads·hd).
 *
 * RANGES: x ∈ [−B, B] (B = spec.inputBound; this argument checks it itself, so it does not
 * depend on how x was produced), y ∈ [−clamp, clamp], rem ∈ [−2^(fr−1), 2^(fr−1)),
 * exc ∈ [0, Z].
 *
 * WHY THIS IS THE OP. With |x| ≤ B the left side is an integer of size ≤ L = B·max(|C|+|S|);
 * the right side is an integer of size ≤ 2^fr·(clamp + 1 + Z) + 2^(fr−1); {@link ropePlan}
 * checks that their sum is below p, so the congruence is an integer equation: the pre-clamp
 * value is exactly round(lhs / 2^fr), and the clamp gadget makes y its clamp. Z is the
 * largest excess an input with |x| ≤ B can produce (complete for every such input).
 *
 * The tables are recomputed by the verifier with the kernel's exact floating-point formula
 * (core/model/quant/kernels.ts `ropeTables`: Math.pow, Math.cos/Math.sin, Math.round). ⚠ JS
 * engines are not required to round Math.cos/Math.sin identically; a verifier on another
 * engine could disagree on a table entry at a rounding boundary. Binding the integer tables
 * into the model commitment would remove that dependency.
 */
import type { Ext } from '../field/extension.js';
import type { PrimeField } from '../field/prime.js';
import { eqEval, eqTable } from '../poly/multilinear.js';
import { axisVars, splitTensorPoint, tensorVars } from '../poly/tensor.js';
import { LayerError, type LayerContext, type TensorRef } from './context.js';
import { rangeCheck, rangeWitnessIds, type RangeCheckOptions } from './range.js';
import { RelationBuilder, addClampRelations, finishZeroCheck, readZeroCheckRounds } from './requant.js';

/** The op as the verifier knows it (positions are public inputs). */
export interface RopeLayerSpec {
  readonly input: TensorRef;
  readonly out: TensorRef;
  readonly positions: ArrayLike<number>;
  readonly heads: number;
  readonly headDim: number;
  readonly theta: number;
  readonly fr: number;
  readonly clamp: number;
  /** |x| ≤ inputBound is range-checked here (the producing requant's clamp). */
  readonly inputBound: number;
}

export interface RopePlan {
  readonly d: number;
  readonly h: number;
  readonly half: number;
  /** cos/sin per row: cs[t·half + i]. */
  readonly cos: Int32Array;
  readonly sin: Int32Array;
  readonly clampActive: boolean;
  readonly Z: number;
  readonly ids: { readonly rem?: string; readonly sel?: string; readonly exc?: string };
}

/**
 * C[p][i], S[p][i] for i < hd/2, exactly as the kernel's `ropeTables` computes row p
 * (same expression order, so the same doubles on the same engine).
 */
export function ropeRow(p: number, hd: number, theta: number, fr: number): { cos: Int32Array; sin: Int32Array } {
  const half = hd / 2;
  const cos = new Int32Array(half);
  const sin = new Int32Array(half);
  const one = 2 ** fr;
  for (let i = 0; i < half; i++) {
    const ang = p * Math.pow(theta, (-2 * i) / hd);
    cos[i] = Math.round(Math.cos(ang) * one);
    sin[i] = Math.round(Math.sin(ang) * one);
  }
  return { cos, sin };
}


function isInt(v: number, lo: number, hi: number): boolean {
  return Number.isSafeInteger(v) && v >= lo && v <= hi;
}

/** Validates a spec and derives the tables and bounds. Throws LayerError if unsound/unsupported. */
export function ropePlan(F: PrimeField, spec: RopeLayerSpec): RopePlan {
  const what = `rope ${spec.out?.id}`;
  const { input, out, positions, heads, headDim: hd, theta, fr, clamp, inputBound: B } = spec;
  if (!input || !out || input.shape.length !== 2 || out.shape.length !== 2 || input.shape[0] !== out.shape[0] || input.shape[1] !== out.shape[1]) {
    throw new LayerError(`${what}: input and output must both have shape [T, heads·hd]`);
  }
  if (!isInt(heads, 1, 2 ** 16) || !isInt(hd, 2, 2 ** 16) || hd % 2 !== 0 || input.shape[1] !== heads * hd) {
    throw new LayerError(`${what}: width ${input.shape[1]} is not heads·hd with an even hd`);
  }
  const T = input.shape[0]!;
  if (!isInt(T, 1, 2 ** 24) || positions.length !== T) throw new LayerError(`${what}: ${positions.length} positions for ${T} rows`);
  if (!isInt(fr, 0, 16) || !(theta > 0) || !Number.isFinite(theta)) throw new LayerError(`${what}: bad fr/theta`);
  const half = hd / 2;
  const hp = (F.p - 1) / 2;
  if (!isInt(clamp, 0, hp) || !isInt(B, 0, hp)) throw new LayerError(`${what}: bad clamp / input bound`);
  const cos = new Int32Array(T * half);
  const sin = new Int32Array(T * half);
  const rows = new Map<number, { cos: Int32Array; sin: Int32Array }>();
  let maxCS = 0;
  for (let t = 0; t < T; t++) {
    const p = positions[t]!;
    if (!isInt(p, 0, 2 ** 24)) throw new LayerError(`${what}: bad position ${p}`);
    let row = rows.get(p);
    if (!row) rows.set(p, (row = ropeRow(p, hd, theta, fr)));
    cos.set(row.cos, t * half);
    sin.set(row.sin, t * half);
    for (let i = 0; i < half; i++) maxCS = Math.max(maxCS, Math.abs(row.cos[i]!) + Math.abs(row.sin[i]!));
  }
  const d = 2 ** fr;
  const h = fr === 0 ? 0 : d / 2;
  const L = B * maxCS;
  const vhi = Math.floor((L + h) / d);
  const vlo = Math.floor((-L + h) / d);
  const clampActive = vhi > clamp || vlo < -clamp;
  const Z = clampActive ? Math.max(vhi - clamp - 1, -clamp - 1 - vlo, 0) : 0;
  const vmax = clampActive ? clamp + 1 + Z : clamp;
  if (L + d * vmax + h >= F.p) throw new LayerError(`${what}: bounds could wrap mod p (spec not provable soundly)`);
  const o = out.id;
  return {
    d,
    h,
    half,
    cos,
    sin,
    clampActive,
    Z,
    ids: {
      rem: fr > 0 ? `${o}.rem` : undefined,
      sel: clampActive ? `${o}.sel` : undefined,
      exc: clampActive && Z > 0 ? `${o}.exc` : undefined,
    },
  };
}

/** Range checks in proof order: [tensor id, lo, hi, options]. */
export function ropeRanges(spec: RopeLayerSpec, plan: RopePlan): Array<[string, number, number, RangeCheckOptions]> {
  const out: Array<[string, number, number, RangeCheckOptions]> = [
    [spec.input.id, -spec.inputBound, spec.inputBound, {}],
    [spec.out.id, -spec.clamp, spec.clamp, {}],
  ];
  if (plan.ids.exc) out.push([plan.ids.exc, 0, plan.Z, {}]);
  if (plan.ids.rem) out.push([plan.ids.rem, -plan.h, plan.h - 1, {}]);
  return out;
}

/** Every auxiliary witness id the prover must commit (incl. range limbs). */
export function ropeWitnessIds(F: PrimeField, spec: RopeLayerSpec): string[] {
  const plan = ropePlan(F, spec);
  const ids = Object.values(plan.ids).filter((x): x is string => x !== undefined);
  for (const [id, lo, hi, opt] of ropeRanges(spec, plan)) ids.push(...rangeWitnessIds(F, id, lo, hi, opt));
  return ids;
}

/** The batched relation (both sides). Table `w` is the public weight table of x. */
export function ropeRelation(ctx: LayerContext, lambda: Ext, spec: RopeLayerSpec, plan: RopePlan): RelationBuilder {
  const rel = new RelationBuilder(ctx.E, lambda);
  const { ids, d } = plan;
  rel.relation().add(1, ['w', 'x']).add(-d, ['eq', 'y']);
  if (ids.sel) rel.add(-d, ['eq', 'sel']);
  if (ids.exc) rel.add(-d, ['eq', 'sel', 'exc']);
  if (ids.rem) rel.add(-1, ['eq', 'rem']);
  if (ids.sel) addClampRelations(rel, 'eq', 'y', 'sel', -spec.clamp, spec.clamp);
  return rel;
}

/** Column structure: pair index, partner column, sign σ of a column's own sine term. */
export function ropeColumn(col: number, hd: number): { i: number; partner: number; sigma: number } {
  const k = col % hd;
  const half = hd / 2;
  const upper = k >= half;
  return { i: upper ? k - half : k, partner: upper ? col - half : col + half, sigma: upper ? 1 : -1 };
}

/**
 * MLE at ρ of w(k) = eq(r, k)·C_k + eq(r, π(k))·σ_π(k)·S_π(k) (0 on padding), factored
 * over rows and columns.
 */
export function ropeWeightEval(ctx: LayerContext, spec: RopeLayerSpec, plan: RopePlan, r: Uint32Array, rho: Uint32Array): Ext {
  const E = ctx.E;
  const F = E.base;
  const shape = spec.out.shape;
  const [rT, rC] = splitTensorPoint(r, shape) as [Uint32Array, Uint32Array];
  const [pT, pC] = splitTensorPoint(rho, shape) as [Uint32Array, Uint32Array];
  const T = shape[0]!;
  const width = shape[1]!;
  const hd = spec.headDim;
  const half = plan.half;
  const eRC = eqTable(E, rC);
  const ePC = eqTable(E, pC);
  const wc = new Uint32Array(4 * half);
  const ws = new Uint32Array(4 * half);
  const tmp = new Uint32Array(4);
  for (let col = 0; col < width; col++) {
    const { i, partner } = ropeColumn(col, hd);
    E.mulAt(tmp, 0, ePC, 4 * col, eRC, 4 * col);
    E.addAt(wc, 4 * i, wc, 4 * i, tmp, 0);
    // σ of the partner's own sine term is minus this column's σ.
    E.mulAt(tmp, 0, ePC, 4 * col, eRC, 4 * partner);
    if (ropeColumn(partner, hd).sigma > 0) E.addAt(ws, 4 * i, ws, 4 * i, tmp, 0);
    else E.subAt(ws, 4 * i, ws, 4 * i, tmp, 0);
  }
  const eRT = eqTable(E, rT);
  const ePT = eqTable(E, pT);
  const acc = E.zero();
  const row = new Uint32Array(4);
  for (let t = 0; t < T; t++) {
    row.fill(0);
    for (let i = 0; i < half; i++) {
      E.mulBaseAt(tmp, 0, wc, 4 * i, F.fromInt(plan.cos[t * half + i]!));
      E.addAt(row, 0, row, 0, tmp, 0);
      E.mulBaseAt(tmp, 0, ws, 4 * i, F.fromInt(plan.sin[t * half + i]!));
      E.addAt(row, 0, row, 0, tmp, 0);
    }
    E.mulAt(tmp, 0, ePT, 4 * t, eRT, 4 * t);
    E.mulAt(tmp, 0, tmp, 0, row, 0);
    E.addAt(acc, 0, acc, 0, tmp, 0);
  }
  return acc;
}

/** Committed tensors of the relation by table name. */
export function ropeCommitted(spec: RopeLayerSpec, plan: RopePlan): Map<string, TensorRef> {
  const m = new Map<string, TensorRef>([
    ['x', spec.input],
    ['y', spec.out],
  ]);
  for (const [k, id] of Object.entries(plan.ids)) if (id !== undefined) m.set(k, { id, shape: spec.out.shape });
  return m;
}

export function ropeChallenges(ctx: LayerContext, spec: RopeLayerSpec): { r: Uint32Array; lambda: Ext } {
  const r = ctx.randomPoint(spec.out.shape, `rope/${spec.out.id}`);
  const lambda = ctx.transcript.challengeExt(`rope/${spec.out.id}/lambda`);
  return { r, lambda };
}

/** After the rounds (both sides): claims, final check, range checks. */
export function finishRope(
  ctx: LayerContext,
  spec: RopeLayerSpec,
  plan: RopePlan,
  rel: RelationBuilder,
  r: Uint32Array,
  point: Uint32Array,
  finalClaim: Ext,
): void {
  const what = `rope ${spec.out.id}`;
  finishZeroCheck(ctx, what, rel, point, finalClaim, ropeCommitted(spec, plan), (name) => {
    if (name === 'eq') return eqEval(ctx.E, r, point);
    if (name === 'w') return ropeWeightEval(ctx, spec, plan, r, point);
    throw new LayerError(`${what}: unknown public table ${name}`);
  });
  for (const [id, lo, hi, opt] of ropeRanges(spec, plan)) rangeCheck(ctx, { id, shape: spec.out.shape }, lo, hi, opt);
}

/** Verifies a RoPE op. Throws {@link LayerError} on failure. */
export function verifyRope(ctx: LayerContext, spec: RopeLayerSpec): void {
  const plan = ropePlan(ctx.E.base, spec);
  const { r, lambda } = ropeChallenges(ctx, spec);
  const rel = ropeRelation(ctx, lambda, spec, plan);
  const { point, finalClaim } = readZeroCheckRounds(ctx, `rope ${spec.out.id}`, tensorVars(spec.out.shape), rel.degree);
  finishRope(ctx, spec, plan, rel, r, point, finalClaim);
}

/** Padded column count (for provers building tables). */
export function ropePaddedWidth(spec: RopeLayerSpec): number {
  return 2 ** axisVars(spec.out.shape)[1]!;
}
