import { BabyBear as F, LayerError, ropePlan, ropeRow, ropeWitnessIds, verifyRope } from '@zkllm/verifier';
import { describe, expect, it } from 'vitest';
import { ropeInt, ropeTables } from '../model/quant/kernels.js';
import type { TraceOp } from '../model/quant/trace.js';
import { proveRope, specRope, witnessRope } from './rope.js';
import { mergeTensors, runLayerArgument, testRng, type TestTensor } from './testing.js';

/** How the verifier of a tlookup rejects a row that is not in the table. */
const LOOKUP_REJECTED = /not in the table|sums differ|does not match/;

type RopeOp = Extract<TraceOp, { op: 'rope' }>;

function makeOp(opts: { heads: number; hd: number; positions: number[]; clamp: number; seed: number; theta?: number }): RopeOp {
  const { heads, hd, positions, clamp, seed } = opts;
  const theta = opts.theta ?? 10000;
  const fr = 14;
  const T = positions.length;
  const width = heads * hd;
  const rng = testRng(seed);
  const x = Int32Array.from({ length: T * width }, (_, i) => (i % 5 === 0 ? (rng.int(0, 1) ? clamp : -clamp) : rng.int(-clamp, clamp)));
  const { cos, sin } = ropeTables(Math.max(...positions) + 1, hd, theta, fr);
  const y = new Int32Array(x.length);
  ropeInt(y, x, Int32Array.from(positions), heads, hd, cos, sin, fr, clamp);
  return {
    op: 'rope',
    name: 'L0.q.rope',
    input: { id: 20, shape: [T, width], data: x },
    positions: Int32Array.from(positions),
    heads,
    headDim: hd,
    theta,
    fr,
    clamp,
    out: { id: 21, shape: [T, width], data: y },
  };
}

function tensorsOf(op: RopeOp): Map<string, TestTensor> {
  return mergeTensors(
    new Map<string, TestTensor>([
      ['t20', { shape: op.input.shape, data: op.input.data.slice() }],
      ['t21', { shape: op.out.shape, data: op.out.data.slice() }],
    ]),
    witnessRope(op),
  );
}

function run(op: RopeOp, tensors = tensorsOf(op), opts: { unchecked?: boolean; tamper?: (b: Uint8Array) => Uint8Array } = {}) {
  const spec = specRope(op);
  return runLayerArgument({
    tensors,
    prove: (ctx) => proveRope(ctx, spec, { unchecked: opts.unchecked }),
    verify: (ctx) => verifyRope(ctx, spec),
    tamper: opts.tamper,
  });
}

function outcome(op: RopeOp, tensors: Map<string, TestTensor>): string {
  try {
    const r = run(op, tensors, { unchecked: true });
    return r.claimsError ?? r.lookupsError ?? 'accepted';
  } catch (e) {
    if (e instanceof LayerError) return 'rejected';
    throw e;
  }
}

describe('rope argument', () => {
  it('recomputes the kernel tables exactly', () => {
    const { cos, sin } = ropeTables(50, 24, 10000, 14);
    for (const p of [0, 1, 17, 49]) {
      const row = ropeRow(p, 24, 10000, 14);
      expect(Array.from(row.cos)).toEqual(Array.from(cos.subarray(p * 12, p * 12 + 12)));
      expect(Array.from(row.sin)).toEqual(Array.from(sin.subarray(p * 12, p * 12 + 12)));
    }
  });

  for (const [name, o] of [
    ['2 heads of dim 6, mixed positions, ±2047', { heads: 2, hd: 6, positions: [0, 1, 2, 3, 7], clamp: 2047, seed: 1 }],
    ['3 heads of dim 24 (not a power of two), far positions', { heads: 3, hd: 24, positions: [4, 9, 100], clamp: 2047, seed: 2 }],
    ['small clamp: many saturations', { heads: 1, hd: 10, positions: [3, 5, 6, 11], clamp: 100, seed: 3, theta: 500 }],
  ] as Array<[string, Parameters<typeof makeOp>[0]]>) {
    it(`proves and verifies: ${name}`, () => {
      const op = makeOp(o);
      const out = run(op);
      expect(out.claimsError).toBeUndefined();
      expect(out.lookupsError).toBeUndefined();
      expect([...witnessRope(op).keys()].sort()).toEqual(ropeWitnessIds(F, specRope(op)).sort());
    });
  }

  it('covers saturation in both directions', () => {
    const op = makeOp({ heads: 1, hd: 10, positions: [3, 5, 6, 11], clamp: 100, seed: 3, theta: 500 });
    const sel = witnessRope(op).get(ropePlan(F, specRope(op)).ids.sel!)!.data;
    expect(sel.includes(1) && sel.includes(-1) && sel.includes(0)).toBe(true);
  });

  it('rejects an output off by one', () => {
    const op = makeOp({ heads: 2, hd: 6, positions: [0, 1, 2, 3, 7], clamp: 2047, seed: 4 });
    const tensors = tensorsOf(op);
    (tensors.get('t21')!.data as Int32Array)[7]! += 1;
    expect(() => run(op, tensors)).toThrow(LayerError);
    expect(outcome(op, tensors)).toBe('rejected');
  });

  it('rejects a trace with the sine sign flipped (wrong rotation direction)', () => {
    const op = makeOp({ heads: 2, hd: 6, positions: [1, 2, 3], clamp: 2047, seed: 5 });
    const fr = 14;
    const { cos, sin } = ropeTables(4, 6, 10000, fr);
    const neg = sin.map((s) => -s);
    const y = new Int32Array(op.out.data.length);
    ropeInt(y, op.input.data, op.positions, 2, 6, cos, neg, fr, 2047);
    expect(Array.from(y)).not.toEqual(Array.from(op.out.data));
    const bad: RopeOp = { ...op, out: { ...op.out, data: y } };
    expect(() => witnessRope(bad)).toThrow(LayerError);
    const tensors = tensorsOf(op);
    tensors.set('t21', { shape: op.out.shape, data: y });
    expect(outcome(op, tensors)).toBe('rejected');
  });

  it('rejects an off-by-one output whose remainder compensates, and an input beyond its bound', () => {
    const op = makeOp({ heads: 2, hd: 6, positions: [0, 1, 2, 3, 7], clamp: 2047, seed: 6 });
    const plan = ropePlan(F, specRope(op));
    {
      const tensors = tensorsOf(op);
      const y = tensors.get('t21')!.data as Int32Array;
      const i = y.findIndex((v) => Math.abs(v) < 2000);
      y[i]! += 1;
      (tensors.get(plan.ids.rem!)!.data as Int32Array)[i]! -= plan.d;
      expect(outcome(op, tensors)).toMatch(LOOKUP_REJECTED);
    }
    {
      const tensors = tensorsOf(op);
      (tensors.get('t20')!.data as Int32Array)[0] = 5000;
      expect(outcome(op, tensors)).not.toBe('accepted');
    }
  });

  it('rejects tampered and truncated proofs', () => {
    const op = makeOp({ heads: 2, hd: 6, positions: [0, 1, 2], clamp: 2047, seed: 7 });
    const n = run(op).bytes.length;
    for (const k of [0, 40, n - 1]) {
      expect(() =>
        run(op, undefined, {
          tamper: (b) => {
            const c = b.slice();
            c[k] ^= 4;
            return c;
          },
        }),
      ).toThrow();
    }
    expect(() => run(op, undefined, { tamper: (b) => b.slice(0, n - 1) })).toThrow();
  });

  it('rejects malformed specs', () => {
    const spec = specRope(makeOp({ heads: 2, hd: 6, positions: [0, 1], clamp: 2047, seed: 8 }));
    expect(() => ropePlan(F, { ...spec, headDim: 5 })).toThrow(LayerError);
    expect(() => ropePlan(F, { ...spec, positions: [0] })).toThrow(LayerError);
    expect(() => ropePlan(F, { ...spec, inputBound: 2 ** 29 })).toThrow(LayerError);
  });
});
