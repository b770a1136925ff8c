import { BabyBearExt4 as E, ByteWriter, Transcript, encodeFractionLayer } from '@zkllm/verifier';
import { afterEach, describe, expect, it } from 'vitest';
import { helperJobCount, proverThreads, setProverThreads } from '../parallel/pool.js';
import { simdKernels } from '../pcs/wasm-asm.js';
import { buildFractionLayers, proveFractionTrees } from './fraction.js';
import { expandEqTable, foldFractionTable, fractionParents, fractionParentsBaseP, fractionRoundSums } from './fraction-kernel.js';
import { FractionArena, fractionArenaOf, runSumCalls } from './fraction-simd.js';

const F = E.base;
const p = F.p;

function rng(seed: number) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
}

/** Canonical limbs with 0 and p − 1 sprinkled in (and whole runs of them). */
function vec(len: number, next: () => number): Uint32Array {
  const v = new Uint32Array(len);
  for (let i = 0; i < len; i++) {
    const r = next() % 11;
    v[i] = r === 0 ? 0 : r === 1 || r === 2 ? p - 1 : (next() >>> 1) % p;
  }
  if (len >= 8) v.fill(p - 1, 0, 4).fill(0, 4, 8);
  return v;
}

const arena = (words: number) => {
  const a = FractionArena.create(F, E.w, words);
  expect(a).not.toBeNull();
  return a!;
};
const staged = (a: FractionArena, v: Uint32Array) => {
  const t = a.tryAlloc(v.length)!;
  t.set(v);
  return t;
};

afterEach(() => {
  simdKernels.enabled = true;
});

/** Every kernel once on one thread and once split into odd ranges across two. */
function bothSplits(run: (minRange: number) => void): void {
  const before = proverThreads();
  try {
    setProverThreads(1);
    run(1 << 13);
    setProverThreads(2);
    const jobs = helperJobCount();
    run(1);
    // the second thread ran wasm ranges over the shared arena
    expect(helperJobCount()).toBeGreaterThan(jobs);
  } finally {
    setProverThreads(before);
  }
}

describe('fraction-tree SIMD kernels', () => {
  it('round sums equal fractionRoundSums (round-0 interleaved layout and plain tables)', () => {
    const next = rng(7);
    bothSplits((minRange) => {
      for (const half of [1, 2, 3, 7, 64, 301]) {
        for (const [o1, stride, gap] of [[1, 4, 2], [0, 2, 1]] as const) {
          const len = 4 * stride * half;
          const a = arena(12 * len + 4 * half + 64);
          const P = vec(len, next), Q = vec(len, next), P1 = vec(len, next), Q1 = vec(len, next);
          const eq = vec(4 * half, next), lam = vec(4, next);
          // round 0 reads one interleaved table for P0/P1 (and Q0/Q1)
          const tabs = stride === 4 ? [P, P, Q, Q] : [P, P1, Q, Q1];
          const acc = new Float64Array(8);
          fractionRoundSums(tabs[0]!, tabs[1]!, tabs[2]!, tabs[3]!, 0, o1, stride, gap, eq, lam, acc, p, F.invP, E.w, 0, half);
          const out = new Uint32Array(8);
          const st = tabs.map((t) => staged(a, t));
          a.roundSums(st[0]!, st[1]!, st[2]!, st[3]!, o1, stride, gap, half, staged(a, eq), lam, out, minRange);
          expect(out).toEqual(Uint32Array.from(acc));
          if (stride === 4) {
            // round 0 with the parent layer of the interleaved children: the value at 0 read from it
            const np = a.tryAlloc(8 * half)!, nq = a.tryAlloc(8 * half)!;
            a.parents(st[0]!, st[2]!, np, nq, 2 * half, false, minRange);
            const viaParents = new Uint32Array(8);
            a.roundSums(st[0]!, st[1]!, st[2]!, st[3]!, o1, stride, gap, half, staged(a, eq), lam, viaParents, minRange, [np, nq]);
            expect(viaParents).toEqual(out);
            // and with base-field numerators (leaves): the base kernel, the generic one and JS agree
            const bp = staged(a, P.map((x, i) => (i % 4 === 0 ? x : 0)));
            a.parents(bp, st[2]!, np, nq, 2 * half, true, minRange);
            const plain = new Uint32Array(8), viaBase = new Uint32Array(8);
            const e = staged(a, eq);
            a.roundSums(bp, bp, st[2]!, st[2]!, o1, stride, gap, half, e, lam, plain, minRange);
            a.roundSums(bp, bp, st[2]!, st[2]!, o1, stride, gap, half, e, lam, viaBase, minRange, [np, nq], true);
            const jsAcc = new Float64Array(8);
            fractionRoundSums(bp, bp, st[2]!, st[2]!, 0, o1, stride, gap, e, lam, jsAcc, p, F.invP, E.w, 0, half);
            expect(plain).toEqual(Uint32Array.from(jsAcc));
            expect(viaBase).toEqual(plain);
          }
        }
      }
    });
  });

  it('a fused fold and round (foldRound) equals fold then roundSums: round-0 interleaved sources and plain ones', () => {
    const next = rng(13);
    bothSplits((minRange) => {
      for (const half of [1, 2, 3, 7, 64, 301]) {
        const a = arena(1200 * half + 256);
        const r = vec(4, next), lam = vec(4, next);
        for (const [bases, stride, gap] of [[[0, 1, 0, 1], 4, 2], [[0, 0, 0, 0], 2, 1]] as const) {
          const src = bases.map(() => staged(a, vec(8 * stride * half, next)));
          const eq = staged(a, vec(4 * half, next));
          const want = src.map(() => a.tryAlloc(8 * half)!);
          a.fold(src, bases, stride, gap, want, 2 * half, r, minRange);
          const sums = new Uint32Array(8);
          a.roundSums(want[0]!, want[1]!, want[2]!, want[3]!, 0, 2, 1, half, eq, lam, sums, minRange);
          const got = src.map(() => a.tryAlloc(8 * half)!);
          const fused = new Uint32Array(8);
          a.foldRound(src, bases, stride, gap, got, half, r, eq, lam, fused, minRange);
          expect(got).toEqual(want);
          expect(fused).toEqual(sums);
          if (stride === 4) {
            // base-field numerators (the P sources of a leaf layer): the base kernel agrees
            const bsrc = src.map((t, m) => (m < 2 ? staged(a, t.map((x, i) => (i % 4 === 0 ? x : 0))) : t));
            const bwant = src.map(() => a.tryAlloc(8 * half)!);
            a.fold(bsrc, bases, stride, gap, bwant, 2 * half, r, minRange);
            const bsums = new Uint32Array(8);
            a.roundSums(bwant[0]!, bwant[1]!, bwant[2]!, bwant[3]!, 0, 2, 1, half, eq, lam, bsums, minRange);
            const bgot = src.map(() => a.tryAlloc(8 * half)!);
            const bfused = new Uint32Array(8);
            a.foldRound(bsrc, bases, stride, gap, bgot, half, r, eq, lam, bfused, minRange, true);
            expect(bgot).toEqual(bwant);
            expect(bfused).toEqual(bsums);
          }
        }
      }
    });
  });

  it('small sum calls of several arenas run side by side (one per thread) with the same results as alone', () => {
    const next = rng(19);
    const before = proverThreads();
    try {
      const half = 4096; // 2 · MIN_SIDE_BY_SIDE
      const r = vec(4, next), lam = vec(4, next);
      const setups = [0, 1, 2].map(() => {
        const a = arena(200 * half + 256);
        const src = [0, 1, 2, 3].map(() => staged(a, vec(16 * half, next)));
        const eq = staged(a, vec(4 * half, next));
        const dst = () => [0, 1, 2, 3].map(() => a.tryAlloc(8 * half)!);
        return { a, src, eq, dst };
      });
      const run = (threads: number) => {
        setProverThreads(threads);
        const outs = setups.map(() => new Uint32Array(8));
        const dsts = setups.map((x) => x.dst());
        const jobs = helperJobCount();
        runSumCalls(setups.map((x, i) => x.a.foldRoundCall(x.src, [0, 0, 0, 0], 2, 1, dsts[i]!, half, r, x.eq, lam, outs[i]!)));
        const firsts = setups.map(() => new Uint32Array(8));
        runSumCalls(setups.map((x, i) => x.a.roundSumsCall(x.src[0]!, x.src[1]!, x.src[2]!, x.src[3]!, 0, 2, 1, half, x.eq, lam, firsts[i]!)));
        return { outs, dsts, firsts, helped: helperJobCount() - jobs };
      };
      const one = run(1);
      const two = run(2);
      expect(one.helped).toBe(0);
      // three arenas on two threads, for each of the two kernels: a pair side by side (one helper
      // job), the third split in two (below the usual split threshold: one more)
      expect(two.helped).toBe(4);
      expect(two.outs).toEqual(one.outs);
      expect(two.dsts).toEqual(one.dsts);
      expect(two.firsts).toEqual(one.firsts);
    } finally {
      setProverThreads(before);
    }
  });

  it('folds equal foldFractionTable, parents equal fractionParents(BaseP), eq expansion equals expandEqTable', () => {
    const next = rng(11);
    bothSplits((minRange) => {
      for (const half of [1, 2, 5, 33, 1000]) {
        const a = arena(400 * half + 256);
        const r = vec(4, next);
        for (const [bases, stride, gap] of [[[0, 1, 0, 1], 4, 2], [[1, 0, 1, 1], 4, 2], [[0, 0, 0, 0], 2, 1]] as const) {
          const src = bases.map(() => vec(4 * stride * half, next));
          const want = src.map((t, m) => {
            const o = new Uint32Array(4 * half);
            foldFractionTable(t, bases[m]!, stride, gap, o, r, p, F.invP, E.w, 0, half);
            return o;
          });
          const dst = src.map(() => a.tryAlloc(4 * half)!);
          a.fold(src.map((t) => staged(a, t)), bases, stride, gap, dst, half, r, minRange);
          expect(dst).toEqual(want);
        }
        for (const baseP of [false, true]) {
          const cp = vec(8 * half, next);
          if (baseP) for (let i = 0; i < cp.length; i++) if (i % 4 !== 0) cp[i] = 0;
          const cq = vec(8 * half, next);
          const np = new Uint32Array(4 * half), nq = new Uint32Array(4 * half);
          (baseP ? fractionParentsBaseP : fractionParents)(cp, cq, np, nq, p, F.invP, E.w, 0, half);
          const snp = a.tryAlloc(4 * half)!, snq = a.tryAlloc(4 * half)!;
          a.parents(staged(a, cp), staged(a, cq), snp, snq, half, baseP, minRange);
          expect(snp).toEqual(np);
          expect(snq).toEqual(nq);
          // and the true field products
          if (half === 5) {
            for (let x = 0; x < half; x++) {
              const e = (v: Uint32Array, i: number) => v.subarray(4 * i, 4 * i + 4);
              expect(e(snp, x)).toEqual(E.add(E.mul(e(cp, 2 * x), e(cq, 2 * x + 1)), E.mul(e(cp, 2 * x + 1), e(cq, 2 * x))));
              expect(e(snq, x)).toEqual(E.mul(e(cq, 2 * x), e(cq, 2 * x + 1)));
            }
          }
        }
        const v = vec(8 * half, next);
        const want = v.slice();
        expandEqTable(want, half, r, p, F.invP, E.w);
        const sv = staged(a, v);
        a.expandEq(sv, half, r);
        expect(sv).toEqual(want);
      }
    });
  });

  it('whole fraction-tree proofs are byte-identical with SIMD on and off, on 1 and 2 threads', () => {
    const before = proverThreads();
    const next = rng(5);
    const leaves = (n: number, baseP: boolean): [Uint32Array, Uint32Array] => {
      const q = vec(4 << n, next);
      const pv = baseP ? new Uint32Array(4 << n).map((_, i) => (i % 4 === 0 ? next() & 1 : 0)) : vec(4 << n, next);
      return [pv, q];
    };
    // Two SIMD-sized trees and two small JS ones in one batch, the same tree twice (its
    // arena has room for one tree's scratch: the second copy runs in JS). 2^16 leaves: the
    // largest layer's first rounds split across two threads.
    const inputs = [leaves(16, true), leaves(11, false), leaves(3, false), leaves(0, true)];
    const run = (threads: number, simd: boolean) => {
      setProverThreads(threads);
      simdKernels.enabled = simd;
      const trees = inputs.map(([pv, q]) => buildFractionLayers(E, pv, q));
      expect(fractionArenaOf(trees[0]![0]![0]) !== undefined).toBe(simd);
      const { proof, leaves: claims } = proveFractionTrees(E, [...trees, trees[1]!], new Transcript('fraction-simd-test/v1', E));
      const w = new ByteWriter();
      w.fields(proof.roots);
      for (const l of proof.layers) encodeFractionLayer(w, l);
      // every layer of every tree, as one byte string (a mismatch stays a cheap boolean)
      const layers = Buffer.concat(trees.flatMap((t) => t.flatMap(([a, b]) => [Buffer.from(a.slice().buffer), Buffer.from(b.slice().buffer)])));
      return { bytes: Buffer.from(w.finish()), layers, claims };
    };
    try {
      const ref = run(1, false);
      for (const [threads, simd] of [[1, true], [2, true], [2, false]] as const) {
        const got = run(threads, simd);
        expect(got.layers.equals(ref.layers)).toBe(true);
        expect(got.bytes.equals(ref.bytes)).toBe(true);
        expect(got.claims).toEqual(ref.claims);
      }
    } finally {
      setProverThreads(before);
    }
  });
});
