import { afterEach, describe, expect, it } from 'vitest';
import { BabyBear, BabyBearExt4, ByteWriter, Transcript, encodePcsProof, evalMleBase, type EvalClaim, type PcsParams } from '@zkllm/verifier';
import { ExtArena } from './ext-simd.js';
import { foldBaseTableBy, foldCoeffsBaseBy, foldCoeffsExtBy, foldExtTableBy, roundPolyBaseInto, roundPolyExtInto, scaledEqTable } from './kernels.js';
import { ldeBitReversed, ldeBitReversedExt, mobius, mobiusLde } from './lde.js';
import { simdPowers, simdRadix4Passes } from './ntt-simd.js';
import { pcsCommit, pcsOpen } from './prover.js';
import { simdKernels } from './wasm-asm.js';
import { xorshift32 } from './rng.js';

const F = BabyBear;
const E = BabyBearExt4;

const rng = xorshift32;

/** Random canonical values with the extremes 0 and p − 1 sprinkled in. */
function vec(len: number, next: () => number): Uint32Array {
  const v = new Uint32Array(len);
  for (let i = 0; i < len; i++) {
    const r = next();
    v[i] = r % 7 === 0 ? 0 : r % 7 === 1 ? F.p - 1 : F.randomFrom(next);
  }
  return v;
}

afterEach(() => {
  simdKernels.enabled = true;
});

describe('wasm SIMD kernels', () => {
  it('load on this runtime (otherwise the prover silently runs the slower JS paths)', () => {
    expect(ExtArena.open(F, E.w, 1024)).not.toBeNull();
    expect(simdRadix4Passes(F, new Uint32Array(1 << 6), 6, new Uint32Array(1 << 6))).toBeGreaterThanOrEqual(0);
  });

  it('ext folds, multi-folds, eq levels and adds equal the JS kernels', () => {
    const next = rng(3);
    const arena = ExtArena.open(F, E.w, 1 << 16)!;
    for (const half of [1, 2, 37, 1024]) {
      const src = vec(8 * half, next);
      const r = vec(4, next);
      for (const coeffs of [false, true]) {
        const ref = new Uint32Array(4 * half);
        (coeffs ? foldCoeffsExtBy : foldExtTableBy)(ref, src, half, r);
        const t = arena.alloc(8 * half);
        t.set(src);
        arena.fold(t, t, half, r, coeffs);
        expect(t.subarray(0, 4 * half)).toEqual(ref);
        const base = vec(2 * half, next);
        const refBase = new Uint32Array(4 * half);
        (coeffs ? foldCoeffsBaseBy : foldBaseTableBy)(refBase, base, half, r);
        const out = arena.alloc(4 * half);
        arena.foldBase(out, base, half, r, coeffs);
        expect(out).toEqual(refBase);
      }
    }
    for (const [a, count] of [[1, 3], [4, 5], [6, 64]] as const) {
      // a successive coefficient folds at once = folding by r_0, …, r_{a−1} in turn
      const src = vec(count << a, next);
      const rs = Array.from({ length: a }, () => vec(4, next));
      let ref = new Uint32Array(2 * src.length);
      foldCoeffsBaseBy(ref, src, src.length >>> 1, rs[0]!);
      ref = ref.subarray(0, 2 * src.length);
      for (let j = 1; j < a; j++) {
        const half = ref.length >>> 3;
        foldCoeffsExtBy(ref, ref, half, rs[j]!);
        ref = ref.subarray(0, 4 * half);
      }
      const out = arena.alloc(4 * count);
      arena.multiFoldBase(out, arena.stage(src), count, rs);
      expect(out).toEqual(ref);
    }
    for (const k of [0, 1, 5, 9]) {
      const z = vec(4 * k, next);
      const scale = vec(4, next);
      const ref = new Uint32Array(4 << k);
      scaledEqTable(ref, z, scale);
      const t = arena.alloc(4 << k);
      arena.scaledEq(t, z, scale);
      expect(t).toEqual(ref);
      const acc = arena.alloc(4 << k);
      const base = vec(4 << k, next);
      acc.set(base);
      arena.add(acc, t);
      expect(acc).toEqual(base.map((x, i) => F.add(x, ref[i]!)));
      const acc2 = arena.alloc(4 << k);
      acc2.set(base);
      arena.addScaledEq(acc2, arena.alloc(4 << k), z, scale);
      expect(acc2).toEqual(base.map((x, i) => F.add(x, ref[i]!)));
    }
  });

  it('power tables (twiddles) equal repeated multiplication, plain and in Montgomery form', () => {
    const r = F.reduce(2 ** 32);
    for (const [g, count] of [[F.rootOfUnity(10), 512], [F.rootOfUnity(3), 4], [123456789, 1000]] as const) {
      for (const mont of [false, true]) {
        const out = new Uint32Array(count + 3);
        expect(simdPowers(F, g, count, mont, out, 3)).toBe(true);
        let x = mont ? r : 1;
        for (let i = 0; i < count; i++) {
          expect(out[3 + i]).toBe(x);
          x = F.mul(x, g);
        }
      }
    }
    expect(simdPowers(F, 5, 6, false, new Uint32Array(6))).toBe(false);
  });

  it('round polynomials (base and ext v) equal the JS kernels; odd pair counts are declined', () => {
    const next = rng(4);
    const arena = ExtArena.open(F, E.w, 1 << 16)!;
    for (const half of [2, 4, 86, 1024]) {
      const W = arena.stage(vec(8 * half, next));
      for (const vIsBase of [true, false]) {
        const v = arena.stage(vec((vIsBase ? 2 : 8) * half, next));
        const ref = new Uint32Array(8);
        (vIsBase ? roundPolyBaseInto : roundPolyExtInto)(ref, v, W, half);
        const out = new Uint32Array(8);
        expect(arena.roundPoly(out, v, vIsBase, W, half)).toBe(true);
        expect(out).toEqual(ref);
      }
    }
    expect(arena.roundPoly(new Uint32Array(8), arena.alloc(8), false, arena.alloc(8), 1)).toBe(false);
  });

  it('Möbius + LDE in wasm memory equals the JS transforms (even and odd sizes)', () => {
    const next = rng(6);
    // 16 and 17: larger than the block the later passes run on; odd sizes take the radix-2 pass.
    for (const [logN, b] of [[12, 2], [13, 1], [15, 2], [16, 1], [17, 1]] as const) {
      const values = vec(1 << logN, next);
      const copy = values.slice();
      const { coeffs, codeword } = mobiusLde(values, b);
      expect(values).toEqual(copy);
      simdKernels.enabled = false;
      const refCoeffs = mobius(F, values.slice());
      const refCodeword = ldeBitReversed(refCoeffs, b);
      simdKernels.enabled = true;
      expect(coeffs).toEqual(refCoeffs);
      expect(codeword).toEqual(refCodeword);
    }
  });

  it('ext LDE (one NTT over the interleaved limbs) equals the LDE of each limb', () => {
    const next = rng(8);
    for (const [logN, b] of [[6, 2], [7, 1], [10, 2], [11, 2], [16, 1], [17, 2]] as const) {
      const n = 1 << logN;
      const coeffs = vec(4 * n, next);
      const out = ldeBitReversedExt(coeffs, b);
      const limb = new Uint32Array(n);
      for (let k = 0; k < 4; k++) {
        for (let i = 0; i < n; i++) limb[i] = coeffs[4 * i + k]!;
        const ref = ldeBitReversed(limb, b);
        for (let i = 0; i < ref.length; i++) if (out[4 * i + k] !== ref[i]) expect([logN, b, k, i, out[4 * i + k]]).toEqual([logN, b, k, i, ref[i]]);
      }
    }
  });

  it('LDE and PCS proofs are identical with and without the SIMD kernels', () => {
    const next = rng(5);
    const P: PcsParams = { logBlowup: 2, logFoldArity: 3, queries: 8, powBits: 4, finalLogSize: 3 };
    for (const n of [5, 12, 13]) {
      const values = vec(1 << n, next);
      const claims: EvalClaim[] = [];
      for (let j = 0; j < 3; j++) {
        const point = vec(4 * n, next);
        // One claim confined to a block (Boolean high coordinates), as bundle claims are.
        if (j === 2) for (let i = n - 2; i < n; i++) point.set([i & 1, 0, 0, 0], 4 * i);
        claims.push({ point, value: evalMleBase(E, values, point) });
      }
      // Three claims (two dense: the half-table kernel; one block claim), and one dense claim alone.
      const run = (): { root: Uint8Array; proof: Uint8Array; lde: Uint32Array } => {
        const { commitment, state } = pcsCommit(values, P);
        const w = new ByteWriter();
        encodePcsProof(w, pcsOpen(state, claims, new Transcript('simd-test', E), P));
        encodePcsProof(w, pcsOpen(state, claims.slice(0, 1), new Transcript('simd-test', E), P));
        return { root: commitment.root, proof: w.finish(), lde: ldeBitReversed(values, 1) };
      };
      const withSimd = run();
      simdKernels.enabled = false;
      const withoutSimd = run();
      simdKernels.enabled = true;
      expect(withSimd.root).toEqual(withoutSimd.root);
      expect(withSimd.proof).toEqual(withoutSimd.proof);
      expect(withSimd.lde).toEqual(withoutSimd.lde);
    }
  });
});
