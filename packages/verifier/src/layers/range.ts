/**
 * Exact range checks of committed tensors: "every real entry x of tensor t satisfies
 * lo ≤ x ≤ hi" (x read as the signed integer in [−(p−1)/2, (p−1)/2]), built from tlookup
 * range tables of at most 2^16 rows. Shared by every layer argument (requant, rope,
 * argmax, softmax, …).
 *
 * Construction, for W = hi − lo + 1 and K = ⌈log2 W⌉:
 *
 * - W = 2^K: one WINDOW check x ∈ [lo, lo + 2^K).
 * - otherwise two window checks x ∈ [lo, lo + 2^K) and x ∈ [hi − 2^K + 1, hi + 1), whose
 *   intersection is exactly [lo, hi] (2^K ≥ W makes the windows overlap, 2^K < 2W keeps
 *   their union inside [lo − W, hi + W]).
 *
 * A window [c, c + 2^K) with K ≤ 16 is a lookup of t itself, shifted by the public c, into
 * `rangeTable(0, K)` (no witness; the lookup subtracts c from the key, LookupRequest.shift),
 * so all windows of one width share one table and one multiplicity vector whatever their
 * offset. With K > 16 the prover commits LIMBS of x − c as auxiliary witnesses,
 *
 *     x − c = Σ_j 2^(16j)·a_j,   a_j ∈ [0, 2^16) for j < J−1,  a_{J−1} ∈ [0, 2^(K−16(J−1))),
 *
 * each limb range-checked by a lookup, and the verifier checks the linear relation at one
 * random point r (shared by both windows): x̃(r) − c·mask̃(r) = Σ_j 2^(16j)·ã_j(r), where
 * mask̃ is the MLE of the real-entry mask (closed form). By Schwartz–Zippel the relation
 * then holds at every entry of the padded tensor except with probability ≤ v/|E|.
 *
 * Why this is exact (no wrap-around): a window check gives x ≡ c + a (mod p) with an
 * integer a ∈ [0, 2^K) (K ≤ 30 < log2 p, so the limbs recompose a as an integer). Two
 * windows give lo + a ≡ hi − b, i.e. a + b ≡ W − 1 (mod p) with a + b ∈ [0, 2^(K+1) − 2];
 * a + b = W − 1 − p is negative and a + b = W − 1 + p exceeds 2^(K+1) − 2 whenever
 * 2^(K+1) ≤ p + W (always true for K ≤ 29, and for K = 30 because then W > 2^29 ≥ 2^31 − p),
 * so a + b = W − 1 and x's integer value lo + a lies in [lo, hi]. A single window
 * (W = 2^K) gives x ≡ lo + a with lo + a ∈ [lo, hi] directly. [lo, hi] must lie inside the
 * signed field range; {@link rangeCheckPlan} enforces all of this (widths up to 2^30).
 *
 * Option `defined`: t is NOT committed; it is defined by the limbs of its first window,
 * t := c·mask + Σ_j 2^(16j)·a_j (c = that window's offset, mask the real-entry mask). Every
 * window must then have limbs (else a lookup would read t itself). The first window's check
 * holds by construction (its limbs are range-checked), the second is checked against the
 * defined t as above, and arguments that use t read it through {@link definedTensorEval}
 * (claims on the limbs). The tensor's MLE is exactly that linear combination, so relations
 * on it are unchanged; it saves one committed tensor per such check (requant's t and wide
 * clamp excesses).
 *
 * Padding entries of t are not constrained (lookups treat them as inactive; the limb
 * relation only forces the limbs to follow t there; a defined t follows its limbs, which
 * are free there, just as a committed t's padding was).
 *
 * Witness ids: `<t.id>.rc[lo,hi].<side><j>` with side `a` (window at lo) or `b` (window
 * at hi − 2^K + 1) and j the limb index — {@link rangeWitnessIds} lists them; the prover's
 * `rangeWitness` (core/layers/range.ts) computes them.
 */
import type { Ext } from '../field/extension.js';
import type { PrimeField } from '../field/prime.js';
import { rangeTable, type RangeKeyedTable } from '../lookup/table.js';
import { tensorMaskEval } from '../poly/tensor.js';
import { LayerError, type LayerContext, type TensorRef } from './context.js';

/** Largest range table used (rows = 2^16). */
export const RANGE_LIMB_BITS = 16;
/** Largest K = ⌈log2(width)⌉ supported: widths up to 2^30. */
export const MAX_RANGE_WIDTH_LOG = 30;

/** One window check x ∈ [offset, offset + 2^bits). */
export interface RangeWindow {
  /** `a` (anchored at lo) or `b` (anchored at hi). */
  readonly side: 'a' | 'b';
  readonly offset: number;
  readonly bits: number;
  /** Bit widths of the limbs (empty: t − offset itself is looked up into rangeTable(0, bits)). */
  readonly limbs: readonly number[];
}

export interface RangeCheckOptions {
  /** t is not committed: it is defined by its first window's limbs (see the module comment). */
  readonly defined?: boolean;
}

export interface RangeCheckPlan {
  readonly lo: number;
  readonly hi: number;
  readonly windows: readonly RangeWindow[];
}

/** Signed field half-range (p−1)/2. */
function halfP(F: PrimeField): number {
  return (F.p - 1) / 2;
}

/**
 * The (deterministic) plan for checking lo ≤ x ≤ hi. Throws RangeError for ranges it
 * cannot check soundly: non-integers, lo > hi, endpoints outside ±(p−1)/2, or a width
 * above 2^30 (or one the two-window argument does not cover in this field).
 */
export function rangeCheckPlan(F: PrimeField, lo: number, hi: number, options: RangeCheckOptions = {}): RangeCheckPlan {
  if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hi) || lo > hi) {
    throw new RangeError(`range check [${lo}, ${hi}]: bounds must be integers with lo ≤ hi`);
  }
  const h = halfP(F);
  if (lo < -h || hi > h) throw new RangeError(`range check [${lo}, ${hi}]: outside the signed field range ±${h}`);
  const width = hi - lo + 1;
  let bits = 0;
  while (2 ** bits < width) bits++;
  const exact = 2 ** bits === width;
  if (bits > MAX_RANGE_WIDTH_LOG || 2 ** bits >= F.p || (!exact && 2 ** (bits + 1) > F.p + width)) {
    throw new RangeError(`range check [${lo}, ${hi}]: width ${width} too large (at most 2^${MAX_RANGE_WIDTH_LOG})`);
  }
  const limbs = (): number[] => {
    if (bits <= RANGE_LIMB_BITS) return [];
    const out: number[] = [];
    for (let rest = bits; rest > 0; rest -= RANGE_LIMB_BITS) out.push(Math.min(RANGE_LIMB_BITS, rest));
    return out;
  };
  const windows: RangeWindow[] = [{ side: 'a', offset: lo, bits, limbs: limbs() }];
  if (!exact) windows.push({ side: 'b', offset: hi - 2 ** bits + 1, bits, limbs: limbs() });
  if (options.defined && windows.some((w) => w.limbs.length === 0)) {
    throw new RangeError(`range check [${lo}, ${hi}]: a limb-defined tensor needs limbs in every window`);
  }
  return { lo, hi, windows };
}

/**
 * Whether a check of [lo, hi] with these options commits limbs in every window, so the
 * checked tensor can be left uncommitted and defined by them (option `defined`).
 */
export function rangeCanDefine(F: PrimeField, lo: number, hi: number, options: RangeCheckOptions = {}): boolean {
  return rangeCheckPlan(F, lo, hi, { ...options, defined: false }).windows.every((w) => w.limbs.length > 0);
}

/**
 * The MLE at `point` of a limb-defined tensor (option `defined`): c·mask̃ + Σ_j 2^(16j)·ã_j,
 * with claims on the first window's limbs (both sides; the claims are opened at the end).
 */
export function definedTensorEval(ctx: LayerContext, t: TensorRef, lo: number, hi: number, options: RangeCheckOptions, point: Uint32Array): Ext {
  const F = ctx.E.base;
  const E = ctx.E;
  const plan = rangeCheckPlan(F, lo, hi, { ...options, defined: true });
  const w = plan.windows[0]!;
  const acc = E.mulBase(tensorMaskEval(E, point, t.shape), F.fromInt(w.offset));
  let scale = 1;
  w.limbs.forEach((b, j) => {
    const a = ctx.claim({ id: rangeLimbId(t, lo, hi, w.side, j), shape: t.shape }, point);
    E.addAt(acc, 0, acc, 0, E.mulBase(a, F.fromInt(scale)), 0);
    scale *= 2 ** b;
  });
  return acc;
}

/** Witness id of limb j of a window. */
export function rangeLimbId(t: TensorRef | string, lo: number, hi: number, side: 'a' | 'b', j: number): string {
  return `${typeof t === 'string' ? t : t.id}.rc[${lo},${hi}].${side}${j}`;
}

/** Ids of the auxiliary witnesses a range check of t to [lo, hi] needs (may be empty). */
export function rangeWitnessIds(
  F: PrimeField,
  t: TensorRef | string,
  lo: number,
  hi: number,
  options: RangeCheckOptions = {},
): string[] {
  const plan = rangeCheckPlan(F, lo, hi, options);
  const ids: string[] = [];
  for (const w of plan.windows) w.limbs.forEach((_, j) => ids.push(rangeLimbId(t, lo, hi, w.side, j)));
  return ids;
}

/**
 * Proves / verifies (same code on both sides) that every real entry of the committed
 * tensor `t` lies in [lo, hi]. Registers the lookups; if limbs are needed, draws a random
 * point, claims t and every limb there and checks the limb relation (throws
 * {@link LayerError}). The limbs (see {@link rangeWitnessIds}) must be committed.
 */
export function rangeCheck(ctx: LayerContext, t: TensorRef, lo: number, hi: number, options: RangeCheckOptions = {}): void {
  const F = ctx.E.base;
  const E = ctx.E;
  let plan: RangeCheckPlan;
  try {
    plan = rangeCheckPlan(F, lo, hi, options);
  } catch (e) {
    throw new LayerError(`range check of ${t.id}: ${(e as Error).message}`);
  }
  const shape = t.shape;
  // A defined t satisfies its first window by construction; only the second is checked.
  const withLimbs = plan.windows.filter((w, i) => w.limbs.length > 0 && !(options.defined && i === 0));
  for (const w of plan.windows) {
    if (w.limbs.length === 0) {
      ctx.lookups.push({ table: rangeTable(F, 0, w.bits), columns: [t.id], shape, shift: w.offset });
    } else {
      w.limbs.forEach((b, j) =>
        ctx.lookups.push({ table: rangeTable(F, 0, b), columns: [rangeLimbId(t, lo, hi, w.side, j)], shape }),
      );
    }
  }
  if (withLimbs.length === 0) return;
  const r = ctx.randomPoint(shape, `range/${t.id}[${lo},${hi}]`);
  const x = options.defined ? definedTensorEval(ctx, t, lo, hi, options, r) : ctx.claim(t, r);
  const mask = tensorMaskEval(E, r, shape);
  for (const w of withLimbs) {
    // Σ_j 2^(16j)·ã_j(r) must equal x̃(r) − offset·mask̃(r).
    const acc = E.zero();
    let scale = 1;
    w.limbs.forEach((b, j) => {
      const a = ctx.claim({ id: rangeLimbId(t, lo, hi, w.side, j), shape }, r);
      E.addAt(acc, 0, acc, 0, E.mulBase(a, F.fromInt(scale)), 0);
      scale *= 2 ** b;
    });
    const expect: Ext = E.sub(x, E.mulBase(mask, F.fromInt(w.offset)));
    if (!E.equals(acc, expect)) {
      throw new LayerError(`range check of ${t.id} to [${lo}, ${hi}]: limbs of window ${w.side} do not recompose the tensor`);
    }
  }
}

/** The range tables a check of [lo, hi] uses (for drivers that pre-declare tables). */
export function rangeCheckTables(F: PrimeField, lo: number, hi: number, options: RangeCheckOptions = {}): RangeKeyedTable[] {
  const plan = rangeCheckPlan(F, lo, hi, options);
  const out: RangeKeyedTable[] = [];
  for (const w of plan.windows) {
    if (w.limbs.length === 0) out.push(rangeTable(F, 0, w.bits));
    else for (const b of w.limbs) out.push(rangeTable(F, 0, b));
  }
  return out;
}
