import { BabyBearExt4 as E, ByteWriter, Transcript, encodeFractionLayer, verifyFractionTrees } from '@zkllm/verifier';
import { describe, expect, it } from 'vitest';
import { proverThreads, setProverThreads } from '../parallel/pool.js';
import { buildFractionLayers, proveFractionTrees } from './fraction.js';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
}

/** Random leaves: p base-valued 0/1 like query leaves (or full ext), q random ext. */
function leaves(n: number, seed: number, baseP: boolean): [Uint32Array, Uint32Array] {
  const next = rng(seed);
  const p = new Uint32Array(4 << n);
  const q = new Uint32Array(4 << n);
  for (let i = 0; i < 4 << n; i++) {
    q[i] = next() % E.base.p;
    p[i] = baseP ? (i % 4 === 0 ? next() & 1 : 0) : next() % E.base.p;
  }
  return [p, q];
}

const tr = () => new Transcript('fraction-test/v1', E);

describe('fraction-tree prover kernels', () => {
  it('the split-eq kernel gives byte-identical proofs to the generic sumcheck, and they verify', () => {
    for (const [depths, seed] of [[[6, 3], 1], [[9], 2], [[1, 4, 0, 7], 3], [[12, 10], 4]] as Array<[number[], number]>) {
      const trees = depths.map((d, i) => buildFractionLayers(E, ...leaves(d, seed * 10 + i, i % 2 === 0)));
      const a = proveFractionTrees(E, trees, tr());
      const b = proveFractionTrees(E, trees, tr(), 'generic');
      const enc = (x: typeof a.proof) => {
        const w = new ByteWriter();
        w.fields(x.roots);
        for (const l of x.layers) encodeFractionLayer(w, l);
        return w.finish();
      };
      expect(Buffer.from(enc(a.proof)).equals(Buffer.from(enc(b.proof)))).toBe(true);
      const claims = verifyFractionTrees(E, depths, a.proof, tr());
      claims.forEach((c, i) => {
        expect(c.p).toEqual(a.leaves[i]!.p);
        expect(c.q).toEqual(a.leaves[i]!.q);
        expect(c.point).toEqual(a.leaves[i]!.point);
      });
    }
  });

  it('splitting the kernels across helper threads changes nothing: same layers, same proof bytes', () => {
    const before = proverThreads();
    const run = (threads: number) => {
      setProverThreads(threads);
      // Large enough for the kernels to use two ranges (2^14 pairs at the leaf layer).
      const layers = buildFractionLayers(E, ...leaves(16, 99, true));
      const { proof } = proveFractionTrees(E, [layers, buildFractionLayers(E, ...leaves(15, 98, false))], tr());
      const w = new ByteWriter();
      w.fields(proof.roots);
      for (const l of proof.layers) encodeFractionLayer(w, l);
      return { root: layers[0]!, bytes: Buffer.from(w.finish()), shared: layers[3]![0].buffer instanceof SharedArrayBuffer };
    };
    try {
      const one = run(1);
      const two = run(2);
      expect(two.shared).toBe(true);
      expect(two.root).toEqual(one.root);
      expect(two.bytes.equals(one.bytes)).toBe(true);
    } finally {
      setProverThreads(before);
    }
  });

  it('every built layer is the naive p₀q₁ + p₁q₀, q₀q₁ of the one below (base and ext numerators)', () => {
    for (const baseP of [true, false]) {
      const layers = buildFractionLayers(E, ...leaves(9, baseP ? 5 : 6, baseP));
      for (let k = 0; k < 9; k++) {
        const [cp, cq] = layers[k + 1]!;
        const [np, nq] = layers[k]!;
        for (let x = 0; x < 1 << k; x++) {
          const p0 = cp.subarray(8 * x, 8 * x + 4), p1 = cp.subarray(8 * x + 4, 8 * x + 8);
          const q0 = cq.subarray(8 * x, 8 * x + 4), q1 = cq.subarray(8 * x + 4, 8 * x + 8);
          expect(np.subarray(4 * x, 4 * x + 4)).toEqual(E.add(E.mul(p0, q1), E.mul(p1, q0)));
          expect(nq.subarray(4 * x, 4 * x + 4)).toEqual(E.mul(q0, q1));
        }
      }
    }
  });
});
