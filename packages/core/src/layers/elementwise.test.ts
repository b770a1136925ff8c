import {
  BabyBear as F,
  BabyBearExt4 as E,
  ByteReader,
  ByteWriter,
  Transcript,
  VerifierContext,
  padTensor,
  verifyAdd,
  verifyCenter,
  verifyMul,
  verifyRowmul,
  verifySumsq,
  type LayerContext,
} from '@zkllm/verifier';
import { describe, expect, it } from 'vitest';
import { ProverContext } from './context.js';
import {
  proveAdd,
  proveCenter,
  proveMul,
  proveRowmul,
  proveSumsq,
  specAdd,
  specCenter,
  specMul,
  specRowmul,
  specSumsq,
  witnessAdd,
  witnessCenter,
  witnessMul,
  witnessRowmul,
  witnessSumsq,
} from './elementwise.js';
import { checkClaims, layerRejection, runLayerArgument, tamperPositions, testRng, type TestTensor } from './testing.js';

const rng = testRng(0xe1e);
const rand = (n: number, lo: number, hi: number) => Int32Array.from({ length: n }, () => rng.int(lo, hi));
const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
const tensor = (id: number, shape: number[], data: Int32Array) => ({ id, shape, data });

interface Case {
  name: string;
  tensors: Map<string, TestTensor>;
  prove: (ctx: ProverContext) => void;
  verify: (ctx: LayerContext) => void;
  /** Tensor id of the output (the entry a cheating prover changes). */
  out: string;
  claims: string[];
}

function addCase(shape: number[]): Case {
  const a = rand(size(shape), -32767, 32767);
  const b = rand(size(shape), -32767, 32767);
  const out = a.map((v, i) => v + b[i]!);
  const op = { op: 'add' as const, name: 'resid', a: tensor(1, shape, a), b: tensor(2, shape, b), out: tensor(3, shape, out) };
  const spec = specAdd(op);
  expect(witnessAdd(op).size).toBe(0);
  return {
    name: `add [${shape}]`,
    tensors: new Map([
      ['t1', { shape, data: a }],
      ['t2', { shape, data: b }],
      ['t3', { shape, data: out }],
    ]),
    prove: (ctx) => proveAdd(ctx, spec),
    verify: (ctx) => verifyAdd(ctx, spec),
    out: 't3',
    claims: ['t3', 't1', 't2'],
  };
}

function mulCase(shape: number[]): Case {
  const a = rand(size(shape), -2047, 2047);
  const b = rand(size(shape), -2047, 2047);
  const out = a.map((v, i) => v * b[i]!);
  const op = { op: 'mul' as const, name: 'swiglu', a: tensor(1, shape, a), b: tensor(2, shape, b), out: tensor(3, shape, out) };
  const spec = specMul(op);
  expect(witnessMul(op).size).toBe(0);
  return {
    name: `mul [${shape}]`,
    tensors: new Map([
      ['t1', { shape, data: a }],
      ['t2', { shape, data: b }],
      ['t3', { shape, data: out }],
    ]),
    prove: (ctx) => proveMul(ctx, spec),
    verify: (ctx) => verifyMul(ctx, spec),
    out: 't3',
    claims: ['t3', 't1', 't2'],
  };
}

function centerOut(x: Int32Array, shape: number[]): Int32Array {
  const n = shape[shape.length - 1]!;
  const out = new Int32Array(x.length);
  for (let r = 0; r < x.length / n; r++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += x[r * n + i]!;
    for (let i = 0; i < n; i++) out[r * n + i] = n * x[r * n + i]! - s;
  }
  return out;
}

function centerCase(shape: number[]): Case {
  const x = rand(size(shape), -32767, 32767);
  const out = centerOut(x, shape);
  const op = { op: 'center' as const, name: 'ln.center', input: tensor(4, shape, x), out: tensor(5, shape, out) };
  const spec = specCenter(op);
  expect(witnessCenter(op).size).toBe(0);
  return {
    name: `center [${shape}]`,
    tensors: new Map([
      ['t4', { shape, data: x }],
      ['t5', { shape, data: out }],
    ]),
    prove: (ctx) => proveCenter(ctx, spec),
    verify: (ctx) => verifyCenter(ctx, spec),
    out: 't5',
    claims: ['t5', 't4'],
  };
}

function sumsqOut(x: Int32Array, shape: number[], c: number): Int32Array {
  const n = shape[shape.length - 1]!;
  const out = new Int32Array(x.length / n);
  for (let r = 0; r < out.length; r++) {
    let s = c;
    for (let i = 0; i < n; i++) s += x[r * n + i]! * x[r * n + i]!;
    out[r] = s;
  }
  return out;
}

function sumsqCase(shape: number[], c: number): Case {
  const x = rand(size(shape), -1000, 1000);
  const lead = shape.slice(0, -1);
  const out = sumsqOut(x, shape, c);
  const op = { op: 'sumsq' as const, name: 'ln.sumsq', input: tensor(6, shape, x), c, out: tensor(7, lead, out) };
  const spec = specSumsq(op);
  expect(witnessSumsq(op).size).toBe(0);
  return {
    name: `sumsq [${shape}] + ${c}`,
    tensors: new Map([
      ['t6', { shape, data: x }],
      ['t7', { shape: lead, data: out }],
    ]),
    prove: (ctx) => proveSumsq(ctx, spec),
    verify: (ctx) => verifySumsq(ctx, spec),
    out: 't7',
    claims: ['t7', 't6'],
  };
}

function rowmulCase(shape: number[]): Case {
  const x = rand(size(shape), -32767, 32767);
  const lead = shape.slice(0, -1);
  const n = shape[shape.length - 1]!;
  const s = rand(size(lead), 0, 16383);
  const out = x.map((v, i) => v * s[Math.floor(i / n)]!);
  const op = { op: 'rowmul' as const, name: 'ln.scale', input: tensor(8, shape, x), scale: tensor(9, lead, s), out: tensor(10, shape, out) };
  const spec = specRowmul(op);
  expect(witnessRowmul(op).size).toBe(0);
  return {
    name: `rowmul [${shape}]`,
    tensors: new Map([
      ['t8', { shape, data: x }],
      ['t9', { shape: lead, data: s }],
      ['t10', { shape, data: out }],
    ]),
    prove: (ctx) => proveRowmul(ctx, spec),
    verify: (ctx) => verifyRowmul(ctx, spec),
    out: 't10',
    claims: ['t10', 't9', 't8'],
  };
}

const cases: Case[] = [
  addCase([3, 5]),
  addCase([7]),
  mulCase([3, 5]),
  mulCase([2, 9]),
  mulCase([1]),
  centerCase([3, 5]),
  centerCase([1, 7]),
  centerCase([4, 1]),
  centerCase([2, 3, 6]),
  sumsqCase([3, 5], 7),
  sumsqCase([1, 6], -3),
  sumsqCase([5], 11),
  sumsqCase([2, 3, 3], 0),
  rowmulCase([3, 5]),
  rowmulCase([5, 1]),
  rowmulCase([1, 9]),
  rowmulCase([2, 3, 4]),
];

const runArgs = (c: Case, tensors = c.tensors, tamper?: (b: Uint8Array) => Uint8Array) => ({
  tensors,
  prove: c.prove,
  verify: c.verify,
  ...(tamper ? { tamper } : {}),
});

describe('elementwise arguments', () => {
  it('prove add, mul, center, sumsq, rowmul on awkward shapes; every claim matches', () => {
    for (const c of cases) {
      const out = runLayerArgument(runArgs(c));
      expect(out.claimsError, c.name).toBeUndefined();
      expect(out.verifier.lookups, c.name).toHaveLength(0);
      expect(out.verifier.claims.map((x) => x.tensor), c.name).toEqual(c.claims);
    }
  });

  it('catch a wrong output entry (first, middle and last real entries)', () => {
    for (const c of cases) {
      const t = c.tensors.get(c.out)!;
      for (const i of new Set([0, Math.floor(t.data.length / 2), t.data.length - 1])) {
        const data = Int32Array.from(t.data);
        data[i]! += 1;
        const m = new Map(c.tensors).set(c.out, { shape: t.shape, data });
        expect(layerRejection(runArgs(c, m)), `${c.name} entry ${i}`).toBeDefined();
      }
    }
  });

  it('catch a wrong input entry', () => {
    // (center over a length-1 axis is identically 0: its input does not matter.)
    for (const c of cases.filter((x) => x.name !== 'center [4,1]')) {
      const id = c.claims[c.claims.length - 1]!;
      const t = c.tensors.get(id)!;
      const data = Int32Array.from(t.data);
      data[data.length - 1]! += 3;
      const m = new Map(c.tensors).set(id, { shape: t.shape, data });
      expect(layerRejection(runArgs(c, m)), c.name).toBeDefined();
    }
  });

  it('reject sampled byte flips', () => {
    for (const c of [cases[0]!, cases[2]!, cases[5]!, cases[9]!, cases[13]!]) {
      const bytes = runLayerArgument(runArgs(c)).bytes;
      for (const pos of tamperPositions(bytes.length, 11)) {
        const reason = layerRejection(
          runArgs(c, c.tensors, (b) => {
            const x = b.slice();
            x[pos]! ^= 0x04;
            return x;
          }),
        );
        expect(reason, `${c.name} flip at ${pos}`).toBeDefined();
      }
    }
  });

  it('reject shape mismatches', () => {
    const ref = (id: string, shape: number[]) => ({ id, shape });
    const rej = (verify: (ctx: LayerContext) => void) => layerRejection({ tensors: new Map(), prove: () => {}, verify });
    expect(rej((ctx) => verifyAdd(ctx, { a: ref('a', [2, 3]), b: ref('b', [3, 2]), out: ref('o', [2, 3]) }))).toMatch(/differ/);
    expect(rej((ctx) => verifySumsq(ctx, { input: ref('x', [2, 3]), out: ref('o', [3]), c: 0 }))).toMatch(/leading axes/);
    expect(rej((ctx) => verifySumsq(ctx, { input: ref('x', [2, 3]), out: ref('o', [2]), c: 0.5 }))).toMatch(/not an integer/);
    expect(rej((ctx) => verifyRowmul(ctx, { input: ref('x', [2, 3]), scale: ref('s', [3]), out: ref('o', [2, 3]) }))).toMatch(/leading axes/);
    expect(rej((ctx) => verifyCenter(ctx, { input: ref('x', [2, 0]), out: ref('o', [2, 0]) }))).toMatch(/malformed/);
  });

  it('sums over an axis ignore the padding of their input (masked relations)', () => {
    // The committed input carries a non-zero entry in a padding column of row 0 (a prover
    // may commit anything there). sumsq's and center's sums are masked, so the TRUE real
    // outputs still verify; center's own padding entry follows n·x there, as its relation
    // states for every padded entry.
    for (const c of [sumsqCase([3, 5], 2), centerCase([3, 5])]) {
      const tables = new Map<string, Uint32Array>();
      for (const [id, t] of c.tensors) tables.set(id, padTensor(F, t.data, t.shape));
      const x = tables.get(c.claims[1]!)!;
      x[5] = F.fromInt(12345); // row 0, column 5 of the padded [4, 8] layout
      if (c.name.startsWith('center')) tables.get(c.out)![5] = F.fromInt(5 * 12345);
      const w = new ByteWriter();
      const prover = new ProverContext(E, new Transcript('pad-test', E), w, tables);
      c.prove(prover);
      const verifier = new VerifierContext(E, new Transcript('pad-test', E), new ByteReader(w.finish()));
      c.verify(verifier);
      expect(checkClaims(verifier.claims, tables), c.name).toBeUndefined();
    }
  });
});
