import { BabyBear as F, LayerError, rangeCanDefine, rangeCheckPlan, rangeWitnessIds, type TensorRef } from '@zkllm/verifier';
import { describe, expect, it } from 'vitest';
import { rangeCheck, rangeWitness } from './range.js';
import { mergeTensors, runLayerArgument, testRng, type TestTensor } from './testing.js';

/** How the verifier of a tlookup rejects a row that is not in the table. */
const LOOKUP_REJECTED = /not in the table|sums differ|does not match/;

function instance(shape: number[], lo: number, hi: number, seed: number, edit?: (d: Int32Array) => void) {
  const rng = testRng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const data = Int32Array.from({ length: n }, (_, i) => (i === 0 ? lo : i === 1 ? hi : rng.int(lo, hi)));
  const ref: TensorRef = { id: 't7', shape };
  const wit = rangeWitness(ref, data, lo, hi);
  edit?.(data);
  const tensors = mergeTensors(new Map<string, TestTensor>([['t7', { shape, data }]]), wit);
  return { ref, tensors, wit, data };
}

function run(shape: number[], lo: number, hi: number, seed: number, edit?: (d: Int32Array) => void) {
  const { ref, tensors } = instance(shape, lo, hi, seed, edit);
  return runLayerArgument({
    tensors,
    prove: (ctx) => rangeCheck(ctx, ref, lo, hi),
    verify: (ctx) => rangeCheck(ctx, ref, lo, hi),
  });
}

describe('rangeCheck', () => {
  it('plans: one window for powers of two, two windows otherwise, limbs above 2^16', () => {
    expect(rangeCheckPlan(F, -8, 7).windows).toEqual([{ side: 'a', offset: -8, bits: 4, limbs: [] }]);
    expect(rangeCheckPlan(F, -2047, 2047).windows.map((w) => [w.offset, w.bits])).toEqual([
      [-2047, 12],
      [-2048, 12],
    ]);
    const big = rangeCheckPlan(F, -(2 ** 20 - 1), 2 ** 20 - 1);
    expect(big.windows.map((w) => w.limbs)).toEqual([
      [16, 5],
      [16, 5],
    ]);
    expect(rangeWitnessIds(F, 't1', 0, 2 ** 17 - 1)).toEqual(['t1.rc[0,131071].a0', 't1.rc[0,131071].a1']);
    expect(() => rangeCheckPlan(F, 5, 4)).toThrow(RangeError);
    expect(() => rangeCheckPlan(F, -(2 ** 30), 2 ** 30)).toThrow(RangeError);
    expect(rangeCheckPlan(F, -(2 ** 29 - 1), 2 ** 29 - 1).windows.map((w) => w.limbs)).toEqual([[16, 14], [16, 14]]);
    // Offset windows need no limb: they are shifted lookups into rangeTable(0, K).
    expect(rangeCheckPlan(F, 0, 100).windows.map((w) => [w.offset, w.limbs])).toEqual([[0, []], [-27, []]]);
  });

  for (const [lo, hi, shape] of [
    [-8, 7, [3, 5]],
    [-2047, 2047, [7]],
    [0, 65535, [2, 3, 3]],
    [-(2 ** 20 - 1), 2 ** 20 - 1, [5, 6]],
    [-3, 2 ** 17, [9]],
    [123456, 123456 + 2 ** 18 - 1, [4, 3]],
  ] as Array<[number, number, number[]]>) {
    it(`accepts values in [${lo}, ${hi}] (shape [${shape}]); claims and lookups check out`, () => {
      const out = run(shape, lo, hi, lo + hi);
      expect(out.claimsError).toBeUndefined();
      expect(out.lookupsError).toBeUndefined();
    });
  }

  it('rejects a value one above hi or one below lo (exact bounds), also with limbs', () => {
    for (const [lo, hi] of [
      [-2047, 2047],
      [-(2 ** 20 - 1), 2 ** 20 - 1],
      [0, 2 ** 17],
    ] as Array<[number, number]>) {
      for (const bad of [hi + 1, lo - 1]) {
        // The prover commits limbs honestly for the in-range data, then the tensor changes:
        // either the limbs no longer recompose it, or a direct lookup fails.
        const out = (() => {
          try {
            return run([6], lo, hi, 3, (d) => (d[4] = bad));
          } catch (e) {
            return e as Error;
          }
        })();
        if (out instanceof Error) expect(out).toBeInstanceOf(LayerError);
        else expect(out.lookupsError).toBeDefined();
      }
    }
  });

  it('rejects limbs forged to recompose an out-of-range value (limb out of its table)', () => {
    const lo = 0;
    const hi = 2 ** 17 - 5;
    const { ref, tensors, data } = instance([4], lo, hi, 9);
    data[2] = hi + 1; // needs limb a1 = 2 > 1? a1 ∈ [0, 2): 2^17 − 4 = 1·2^16 + 65532 fits, check side b
    const ids = rangeWitnessIds(F, ref, lo, hi);
    const offB = hi - 2 ** 17 + 1;
    const v = data[2]! - offB; // = 2^17 → needs a top limb of 2, out of [0, 2)
    const b0 = tensors.get(ids[2]!)!.data as Int32Array;
    const b1 = tensors.get(ids[3]!)!.data as Int32Array;
    b0[2] = v % 65536;
    b1[2] = Math.floor(v / 65536);
    const a0 = tensors.get(ids[0]!)!.data as Int32Array;
    const a1 = tensors.get(ids[1]!)!.data as Int32Array;
    a0[2] = (data[2]! - lo) % 65536;
    a1[2] = Math.floor((data[2]! - lo) / 65536);
    const out = runLayerArgument({ tensors, prove: (c) => rangeCheck(c, ref, lo, hi), verify: (c) => rangeCheck(c, ref, lo, hi) });
    expect(out.claimsError).toBeUndefined();
    expect(out.lookupsError).toMatch(LOOKUP_REJECTED);
  });

  it('rejects a tampered limb claim', () => {
    const lo = -(2 ** 20 - 1);
    const hi = 2 ** 20 - 1;
    const { ref, tensors } = instance([5], lo, hi, 11);
    expect(() =>
      runLayerArgument({
        tensors,
        prove: (c) => rangeCheck(c, ref, lo, hi),
        verify: (c) => rangeCheck(c, ref, lo, hi),
        tamper: (b) => {
          const c = b.slice();
          c[20] = (c[20]! + 1) & 0xff;
          return c;
        },
      }),
    ).toThrow(LayerError);
  });

  it('defined: the tensor is not claimed (only its limbs); plans without limbs in every window refuse it', () => {
    const lo = 0;
    const hi = 2 ** 17 - 5;
    const { ref, tensors } = instance([4, 3], lo, hi, 21);
    const opt = { defined: true } as const;
    const out = runLayerArgument({ tensors, prove: (c) => rangeCheck(c, ref, lo, hi, opt), verify: (c) => rangeCheck(c, ref, lo, hi, opt) });
    expect(out.claimsError).toBeUndefined();
    expect(out.lookupsError).toBeUndefined();
    expect(out.verifier.claims.some((c) => String(c.tensor) === ref.id)).toBe(false);
    expect(out.verifier.lookups.some((l) => l.columns.includes(ref.id))).toBe(false);
    expect(rangeCanDefine(F, lo, hi)).toBe(true);
    expect(rangeCanDefine(F, 0, 100)).toBe(false);
    expect(rangeCanDefine(F, -128, 127)).toBe(false);
    expect(rangeCanDefine(F, -(2 ** 20 - 1), 2 ** 20 - 1)).toBe(true);
    expect(() => rangeCheckPlan(F, 0, 100, { defined: true })).toThrow(RangeError);
  });

  it('defined: rejects window-a limbs that recompose a value above hi (window b no longer matches)', () => {
    const lo = 0;
    const hi = 2 ** 17 - 5;
    const { ref, tensors } = instance([4], lo, hi, 23);
    const ids = rangeWitnessIds(F, ref, lo, hi);
    // a-limbs now define t[1] = 2^17 − 1 > hi, each limb still inside its table; the honest
    // b-limbs recompose the old value, and no in-range b-limbs can recompose the new one.
    (tensors.get(ids[0]!)!.data as Int32Array)[1] = 65535;
    (tensors.get(ids[1]!)!.data as Int32Array)[1] = 1;
    const opt = { defined: true } as const;
    expect(() =>
      runLayerArgument({ tensors, prove: (c) => rangeCheck(c, ref, lo, hi, opt), verify: (c) => rangeCheck(c, ref, lo, hi, opt) }),
    ).toThrow(/limbs of window b do not recompose/);
  });

  it('rangeWitness refuses out-of-range data', () => {
    expect(() => rangeWitness({ id: 'x', shape: [2] }, [0, 5], 0, 4)).toThrow(/entry 1 = 5/);
  });
});
