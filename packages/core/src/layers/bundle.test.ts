import {
  BabyBear as F,
  BabyBearExt4 as E,
  Transcript,
  bundleClaims,
  bundleLayout,
  evalMleBase,
  tensorVars,
  verifyOpening,
  type TensorClaim,
} from '@zkllm/verifier';
import { describe, expect, it } from 'vitest';
import { pcsCommit, pcsOpen } from '../pcs/index.js';
import { packBundle, type IntTensorData } from './bundle.js';

describe('tensor bundles', () => {
  const shapes: Record<string, number[]> = { a: [3, 5], b: [7], c: [2, 3, 2], d: [1], e: [16, 4] };
  const tensors = new Map<string, IntTensorData>(
    Object.entries(shapes).map(([id, shape], k) => {
      const n = shape.reduce((x, y) => x * y, 1);
      return [id, { shape, data: Int32Array.from({ length: n }, (_, i) => (i * 37 + k * 11) % 201 - 100) }];
    }),
  );
  const layout = bundleLayout([...tensors].map(([id, t]) => ({ id, shape: t.shape })));

  it('places tensors as aligned, non-overlapping blocks', () => {
    const blocks = layout.order.map((e) => [e.offset, e.offset + 2 ** e.vars] as const);
    for (const [s, t] of blocks) expect(s % (t - s)).toBe(0);
    for (let i = 1; i < blocks.length; i++) expect(blocks[i]![0]).toBeGreaterThanOrEqual(blocks[i - 1]![1]);
    expect(2 ** layout.numVars).toBeGreaterThanOrEqual(blocks[blocks.length - 1]![1]);
    expect(() => bundleLayout([{ id: 'x', shape: [2] }, { id: 'x', shape: [3] }])).toThrow(/duplicate/);
  });

  it('claims on tensors become openings of the one commitment', () => {
    const { vector, tables } = packBundle(F, layout, tensors);
    const { commitment, state } = pcsCommit(vector);
    const claims: TensorClaim[] = [];
    let seed = 3;
    for (const [id, t] of tensors) {
      const point = Uint32Array.from({ length: 4 * tensorVars(t.shape) }, () => (seed = (seed * 48271) % F.p));
      claims.push({ tensor: id, point, value: evalMleBase(E, tables.get(id)!, point) });
    }
    const proof = pcsOpen(state, bundleClaims(layout, claims), new Transcript('bundle-test', E));
    expect(() => verifyOpening(commitment, bundleClaims(layout, claims), proof, new Transcript('bundle-test', E))).not.toThrow();
    // A false claim on one tensor fails the opening.
    const bad = claims.map((c, i) => (i === 2 ? { ...c, value: E.add(c.value, E.one()) } : c));
    expect(() => verifyOpening(commitment, bundleClaims(layout, bad), proof, new Transcript('bundle-test', E))).toThrow();
    expect(() => bundleClaims(layout, [{ tensor: 'zz', point: new Uint32Array(0), value: E.zero() }])).toThrow(/not in the bundle/);
  });
});
