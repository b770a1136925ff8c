import { LayerError, softmaxRowBound, softmaxWitnessIds, verifySoftmax, type SoftmaxSpec } from '@zkllm/verifier';
import { describe, expect, it } from 'vitest';
import { makeSoftmax, softmaxRow, softmaxRowSumBound, type SoftmaxSetup } from '../model/quant/softmax.js';
import type { IntTensor, LookupTable as QuantLookupTable, TraceOp } from '../model/quant/trace.js';
import { proveSoftmax, specSoftmax, witnessSoftmax } from './softmax.js';
import { mergeTensors, runLayerArgument, testRng, type TestTensor } from './testing.js';

type SoftmaxOp = Extract<TraceOp, { op: 'softmax' }>;

const tensor = (id: number, shape: number[], data: Int32Array): IntTensor => ({ id, shape, data });

/** zkAttn of one entry for a given shift (independent of the code under test). */
function zkAttn(e: number, sm: SoftmaxSetup): number {
  const { fp, baseBits } = sm.params;
  const K = sm.tables.length;
  let P = 0;
  for (let k = 0; k < K; k++) {
    const d = k < K - 1 ? e % 2 ** baseBits : e;
    e = k < K - 1 ? (e - d) / 2 ** baseBits : 0;
    const x = sm.tables[k]!.values[d]!;
    P = k === 0 ? x : Math.floor((P * x + 2 ** (fp - 1)) / 2 ** fp);
  }
  return P;
}

interface Instance {
  op: SoftmaxOp;
  sm: SoftmaxSetup;
  tables: Map<string, QuantLookupTable>;
}

/**
 * Random scores |z| ≤ zBound (masked entries random too: the argument must ignore them),
 * honest shifts and probabilities from the model's softmaxRow.
 */
function makeInstance(H: number, T: number, seed: number, opts: { fs?: number; fp?: number; zBound?: number; digits?: number } = {}): Instance {
  const fs = opts.fs ?? 4;
  const fp = opts.fp ?? 8;
  const zBound = opts.zBound ?? 60;
  const sm = makeSoftmax('L0.softmax', fs, fp, zBound, Math.max(T, 2), opts.digits ?? 2);
  const rng = testRng(seed);
  const z = Int32Array.from({ length: H * T * T }, () => rng.int(-zBound, zBound));
  const p = new Int32Array(H * T * T);
  const shift = new Int32Array(H * T);
  for (let h = 0; h < H; h++) for (let t = 0; t < T; t++) shift[h * T + t] = softmaxRow(p, (h * T + t) * T, z, (h * T + t) * T, t + 1, sm);
  const op: SoftmaxOp = {
    op: 'softmax',
    name: 'L0.softmax',
    input: tensor(1, [H, T, T], z),
    shift: tensor(2, [H, T], shift),
    params: sm.params,
    out: tensor(3, [H, T, T], p),
  };
  return { op, sm, tables: new Map(sm.tables.map((t) => [t.name, t])) };
}

/** The same instance with row (h, t) recomputed from shift ŝ + delta (a consistent but bad shift). */
function withShift(inst: Instance, h: number, t: number, delta: number): Instance {
  const { op, sm } = inst;
  const [, T] = op.input.shape as [number, number, number];
  const shift = Int32Array.from(op.shift.data);
  const p = Int32Array.from(op.out.data);
  shift[h * T + t]! += delta;
  for (let j = 0; j <= t; j++) p[(h * T + t) * T + j] = zkAttn(shift[h * T + t]! - op.input.data[(h * T + t) * T + j]!, sm);
  return { ...inst, op: { ...op, shift: { ...op.shift, data: shift }, out: { ...op.out, data: p } } };
}

function tensorsOf(inst: Instance): Map<string, TestTensor> {
  const { op } = inst;
  const base = new Map<string, TestTensor>([
    ['t1', { shape: op.input.shape, data: op.input.data }],
    ['t3', { shape: op.out.shape, data: op.out.data }],
  ]);
  return mergeTensors(base, witnessSoftmax(op, inst.tables));
}

function run(inst: Instance, opts: { tensors?: Map<string, TestTensor>; spec?: SoftmaxSpec; tamper?: (b: Uint8Array) => Uint8Array } = {}) {
  const spec = opts.spec ?? specSoftmax(inst.op, inst.tables);
  return runLayerArgument({
    tensors: opts.tensors ?? tensorsOf(inst),
    prove: (ctx) => proveSoftmax(ctx, spec),
    verify: (ctx) => verifySoftmax(ctx, spec),
    tamper: opts.tamper,
  });
}

/** Returns a copy of the tensors with `edit` applied to the data of `id`. */
function edit(tensors: Map<string, TestTensor>, id: string, f: (d: Int32Array) => void): Map<string, TestTensor> {
  const out = new Map(tensors);
  const t = tensors.get(id)!;
  const data = Int32Array.from(t.data);
  f(data);
  out.set(id, { shape: t.shape, data });
  return out;
}

const W = softmaxWitnessIds('t3', 2);

describe('softmax (zkAttn)', () => {
  for (const [H, T, digits] of [
    [3, 5, 2],
    [2, 7, 3],
    [1, 1, 2],
    [4, 8, 2],
  ] as Array<[number, number, number]>) {
    it(`proves H=${H} T=${T} K=${digits}; claims open and every lookup holds`, () => {
      const out = run(makeInstance(H, T, H * 10 + T, { digits }));
      expect(out.claimsError).toBeUndefined();
      expect(out.lookupsError).toBeUndefined();
    });
  }

  it('proves the model parameters (fs = 8, fp = 14, scores up to ±32767)', () => {
    const out = run(makeInstance(2, 6, 77, { fs: 8, fp: 14, zBound: 32767 }));
    expect(out.claimsError).toBeUndefined();
    expect(out.lookupsError).toBeUndefined();
  });

  it('the verifier bound is the floor of the model bound', () => {
    const { sm } = makeInstance(1, 3, 1, { fs: 8, fp: 14 });
    for (const n of [1, 2, 7, 64, 128, 1000]) {
      expect(softmaxRowBound(8, 14, 2, n)).toBe(Math.floor(softmaxRowSumBound(sm.params, n)));
    }
  });

  it('rejects a wrong probability (causal entry and masked entry)', () => {
    const inst = makeInstance(3, 5, 5);
    const base = tensorsOf(inst);
    expect(() => run(inst, { tensors: edit(base, 't3', (d) => void (d[(1 * 5 + 3) * 5 + 2]! += 1)) })).toThrow(/relation sumcheck: final check failed/);
    expect(() => run(inst, { tensors: edit(base, 't3', (d) => void (d[(2 * 5 + 1) * 5 + 4] = 1)) })).toThrow(/relation sumcheck: final check failed/);
  });

  it('rejects a wrong score or a wrong shift under honest witnesses', () => {
    const inst = makeInstance(3, 5, 6);
    const base = tensorsOf(inst);
    expect(() => run(inst, { tensors: edit(base, 't1', (d) => void (d[(0 * 5 + 4) * 5 + 1]! += 1)) })).toThrow(/relation sumcheck: final check failed/);
    expect(() => run(inst, { tensors: edit(base, 't2', (d) => void (d[7]! -= 1)) })).toThrow(/relation sumcheck: final check failed/);
  });

  it('ignores masked scores (they are not softmax inputs)', () => {
    const inst = makeInstance(2, 4, 7);
    const base = tensorsOf(inst);
    const out = run(inst, { tensors: edit(base, 't1', (d) => void (d[(1 * 4 + 0) * 4 + 3]! += 1000)) });
    expect(out.claimsError).toBeUndefined();
    expect(out.lookupsError).toBeUndefined();
  });

  it('rejects a row that does not sum to ≈ 1: a consistent bad shift fails the row-sum range check', () => {
    const inst = makeInstance(2, 6, 8);
    const { fs, fp } = inst.op.params;
    const B = softmaxRowBound(fs, fp, 2, 6);
    const row = (1 * 6 + 5) * 6;
    const rowSum = (i: Instance) => Array.from(i.op.out.data.subarray(row, row + 6)).reduce((a, b) => a + b, 0);
    for (const delta of [40, 16]) {
      const bad = withShift(inst, 1, 5, delta);
      expect(Math.abs(rowSum(bad) - 2 ** fp)).toBeGreaterThan(B);
      const out = run(bad); // the relations hold (p is the zkAttn value for this shift) …
      expect(out.claimsError).toBeUndefined();
      expect(out.lookupsError).toMatch(/not in (the|its) table/); // … but a row-sum slack is negative
    }
    // The check is exactly |Σ_j p − 2^fp| ≤ B_t: nearby shifts (including the smallest one
    // keeping every exponent ≥ 0) are accepted iff their row stays within it.
    let maxZ = -Infinity;
    for (let j = 0; j < 6; j++) maxZ = Math.max(maxZ, inst.op.input.data[row + j]!);
    const slack = inst.op.shift.data[1 * 6 + 5]! - maxZ;
    for (const delta of [1, 2, 4, -slack]) {
      const near = withShift(inst, 1, 5, delta);
      const ok = Math.abs(rowSum(near) - 2 ** fp) <= B;
      expect(run(near).lookupsError === undefined, `delta ${delta}`).toBe(ok);
    }
  });

  it('rejects in-range row-sum slacks that do not match the row sum', () => {
    const inst = withShift(makeInstance(2, 6, 8), 1, 5, 40);
    const T = 6;
    const base = tensorsOf(inst);
    const B = softmaxRowBound(inst.op.params.fs, inst.op.params.fp, 2, 6);
    let tensors = edit(base, W.sumLo, (d) => void (d[1 * T + 5] = B));
    tensors = edit(tensors, W.sumHi, (d) => void (d[1 * T + 5] = B));
    expect(() => run(inst, { tensors })).toThrow(/row-sum slack/);
  });

  it('rejects a wrong digit (with its matching exp) and an exp that is not the digit’s table entry', () => {
    const inst = makeInstance(2, 5, 9);
    const base = tensorsOf(inst);
    const x = (1 * 5 + 3) * 5 + 1;
    const d0 = base.get(W.digit[0]!)!.data[x]!;
    const moved = edit(edit(base, W.digit[0]!, (d) => void (d[x] = d0 + 1)), W.exp[0]!, (d) => void (d[x] = inst.sm.tables[0]!.values[d0 + 1]!));
    expect(() => run(inst, { tensors: moved })).toThrow(/relation sumcheck: final check failed/);
    // An exp that is not the digit's table entry, with the product chain, remainder and
    // row-sum slacks adjusted so every relation holds: only the digit lookup catches it.
    const fp = inst.op.params.fp;
    const e0 = base.get(W.exp[0]!)!.data[x]!;
    const e1 = base.get(W.exp[1]!)!.data[x]! - 1;
    const p1 = Math.floor((e0 * e1 + 2 ** (fp - 1)) / 2 ** fp);
    const delta = p1 - base.get('t3')!.data[x]!;
    let t = edit(base, W.exp[1]!, (d) => void (d[x] = e1));
    t = edit(t, 't3', (d) => void (d[x] = p1));
    t = edit(t, W.rem[0]!, (d) => void (d[x] = e0 * e1 - 2 ** fp * p1));
    t = edit(t, W.sumLo, (d) => void (d[1 * 5 + 3]! += delta));
    t = edit(t, W.sumHi, (d) => void (d[1 * 5 + 3]! -= delta));
    const out = run(inst, { tensors: t });
    expect(out.claimsError).toBeUndefined();
    expect(out.lookupsError).toMatch(/L0\.softmax\.exp1/);
  });

  it('rejects a rescale that is off by one even with a matching remainder (remainder range check)', () => {
    const inst = makeInstance(2, 5, 10);
    const x = (1 * 5 + 4) * 5 + 2;
    const fp = inst.op.params.fp;
    let tensors = edit(tensorsOf(inst), 't3', (d) => void (d[x]! += 1));
    tensors = edit(tensors, W.rem[0]!, (d) => void (d[x]! -= 2 ** fp));
    tensors = edit(tensors, W.sumLo, (d) => void (d[1 * 5 + 4]! += 1));
    tensors = edit(tensors, W.sumHi, (d) => void (d[1 * 5 + 4]! -= 1));
    const out = run(inst, { tensors });
    expect(out.claimsError).toBeUndefined();
    expect(out.lookupsError).toMatch(/not in (the|its) table/);
  });

  it('rejects flipped bytes, truncation and trailing bytes', () => {
    const inst = makeInstance(2, 3, 11);
    const { bytes } = run(inst);
    for (let at = 0; at < bytes.length; at += 5) {
      let rejected = false;
      try {
        rejected = run(inst, { tamper: (b) => ((b = b.slice()), (b[at]! ^= 1), b) }).claimsError !== undefined;
      } catch {
        rejected = true;
      }
      expect(rejected, `byte ${at}`).toBe(true);
    }
    expect(() => run(inst, { tamper: (b) => b.subarray(0, b.length - 3) })).toThrow();
    expect(() => run(inst, { tamper: (b) => Uint8Array.from([...b, 1]) })).toThrow(/trailing/);
  });

  it('rejects malformed specs', () => {
    const inst = makeInstance(2, 3, 12);
    const spec = specSoftmax(inst.op, inst.tables);
    const bad: SoftmaxSpec[] = [
      { ...spec, fp: 15 },
      { ...spec, tables: spec.tables.slice(0, 1) },
      { ...spec, tables: [{ id: spec.tables[0]!.id, values: [1, 2, 3] }, spec.tables[1]!] },
      { ...spec, tables: [spec.tables[0]!, { id: spec.tables[1]!.id, values: [2 ** 20] }] },
      { ...spec, shift: { id: spec.shift.id, shape: [2, 4] } },
    ];
    for (const s of bad) expect(() => run(inst, { spec: s })).toThrow(LayerError);
  });
});
