/**
 * Requantization (verifier side):
 *
 *     t = clamp(round(x / 2^s1), −q, q),   y = clamp(round(t·m[c] / 2^s2), lo, hi)
 *
 * with round(v / 2^s) = floor((v + 2^(s−1)) / 2^s) (s = 0: identity) and m per tensor or per
 * channel (c = index along the last axis); x (input) and y (output) are committed trace
 * tensors, everything else is public (the model's quantization parameters).
 *
 * WITNESSES (committed before any challenge; ids `<y.id>.<what>`):
 *   t            the clamped stage-1 value,
 *   rem1, rem2   rounding remainders,
 *   sel1, exc1   stage-1 clamp selector and excess (only if the clamp can be active),
 *   sel2, exc2   stage-2 clamp selector and excess (likewise),
 *   plus the limbs of the range checks wider than 2^16 (layers/range.ts).
 * Not all of them are committed: a t whose range is wider than 2^16 is defined by its range
 * limbs (range.ts, option `defined`), and an excess bound ≥ 2^16 is rounded up (within the
 * no-wrap bounds) to 2^b·(top + 1) − 1 and the excess committed as two digits
 * exc = lo + 2^b·hi, lo ∈ [0, 2^b), hi ∈ [0, top] ({@link excessSplit}); the relations read
 * these linear combinations, which have the same MLE as the tensor they replace.
 *
 * RELATIONS, at every entry (one batched zero-check, see {@link RelationBuilder}):
 *   x      = 2^s1·(t + sel1·(1 + exc1)) + rem1
 *   t·m[c] = 2^s2·(y + sel2·(1 + exc2)) + rem2
 *   the clamp gadget ({@link addClampRelations}) for (t, sel1, [−q, q]) and (y, sel2, [lo, hi])
 * and RANGES (tlookup): t ∈ [−Q1, Q1], rem1 ∈ [−2^(s1−1), 2^(s1−1)), rem2 likewise,
 * y ∈ [lo, hi], exc1 ∈ [0, Z1], exc2 ∈ [0, Z2].
 *
 * WHY THIS IS THE OP. Write v1 = t + sel1·(1 + exc1) and v2 = y + sel2·(1 + exc2) (the
 * pre-clamp values). All witnesses are integers in the ranges above, so both sides of each
 * relation are integers of bounded size; {@link requantPlan} chooses Q1, Z1, Z2 and checks
 *   (a) 2^s1·|v1| + 2^(s1−1) ≤ (p−1)/2 (x is any field element, read as a signed integer
 *       in [−(p−1)/2, (p−1)/2], so the right side must stay in that range too),
 *   (b) |t·m[c]| ≤ U = Q1·max|m| and U + max|2^s2·v2 + rem2| < p (both sides are integers,
 *       congruent mod p, so they are equal),
 * so the field equations are integer equations (NOTHING WRAPS mod p): x's signed value is
 * 2^s1·v1 + rem1 with rem1 in the rounding range, i.e. v1 = round(x / 2^s1), and likewise
 * v2 = round(t·m[c] / 2^s2). The clamp gadget then gives t = clamp(v1, ±q) and
 * y = clamp(v2, lo, hi). This holds for EVERY committed x (any field element): inputs with
 * no valid decomposition simply cannot be proven.
 *
 * SHORTCUTS, all decided by {@link requantPlan} from the public spec alone:
 * - SATURATING CLAMP: if every m ≥ 0 and y already saturates at some T < q, the relations
 *   clamp t at ±T (the smallest such T) instead of ±q; this is the same op for every input
 *   (proof at the computation in requantPlan), "q" below then means T.
 * - MERGED (m = [1], s2 = 0, [lo, hi] ⊆ [−q, q], e.g. the norms' pre-shift): then
 *   y = clamp(clamp(v1, ±q), lo, hi) = clamp(v1, lo, hi), proven as x = 2^s1·(y + sel2·(1 +
 *   exc2)) + rem1 with the gadget for (y, sel2, [lo, hi]) — no t, no stage-1 clamp.
 * - SLACK t: if every m ≥ 0 and round(±q·m[c] / 2^s2) already lies beyond hi / lo for every
 *   channel (the inner clamp can never change y: y is monotone in t and saturated at ±q),
 *   t is range-checked in the power-of-two window [−2^K, 2^K − 1] ⊇ [−q, q] (one limb
 *   decomposition instead of two). A prover may then leave some t ∈ (q, 2^K) unclamped,
 *   which yields the same y. The no-wrap bounds (a), (b) are checked for |t| ≤ 2^K.
 *
 * COMPLETENESS. Q1, Z1, Z2 are sized for inputs |x| ≤ {@link REQUANT_INPUT_BOUND} =
 * (p−1)/2 − 2^16 (docs/QUANTIZATION.md: values split by a rounding shift stay below it):
 * Q1 = min(q, max|round(x/2^s1)|), Z1/Z2 = the largest excess such inputs produce. A clamp
 * that cannot be active for such inputs gets no selector/excess witness at all.
 *
 * CLAMPS are proven, not assumed away: a saturated entry is an ordinary case of the gadget.
 *
 * COST per entry: 2–7 witness values (+ limbs), a handful of lookups into shared tables;
 * a share of its group's batched zero-check (degree ≤ 4); 9 claims + those of the range checks.
 */
import type { Ext, QuarticExtension } from '../field/extension.js';
import type { PrimeField } from '../field/prime.js';
import { BabyBear } from '../field/babybear.js';
import { eqEval, eqTable } from '../poly/multilinear.js';
import { axisVars, ceilLog2, tensorVars } from '../poly/tensor.js';
import { evalSumcheckTerms, sumcheckDegree } from '../sumcheck/verifier.js';
import { SumcheckError, type SumcheckTerm } from '../sumcheck/proof.js';
import { LayerError, type DeferredZeroCheck, type LayerContext, type TensorRef } from './context.js';
import { readRoundsSumcheck } from '../sumcheck/rounds.js';
import { definedTensorEval, rangeCanDefine, rangeCheck, rangeCheckPlan, rangeWitnessIds, type RangeCheckOptions } from './range.js';

// ---------------------------------------------------------------------------------------
// Zero-checks and the clamp gadget (shared with rope.ts).
//
// A batch of polynomial relations R_j(i) = 0 that must hold at EVERY entry i of a tensor
// domain is reduced to one sumcheck  Σ_i eq(r, i)·Σ_j λ^j·R_j(i) = 0  (r, λ drawn after the
// commitment). If some R_j(i) ≠ 0 the left side is a nonzero polynomial in (r, λ) of total
// degree ≤ v + #relations, so it vanishes with probability ≤ (v + #relations)/|E|. The
// final claims are evaluations of committed tensors (ctx.claim: checked by the driver's
// openings) and of public tables the verifier evaluates itself.
//
// CLAMP GADGET: y = clamp(v, L, H) for a pre-clamp integer v = y + s·(1 + z) that the
// caller's rounding relation defines, with witnesses s (selector) and z (excess):
//     s³ = s                              → s ∈ {−1, 0, 1}
//     s²·y = s²·(H+L)/2 + s·(H−L)/2       → s = 1 ⇒ y = H,  s = −1 ⇒ y = L
//     y ∈ [L, H],  z ∈ [0, Z]             (range checks)
// s = 0: v = y ∈ [L, H], so clamp(v) = y. s = 1: y = H and v = H + 1 + z > H, so
// clamp(v) = H = y. s = −1: symmetric. Hence y = clamp(v) at every entry.

/**
 * Builds the terms of a batched zero-check. Tables are named; the weight tables (eq and
 * eq-times-public-coefficients) are ordinary named tables too. Relation j's terms are
 * multiplied by λ^j.
 */
export class RelationBuilder {
  readonly tables: string[] = [];
  readonly terms: SumcheckTerm[] = [];
  private readonly index = new Map<string, number>();
  private power: Ext;
  private relations = 0;

  constructor(
    readonly E: QuarticExtension,
    readonly lambda: Ext,
  ) {
    this.power = E.one();
  }

  /** Index of a table (registered on first use). */
  table(name: string): number {
    let i = this.index.get(name);
    if (i === undefined) {
      i = this.tables.length;
      this.tables.push(name);
      this.index.set(name, i);
    }
    return i;
  }

  /** Starts the next relation (multiplies its terms by the next power of λ). */
  relation(): this {
    if (this.relations++ > 0) this.power = this.E.mul(this.power, this.lambda);
    return this;
  }

  /** Adds c·λ^j·Π tables, c a signed integer or a base-field element (`field: true`). */
  add(c: number, names: readonly string[], field = false): this {
    const F = this.E.base;
    const coeff = this.E.mulBase(this.power, field ? c : F.fromInt(c));
    this.terms.push({ coeff, factors: names.map((n) => this.table(n)) });
    return this;
  }

  get degree(): number {
    return sumcheckDegree(this.terms);
  }
}

/**
 * Clamp gadget terms (see the module comment) for output `y`, selector `s`, excess `z` and
 * weight table `w` (eq): adds two relations.
 */
export function addClampRelations(rel: RelationBuilder, w: string | null, y: string, s: string, lo: number, hi: number): void {
  const F = rel.E.base;
  const inv2 = F.inv(2);
  const W = w === null ? [] : [w];
  rel.relation().add(1, [...W, s, s, s]).add(-1, [...W, s]);
  rel
    .relation()
    .add(1, [...W, s, s, y])
    .add(F.neg(F.mul(F.fromInt(hi + lo), inv2)), [...W, s, s], true)
    .add(F.neg(F.mul(F.fromInt(hi - lo), inv2)), [...W, s], true);
}

/** Verifier: reads the rounds of a zero-check sumcheck (claim 0). */
export function readZeroCheckRounds(
  ctx: LayerContext,
  what: string,
  numVars: number,
  degree: number,
): { point: Uint32Array; finalClaim: Ext } {
  return readRoundsSumcheck(ctx, what, numVars, degree, ctx.E.zero());
}

/**
 * After the rounds (both sides): claims every committed table at the point (in table
 * order), takes the public tables' values from `publicValue`, and checks the final
 * equation. Returns the claimed values by name.
 */
export function finishZeroCheck(
  ctx: LayerContext,
  what: string,
  rel: RelationBuilder,
  point: Uint32Array,
  finalClaim: Ext,
  committed: ReadonlyMap<string, TensorRef>,
  publicValue: (name: string) => Ext,
): Map<string, Ext> {
  const E = ctx.E;
  const values = new Uint32Array(4 * rel.tables.length);
  const out = new Map<string, Ext>();
  rel.tables.forEach((name, k) => {
    const ref = committed.get(name);
    const v = ref ? ctx.claim(ref, point) : publicValue(name);
    values.set(v, 4 * k);
    out.set(name, v);
  });
  if (!E.equals(evalSumcheckTerms(E, rel.terms, values), finalClaim)) {
    throw new LayerError(`${what}: relation check failed (the claimed evaluations do not satisfy the relation)`);
  }
  return out;
}

/**
 * MLE at ρ of the table eq(r, i)·c(i_last) where c depends only on the last-axis index
 * (c_j for j < c.length, 0 beyond; canonical base-field values):
 * eq(r_outer, ρ_outer)·Σ_j eq(r_last, j)·eq(ρ_last, j)·c_j.
 */
/**
 * MLE at ρ of the tensor whose entry is c[j] at last-axis index j < c.length (0 beyond),
 * whatever the other indices: only the last axis's (lowest) variables matter, Σ_j eq(ρ_low, j)·c[j].
 */
export function lastAxisEval(E: QuarticExtension, shape: readonly number[], rho: Uint32Array, c: ArrayLike<number>): Ext {
  const vars = axisVars(shape);
  const vl = shape.length === 0 ? 0 : vars[vars.length - 1]!;
  const ep = eqTable(E, rho.subarray(0, 4 * vl));
  const acc = E.zero();
  const t = new Uint32Array(4);
  for (let j = 0; j < c.length; j++) {
    E.mulBaseAt(t, 0, ep, 4 * j, c[j]!);
    E.addAt(acc, 0, acc, 0, t, 0);
  }
  return acc;
}

// ---------------------------------------------------------------------------------------
// Requant.

/** Inputs with |x| ≤ this are always provable: (p−1)/2 − 2^16 (BabyBear: FIELD_SAFE). */
export function requantInputBound(F: PrimeField): number {
  return (F.p - 1) / 2 - 2 ** 16;
}
export const REQUANT_INPUT_BOUND = requantInputBound(BabyBear);

/** The op as the verifier knows it: shapes and public parameters, no witness data. */
export interface RequantLayerSpec {
  readonly input: TensorRef;
  readonly out: TensorRef;
  readonly s1: number;
  readonly q: number;
  /** One multiplier (per tensor) or one per channel (last axis). */
  readonly m: ArrayLike<number>;
  readonly s2: number;
  readonly lo: number;
  readonly hi: number;
  /**
   * Declared bound on the honest input, |x| ≤ xMax (default and maximum:
   * {@link REQUANT_INPUT_BOUND}). It only sizes the witnesses (COMPLETENESS in the module
   * comment): the relations stay an exact description of the op for every committed x, and
   * an input beyond the bound simply cannot be proven. The quantizer derives it from the
   * producing op (docs/QUANTIZATION.md, "Declared input bounds").
   */
  readonly xMax?: number;
}

/** Everything derived deterministically from a spec (both sides compute the same). */
export interface RequantPlan {
  readonly d1: number;
  readonly h1: number;
  readonly d2: number;
  readonly h2: number;
  /**
   * Single-stage form: stage 2 is the identity (m = [1], s2 = 0) and [lo, hi] ⊆ [−q, q],
   * so y = clamp(round(x / 2^s1), lo, hi); no t, stage-1 clamp or rem2 witnesses.
   */
  readonly merged: boolean;
  /**
   * The stage-1 clamp the relation proves: q, or the smallest T < q at which y already
   * saturates (see the SATURATING INNER CLAMP comment in {@link requantPlan}).
   */
  readonly qClamp: number;
  /** Honest bound on |t| (min(qClamp, largest |round(x/2^s1)|)). */
  readonly Q1: number;
  /** Range checked for t: [−Q1, Q1] exactly, or a power-of-two window (see `slackT`). */
  readonly tLo: number;
  readonly tHi: number;
  /**
   * t is range-checked in [−2^K, 2^K − 1] ⊇ [−q, q] instead of exactly: allowed when the
   * inner clamp cannot change y (every m ≥ 0 and y already saturates at t = ±q, so any
   * t between q and the unclamped value gives the same y) and nothing wraps for |t| ≤ 2^K.
   */
  readonly slackT: boolean;
  /** Whether each clamp can be active (then it has selector/excess witnesses). */
  readonly clamp1: boolean;
  readonly clamp2: boolean;
  /** Excess bounds (0: no excess witness, the selector alone encodes v = bound ± 1). */
  readonly Z1: number;
  readonly Z2: number;
  /**
   * Wide excesses (bound ≥ 2^16) in two digits z = lo + 2^bits·hi, lo ∈ [0, 2^bits),
   * hi ∈ [0, top], neither wider than 2^16: z is then not committed (the relation reads
   * lo + 2^bits·hi) and its bound Z = 2^bits·(top + 1) − 1 is rounded up from the honest one
   * as far as the no-wrap checks allow (see {@link excessSplit}).
   */
  readonly split1?: ExcessSplit;
  readonly split2?: ExcessSplit;
  /** m per last-axis column (canonical field elements). */
  readonly mCols: Uint32Array;
  /** Witness ids (undefined: not needed for this spec). */
  readonly ids: {
    readonly t?: string;
    readonly rem1?: string;
    readonly sel1?: string;
    readonly exc1?: string;
    readonly rem2?: string;
    readonly sel2?: string;
    readonly exc2?: string;
    /** Digits of split excesses (see `split1` / `split2`). */
    readonly exc1lo?: string;
    readonly exc1hi?: string;
    readonly exc2lo?: string;
    readonly exc2hi?: string;
  };
}

export interface ExcessSplit {
  readonly bits: number;
  readonly top: number;
}

/**
 * Two-digit form of an excess range [0, Z] for Z ≥ 2^16 (else undefined: z is checked
 * directly, one lookup). `ok(Z')` says whether the op's no-wrap bounds hold with excess
 * bound Z' (monotone: true up to some Zmax ≥ Z). Picks the smallest digit width `bits`
 * with Z' = 2^bits·(top + 1) − 1 ∈ [Z, Zmax] and top < 2^16, so z = lo + 2^bits·hi with
 * lo ∈ [0, 2^bits), hi ∈ [0, top] is EXACTLY z ∈ [0, Z'] — two direct lookups (hi's
 * bound through two shifted windows) instead of committing z plus four 16-bit limbs. The
 * rounding only widens the proven range to values the no-wrap argument still covers, so
 * the soundness argument is the one of the module comment with Z' in place of Z.
 */
export function excessSplit(Z: number, ok: (z: number) => boolean): { split: ExcessSplit; Z: number } | undefined {
  if (Z < 2 ** 16 || !ok(Z)) return undefined;
  let lo = Z;
  let hi = Z + 2 ** 24;
  while (ok(hi) && hi < 2 ** 31) hi *= 2;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (ok(mid)) lo = mid;
    else hi = mid;
  }
  const Zmax = lo;
  for (let bits = 1; bits <= 16; bits++) {
    const n = Math.floor((Zmax + 1) / 2 ** bits);
    const Zr = 2 ** bits * n - 1;
    if (n <= 2 ** 16 && Zr >= Z && ok(Zr)) return { split: { bits, top: n - 1 }, Z: Zr };
  }
  return undefined;
}

/**
 * The excess bound the relation uses for honest bound Z: Z rounded up to 2^k − 1 when the
 * no-wrap bounds allow, because [0, 2^k − 1] is one lookup window and [0, Z] otherwise two
 * (layers/range.ts) — for Z ≥ 2^16 as two digits of k − 16 and 16 bits, else the tightest
 * two-digit form ({@link excessSplit}).
 * Rounding up only admits excesses the no-wrap argument covers, as for the split.
 */
export function fitExcess(Z: number, ok: (z: number) => boolean): { Z: number; split?: ExcessSplit } {
  if (Z <= 0) return { Z };
  const k = ceilLog2(Z + 1);
  const Zr = 2 ** k - 1;
  // Z ≥ 2^16: digits of k − 16 and 16 bits, both ranges powers of two (one window each),
  // when the no-wrap bounds allow [0, 2^k − 1]; else the tightest split.
  if (Z >= 2 ** 16) return k <= 32 && ok(Zr) ? { Z: Zr, split: { bits: k - 16, top: 2 ** 16 - 1 } } : (excessSplit(Z, ok) ?? { Z });
  return Zr !== Z && ok(Zr) ? { Z: Zr } : { Z };
}

const DEFINED: RangeCheckOptions = { defined: true };

function isInt(v: number, lo: number, hi: number): boolean {
  return Number.isSafeInteger(v) && v >= lo && v <= hi;
}

/** Excess bound and pre-clamp range of a clamp to [lo, hi] of values in [vlo, vhi]. */
function clampBounds(vlo: number, vhi: number, lo: number, hi: number): { active: boolean; Z: number; vmin: number; vmax: number } {
  const active = vhi > hi || vlo < lo;
  const Z = active ? Math.max(vhi - hi - 1, lo - 1 - vlo, 0) : 0;
  return { active, Z, vmin: active ? lo - 1 - Z : lo, vmax: active ? hi + 1 + Z : hi };
}

/** Validates a spec and derives its plan. Throws LayerError if it cannot be proven soundly. */
export function requantPlan(F: PrimeField, spec: RequantLayerSpec): RequantPlan {
  const what = `requant ${spec.out?.id}`;
  const { input, out, s1, q, m, s2, lo, hi } = spec;
  if (!input || !out || !Array.isArray(input.shape) || !Array.isArray(out.shape)) throw new LayerError(`${what}: bad tensor refs`);
  if (input.shape.length === 0 || input.shape.length !== out.shape.length || input.shape.some((d, i) => d !== out.shape[i])) {
    throw new LayerError(`${what}: input [${input.shape}] and output [${out.shape}] must have the same nonempty shape`);
  }
  for (const d of input.shape) if (!isInt(d, 1, 2 ** 30)) throw new LayerError(`${what}: bad axis length ${d}`);
  if (!isInt(s1, 0, 16) || !isInt(s2, 0, 16)) throw new LayerError(`${what}: shifts must be integers in [0, 16]`);
  const half = (F.p - 1) / 2;
  if (!isInt(q, 0, half)) throw new LayerError(`${what}: q = ${q} out of range`);
  if (!isInt(lo, -half, half) || !isInt(hi, -half, half) || lo > hi) throw new LayerError(`${what}: bad clamp [${lo}, ${hi}]`);
  const C = input.shape[input.shape.length - 1]!;
  if (m.length !== 1 && m.length !== C) throw new LayerError(`${what}: ${m.length} multipliers for ${C} channels`);
  let M = 0;
  let mMin = Infinity;
  for (let i = 0; i < m.length; i++) {
    if (!isInt(m[i]!, -half, half)) throw new LayerError(`${what}: multiplier ${m[i]} is not a field-sized integer`);
    M = Math.max(M, Math.abs(m[i]!));
    mMin = Math.min(mMin, m[i]!);
  }
  const d1 = 2 ** s1;
  const h1 = s1 === 0 ? 0 : d1 / 2;
  const d2 = 2 ** s2;
  const h2 = s2 === 0 ? 0 : d2 / 2;
  const XB = spec.xMax === undefined ? requantInputBound(F) : spec.xMax;
  if (!isInt(XB, 0, requantInputBound(F))) throw new LayerError(`${what}: input bound xMax = ${spec.xMax} must be an integer in [0, ${requantInputBound(F)}]`);
  const mCols = new Uint32Array(C);
  for (let c = 0; c < C; c++) mCols[c] = F.fromInt(m.length === 1 ? m[0]! : m[c]!);
  const o = out.id;

  // Stage 1: honest v1 = round(x / 2^s1) ∈ [Vlo, Vhi] for |x| ≤ XB.
  const Vhi = Math.floor((XB + h1) / d1);
  const Vlo = Math.floor((-XB + h1) / d1);
  const Vmax = Math.max(Vhi, -Vlo);

  if (m.length === 1 && m[0] === 1 && s2 === 0 && -q <= lo && hi <= q) {
    // y = clamp(clamp(v1, ±q), lo, hi) = clamp(v1, lo, hi): one rounding, one clamp.
    const c0 = clampBounds(Vlo, Vhi, lo, hi);
    const okM = (Z: number) => d1 * (hi + 1 + Z) + h1 - 1 <= half && d1 * (lo - 1 - Z) - h1 >= -half;
    const fx = c0.active ? fitExcess(c0.Z, okM) : undefined;
    const sp = fx?.split;
    const c = fx ? { ...c0, Z: fx.Z, vmin: lo - 1 - fx.Z, vmax: hi + 1 + fx.Z } : c0;
    if (d1 * c.vmax + h1 - 1 > half || d1 * c.vmin - h1 < -half) {
      throw new LayerError(`${what}: could wrap mod p (spec not provable soundly)`);
    }
    return {
      d1,
      h1,
      d2,
      h2,
      merged: true,
      qClamp: q,
      Q1: 0,
      tLo: 0,
      tHi: 0,
      slackT: false,
      clamp1: false,
      clamp2: c.active,
      Z1: 0,
      Z2: c.Z,
      split2: sp,
      mCols,
      ids: {
        rem1: s1 > 0 ? `${o}.rem1` : undefined,
        sel2: c.active ? `${o}.sel2` : undefined,
        exc2: c.active && c.Z > 0 ? `${o}.exc2` : undefined,
        exc2lo: sp ? `${o}.exc2.lo` : undefined,
        exc2hi: sp ? `${o}.exc2.hi` : undefined,
      },
    };
  }

  // SATURATING INNER CLAMP. If every m ≥ 0 and y already saturates at some T < q (round(±T·m[c]
  // / 2^s2) beyond hi / lo for every channel), clamping t to ±T instead of ±q gives the same
  // y for EVERY input: for |v1| ≤ T both clamps return v1; for v1 > T both return a t ≥ T, so
  // t·m[c] ≥ T·m[c] and y = hi (round is monotone), symmetrically below. The relation then
  // uses the smallest such T, which shrinks t's range (often below 2^16: one committed tensor
  // instead of two limbs) and the stage-2 products.
  let qc = q;
  const sat = (T: number): boolean => {
    for (let c = 0; c < m.length; c++) {
      const tm = T * m[c]!;
      if (Math.floor((tm + h2) / d2) < hi || Math.floor((-tm + h2) / d2) > lo) return false;
    }
    return true;
  };
  if (mMin >= 0) {
    if (sat(q)) {
      let lo0 = -1; // sat(lo0) false or lo0 = −1
      let hi0 = q; // sat(hi0) true
      while (hi0 - lo0 > 1) {
        const mid = Math.floor((lo0 + hi0) / 2);
        if (sat(mid)) hi0 = mid;
        else lo0 = mid;
      }
      qc = hi0;
    }
  }

  // Stage 2 for |t·m| ≤ U: the clamp of v2 = round(t·m / 2^s2) to [lo, hi], its excess bound
  // rounded up (fitExcess) as far as no-wrap allows for |t·m| ≤ Uwrap (≥ U: room for a wider
  // t range checked later), and rhs2 = max |2^s2·v2 + rem2|. t·m and 2^s2·v2 + rem2 are
  // integers congruent mod p, so they are equal as soon as U + rhs2 < p (checked by callers).
  const stage2 = (U: number, Uwrap: number) => {
    const c2h = clampBounds(Math.floor((-U + h2) / d2), Math.floor((U + h2) / d2), lo, hi);
    const fx2 = c2h.active ? fitExcess(c2h.Z, (Z) => Uwrap + Math.max(d2 * (hi + 1 + Z) + h2 - 1, h2 - d2 * (lo - 1 - Z)) < F.p) : undefined;
    const c2 = fx2 ? { ...c2h, Z: fx2.Z, vmin: lo - 1 - fx2.Z, vmax: hi + 1 + fx2.Z } : c2h;
    return { c2, split2: fx2?.split, rhs2: Math.max(d2 * c2.vmax + h2 - 1, h2 - d2 * c2.vmin) };
  };

  /** The two-stage plan from its stage-1 choices and stage 2 (witness ids follow from them). */
  const twoStagePlan = (
    t: { qClamp: number; Q1: number; tLo: number; tHi: number; slackT: boolean; clamp1: boolean; Z1: number; split1?: ExcessSplit },
    s2p: ReturnType<typeof stage2>,
  ): RequantPlan => {
    const { clamp1, Z1, split1 } = t;
    const { c2, split2 } = s2p;
    return {
      d1,
      h1,
      d2,
      h2,
      merged: false,
      ...t,
      clamp2: c2.active,
      Z2: c2.Z,
      split2,
      mCols,
      ids: {
        t: `${o}.t`,
        rem1: s1 > 0 ? `${o}.rem1` : undefined,
        sel1: clamp1 ? `${o}.sel1` : undefined,
        exc1: clamp1 && Z1 > 0 ? `${o}.exc1` : undefined,
        rem2: s2 > 0 ? `${o}.rem2` : undefined,
        sel2: c2.active ? `${o}.sel2` : undefined,
        exc2: c2.active && c2.Z > 0 ? `${o}.exc2` : undefined,
        exc1lo: split1 ? `${o}.exc1.lo` : undefined,
        exc1hi: split1 ? `${o}.exc1.hi` : undefined,
        exc2lo: split2 ? `${o}.exc2.lo` : undefined,
        exc2hi: split2 ? `${o}.exc2.hi` : undefined,
      },
    };
  };

  // UNCLAMPED t: the relations leave t = v1 unclamped and range-check it in the
  // power-of-two window [−W, W − 1] ⊇ [Vlo, Vhi] (no stage-1 selector or excess) when that
  // is the same op for every t in the window — |t| ≤ q there, or every m ≥ 0 and y already
  // saturates at ±q (then clamping t first cannot change y, as for SLACK t) — and nothing
  // wraps for any t in the window. Needs a declared input bound (xMax) to be small enough.
  const unclampedPlan = (): RequantPlan | undefined => {
    const W = 2 ** ceilLog2(Vmax + 1);
    if (!(W <= q || (mMin >= 0 && sat(q)))) return undefined;
    if (d1 * W + h1 > half) return undefined;
    const U = W * M;
    if (U > half) return undefined;
    const st2 = stage2(U, U);
    if (U + st2.rhs2 >= F.p) return undefined;
    return twoStagePlan({ qClamp: W, Q1: Vmax, tLo: -W, tHi: W - 1, slackT: true, clamp1: false, Z1: 0 }, st2);
  };

  const clampedPlan = (): RequantPlan => {
    const clamp1 = qc < Vmax;
    const Q1 = Math.min(qc, Vmax);
    const Z1h = clamp1 ? Math.max(Vhi - qc - 1, -qc - 1 - Vlo, 0) : 0;
    const fx1 = clamp1 ? fitExcess(Z1h, (Z) => d1 * (qc + 1 + Z) + h1 <= half) : undefined;
    const Z1 = fx1 ? fx1.Z : Z1h;
    const reach1 = clamp1 ? qc + 1 + Z1 : Q1;
    if (d1 * reach1 + h1 > half) throw new LayerError(`${what}: stage 1 could wrap mod p (spec not provable soundly)`);

    // Stage 2: honest |t·m| ≤ U. The excess bound must also leave room for the slack-t
    // check below (|t| ≤ W = 2^K ≥ qc + 1).
    const U = Q1 * M;
    if (U > half) throw new LayerError(`${what}: q·max|m| = ${U} exceeds (p−1)/2 (spec not provable soundly)`);
    const W = 2 ** ceilLog2(qc + 1);
    const st2 = stage2(U, Math.max(U, W * M));
    if (U + st2.rhs2 >= F.p) throw new LayerError(`${what}: stage 2 could wrap mod p (spec not provable soundly)`);

    // Slack range for t when the inner clamp cannot change y (see RequantPlan.slackT).
    const slackT = clamp1 && mMin >= 0 && sat(qc) && d1 * W + h1 <= half && W * M + st2.rhs2 < F.p;
    return twoStagePlan(
      { qClamp: qc, Q1, tLo: slackT ? -W : -Q1, tHi: slackT ? W - 1 : Q1, slackT, clamp1, Z1, split1: fx1?.split },
      st2,
    );
  };

  // Both forms prove the same op; take the one with fewer committed values and lookups.
  const unclamped = unclampedPlan();
  if (!unclamped) return clampedPlan();
  let clamped: RequantPlan;
  try {
    clamped = clampedPlan();
  } catch {
    return unclamped;
  }
  return requantPlanCost(F, spec, unclamped) <= requantPlanCost(F, spec, clamped) ? unclamped : clamped;
}

/**
 * What a plan costs the prover, in committed values plus lookups per entry (a limb is both);
 * used only to choose between equivalent plans.
 */
function requantPlanCost(F: PrimeField, spec: RequantLayerSpec, plan: RequantPlan): number {
  let cost = requantCommitted(spec, plan).size - 2; // x and y are the op's own tensors
  for (const [, lo, hi, opt] of requantRanges(spec, plan)) {
    for (const w of rangeCheckPlan(F, lo, hi, opt).windows) cost += w.limbs.length > 0 ? 2 * w.limbs.length : 1;
  }
  return cost;
}

/** The range checks of a requant, in proof order: [tensor id, lo, hi, options]. */
export function requantRanges(spec: RequantLayerSpec, plan: RequantPlan): Array<[string, number, number, RangeCheckOptions]> {
  const { ids } = plan;
  const out: Array<[string, number, number, RangeCheckOptions]> = [];
  // t and the excesses are range-checked through limbs whenever their range is wider than
  // 2^16; then they are not committed but defined by those limbs (range.ts, option
  // `defined`): one committed tensor less each.
  const own = (lo: number, hi: number): RangeCheckOptions => (rangeCanDefine(BabyBear, lo, hi) ? DEFINED : {});
  if (ids.t) out.push([ids.t, plan.tLo, plan.tHi, own(plan.tLo, plan.tHi)]);
  const digits = (loId: string, hiId: string, sp: ExcessSplit) => {
    out.push([loId, 0, 2 ** sp.bits - 1, {}]);
    out.push([hiId, 0, sp.top, {}]);
  };
  if (ids.exc1 && plan.split1) digits(ids.exc1lo!, ids.exc1hi!, plan.split1);
  else if (ids.exc1) out.push([ids.exc1, 0, plan.Z1, own(0, plan.Z1)]);
  if (ids.rem1) out.push([ids.rem1, -plan.h1, plan.h1 - 1, {}]);
  out.push([spec.out.id, spec.lo, spec.hi, {}]);
  if (ids.exc2 && plan.split2) digits(ids.exc2lo!, ids.exc2hi!, plan.split2);
  else if (ids.exc2) out.push([ids.exc2, 0, plan.Z2, own(0, plan.Z2)]);
  if (ids.rem2) out.push([ids.rem2, -plan.h2, plan.h2 - 1, {}]);
  return out;
}

/** The requant witnesses defined by their range limbs (not committed), by tensor id. */
export function requantDefined(spec: RequantLayerSpec, plan: RequantPlan): Map<string, [string, number, number, RangeCheckOptions]> {
  return new Map(requantRanges(spec, plan).filter((r) => r[3].defined).map((r) => [r[0], r] as const));
}

/**
 * Every auxiliary witness id the prover computes for this op (incl. range limbs); the ones
 * in {@link requantDefined} are not committed (the layout only holds claimed tensors).
 */
export function requantWitnessIds(F: PrimeField, spec: RequantLayerSpec): string[] {
  const plan = requantPlan(F, spec);
  const ids = Object.values(plan.ids).filter((x): x is string => x !== undefined);
  for (const [id, lo, hi, opt] of requantRanges(spec, plan)) ids.push(...rangeWitnessIds(F, id, lo, hi, opt));
  return ids;
}

/**
 * The op's relations, batched by λ, WITHOUT the zero-check weight: the group's batch
 * multiplies every term by its shared eq(r, ·) ({@link zeroCheckBatchTerms}). t·m[c] reads the
 * public table `m` (m[c] at last-axis index c) when m is per channel, else the coefficient m.
 */
export function requantRelation(E: QuarticExtension, lambda: Ext, spec: RequantLayerSpec, plan: RequantPlan): RelationBuilder {
  const { ids, d1, d2 } = plan;
  const rel = new RelationBuilder(E, lambda);
  if (plan.merged) {
    // x = d1·(y + sel2 + sel2·exc2) + rem1
    rel.relation().add(1, ['x']).add(-d1, ['y']);
    if (ids.sel2) rel.add(-d1, ['sel2']);
    if (ids.exc2) rel.add(-d1, ['sel2', 'exc2']);
    if (ids.rem1) rel.add(-1, ['rem1']);
    if (ids.sel2) addClampRelations(rel, null, 'y', 'sel2', spec.lo, spec.hi);
    return rel;
  }
  // x = d1·(t + sel1 + sel1·exc1) + rem1
  rel.relation().add(1, ['x']).add(-d1, ['t']);
  if (ids.sel1) rel.add(-d1, ['sel1']);
  if (ids.exc1) rel.add(-d1, ['sel1', 'exc1']);
  if (ids.rem1) rel.add(-1, ['rem1']);
  if (ids.sel1) addClampRelations(rel, null, 't', 'sel1', -plan.qClamp, plan.qClamp);
  // t·m = d2·(y + sel2 + sel2·exc2) + rem2
  rel.relation();
  if (spec.m.length === 1) rel.add(plan.mCols[0]!, ['t'], true);
  else rel.add(1, ['m', 't']);
  rel.add(-d2, ['y']);
  if (ids.sel2) rel.add(-d2, ['sel2']);
  if (ids.exc2) rel.add(-d2, ['sel2', 'exc2']);
  if (ids.rem2) rel.add(-1, ['rem2']);
  if (ids.sel2) addClampRelations(rel, null, 'y', 'sel2', spec.lo, spec.hi);
  return rel;
}

/** Committed tensors of the relation by table name (limb-defined witnesses excluded). */
export function requantCommitted(spec: RequantLayerSpec, plan: RequantPlan): Map<string, TensorRef> {
  const shape = spec.out.shape;
  const defined = requantDefined(spec, plan);
  const m = new Map<string, TensorRef>([
    ['x', spec.input],
    ['y', spec.out],
  ]);
  const split = new Set([plan.split1 ? plan.ids.exc1 : undefined, plan.split2 ? plan.ids.exc2 : undefined]);
  for (const [k, id] of Object.entries(plan.ids)) if (id !== undefined && !defined.has(id) && !split.has(id)) m.set(k, { id, shape });
  return m;
}

/** The relations' batching challenge (both sides); the zero-check point is the group's. */
export function requantChallenges(ctx: LayerContext, spec: RequantLayerSpec): { lambda: Ext } {
  return { lambda: ctx.transcript.challengeExt(`requant/${spec.out.id}/lambda`) };
}

/**
 * The requant's zero-check, deferred to the batch (both sides; the prover adds its tables).
 * Claims on x, y and the witnesses are made at the batch point, then the range checks run.
 */
export function requantZeroCheck(
  ctx: LayerContext,
  spec: RequantLayerSpec,
  plan: RequantPlan,
  rel: RelationBuilder,
  prover?: { tables: () => readonly unknown[]; unchecked?: boolean },
): DeferredZeroCheck {
  const E = ctx.E;
  const what = `requant ${spec.out.id}`;
  const defined = requantDefined(spec, plan);
  const ids = plan.ids as Record<string, string | undefined>;
  return {
    what,
    numVars: tensorVars(spec.out.shape),
    tables: rel.tables,
    terms: rel.terms,
    committed: requantCommitted(spec, plan),
    publicValue: (name, point) => {
      if (name === 'm') return lastAxisEval(E, spec.out.shape, point, plan.mCols);
      const d = ids[name] === undefined ? undefined : defined.get(ids[name]!);
      if (d) return definedTensorEval(ctx, { id: d[0], shape: spec.out.shape }, d[1], d[2], d[3], point);
      const sp = name === 'exc1' ? plan.split1 : name === 'exc2' ? plan.split2 : undefined;
      if (sp) {
        // z = lo + 2^bits·hi entrywise, so z̃ = l̃o + 2^bits·h̃i.
        const shape = spec.out.shape;
        const lo = ctx.claim({ id: ids[`${name}lo`]!, shape }, point);
        const hi = ctx.claim({ id: ids[`${name}hi`]!, shape }, point);
        return E.add(lo, E.mulBase(hi, E.base.fromInt(2 ** sp.bits)));
      }
      throw new LayerError(`${what}: unknown public table ${name}`);
    },
    after: () => {
      for (const [id, lo, hi, opt] of requantRanges(spec, plan)) rangeCheck(ctx, { id, shape: spec.out.shape }, lo, hi, opt);
    },
    proverTables: prover?.tables,
    unchecked: prover?.unchecked,
  };
}

/**
 * Verifies a requant: draws its point and λ, then defers its zero-check to the batch
 * ({@link verifyZeroCheckBatches}), which records the claims on x, y and the witnesses and
 * registers the range lookups. Throws {@link LayerError} on failure.
 */
export function verifyRequant(ctx: LayerContext, spec: RequantLayerSpec): void {
  const plan = requantPlan(ctx.E.base, spec);
  const { lambda } = requantChallenges(ctx, spec);
  ctx.zeroChecks.push(requantZeroCheck(ctx, spec, plan, requantRelation(ctx.E, lambda, spec, plan)));
}

// ---------------------------------------------------------------------------------------
// Batched zero-checks.
//
// Deferred zero-checks are grouped by their number of variables (groups in order of first
// deferral). Group G = {Z_0, …, Z_{m−1}} is one sumcheck of Σ_i eq(r, i)·Σ_k μ^k·R_k(i) with
// claim 0, where R_k is member k's λ_k-batched relation and μ, r are drawn after every λ_k
// (and after the witness commitment). If some R_k is nonzero at some entry, the multilinear
// extension of Σ_k μ^k·R_k(i) in i is a nonzero polynomial, so its value at the random r
// vanishes with probability ≤ (numVars + m − 1)/|E| over (r, μ); the sumcheck then adds its
// usual numVars·degree/|E|. After the rounds each member claims its committed tables at
// the final point, evaluates its public tables, and eq(r, point)·Σ_k μ^k·R_k(values) must
// equal the last round claim. One point for the group (not one per op) means one eq table
// for the prover instead of one eq (and one eq·m) table per requant; one set of rounds per
// group is what makes this worth it: the rounds are most of a requant's proof bytes.

/** Deferred zero-checks grouped by variable count, groups in order of first appearance. */
export function zeroCheckGroups(checks: readonly DeferredZeroCheck[]): DeferredZeroCheck[][] {
  const byVars = new Map<number, DeferredZeroCheck[]>();
  for (const c of checks) {
    const g = byVars.get(c.numVars);
    if (g) g.push(c);
    else byVars.set(c.numVars, [c]);
  }
  return [...byVars.values()];
}

/**
 * The group's terms: table 0 is the shared eq(r, ·); member k's terms times μ^k and times
 * eq, its table indices shifted past eq and the earlier members' tables.
 */
export function zeroCheckBatchTerms(E: QuarticExtension, group: readonly DeferredZeroCheck[], mu: Ext): { terms: SumcheckTerm[]; degree: number } {
  const terms: SumcheckTerm[] = [];
  let pow = E.one();
  let base = 1;
  for (const z of group) {
    for (const t of z.terms) terms.push({ coeff: E.mul(pow, t.coeff), factors: [0, ...t.factors.map((f) => f + base)] });
    base += z.tables.length;
    pow = E.mul(pow, mu);
  }
  return { terms, degree: sumcheckDegree(terms) };
}

/**
 * The group's challenges (both sides; bound to the group's size and variable count): μ
 * batches the members, r is the one zero-check point they share.
 */
export function zeroCheckBatchChallenge(ctx: LayerContext, group: readonly DeferredZeroCheck[]): { mu: Ext; r: Uint32Array } {
  ctx.transcript.absorbU32('zerocheck/vars', group[0]!.numVars);
  ctx.transcript.absorbU32('zerocheck/members', group.length);
  const mu = ctx.transcript.challengeExt('zerocheck/mu');
  return { mu, r: ctx.transcript.challengeExts('zerocheck/point', group[0]!.numVars) };
}

export function zeroCheckBatchName(group: readonly DeferredZeroCheck[]): string {
  return `zero-check batch over ${group[0]!.numVars} variables (${group.length} ops: ${group[0]!.what}${group.length > 1 ? ', …' : ''})`;
}

/**
 * After the rounds (both sides): every member claims its committed tables at `point` (in
 * member then table order), the μ-combination is checked against the last round claim,
 * then every member's `after` runs.
 */
export function finishZeroCheckBatch(
  ctx: LayerContext,
  group: readonly DeferredZeroCheck[],
  mu: Ext,
  r: Uint32Array,
  point: Uint32Array,
  finalClaim: Ext,
): void {
  const E = ctx.E;
  const acc = E.zero();
  let pow = E.one();
  for (const z of group) {
    const values = new Uint32Array(4 * z.tables.length);
    z.tables.forEach((name, k) => {
      const ref = z.committed.get(name);
      values.set(ref ? ctx.claim(ref, point) : z.publicValue(name, point), 4 * k);
    });
    E.addAt(acc, 0, acc, 0, E.mul(pow, evalSumcheckTerms(E, z.terms, values)), 0);
    pow = E.mul(pow, mu);
  }
  if (!E.equals(E.mul(eqEval(E, r, point), acc), finalClaim)) {
    throw new LayerError(`${zeroCheckBatchName(group)}: relation check failed (the claimed evaluations do not satisfy the relations)`);
  }
  for (const z of group) z.after();
}

/** Verifier: runs every deferred zero-check of `ctx` (one batched sumcheck per variable count). */
export function verifyZeroCheckBatches(ctx: LayerContext): void {
  const checks = ctx.zeroChecks.splice(0);
  for (const group of zeroCheckGroups(checks)) {
    const { mu, r } = zeroCheckBatchChallenge(ctx, group);
    const { degree } = zeroCheckBatchTerms(ctx.E, group, mu);
    let res;
    try {
      res = readRoundsSumcheck(ctx, zeroCheckBatchName(group), group[0]!.numVars, degree, ctx.E.zero());
    } catch (e) {
      if (e instanceof SumcheckError) throw new LayerError(e.message);
      throw e;
    }
    finishZeroCheckBatch(ctx, group, mu, r, res.point, res.finalClaim);
  }
}
