/**
 * Prover side of requantization (protocol, relations and soundness argument: the
 * verifier's layers/requant.ts). Every transcript move mirrors `verifyRequant`.
 */
import {
  BabyBear,
  LayerError,
  finishZeroCheckBatch,
  requantChallenges,
  requantPlan,
  requantRanges,
  requantRelation,
  requantZeroCheck,
  zeroCheckBatchChallenge,
  zeroCheckBatchName,
  zeroCheckBatchTerms,
  zeroCheckGroups,
  tensorVars,
  axisVars,
  type PrimeField,
  type RelationBuilder,
  type RequantLayerSpec,
  type RequantPlan,
} from '@zkllm/verifier';
import type { TraceOp } from '../model/quant/trace.js';
import { proveSumcheckRounds, type MleTable } from '../sumcheck/prover.js';
import { dryRunRounds } from '../sumcheck/rounds.js';
import { proveEqSumcheckRounds } from '../sumcheck/zerocheck.js';
import type { ProverContext } from './context.js';
import { rangeWitness } from './range.js';
import { eqTableFast } from '../poly/eq.js';

type RequantOp = Extract<TraceOp, { op: 'requant' }>;

/** An auxiliary witness tensor (id → logical shape + signed data). */
type Witness = { shape: readonly number[]; data: Int32Array };

/** Options for tests: `unchecked` skips the prover's own relation check (cheating provers). */
export interface LayerProveOptions {
  readonly unchecked?: boolean;
}

/** The verifier's view of a traced requant op. */
export function specRequant(op: RequantOp): RequantLayerSpec {
  const { s1, q, m, s2, lo, hi, xMax } = op.spec;
  const spec = {
    input: { id: `t${op.input.id}`, shape: [...op.input.shape] },
    out: { id: `t${op.out.id}`, shape: [...op.out.shape] },
    s1,
    q,
    m: Array.from(m),
    s2,
    lo,
    hi,
  };
  return xMax === undefined ? spec : { ...spec, xMax };
}

/**
 * The auxiliary witnesses of a requant (t, remainders, clamp selectors/excesses, range
 * limbs), recomputed from x exactly as the kernel does. Throws if the traced output does not
 * match the kernel or an input lies outside the provable domain |x| ≤ (p−1)/2 − 2^16.
 */
export function witnessRequant(op: RequantOp, F: PrimeField = BabyBear): Map<string, Witness> {
  const spec = specRequant(op);
  const plan = requantPlan(F, spec);
  const { ids, d1, h1, d2, h2 } = plan;
  const x = op.input.data;
  const y = op.out.data;
  const n = x.length;
  const shape = spec.out.shape;
  const C = shape[shape.length - 1]!;
  const { m, lo, hi } = spec;
  // The clamp the relation proves (≤ spec.q; gives the same y, see requantPlan).
  const q = plan.qClamp;
  const what = `requant ${op.name} (${spec.out.id})`;
  const t = new Int32Array(n);
  const rem1 = new Int32Array(n);
  const sel1 = new Int32Array(n);
  const exc1 = new Int32Array(n);
  const rem2 = new Int32Array(n);
  const sel2 = new Int32Array(n);
  const exc2 = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const xi = x[i]!;
    const v1 = Math.floor((xi + h1) / d1);
    rem1[i] = xi - v1 * d1;
    if (plan.merged) {
      // y = clamp(v1, lo, hi) (the kernel's inner clamp is wider than [lo, hi]).
      let yi = v1;
      if (v1 > hi || v1 < lo) {
        yi = v1 > hi ? hi : lo;
        sel2[i] = v1 > hi ? 1 : -1;
        exc2[i] = v1 > hi ? v1 - hi - 1 : lo - 1 - v1;
        if (!plan.clamp2 || exc2[i]! > plan.Z2) throw new LayerError(`${what}: input ${xi} (entry ${i}) outside the provable domain`);
      }
      if (yi !== y[i]) throw new LayerError(`${what}: traced output ${y[i]} at entry ${i} differs from the kernel's ${yi}`);
      continue;
    }
    let ti = v1;
    if (v1 > q || v1 < -q) {
      if (!plan.clamp1) throw new LayerError(`${what}: input ${xi} (entry ${i}) outside the provable domain`);
      const e = Math.abs(v1) - q - 1;
      if (e > plan.Z1) throw new LayerError(`${what}: input ${xi} (entry ${i}) outside the provable domain`);
      ti = v1 > 0 ? q : -q;
      sel1[i] = v1 > 0 ? 1 : -1;
      exc1[i] = e;
    }
    if (ti > plan.tHi || ti < plan.tLo) throw new LayerError(`${what}: input ${xi} (entry ${i}) outside the provable domain`);
    t[i] = ti;
    const u = ti * (m.length === 1 ? m[0]! : m[i % C]!);
    const v2 = Math.floor((u + h2) / d2);
    rem2[i] = u - v2 * d2;
    let yi = v2;
    if (v2 > hi || v2 < lo) {
      yi = v2 > hi ? hi : lo;
      sel2[i] = v2 > hi ? 1 : -1;
      exc2[i] = v2 > hi ? v2 - hi - 1 : lo - 1 - v2;
      if (!plan.clamp2 || exc2[i]! > plan.Z2) throw new LayerError(`${what}: entry ${i} outside the provable domain`);
    }
    if (yi !== y[i]) throw new LayerError(`${what}: traced output ${y[i]} at entry ${i} differs from the kernel's ${yi}`);
  }
  const out = new Map<string, Witness>();
  const put = (id: string | undefined, data: Int32Array) => {
    if (id !== undefined) out.set(id, { shape, data });
  };
  put(ids.t, t);
  put(ids.rem1, rem1);
  put(ids.sel1, sel1);
  put(ids.exc1, exc1);
  put(ids.rem2, rem2);
  put(ids.sel2, sel2);
  put(ids.exc2, exc2);
  // Split excesses: the relation reads z = lo + 2^bits·hi from these two digits.
  const digits = (z: Int32Array, bits: number, loId: string | undefined, hiId: string | undefined) => {
    const B = 2 ** bits;
    const lo = new Int32Array(n);
    const hi = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      lo[i] = z[i]! % B;
      hi[i] = (z[i]! - lo[i]!) / B;
    }
    put(loId, lo);
    put(hiId, hi);
  };
  if (plan.split1) digits(exc1, plan.split1.bits, ids.exc1lo, ids.exc1hi);
  if (plan.split2) digits(exc2, plan.split2.bits, ids.exc2lo, ids.exc2hi);
  const values = new Map<string, ArrayLike<number>>([...out].map(([k, v]) => [k, v.data]));
  values.set(spec.out.id, y);
  for (const [id, rlo, rhi, opt] of requantRanges(spec, plan)) {
    for (const [k, v] of rangeWitness({ id, shape }, values.get(id)!, rlo, rhi, F, opt)) out.set(k, v);
  }
  return out;
}

/** The per-last-axis-column table c[j] (canonical field values, 0 beyond c.length), any row. */
export function lastAxisTable(shape: readonly number[], cols: Uint32Array): Uint32Array {
  const vars = axisVars(shape);
  const low = 2 ** vars[vars.length - 1]!;
  const out = new Uint32Array(2 ** tensorVars(shape));
  out.set(cols, 0);
  // The pattern repeats every 2^low entries: double the filled prefix.
  for (let filled = low; filled < out.length; filled *= 2) out.copyWithin(filled, 0, filled);
  return out;
}

/** Table array → its value at the point, for the tables a zero-check's rounds bound. */
function boundValues(tables: readonly MleTable[], evals: readonly (Uint32Array | undefined)[]): Map<Uint32Array, Uint32Array> {
  const out = new Map<Uint32Array, Uint32Array>();
  tables.forEach((t, k) => {
    const v = evals[k];
    if (v && t.kind === 'base') out.set(t.data, v);
  });
  return out;
}

/**
 * Runs the zero-check rounds (claim 0 unless unchecked) and writes them; returns point, final
 * claim and the values at the point of the committed tables the rounds bound (for
 * {@link ProverContext.withBoundValues}). With `eq` (the relation's table `eq.name` is
 * eqTableFast(E, eq.r)), the eq-aware prover sends the same rounds (terms without the eq
 * factor, like RoPE's w·x, too).
 */
export function proveZeroCheckRounds(
  ctx: ProverContext,
  what: string,
  numVars: number,
  rel: RelationBuilder,
  table: (name: string) => MleTable,
  options: LayerProveOptions = {},
  eq?: { name: string; r: Uint32Array },
): { point: Uint32Array; finalClaim: Uint32Array; bound: ReadonlyMap<Uint32Array, Uint32Array> } {
  const tables = rel.tables.map(table);
  if (ctx.dryRun) {
    const dry = dryRunRounds(ctx.E, ctx.transcript, numVars, tables, rel.terms);
    return { point: dry.point, finalClaim: dry.finalClaim, bound: new Map() };
  }
  const claim = options.unchecked ? undefined : ctx.E.zero();
  let out;
  let bound: Map<Uint32Array, Uint32Array>;
  try {
    const at = eq ? rel.tables.indexOf(eq.name) : -1;
    if (eq && at >= 0) {
      // The eq table first (the eq-aware prover's layout): the same statement, reordered.
      const order = [at, ...tables.map((_, k) => k).filter((k) => k !== at)];
      const slot = new Int32Array(tables.length);
      order.forEach((k, j) => (slot[k] = j));
      const moved = order.map((k) => tables[k]!);
      const terms = rel.terms.map((t) => ({ coeff: t.coeff, factors: t.factors.map((k) => slot[k]!) }));
      const zc = proveEqSumcheckRounds({ numVars, tables: moved, terms, claim, degree: rel.degree }, eq.r, ctx.transcript, { ext: ctx.E, trustedEq: true });
      out = zc;
      bound = boundValues(moved, zc.boundEvals);
    } else {
      out = proveSumcheckRounds({ numVars, tables, terms: rel.terms, claim, degree: rel.degree }, ctx.transcript, { ext: ctx.E });
      const fe = out.finalEvals;
      bound = boundValues(tables, tables.map((_, k) => fe.subarray(4 * k, 4 * k + 4)));
    }
  } catch (e) {
    throw new LayerError(`${what}: the witnesses do not satisfy the relation (${(e as Error).message})`);
  }
  for (const msg of out.roundMessages) ctx.writer.exts(msg);
  return { point: out.point, finalClaim: out.finalClaim, bound };
}

/**
 * Proves a requant (the witnesses of {@link witnessRequant} must be committed in ctx): draws
 * its point and λ and defers its zero-check; {@link proveZeroCheckBatches} proves it.
 */
export function proveRequant(ctx: ProverContext, spec: RequantLayerSpec, options: LayerProveOptions = {}): void {
  const E = ctx.E;
  const plan: RequantPlan = requantPlan(E.base, spec);
  const { lambda } = requantChallenges(ctx, spec);
  const rel = requantRelation(E, lambda, spec, plan);
  const shape = spec.out.shape;
  const committed = new Map<string, string>([
    ['x', spec.input.id],
    ['y', spec.out.id],
  ]);
  for (const [k, id] of Object.entries(plan.ids)) if (id !== undefined) committed.set(k, id);
  const tables = (): MleTable[] => {
    return rel.tables.map((name): MleTable => {
      if (name === 'm') return { kind: 'base', data: lastAxisTable(shape, plan.mCols) };
      const id = committed.get(name);
      if (!id) throw new LayerError(`requant: unknown table ${name}`);
      return { kind: 'base', data: ctx.table({ id, shape }) };
    });
  };
  ctx.zeroChecks.push(requantZeroCheck(ctx, spec, plan, rel, { tables, unchecked: options.unchecked }));
}

/** Prover side of `verifyZeroCheckBatches`: one sumcheck per group of deferred zero-checks. */
export function proveZeroCheckBatches(ctx: ProverContext): void {
  const checks = ctx.zeroChecks.splice(0);
  for (const group of zeroCheckGroups(checks)) {
    if (ctx.dryRun) {
      // finishZeroCheckBatch's claims (committed tables, and those behind defined tensors) and
      // range checks, at the origin; no rounds, no relation check.
      const point = new Uint32Array(4 * group[0]!.numVars);
      for (const z of group) {
        for (const name of z.tables) {
          const ref = z.committed.get(name);
          if (ref) ctx.claim(ref, point);
          else z.publicValue(name, point);
        }
      }
      for (const z of group) z.after();
      continue;
    }
    const { mu, r } = zeroCheckBatchChallenge(ctx, group);
    const { terms, degree } = zeroCheckBatchTerms(ctx.E, group, mu);
    const tables: MleTable[] = [{ kind: 'ext', data: eqTableFast(ctx.E, r) }];
    for (const z of group) {
      if (!z.proverTables) throw new LayerError(`${z.what}: deferred zero-check has no prover tables`);
      tables.push(...(z.proverTables() as MleTable[]));
    }
    const unchecked = group.some((z) => z.unchecked);
    let out;
    try {
      // Every term carries the eq table (index 0) once: the eq-aware prover sends the same rounds.
      out = proveEqSumcheckRounds(
        { numVars: group[0]!.numVars, tables, terms, claim: unchecked ? undefined : ctx.E.zero(), degree },
        r,
        ctx.transcript,
        { ext: ctx.E, trustedEq: true },
      );
    } catch (e) {
      throw new LayerError(`${zeroCheckBatchName(group)}: the witnesses do not satisfy the relations (${(e as Error).message})`);
    }
    for (const msg of out.roundMessages) ctx.writer.exts(msg);
    const { point, finalClaim } = out;
    // The claims on the tables the rounds folded take the folded values.
    ctx.withBoundValues(point, boundValues(tables, out.boundEvals), () => finishZeroCheckBatch(ctx, group, mu, r, point, finalClaim));
  }
}
