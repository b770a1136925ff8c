import {
  BabyBear as F,
  LayerError,
  rangeCheckPlan,
  rangeLimbId,
  requantPlan,
  requantRanges,
  requantWitnessIds,
  verifyRequant,
  type RequantLayerSpec,
} from '@zkllm/verifier';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyLookupOp, verifyRope } from '@zkllm/verifier';
import { writeFixture } from '../model/fixtures.js';
import { loadModel } from '../model/load.js';
import { quantizeLoaded } from '../model/eval.js';
import { quantForward } from '../model/quant/forward.js';
import { proveLookupOp, specLookupOp, witnessLookupOp } from './lookup-op.js';
import { proveRope, specRope, witnessRope } from './rope.js';
import { makeRequant, requant as requantKernel } from '../model/quant/kernels.js';
import type { RequantSpec, TraceOp } from '../model/quant/trace.js';
import { proveRequant, specRequant, witnessRequant } from './requant.js';
import { mergeTensors, runLayerArgument, testRng, type TestTensor } from './testing.js';

/** How the verifier of a tlookup rejects a row that is not in the table. */
const LOOKUP_REJECTED = /not in the table|sums differ|does not match/;

type RequantOp = Extract<TraceOp, { op: 'requant' }>;

/** A traced requant over random inputs; `big` of them far outside the clamp (saturating). */
function makeOp(spec: RequantSpec, shape: number[], seed: number, xMax: number, big = 3): RequantOp {
  const rng = testRng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const x = Int32Array.from({ length: n }, () => rng.int(-xMax, xMax));
  const FS = (F.p - 1) / 2 - 2 ** 16;
  for (let k = 0; k < big && k < n; k++) x[rng.int(0, n - 1)] = k % 2 ? -FS + rng.int(0, 1000) : FS - rng.int(0, 1000);
  const y = new Int32Array(n);
  requantKernel(y, x, spec, shape[shape.length - 1]!);
  return {
    op: 'requant',
    name: 'test.req',
    spec,
    input: { id: 3, shape, data: x },
    out: { id: 4, shape, data: y },
  };
}

function tensorsOf(op: RequantOp): Map<string, TestTensor> {
  return mergeTensors(
    new Map<string, TestTensor>([
      ['t3', { shape: op.input.shape, data: op.input.data.slice() }],
      ['t4', { shape: op.out.shape, data: op.out.data.slice() }],
    ]),
    witnessRequant(op),
  );
}

function run(op: RequantOp, tensors = tensorsOf(op), opts: { unchecked?: boolean; tamper?: (b: Uint8Array) => Uint8Array } = {}) {
  const spec = specRequant(op);
  return runLayerArgument({
    tensors,
    prove: (ctx) => proveRequant(ctx, spec, { unchecked: opts.unchecked }),
    verify: (ctx) => verifyRequant(ctx, spec),
    tamper: opts.tamper,
  });
}

/** Outcome of a cheating run: 'rejected' if the verifier threw, else the failed check. */
function outcome(op: RequantOp, tensors: Map<string, TestTensor>): string {
  try {
    const r = run(op, tensors, { unchecked: true });
    return r.claimsError ?? r.lookupsError ?? 'accepted';
  } catch (e) {
    if (e instanceof LayerError) return 'rejected';
    throw e;
  }
}

const cases: Array<[string, RequantSpec, number[], number]> = [
  ['per-tensor, both clamps possible', makeRequant([0.0131], -2047, 2047), [3, 5], 400000],
  [
    'per-channel, odd last axis',
    makeRequant(Array.from({ length: 7 }, (_, i) => 0.002 + 0.0007 * i), -2047, 2047),
    [2, 3, 7],
    3000000,
  ],
  ['s1 = 0 (multiplier > 1/32), residual range', makeRequant([0.37], -32767, 32767), [5, 6], 200000],
  ['wide output range ±(2^20 − 1) (limbs)', makeRequant([0.05, 0.09, 0.02], -(2 ** 20 - 1), 2 ** 20 - 1), [4, 3], 40000000],
  ['unsigned index range [0, 65535]', makeRequant([0.0013], 0, 65535), [9], 60000000],
  ['identity multiplier, s2 = 0 (norm pre-shift)', { s1: 4, q: 1006567424, m: Int32Array.of(1), s2: 0, lo: -2049, hi: 2049 }, [6, 5], 60000],
  ['hand-written spec with tiny q', { s1: 3, q: 500, m: Int32Array.of(3, 5, 7), s2: 4, lo: -100, hi: 90 }, [4, 3], 20000],
];

describe('requant argument', () => {
  for (const [name, spec, shape, xMax] of cases) {
    it(`proves and verifies: ${name}`, () => {
      const op = makeOp(spec, shape, shape.length * 31 + xMax, xMax);
      const out = run(op);
      expect(out.claimsError).toBeUndefined();
      expect(out.lookupsError).toBeUndefined();
      // Every declared witness is committed.
      const ids = requantWitnessIds(F, specRequant(op)).sort();
      expect([...witnessRequant(op).keys()].sort()).toEqual(ids);
    });
  }

  it('exercises both clamps and both signs (hand-written spec: y does not saturate at q)', () => {
    const op = makeOp(cases[6]![1], [6, 3], 7, 20000, 4);
    const w = witnessRequant(op);
    const ids = requantPlan(F, specRequant(op)).ids;
    const sel1 = w.get(ids.sel1!)!.data;
    const sel2 = w.get(ids.sel2!)!.data;
    expect(sel1.includes(1) && sel1.includes(-1)).toBe(true);
    expect(sel2.includes(1) && sel2.includes(-1)).toBe(true);
    expect(sel2.includes(0)).toBe(true);
    expect(run(op).lookupsError).toBeUndefined();
  });

  it('batches the zero-checks of several requants over the same variable count into one sumcheck', () => {
    // Two ops with 5 variables each (shapes [3,5] and [4,8]) and one with 6 ([6,5]).
    const ops = [makeOp(cases[0]![1], [3, 5], 11, 400000), makeOp(cases[0]![1], [4, 8], 12, 400000), makeOp(cases[0]![1], [6, 5], 13, 400000)];
    const ids = [[3, 4], [5, 6], [7, 8]];
    const renamed = ops.map((op, k): RequantOp => ({ ...op, input: { ...op.input, id: ids[k]![0]! }, out: { ...op.out, id: ids[k]![1]! } }));
    const tensors = mergeTensors(
      ...renamed.map(
        (op) =>
          new Map<string, TestTensor>([
            [`t${op.input.id}`, { shape: op.input.shape, data: op.input.data.slice() }],
            [`t${op.out.id}`, { shape: op.out.shape, data: op.out.data.slice() }],
          ]),
      ),
      ...renamed.map((op) => witnessRequant(op)),
    );
    const specs = renamed.map(specRequant);
    const go = (t: Map<string, TestTensor>, unchecked = false) =>
      runLayerArgument({
        tensors: t,
        prove: (ctx) => specs.forEach((sp) => proveRequant(ctx, sp, { unchecked })),
        verify: (ctx) => specs.forEach((sp) => verifyRequant(ctx, sp)),
        lookups: 'membership',
      });
    const all = go(tensors);
    expect(all.claimsError).toBeUndefined();
    expect(all.lookupsError).toBeUndefined();
    // One set of rounds per variable count: (5 + 6)·d values, not (5 + 5 + 6)·d.
    const single = runLayerArgument({ tensors, prove: (ctx) => proveRequant(ctx, specs[0]!), verify: (ctx) => verifyRequant(ctx, specs[0]!), lookups: 'membership' });
    const roundBytes = (run: typeof all) => run.bytes.length - 16 * run.verifier.claims.length;
    expect(roundBytes(all)).toBe((roundBytes(single) / 5) * 11);
    // A wrong output in the SECOND member of the batch is caught by the batched check.
    const bad = new Map(tensors);
    const y = bad.get('t6')!;
    bad.set('t6', { shape: y.shape, data: (y.data as Int32Array).map((v, i) => (i === 2 ? v + 1 : v)) });
    expect(() => go(bad)).toThrow(LayerError); // the honest prover refuses
    expect(() => go(bad, true)).toThrow(/relation check failed/);
  });

  it('rejects an output off by one (witnesses otherwise honest)', () => {
    const op = makeOp(cases[1]![1], [2, 3, 7], 5, 3000000);
    const tensors = tensorsOf(op);
    (tensors.get('t4')!.data as Int32Array)[9]! += 1;
    expect(() => run(op, tensors)).toThrow(LayerError); // the honest prover refuses
    expect(outcome(op, tensors)).toBe('rejected');
  });

  it('rejects an off-by-one output whose remainder compensates (remainder out of range)', () => {
    const op = makeOp(cases[0]![1], [3, 5], 9, 20000, 0);
    const spec = specRequant(op);
    const plan = requantPlan(F, spec);
    const tensors = tensorsOf(op);
    const y = tensors.get('t4')!.data as Int32Array;
    const i = y.findIndex((v) => v > -2000 && v < 2000);
    y[i]! += 1;
    (tensors.get(plan.ids.rem2!)!.data as Int32Array)[i]! -= plan.d2;
    expect(outcome(op, tensors)).toMatch(LOOKUP_REJECTED);
  });

  it('rejects a saturated entry reported unclamped, and a clamp with the wrong selector', () => {
    const op = makeOp(cases[6]![1], [6, 3], 11, 20000, 2);
    const spec = specRequant(op);
    const plan = requantPlan(F, spec);
    // (a) sel2 = 0 and y = the pre-clamp value: y leaves [lo, hi].
    {
      const tensors = tensorsOf(op);
      const sel2 = tensors.get(plan.ids.sel2!)!.data as Int32Array;
      const exc2 = tensors.get(plan.ids.exc2!)!.data as Int32Array;
      const y = tensors.get('t4')!.data as Int32Array;
      const i = sel2.findIndex((s) => s === 1);
      y[i] = spec.hi + 1 + exc2[i]!;
      sel2[i] = 0;
      exc2[i] = 0;
      expect(outcome(op, tensors)).toMatch(LOOKUP_REJECTED);
    }
    // (b) a saturated entry pushed to the other endpoint.
    {
      const tensors = tensorsOf(op);
      const sel2 = tensors.get(plan.ids.sel2!)!.data as Int32Array;
      const y = tensors.get('t4')!.data as Int32Array;
      const i = sel2.findIndex((s) => s === 1);
      y[i] = spec.lo;
      expect(outcome(op, tensors)).toBe('rejected');
    }
    // (c) an unsaturated entry claimed clamped (sel2 = 1, y = hi) with a negative excess.
    {
      const tensors = tensorsOf(op);
      const sel2 = tensors.get(plan.ids.sel2!)!.data as Int32Array;
      const exc2 = tensors.get(plan.ids.exc2!)!.data as Int32Array;
      const y = tensors.get('t4')!.data as Int32Array;
      const i = sel2.findIndex((s, k) => s === 0 && y[k]! > 0);
      exc2[i] = y[i]! - spec.hi - 1; // < 0: v2 = hi + 1 + exc2 = old y
      y[i] = spec.hi;
      sel2[i] = 1;
      expect(outcome(op, tensors)).toMatch(LOOKUP_REJECTED);
    }
  });

  it('rejects a tampered message and a truncated proof', () => {
    const op = makeOp(cases[0]![1], [3, 5], 13, 400000);
    const flip = (k: number) => (b: Uint8Array) => {
      const c = b.slice();
      c[k] ^= 1;
      return c;
    };
    expect(() => run(op, undefined, { tamper: flip(5) })).toThrow(LayerError);
    const n = run(op).bytes.length;
    expect(() => run(op, undefined, { tamper: flip(n - 3) })).toThrow();
    expect(() => run(op, undefined, { tamper: (b) => b.slice(0, n - 16) })).toThrow();
  });

  it('chooses the single-stage form and the slack t range only when they are sound', () => {
    const opOf = (spec: RequantSpec, shape: number[]) => specRequant(makeOp(spec, shape, 1, 10));
    const pre = requantPlan(F, opOf(cases[5]![1], [6, 5]));
    expect(pre.merged).toBe(true);
    expect(pre.ids.t).toBeUndefined();
    const real = requantPlan(F, opOf(cases[0]![1], [3, 5]));
    expect(real.merged || !real.slackT).toBe(false); // kernel specs saturate at ±q
    expect(real.tHi + 1).toBe(-real.tLo);
    const hand = requantPlan(F, opOf(cases[6]![1], [4, 3]));
    expect(hand.slackT).toBe(false); // round(−500·3/16) = −94 > lo: the inner clamp matters
    expect([hand.tLo, hand.tHi]).toEqual([-500, 500]);
  });

  /**
   * A cheating prover's witnesses: entry i of stage 1 replaced by (t, sel1, exc1), stage 2
   * recomputed honestly from that t, and every range limb recomputed from the final values
   * (digits of value − offset, the top limb taking whatever is left: out of its table if the
   * value is out of range).
   */
  function forgeStage1(op: RequantOp, i: number, t: number, sel1: number, exc1: number): Map<string, TestTensor> {
    const spec = specRequant(op);
    const plan = requantPlan(F, spec);
    const tensors = tensorsOf(op);
    const set = (id: string | undefined, v: number) => {
      if (id !== undefined) (tensors.get(id)!.data as Int32Array)[i] = v;
    };
    set(plan.ids.t, t);
    set(plan.ids.sel1, sel1);
    set(plan.ids.exc1, exc1);
    const C = op.out.shape[op.out.shape.length - 1]!;
    const u = t * (spec.m.length === 1 ? spec.m[0]! : spec.m[i % C]!);
    const v2 = Math.floor((u + plan.h2) / plan.d2);
    set(plan.ids.rem2, u - v2 * plan.d2);
    set('t4', Math.min(spec.hi, Math.max(spec.lo, v2)));
    set(plan.ids.sel2, v2 > spec.hi ? 1 : v2 < spec.lo ? -1 : 0);
    set(plan.ids.exc2, v2 > spec.hi ? v2 - spec.hi - 1 : v2 < spec.lo ? spec.lo - 1 - v2 : 0);
    for (const [id, lo, hi, opt] of requantRanges(spec, plan)) {
      const data = tensors.get(id)!.data;
      for (const w of rangeCheckPlan(F, lo, hi, opt).windows) {
        w.limbs.forEach((_, j) => {
          const limb = tensors.get(rangeLimbId(id, lo, hi, w.side, j))!.data as Int32Array;
          const rest = data[i]! - w.offset;
          limb[i] = j === w.limbs.length - 1 ? Math.floor(rest / 2 ** (16 * j)) : Math.floor(rest / 2 ** (16 * j)) % 2 ** 16;
        });
      }
    }
    return tensors;
  }

  it('slack t: leaving t unclamped in (q, 2^K) cannot change y, and is accepted', () => {
    const spec = cases[0]![1];
    const op = makeOp(spec, [3, 5], 21, 1000, 0);
    const plan = requantPlan(F, specRequant(op));
    expect(plan.slackT).toBe(true);
    const x = op.input.data;
    x[2] = plan.d1 * (plan.qClamp + 1); // v1 = T + 1: the relation's clamp gives t = T
    requantKernel(op.out.data, x, spec, 5);
    const tensors = forgeStage1(op, 2, plan.qClamp + 1, 0, 0);
    expect((tensors.get('t4')!.data as Int32Array)[2]).toBe(op.out.data[2]); // same y
    expect(outcome(op, tensors)).toBe('accepted');
  });

  it('wide excesses are split in two digits and wide t is defined by its limbs: neither is claimed', () => {
    const spec = cases[0]![1];
    const op = makeOp(spec, [3, 5], 31, 400000, 4);
    const plan = requantPlan(F, specRequant(op));
    // Z1 ≥ 2^16 for inputs up to (p−1)/2 − 2^16: z = lo + 2^bits·hi, hi ≤ top < 2^16.
    expect(plan.split1).toBeDefined();
    expect(plan.Z1).toBe(2 ** plan.split1!.bits * (plan.split1!.top + 1) - 1);
    expect(plan.split1!.top).toBeLessThan(2 ** 16);
    expect(plan.d1 * (plan.qClamp + 1 + plan.Z1) + plan.h1).toBeLessThanOrEqual((F.p - 1) / 2); // no wrap at the rounded bound
    const defined = requantRanges(specRequant(op), plan).filter((r) => r[3].defined).map((r) => r[0]);
    expect(defined.includes(plan.ids.t!)).toBe(plan.tHi - plan.tLo >= 2 ** 16);
    const honest = run(op);
    expect(honest.claimsError).toBeUndefined();
    expect(honest.lookupsError).toBeUndefined();
    const claimed = new Set(honest.verifier.claims.map((c) => String(c.tensor)));
    for (const id of [...defined, plan.ids.exc1!]) expect(claimed.has(id)).toBe(false);
    expect(claimed.has(plan.ids.exc1lo!) && claimed.has(plan.ids.exc1hi!)).toBe(true);
  });

  it('split excess: digits of a wrong excess break the relation; a top digit above its bound fails its range check', () => {
    const spec = cases[0]![1];
    const op = makeOp(spec, [3, 5], 32, 400000, 4);
    const plan = requantPlan(F, specRequant(op));
    const sp = plan.split1!;
    const B = 2 ** sp.bits;
    const sel1 = witnessRequant(op).get(plan.ids.sel1!)!.data;
    const i = sel1.findIndex((v) => v === 1);
    expect(i).toBeGreaterThanOrEqual(0);
    const setDigits = (tensors: Map<string, TestTensor>, z: number) => {
      (tensors.get(plan.ids.exc1!)!.data as Int32Array)[i] = z;
      (tensors.get(plan.ids.exc1lo!)!.data as Int32Array)[i] = z % B;
      (tensors.get(plan.ids.exc1hi!)!.data as Int32Array)[i] = Math.floor(z / B);
    };
    // z + 1 with consistent digits: x no longer decomposes.
    const t1 = tensorsOf(op);
    const z = (t1.get(plan.ids.exc1!)!.data as Int32Array)[i]!;
    setDigits(t1, z + 1 <= plan.Z1 ? z + 1 : z - 1);
    expect(outcome(op, t1)).toBe('rejected');
    // z = Z1 + 1 (hi = top + 1, lo = 0) with x made consistent: only hi's range check catches it.
    const t2 = tensorsOf(op);
    setDigits(t2, plan.Z1 + 1);
    const x = t2.get('t3')!.data as Int32Array;
    const rem1 = (t2.get(plan.ids.rem1!)!.data as Int32Array)[i]!;
    x[i] = plan.d1 * (plan.qClamp + 1 + plan.Z1 + 1) + rem1;
    expect(outcome(op, t2)).toMatch(LOOKUP_REJECTED);
  });

  it('saturating inner clamp: the smallest T at which y saturates replaces q, and gives the kernel\'s y for every input', () => {
    const spec = cases[0]![1];
    const s = specRequant(makeOp(spec, [3, 5], 41, 1000, 0));
    const plan = requantPlan(F, s);
    const m = spec.m[0]!;
    const roundT = (T: number) => Math.floor((T * m + plan.h2) / plan.d2);
    expect(plan.qClamp).toBeLessThan(spec.q);
    expect(roundT(plan.qClamp) >= spec.hi && roundT(-plan.qClamp) <= spec.lo).toBe(true);
    expect(roundT(plan.qClamp - 1) >= spec.hi && roundT(-(plan.qClamp - 1)) <= spec.lo).toBe(false);
    // Every stage-1 value around both clamps: the witness (clamped at T) reproduces the kernel.
    const xs: number[] = [];
    for (const v of [plan.qClamp, spec.q]) for (let k = -3; k <= 3; k++) xs.push((v + k) * plan.d1, -(v + k) * plan.d1);
    const shape = [xs.length];
    const x = Int32Array.from(xs);
    const y = new Int32Array(xs.length);
    requantKernel(y, x, spec, 1);
    const op: RequantOp = { op: 'requant', name: 'test.sat', spec, input: { id: 3, shape, data: x }, out: { id: 4, shape, data: y } };
    const out = run(op);
    expect(out.claimsError).toBeUndefined();
    expect(out.lookupsError).toBeUndefined();
    // No saturating T for a negative multiplier: the relation keeps q.
    expect(requantPlan(F, { ...s, m: [-m] }).qClamp).toBe(spec.q);
  });

  it('exact t: when the inner clamp matters, an unclamped t is rejected', () => {
    const spec = cases[6]![1];
    const op = makeOp(spec, [4, 3], 22, 1000, 0);
    const plan = requantPlan(F, specRequant(op));
    const x = op.input.data;
    x[0] = plan.d1 * -(spec.q + 10); // channel 0 (m = 3): y = round(−500·3/16) = −94, unsaturated
    requantKernel(op.out.data, x, spec, 3);
    expect(op.out.data[0]).toBe(-94);
    const tensors = forgeStage1(op, 0, -(spec.q + 10), 0, 0);
    expect((tensors.get('t4')!.data as Int32Array)[0]).toBe(-96); // a different output
    expect(outcome(op, tensors)).toMatch(LOOKUP_REJECTED);
  });

  it('declared input bound: no stage-1 clamp when the unclamped t fits, same y as the kernel, and no proof beyond the bound', () => {
    const xMax = 300000;
    const spec: RequantSpec = { ...makeRequant([0.0131], -2047, 2047), xMax };
    const op = makeOp(spec, [4, 5], 41, xMax, 0);
    const x = op.input.data;
    x[0] = xMax;
    x[1] = -xMax; // both saturate y: the kernel's inner clamp is irrelevant
    requantKernel(op.out.data, x, spec, 5);
    const plan = requantPlan(F, specRequant(op));
    const unbounded = requantPlan(F, { ...specRequant(op), xMax: undefined });
    expect(plan.clamp1).toBe(false);
    expect(plan.ids.sel1).toBeUndefined();
    expect(unbounded.clamp1).toBe(true);
    expect(requantWitnessIds(F, specRequant(op)).length).toBeLessThan(requantWitnessIds(F, { ...specRequant(op), xMax: undefined }).length);
    // t = round(x / 2^s1) unclamped, in a power-of-two window covering the bound.
    expect(plan.tLo).toBeLessThanOrEqual(-Math.ceil(xMax / plan.d1));
    expect(plan.tHi).toBeGreaterThanOrEqual(Math.ceil(xMax / plan.d1));
    const out = run(op);
    expect(out.claimsError).toBeUndefined();
    expect(out.lookupsError).toBeUndefined();
    // Beyond the window the prover has no witness (an honest model never gets there)…
    const far = makeOp(spec, [4, 5], 42, xMax, 0);
    far.input.data[3] = plan.d1 * (plan.tHi + 2);
    requantKernel(far.out.data, far.input.data, spec, 5);
    expect(() => witnessRequant(far)).toThrow(/outside the provable domain/);
    // …and a t outside the window (a wrapped decomposition of the same x) fails its range check.
    const forged = forgeStage1(op, 2, op.input.data[2]! > 0 ? plan.tHi + 5 : plan.tLo - 5, 0, 0);
    expect(outcome(op, forged)).not.toBe('accepted');
  });

  it('declared input bound: must be an integer in [0, REQUANT_INPUT_BOUND]', () => {
    const base: RequantLayerSpec = { input: { id: 'a', shape: [2] }, out: { id: 'b', shape: [2] }, s1: 2, q: 100, m: [3], s2: 4, lo: -5, hi: 5 };
    expect(() => requantPlan(F, { ...base, xMax: -1 })).toThrow(/xMax/);
    expect(() => requantPlan(F, { ...base, xMax: 1.5 })).toThrow(/xMax/);
    expect(() => requantPlan(F, { ...base, xMax: (F.p - 1) / 2 })).toThrow(/xMax/);
    expect(requantPlan(F, { ...base, xMax: 0 }).clamp1).toBe(false);
  });

  it('excess bounds are rounded up to 2^k − 1 (one lookup window) when nothing can wrap', () => {
    for (const [, spec, shape] of cases) {
      const plan = requantPlan(F, { input: { id: 'a', shape }, out: { id: 'b', shape }, ...spec, m: Array.from(spec.m) });
      for (const [Z, split] of [[plan.Z1, plan.split1], [plan.Z2, plan.split2]] as const) {
        if (Z > 0 && !split && Z < 2 ** 16) expect(Number.isInteger(Math.log2(Z + 1))).toBe(true);
      }
    }
  });

  it('rejects specs it cannot prove soundly', () => {
    const base: RequantLayerSpec = { input: { id: 'a', shape: [2] }, out: { id: 'b', shape: [2] }, s1: 2, q: 100, m: [3], s2: 4, lo: -5, hi: 5 };
    expect(() => requantPlan(F, { ...base, s1: 17 })).toThrow(LayerError);
    expect(() => requantPlan(F, { ...base, m: [1, 2, 3] })).toThrow(LayerError);
    expect(() => requantPlan(F, { ...base, q: 10 ** 9, s1: 0, m: [-3] })).toThrow(LayerError); // q·m wraps (no saturating clamp: m < 0)
    expect(() => requantPlan(F, { ...base, out: { id: 'b', shape: [3] } })).toThrow(LayerError);
  });
});

describe('requant, rope and lookup ops of a real trace', () => {
  it('prove and verify every such op of layer 0 (and the final norm) of a GQA fixture (lookups: membership only)', () => {
    const root = mkdtempSync(join(tmpdir(), 'zkllm-requant-'));
    try {
      writeFixture('llama-gqa-odd', join(root, 'm'));
      const model = loadModel(join(root, 'm'));
      const q = quantizeLoaded(model);
      const trace = quantForward(q, model.tokenizer.encode('The cat sat.'), { trace: true }).trace!;
      let n = 0;
      for (const op of trace.ops) {
        if (!(op.op === 'requant' || op.op === 'rope' || op.op === 'lookup') || /^L[1-9]/.test(op.name)) continue;
        const base = new Map<string, TestTensor>([
          [`t${op.input.id}`, { shape: op.input.shape, data: op.input.data }],
          [`t${op.out.id}`, { shape: op.out.shape, data: op.out.data }],
        ]);
        let res;
        if (op.op === 'requant') {
          const spec = specRequant(op);
          res = runLayerArgument({ tensors: mergeTensors(base, witnessRequant(op)), prove: (c) => proveRequant(c, spec), verify: (c) => verifyRequant(c, spec), lookups: 'membership' });
        } else if (op.op === 'rope') {
          const spec = specRope(op);
          res = runLayerArgument({ tensors: mergeTensors(base, witnessRope(op)), prove: (c) => proveRope(c, spec), verify: (c) => verifyRope(c, spec), lookups: 'membership' });
        } else {
          const spec = specLookupOp(op, q.tables);
          res = runLayerArgument({ tensors: mergeTensors(base, witnessLookupOp(op, q.tables)), prove: (c) => proveLookupOp(c, spec), verify: (c) => verifyLookupOp(c, spec), lookups: 'membership' });
        }
        expect(res.claimsError, op.name).toBeUndefined();
        expect(res.lookupsError, op.name).toBeUndefined();
        n++;
      }
      expect(n).toBeGreaterThan(15);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
