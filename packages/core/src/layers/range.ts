/**
 * Prover side of the shared range check (protocol: the verifier's layers/range.ts).
 * `rangeCheck` itself is the same function on both sides (it only uses the LayerContext
 * interface); this file adds the witness generation: the limbs the prover commits when a
 * window is wider than 2^16.
 */
import { BabyBear, rangeCheckPlan, rangeLimbId, type PrimeField, type RangeCheckOptions, type TensorRef } from '@zkllm/verifier';

export { rangeCheck, rangeCheckPlan, rangeWitnessIds } from '@zkllm/verifier';

/**
 * The auxiliary witnesses (limbs) for range-checking tensor `t` (values `data`, row-major,
 * logical shape t.shape) to [lo, hi]. Empty when the range is at most 2^16 wide. Throws
 * RangeError naming the first entry outside [lo, hi] (the proof could not succeed).
 */
export function rangeWitness(
  t: TensorRef,
  data: ArrayLike<number>,
  lo: number,
  hi: number,
  F: PrimeField = BabyBear,
  options: RangeCheckOptions = {},
): Map<string, { shape: readonly number[]; data: Int32Array }> {
  const plan = rangeCheckPlan(F, lo, hi, options);
  const n = data.length;
  for (let i = 0; i < n; i++) {
    const v = data[i]!;
    if (!(v >= lo && v <= hi)) throw new RangeError(`range check of ${t.id}: entry ${i} = ${v} outside [${lo}, ${hi}]`);
  }
  const out = new Map<string, { shape: readonly number[]; data: Int32Array }>();
  for (const w of plan.windows) {
    if (w.limbs.length === 0) continue;
    const limbs = w.limbs.map(() => new Int32Array(n));
    for (let i = 0; i < n; i++) {
      let rest = data[i]! - w.offset; // in [0, 2^bits)
      w.limbs.forEach((b, j) => {
        const d = 2 ** b;
        limbs[j]![i] = rest % d;
        rest = Math.floor(rest / d);
      });
    }
    limbs.forEach((l, j) => out.set(rangeLimbId(t, lo, hi, w.side, j), { shape: [...t.shape], data: l }));
  }
  return out;
}
