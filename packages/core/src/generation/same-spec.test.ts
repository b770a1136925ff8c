import { canonicalJson, specToJson } from '@zkllm/verifier';
import { describe, expect, it } from 'vitest';
import { sameSpec } from './prover.js';

const slow = (a: unknown, b: unknown) => canonicalJson(specToJson(a)) === canonicalJson(specToJson(b));

describe('sameSpec (the trace-vs-circuit check without canonical strings)', () => {
  it('agrees with comparing canonical JSON on equal and unequal specs', () => {
    const base = { kind: 'requant', shape: [32, 96], m: new Int32Array([1, -2, 3]), f: Float32Array.of(1, 2), nested: { a: null, b: [1, { c: 'x' }] }, skip: undefined };
    const variants: unknown[] = [
      base,
      { ...base },
      { ...base, skip: 1 },
      { ...base, m: new Int32Array([1, -2, 4]) },
      { ...base, m: [1, -2, 3] }, // plain array vs Int32Array: different serialisations
      { ...base, f: [1, 2] }, // other views serialise like arrays
      { ...base, nested: { a: undefined, b: [1, { c: 'x' }] } }, // null vs absent
      { ...base, nested: { b: [1, { c: 'x' }], a: null } }, // key order is irrelevant
      { ...base, shape: [32, 97] },
      { ...base, extra: 0 },
      null,
      undefined,
      3,
      '3',
      [base],
    ];
    for (const a of variants) for (const b of variants) expect(sameSpec(a, b), `${JSON.stringify(specToJson(a))} vs ${JSON.stringify(specToJson(b))}`).toBe(slow(a, b));
  });
});
