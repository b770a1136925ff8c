import { BabyBear as F, LayerError, lookupTableFromTrace, verifyLookupOp } from '@zkllm/verifier';
import { describe, expect, it } from 'vitest';
import type { LookupTable, TraceOp } from '../model/quant/trace.js';
import { proveLookupOp, specLookupOp, witnessLookupOp } from './lookup-op.js';
import { runLayerArgument, testRng, type TestTensor } from './testing.js';

/** How the verifier of a tlookup rejects a row that is not in the table. */
const LOOKUP_REJECTED = /not in the table|sums differ|does not match/;

type LookupOp = Extract<TraceOp, { op: 'lookup' }>;

function table(name: string, inMin: number, n: number): LookupTable {
  const values = Int32Array.from({ length: n }, (_, j) => Math.round(40 * Math.tanh((j + inMin) / 7)) + (j % 3));
  return { name, inMin, values, description: 'test' };
}

function makeOp(t: LookupTable, shape: number[], seed: number): LookupOp {
  const rng = testRng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const x = Int32Array.from({ length: n }, (_, i) => (i === 0 ? t.inMin : i === 1 ? t.inMin + t.values.length - 1 : rng.int(t.inMin, t.inMin + t.values.length - 1)));
  const y = Int32Array.from(x, (v) => t.values[v - t.inMin]!);
  return { op: 'lookup', name: 'L0.act', table: t.name, input: { id: 8, shape, data: x }, out: { id: 9, shape, data: y } };
}

function run(op: LookupOp, tables: Map<string, LookupTable>, edit?: (x: Int32Array, y: Int32Array) => void) {
  const x = op.input.data.slice();
  const y = op.out.data.slice();
  edit?.(x, y);
  const tensors = new Map<string, TestTensor>([
    ['t8', { shape: op.input.shape, data: x }],
    ['t9', { shape: op.out.shape, data: y }],
  ]);
  const spec = specLookupOp(op, tables);
  return runLayerArgument({ tensors, prove: (ctx) => proveLookupOp(ctx, spec), verify: (ctx) => verifyLookupOp(ctx, spec) });
}

describe('lookup op', () => {
  const odd = table('L0.silu', -20, 41);
  const pow2 = table('rsqrt', 0, 64);
  const tables = new Map([
    [odd.name, odd],
    [pow2.name, pow2],
  ]);

  it('converts trace tables deterministically (padding rows, content-bound id)', () => {
    const a = lookupTableFromTrace(F, odd);
    const b = lookupTableFromTrace(F, { name: odd.name, inMin: odd.inMin, values: Int32Array.from(odd.values) });
    expect(a.id).toBe(b.id);
    expect(a.size).toBe(64);
    expect(F.toSigned(a.columns[1]![63]!)).toBe(odd.values[40]);
    const c = lookupTableFromTrace(F, { name: odd.name, inMin: odd.inMin, values: Int32Array.from(odd.values, (v, j) => (j === 5 ? v + 1 : v)) });
    expect(c.id).not.toBe(a.id);
    expect(() => lookupTableFromTrace(F, { name: 'big', inMin: 0, values: new Int32Array(2 ** 16 + 1) })).toThrow(LayerError);
  });

  for (const [t, shape] of [
    [odd, [3, 7]],
    [pow2, [5]],
    [odd, [2, 3, 5]],
  ] as Array<[LookupTable, number[]]>) {
    it(`proves out = table(x) for table ${t.name} (${t.values.length} rows), shape [${shape}]`, () => {
      const op = makeOp(t, shape, shape.length);
      expect(witnessLookupOp(op, tables).size).toBe(0);
      const out = run(op, tables);
      expect(out.bytes.length).toBe(0);
      expect(out.claimsError).toBeUndefined();
      expect(out.lookupsError).toBeUndefined();
    });
  }

  it('rejects an output off by one', () => {
    const op = makeOp(odd, [3, 7], 4);
    expect(run(op, tables, (_x, y) => (y[6]! += 1)).lookupsError).toMatch(LOOKUP_REJECTED);
    expect(() => witnessLookupOp({ ...op, out: { ...op.out, data: op.out.data.map((v, i) => (i === 6 ? v + 1 : v)) } }, tables)).toThrow(LayerError);
  });

  it('rejects an input in the padding rows of the table (outside the domain)', () => {
    const op = makeOp(odd, [3, 7], 5);
    const lut = lookupTableFromTrace(F, odd);
    const out = run(op, tables, (x, y) => {
      x[2] = odd.inMin + 50; // a key of the padded table
      y[2] = F.toSigned(lut.columns[1]![50]!);
    });
    expect(out.lookupsError).toMatch(LOOKUP_REJECTED);
  });

  it('rejects mismatched shapes', () => {
    const op = makeOp(odd, [3, 7], 6);
    const spec = specLookupOp(op, tables);
    expect(() => runLayerArgument({ tensors: new Map(), prove: () => {}, verify: (ctx) => verifyLookupOp(ctx, { ...spec, out: { id: 't9', shape: [21] } }) })).toThrow(LayerError);
  });
});
