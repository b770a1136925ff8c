/**
 * Prover side of RoPE (protocol, relation and soundness argument: the verifier's
 * layers/rope.ts). Every transcript move mirrors `verifyRope`.
 */
import {
  BabyBear,
  LayerError,
  finishRope,
  ropeChallenges,
  ropeColumn,
  ropeCommitted,
  rangeCheck,
  ropePaddedWidth,
  ropePlan,
  ropeRanges,
  ropeRelation,
  tensorVars,
  type PrimeField,
  type RopeLayerSpec,
} from '@zkllm/verifier';
import type { TraceOp } from '../model/quant/trace.js';
import type { ProverContext } from './context.js';
import { rangeWitness } from './range.js';
import { proveZeroCheckRounds, type LayerProveOptions } from './requant.js';
import { eqTableFast } from '../poly/eq.js';

type RopeOp = Extract<TraceOp, { op: 'rope' }>;
type Witness = { shape: readonly number[]; data: Int32Array };

/**
 * The verifier's view of a traced rope op. The input bound is the producing requant's
 * range (activations are in [−A − 1, A], docs/QUANTIZATION.md; else the op's clamp); the argument
 * range-checks it, and {@link witnessRope} refuses inputs beyond it.
 */
export function specRope(op: RopeOp): RopeLayerSpec {
  return {
    input: { id: `t${op.input.id}`, shape: [...op.input.shape] },
    out: { id: `t${op.out.id}`, shape: [...op.out.shape] },
    // An Int32Array, so circuit templates can recognise it as the public positions array.
    positions: Int32Array.from(op.positions),
    heads: op.heads,
    headDim: op.headDim,
    theta: op.theta,
    fr: op.fr,
    clamp: op.clamp,
    inputBound: op.inputBound ?? op.clamp,
  };
}

/** Remainders, clamp selector/excess and range limbs, recomputed as the kernel does. */
export function witnessRope(op: RopeOp, F: PrimeField = BabyBear): Map<string, Witness> {
  const spec = specRope(op);
  const plan = ropePlan(F, spec);
  const { d, h, half, cos, sin, ids } = plan;
  const x = op.input.data;
  const y = op.out.data;
  const shape = spec.out.shape;
  const T = shape[0]!;
  const width = shape[1]!;
  const B = spec.inputBound;
  const what = `rope ${op.name} (${spec.out.id})`;
  const rem = new Int32Array(x.length);
  const sel = new Int32Array(x.length);
  const exc = new Int32Array(x.length);
  for (let t = 0; t < T; t++) {
    for (let col = 0; col < width; col++) {
      const j = t * width + col;
      const { i, partner, sigma } = ropeColumn(col, spec.headDim);
      const xj = x[j]!;
      if (xj > B || xj < -B) throw new LayerError(`${what}: input ${xj} (entry ${j}) beyond the bound ±${B}`);
      const lhs = xj * cos[t * half + i]! + sigma * x[t * width + partner]! * sin[t * half + i]!;
      const v = Math.floor((lhs + h) / d);
      rem[j] = lhs - v * d;
      let yj = v;
      if (v > spec.clamp || v < -spec.clamp) {
        yj = v > 0 ? spec.clamp : -spec.clamp;
        sel[j] = v > 0 ? 1 : -1;
        exc[j] = Math.abs(v) - spec.clamp - 1;
        if (!plan.clampActive || exc[j]! > plan.Z) throw new LayerError(`${what}: entry ${j} outside the provable domain`);
      }
      if (yj !== y[j]) throw new LayerError(`${what}: traced output ${y[j]} at entry ${j} differs from the kernel's ${yj}`);
    }
  }
  const out = new Map<string, Witness>();
  if (ids.rem) out.set(ids.rem, { shape, data: rem });
  if (ids.sel) out.set(ids.sel, { shape, data: sel });
  if (ids.exc) out.set(ids.exc, { shape, data: exc });
  const values = new Map<string, ArrayLike<number>>([...out].map(([k, v]) => [k, v.data]));
  values.set(spec.input.id, x);
  values.set(spec.out.id, y);
  for (const [id, lo, hi, opt] of ropeRanges(spec, plan)) {
    for (const [k, v] of rangeWitness({ id, shape }, values.get(id)!, lo, hi, F, opt)) out.set(k, v);
  }
  return out;
}

/** Proves a RoPE op (the witnesses of {@link witnessRope} must be committed in ctx). */
export function proveRope(ctx: ProverContext, spec: RopeLayerSpec, options: LayerProveOptions = {}): void {
  const E = ctx.E;
  const F = E.base;
  const plan = ropePlan(F, spec);
  const { r, lambda } = ropeChallenges(ctx, spec);
  const rel = ropeRelation(ctx, lambda, spec, plan);
  const shape = spec.out.shape;
  if (ctx.dryRun) {
    // finishRope's claims and range checks, without the rounds and the relation check (which
    // needs the rounds' final values); the point is the dry run's origin.
    const point = new Uint32Array(4 * tensorVars(shape));
    const committed = ropeCommitted(spec, plan);
    for (const name of rel.tables) {
      const ref = committed.get(name);
      if (ref) ctx.claim(ref, point);
    }
    for (const [id, lo, hi, opt] of ropeRanges(spec, plan)) rangeCheck(ctx, { id, shape }, lo, hi, opt);
    return;
  }
  const eq = eqTableFast(E, r);
  // w(k) = eq(r, k)·C_k + eq(r, π(k))·σ_π(k)·S_π(k) on real entries, 0 on padding.
  const w = new Uint32Array(eq.length);
  const T = shape[0]!;
  const width = shape[1]!;
  const Wp = ropePaddedWidth(spec);
  const tmp = new Uint32Array(4);
  for (let t = 0; t < T; t++) {
    for (let col = 0; col < width; col++) {
      const k = t * Wp + col;
      const { i, partner } = ropeColumn(col, spec.headDim);
      const sp = ropeColumn(partner, spec.headDim).sigma;
      E.mulBaseAt(w, 4 * k, eq, 4 * k, F.fromInt(plan.cos[t * plan.half + i]!));
      E.mulBaseAt(tmp, 0, eq, 4 * (t * Wp + partner), F.fromInt(sp * plan.sin[t * plan.half + i]!));
      E.addAt(w, 4 * k, w, 4 * k, tmp, 0);
    }
  }
  const committed = new Map<string, string>([
    ['x', spec.input.id],
    ['y', spec.out.id],
  ]);
  for (const [k, id] of Object.entries(plan.ids)) if (id !== undefined) committed.set(k, id);
  const { point, finalClaim, bound } = proveZeroCheckRounds(
    ctx,
    `rope ${spec.out.id}`,
    tensorVars(shape),
    rel,
    (name) => {
      if (name === 'eq') return { kind: 'ext', data: eq };
      if (name === 'w') return { kind: 'ext', data: w };
      const id = committed.get(name);
      if (!id) throw new LayerError(`rope: unknown table ${name}`);
      return { kind: 'base', data: ctx.table({ id, shape }) };
    },
    options,
    // eq(r, ·) is the relation's eq table: the eq-aware prover takes the terms with it, the
    // generic kernel w·x alongside (same rounds as the generic prover on the whole relation).
    { name: 'eq', r },
  );
  ctx.withBoundValues(point, bound, () => finishRope(ctx, spec, plan, rel, r, point, finalClaim));
}
