import { describe, expect, it } from 'vitest';
import { BabyBear as F, BabyBearExt4 as E } from '../field/index.js';
import { makeRng } from '../testing/rng.js';
import { eqEval, eqTable, evalMleBase, evalMleExt, interpolateAt } from './index.js';

const rng = makeRng(11);
const randExt = () => Uint32Array.of(F.randomFrom(rng), F.randomFrom(rng), F.randomFrom(rng), F.randomFrom(rng));
const randPoint = (n: number) => {
  const r = new Uint32Array(4 * n);
  for (let i = 0; i < r.length; i++) r[i] = F.randomFrom(rng);
  return r;
};

describe('multilinear', () => {
  it('evaluates at Boolean points to table entries (bit k of index = variable k)', () => {
    const table = Uint32Array.from({ length: 8 }, () => F.randomFrom(rng));
    for (let i = 0; i < 8; i++) {
      const pt = new Uint32Array(12);
      for (let k = 0; k < 3; k++) pt[4 * k] = (i >> k) & 1;
      expect(Array.from(evalMleBase(E, table, pt))).toEqual([table[i], 0, 0, 0]);
    }
  });

  it('eq table sums to 1, matches eqEval, and MLE = <table, eq>', () => {
    const n = 5;
    const z = randPoint(n);
    const eq = eqTable(E, z);
    let sum = E.zero();
    for (let i = 0; i < 1 << n; i++) {
      sum = E.add(sum, E.get(eq, i));
      const b = new Uint32Array(4 * n);
      for (let k = 0; k < n; k++) b[4 * k] = (i >> k) & 1;
      expect(Array.from(E.get(eq, i))).toEqual(Array.from(eqEval(E, z, b)));
    }
    expect(Array.from(sum)).toEqual([1, 0, 0, 0]);
    const table = Uint32Array.from({ length: 1 << n }, () => F.randomFrom(rng));
    expect(Array.from(evalMleBase(E, table, z))).toEqual(Array.from(E.innerProductBase(eq, table)));
    expect(Array.from(evalMleExt(E, E.liftVec(table), z))).toEqual(Array.from(evalMleBase(E, table, z)));
    expect(() => evalMleBase(E, table, randPoint(4))).toThrow(/variables/);
  });

  it('n = 0 tables are constants', () => {
    expect(Array.from(evalMleBase(E, Uint32Array.of(42), new Uint32Array(0)))).toEqual([42, 0, 0, 0]);
    expect(Array.from(eqTable(E, new Uint32Array(0)))).toEqual([1, 0, 0, 0]);
  });
});

describe('interpolateAt', () => {
  it('recovers polynomials of degree ≤ 4 from values at 0..d', () => {
    for (let d = 0; d <= 4; d++) {
      const coeffs = Array.from({ length: d + 1 }, randExt);
      const at = (x: Uint32Array) => {
        let acc = E.zero();
        for (let i = d; i >= 0; i--) acc = E.add(E.mul(acc, x), coeffs[i]!);
        return acc;
      };
      const evals = new Uint32Array(4 * (d + 1));
      for (let i = 0; i <= d; i++) evals.set(at(E.fromBase(i)), 4 * i);
      const r = randExt();
      expect(Array.from(interpolateAt(E, evals, r))).toEqual(Array.from(at(r)));
      expect(Array.from(interpolateAt(E, evals, E.fromBase(d)))).toEqual(Array.from(at(E.fromBase(d))));
    }
  });
});

import { padTensor, paddedRowStarts, splitTensorPoint, tensorPoint, tensorVars } from './index.js';

describe('tensor layout', () => {
  it('pads each axis to a power of two with the last axis in the low variables', () => {
    const shape = [3, 5];
    const data = Int32Array.from({ length: 15 }, (_, i) => i - 7);
    const t = padTensor(F, data, shape);
    expect(t.length).toBe(4 * 8);
    expect(tensorVars(shape)).toBe(5);
    for (let r = 0; r < 3; r++) for (let c = 0; c < 5; c++) expect(F.toSigned(t[r * 8 + c]!)).toBe(data[r * 5 + c]);
    expect(t[5]).toBe(0);
    expect(t[3 * 8]).toBe(0);
    // MLE at Boolean (row, col) = entry; point = col bits ‖ row bits.
    const rowPt = E.liftVec(Uint32Array.of(0, 1));
    const colPt = E.liftVec(Uint32Array.of(1, 1, 0));
    const pt = tensorPoint([rowPt, colPt]);
    expect(F.toSigned(evalMleBase(E, t, pt)[0]!)).toBe(data[2 * 5 + 3]);
    const [a, b] = splitTensorPoint(pt, shape);
    expect(Array.from(a!)).toEqual(Array.from(rowPt));
    expect(Array.from(b!)).toEqual(Array.from(colPt));
  });

  it('handles 1-D, 3-D and size-1 axes', () => {
    expect(Array.from(padTensor(F, [4, -1, 2], [3])).map((x) => F.toSigned(x))).toEqual([4, -1, 2, 0]);
    const t = padTensor(F, Int32Array.from({ length: 12 }, (_, i) => i), [2, 3, 2]);
    expect(t.length).toBe(2 * 4 * 2);
    expect(t[1 * 8 + 2 * 2 + 1]).toBe(11);
    expect(padTensor(F, [9], [1, 1])[0]).toBe(9);
    expect(() => padTensor(F, [1, 2], [3])).toThrow(/entries/);
  });

  it('lists where each real row starts in the padded layout', () => {
    // [2, 3, 5] pads to [2, 4, 8]: rows (i, j) start at 32i + 8j.
    expect(Array.from(paddedRowStarts([2, 3, 5]))).toEqual([0, 8, 16, 32, 40, 48]);
    expect(Array.from(paddedRowStarts([7]))).toEqual([0]);
    expect(Array.from(paddedRowStarts([]))).toEqual([0]);
    expect(Array.from(paddedRowStarts([3, 1]))).toEqual([0, 1, 2]);
  });

  it('reduces every Int32 value like fromInt (the comparison fast path)', () => {
    const edge = [0, 1, -1, F.p - 1, F.p, F.p + 1, -F.p, -F.p - 1, -F.p + 1, 2 ** 31 - 1, -(2 ** 31), 12345, -98765];
    let s = 9;
    const rand = Array.from({ length: 500 }, () => (s = (Math.imul(s, 1103515245) + 12345) | 0));
    const vals = Int32Array.from([...edge, ...rand]);
    const t = padTensor(F, vals, [vals.length]);
    vals.forEach((v, i) => expect(t[i], `value ${v}`).toBe(F.fromInt(v)));
    expect(Array.from(padTensor(F, vals.subarray(0, 12), [3, 4]))).toEqual(Array.from(padTensor(F, Array.from(vals.subarray(0, 12)), [3, 4])));
  });
});

import { prefixMaskEval, tensorMask, tensorMaskEval } from './index.js';

describe('masks', () => {
  it('prefix and tensor masks match brute force', () => {
    for (const d of [0, 1, 3, 5, 8]) {
      const r = E.liftVec(Uint32Array.of(5, 9, 13)).map((x, i) => (i % 4 === 1 ? 7 : x));
      const table = Uint32Array.from({ length: 8 }, (_, i) => (i < d ? 1 : 0));
      expect(Array.from(prefixMaskEval(E, r, d))).toEqual(Array.from(evalMleBase(E, table, r)));
    }
    const shape = [3, 5];
    const ones = padTensor(F, new Array(15).fill(1), shape);
    const pt = Uint32Array.from({ length: 20 }, (_, i) => (i * 7919 + 13) % F.p);
    expect(Array.from(tensorMaskEval(E, pt, shape))).toEqual(Array.from(evalMleBase(E, ones, pt)));
  });
  it('tensorMask is 1 exactly on real entries of the padded layout', () => {
    for (const shape of [[], [1], [5], [4], [3, 5], [2, 3, 3], [1, 7, 2], [4, 4], [3, 1, 6]]) {
      const n = shape.reduce((a, b) => a * b, 1);
      expect(Array.from(tensorMask(shape)), `[${shape}]`).toEqual(Array.from(padTensor(F, new Array(n).fill(1), shape)));
    }
  });
});
