import { afterAll, describe, expect, it } from 'vitest';
import { BabyBear, BabyBearExt4, ByteReader, ByteWriter, Transcript, decodePcsProof, encodePcsProof, evalMleBase, verifyOpening, type EvalClaim, type PcsParams } from '@zkllm/verifier';
import { helperJobCount, proverThreads, setProverThreads } from '../parallel/pool.js';
import { ExtArena } from './ext-simd.js';
import { ldeBitReversedExt, mobiusLde } from './lde.js';
import { pcsCommit, pcsOpen, pcsRelease } from './prover.js';
import { dropRecycledMemories, recycledMemoryCount } from './wasm-asm.js';
import { xorshift32 } from './rng.js';

const F = BabyBear;
const E = BabyBearExt4;

function vec(len: number, next: () => number): Uint32Array {
  const v = new Uint32Array(len);
  for (let i = 0; i < len; i++) {
    const r = next();
    v[i] = r % 7 === 0 ? 0 : r % 7 === 1 ? F.p - 1 : F.randomFrom(next);
  }
  return v;
}

const same = (a: Uint8Array | Uint32Array, b: Uint8Array | Uint32Array) =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

/** Runs `f` with 1 thread, then with each of `counts`; every result must equal the first, and helpers must have run. */
function acrossThreads<T>(counts: readonly number[], f: () => T, eq: (a: T, b: T) => void): void {
  setProverThreads(1);
  const jobs = helperJobCount();
  const one = f();
  expect(helperJobCount()).toBe(jobs);
  for (const t of counts) {
    setProverThreads(t);
    const before = helperJobCount();
    const many = f();
    expect(helperJobCount()).toBeGreaterThan(before);
    eq(one, many);
  }
}

describe('PCS prover on several threads', () => {
  const before = proverThreads();
  afterAll(() => setProverThreads(before));

  it('Möbius + LDE: same coefficients and codeword for 1, 2, 3 and 4 threads (even and odd sizes, rates 1/2 and 1/4)', () => {
    const next = xorshift32(11);
    for (const [logN, b] of [[16, 2], [17, 1], [17, 2]] as const) {
      const values = vec(1 << logN, next);
      const copy = values.slice();
      acrossThreads([2, 3, 4], () => mobiusLde(values, b), (x, y) => {
        expect(same(x.coeffs, y.coeffs)).toBe(true);
        expect(same(x.codeword, y.codeword)).toBe(true);
      });
      expect(same(values, copy)).toBe(true);
    }
  });

  it('ext LDE (the opening layers): same codeword for 1 and 2 threads', () => {
    const coeffs = vec(4 << 16, xorshift32(14));
    acrossThreads([2], () => ldeBitReversedExt(coeffs, 2), (x, y) => expect(same(x, y)).toBe(true));
  });

  it('commit and open: same root and proof bytes for 1, 2 and 3 threads, and the proof verifies', () => {
    const next = xorshift32(12);
    const P: PcsParams = { logBlowup: 2, logFoldArity: 4, queries: 12, powBits: 4, finalLogSize: 4 };
    const n = 17;
    const values = vec(1 << n, next);
    const claims: EvalClaim[] = [];
    for (let j = 0; j < 9; j++) {
      const point = vec(4 * n, next);
      // Block claims of several sizes (Boolean high coordinates, as bundle claims are),
      // two of them on one block, and two dense claims.
      const k = j < 7 ? 11 + (j % 4) : n;
      for (let i = k; i < n; i++) point.set([(j === 1 ? 0 : j * 5 + i) & 1, 0, 0, 0], 4 * i);
      claims.push({ point, value: evalMleBase(E, values, point) });
    }
    const run = () => {
      const { commitment, state } = pcsCommit(values, P);
      const w = new ByteWriter();
      encodePcsProof(w, pcsOpen(state, claims, new Transcript('threads-test', E), P));
      encodePcsProof(w, pcsOpen(state, claims.slice(7, 8), new Transcript('threads-test', E), P));
      return { commitment, proof: w.finish() };
    };
    acrossThreads([2, 3], run, (x, y) => {
      expect(same(x.commitment.root, y.commitment.root)).toBe(true);
      expect(same(x.proof, y.proof)).toBe(true);
    });
    const { commitment, proof } = run();
    const r = new ByteReader(proof);
    verifyOpening(commitment, claims, decodePcsProof(r, n, P), new Transcript('threads-test', E), P);
  });

  it('arena kernels (in-place and fresh folds, multi-folds, round sums, block eq claims) split across threads equal one thread', () => {
    const half = 1 << 15;
    const run = () => {
      const next = xorshift32(13);
      const arena = ExtArena.open(F, E.w, 64 * half, ExtArena.parallelScratchWords(16, 12))!;
      const out: Uint32Array[] = [];
      const W = arena.stage(vec(8 * half, next));
      const vb = arena.stage(vec(2 * half, next));
      const ve = arena.stage(vec(8 * half, next));
      for (const [v, base] of [[vb, true], [ve, false]] as const) {
        const g = new Uint32Array(8);
        expect(arena.roundPoly(g, v, base, W, half)).toBe(true);
        out.push(g);
      }
      const r = vec(4, next);
      const fresh = arena.alloc(4 * half);
      arena.foldBase(fresh, vb, half, r, false);
      arena.fold(ve, ve, half, r, true);
      arena.fold(W, W, half, r, false);
      out.push(fresh.slice(), ve.slice(0, 4 * half), W.slice(0, 4 * half));
      // Layer 0's coefficient multi-fold (6 challenges at once).
      const multi = arena.alloc(4 * (half >>> 5));
      arena.multiFoldBase(multi, vb, half >>> 5, Array.from({ length: 6 }, () => vec(4, next)));
      out.push(multi.slice());
      // Block claims: overlapping and disjoint destinations, sizes 2^0 .. 2^13.
      const T = arena.alloc(4 << 16);
      const claims = [13, 12, 12, 0, 9, 13, 5, 11, 12, 1, 13, 10].map((k, j) => {
        const block = (j * 7) % (1 << (16 - k));
        return { dst: T.subarray(4 * block * 2 ** k, 4 * (block + 1) * 2 ** k), z: vec(4 * k, next), scale: vec(4, next) };
      });
      arena.addScaledEqMany(claims);
      out.push(T.slice());
      return out;
    };
    acrossThreads([2, 3], run, (x, y) => {
      expect(x.length).toBe(y.length);
      x.forEach((a, i) => expect(same(a, y[i]!)).toBe(true));
    });
  });

  it('recycled memories: commitments and openings in memory left dirty by others equal fresh ones; a released state cannot be opened', () => {
    const P: PcsParams = { logBlowup: 2, logFoldArity: 4, queries: 12, powBits: 4, finalLogSize: 4 };
    const statement = (seed: number, n: number) => {
      const next = xorshift32(seed);
      const values = vec(1 << n, next);
      const claims: EvalClaim[] = [];
      for (let j = 0; j < 5; j++) {
        const point = vec(4 * n, next);
        const k = j < 4 ? 10 + j : n;
        for (let i = k; i < n; i++) point.set([(j + i) & 1, 0, 0, 0], 4 * i);
        claims.push({ point, value: evalMleBase(E, values, point) });
      }
      return { values, claims };
    };
    const prove = (st: ReturnType<typeof statement>) => {
      const { commitment, state } = pcsCommit(st.values, P);
      const w = new ByteWriter();
      encodePcsProof(w, pcsOpen(state, st.claims, new Transcript('recycle-test', E), P));
      pcsRelease(state);
      expect(() => pcsOpen(state, st.claims, new Transcript('recycle-test', E), P)).toThrow(/released/);
      return { root: commitment.root, proof: w.finish() };
    };
    setProverThreads(2);
    const a = statement(21, 17);
    const b = statement(22, 16);
    const c = statement(23, 17);
    dropRecycledMemories();
    const fresh = [b, c].map((st) => {
      dropRecycledMemories();
      return prove(st);
    });
    dropRecycledMemories();
    prove(a);
    // a's commitment memory and opening arena wait for reuse, full of a's data.
    expect(recycledMemoryCount()).toBeGreaterThanOrEqual(2);
    const again = [b, c].map(prove);
    again.forEach((x, i) => {
      expect(same(x.root, fresh[i]!.root)).toBe(true);
      expect(same(x.proof, fresh[i]!.proof)).toBe(true);
    });
    dropRecycledMemories();
    expect(recycledMemoryCount()).toBe(0);
  });
});
