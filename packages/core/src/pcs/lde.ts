/**
 * Reed–Solomon encoding for the PCS prover: low-degree extension of a coefficient vector
 * to a codeword in **bit-reversed** order, codeword[t] = f(ω_N^rev(t)).
 *
 * A coefficient vector of length 2^n is extended to N = 2^(n+b) points as 2^b independent
 * NTTs of size 2^n: with k = rev_b(s) + 2^b·m,
 *   f(ω_N^k) = Σ_i (c_i·ω_N^{i·rev_b(s)}) · ω_{2^n}^{i·m},
 * so block s of the bit-reversed codeword is the decimation-in-frequency NTT (natural in,
 * bit-reversed out) of the coefficients twisted by ω_N^{rev_b(s)}. This skips the zero
 * padding entirely. The DIF kernel is radix-4 with per-stage contiguous twiddle tables.
 */
import { BabyBear, type PrimeField } from '@zkllm/verifier';
import { proverThreads, sharedU32 } from '../parallel/pool.js';
import { commitLde, difPassesJs, extLde, simdArea, simdPowers, simdRadix4Passes, type SimdArea } from './ntt-simd.js';

/** Below this size the copies into wasm memory cost more than the SIMD passes save. */
const SIMD_MIN_SIZE = 1 << 12;

const twiddleCache = new WeakMap<PrimeField, Map<number, Uint32Array>>();

/** tw[h + j] = ω_{2h}^j for h = 1, 2, 4, …, 2^(logN−1) and j < h. */
function difTwiddles(F: PrimeField, logN: number): Uint32Array {
  let perField = twiddleCache.get(F);
  if (!perField) {
    perField = new Map();
    twiddleCache.set(F, perField);
  }
  let t = perField.get(logN);
  if (t) return t;
  const n = 1 << logN;
  t = new Uint32Array(Math.max(n, 2));
  // Top level by the SIMD power kernel, else from two short power tables,
  // ω^j = ω^(j mod L)·ω^(L·⌊j/L⌋) (independent inlined products instead of one long
  // dependent chain); then every lower level by striding: ω_h^j = ω_{2h}^{2j}, so
  // tw[h + j] = tw[2h + 2j].
  const p = F.p;
  const invP = F.invP;
  if (n >= 2 && simdPowers(F, F.rootOfUnity(logN), n >>> 1, false, t, n >>> 1)) {
    for (let hh = n >>> 2; hh >= 1; hh >>>= 1) for (let j = 0; j < hh; j++) t[hh + j] = t[2 * hh + 2 * j]!;
  } else if (n >= 2) {
    const h = n >>> 1;
    const w = F.rootOfUnity(logN);
    const L = Math.min(h, 1 << ((logN + 1) >>> 1));
    const low = new Uint32Array(L);
    low[0] = 1;
    for (let j = 1; j < L; j++) low[j] = F.mul(low[j - 1]!, w);
    const wL = F.mul(low[L - 1]!, w);
    let hi = 1;
    for (let base = 0; base < h; base += L) {
      const hq = hi * invP;
      for (let j = 0; j < L; j++) {
        const x = low[j]!;
        const r = (Math.imul(x, hi) - Math.imul(Math.floor(x * hq), p)) | 0;
        t[h + base + j] = r < 0 ? r + p : r >= p ? r - p : r;
      }
      hi = F.mul(hi, wL);
    }
    for (let hh = h >>> 1; hh >= 1; hh >>>= 1) for (let j = 0; j < hh; j++) t[hh + j] = t[2 * hh + 2 * j]!;
  }
  for (let h = 2, lg = 2; h < n; h <<= 1, lg++) {
    if (t[h + 1] !== F.rootOfUnity(lg)) throw new Error(`twiddles: rootOfUnity(${lg})^2 != rootOfUnity(${lg - 1})`);
  }
  perField.set(logN, t);
  return t;
}

/**
 * In-place DIF NTT of a[off .. off+2^logN): natural-order coefficients → bit-reversed
 * evaluations. Radix-4: two radix-2 stages (half-sizes h and h/2) per pass over the data,
 * with a final radix-2 stage when logN is odd.
 *
 * Arithmetic notes (this is the prover's hottest loop):
 * - Products use the lazy remainder Math.imul(x, w) − Math.imul(⌊x·w/p⌋, p): for |x| < p + 2^12
 *   and w < p the double quotient is off by at most one, and only when the true remainder is
 *   within 2^11 of 0 or p, so the result lies in (−2^11, p + 2^11) and fits an int32.
 *   Multiplicands therefore need not be canonical: differences enter unnormalised.
 * - Normalisations are branchless (`x += p & (x >> 31)`): on random field data every
 *   conditional correction is a coin flip for the branch predictor, and mispredictions cost
 *   more than the arithmetic. Every intermediate stays below 2^31 in magnitude because the
 *   field constructor enforces p < 2^31 − 2^12.
 * - The last radix-4 pass (h = 2) has twiddles 1, 1 and ω_4: one multiplication instead of four.
 */
export function difNtt(F: PrimeField, a: Uint32Array, off: number, logN: number): void {
  const n = 1 << logN;
  if (n === 1) return;
  const tw = difTwiddles(F, logN);
  let h = n >>> 1;
  if (n >= SIMD_MIN_SIZE) {
    const next = simdRadix4Passes(F, off === 0 && a.length === n ? a : a.subarray(off, off + n), logN, tw);
    if (next >= 0) h = next;
  }
  difPassesJs(F.p, F.invP, a, off, logN, h, tw);
}

function rev(x: number, bits: number): number {
  let r = 0;
  for (let i = 0; i < bits; i++) {
    r = (r << 1) | (x & 1);
    x >>>= 1;
  }
  return r;
}

/**
 * Bit-reversed codeword of length 2^(logN + logBlowup) of the base-field coefficients
 * `coeffs` (length 2^logN). Writes into `out` (allocated when omitted).
 */
export function ldeBitReversed(coeffs: Uint32Array, logBlowup: number, out?: Uint32Array, F: PrimeField = BabyBear): Uint32Array {
  const n = coeffs.length;
  const logN = 31 - Math.clz32(n);
  if (n < 1 || 1 << logN !== n) throw new RangeError(`LDE input length ${n} is not a power of two`);
  const blocks = 1 << logBlowup;
  const total = n * blocks;
  const res = out ?? new Uint32Array(total);
  if (res.length !== total) throw new RangeError('LDE output has the wrong length');
  const omegaN = F.rootOfUnity(logN + logBlowup);
  if (n >= SIMD_MIN_SIZE) {
    const tw = difTwiddles(F, logN);
    const area = simdArea(F, logN, tw);
    if (area) {
      area.heap.set(coeffs, 3 * n);
      return simdLdeBlocks(F, area, logN, logBlowup, res, tw);
    }
  }
  const p = F.p;
  const invP = F.invP;
  // g^i = g^(i mod L) · g^(L·⌊i/L⌋) from a table of L ≈ √n powers: independent products
  // instead of one long dependent chain of multiplications.
  const logL = logN >>> 1;
  const L = 1 << logL;
  const low = new Uint32Array(L);
  for (let s = 0; s < blocks; s++) {
    const off = s * n;
    const g = F.pow(omegaN, rev(s, logBlowup));
    if (g === 1) {
      res.set(coeffs, off);
    } else {
      low[0] = 1;
      for (let i = 1; i < L; i++) low[i] = F.mul(low[i - 1]!, g);
      const gL = F.mul(low[L - 1]!, g);
      let hi = 1;
      for (let base = 0; base < n; base += L) {
        const hq = hi * invP;
        for (let i = 0; i < L; i++) {
          const lo = low[i]!;
          let t = (Math.imul(lo, hi) - Math.imul(Math.floor(lo * hq), p)) | 0;
          const c = coeffs[base + i]!;
          // c·t with t ∈ (−2^11, p + 2^11): still inside the lazy remainder's range.
          t = (Math.imul(c, t) - Math.imul(Math.floor(c * t * invP), p)) | 0;
          t += p & (t >> 31);
          t -= p;
          res[off + base + i] = t + (p & (t >> 31));
        }
        hi = F.mul(hi, gL);
      }
    }
    difNtt(F, res, off, logN);
  }
  return res;
}

/**
 * The LDE blocks from coefficients already in the area's coefficient region: each block is
 * twisted, transformed in wasm memory (JS finishes any remaining pass on the wasm view) and
 * copied out.
 */
function simdLdeBlocks(F: PrimeField, area: SimdArea, logN: number, logBlowup: number, res: Uint32Array, tw: Uint32Array): Uint32Array {
  const n = 1 << logN;
  const heap = area.heap;
  const omegaN = F.rootOfUnity(logN + logBlowup);
  for (let s = 0; s < 1 << logBlowup; s++) {
    const g = F.pow(omegaN, rev(s, logBlowup));
    if (g === 1) heap.copyWithin(0, 3 * n, 4 * n);
    else area.twist(g);
    difPassesJs(F.p, F.invP, heap, 0, logN, area.passes(), tw);
    res.set(heap.subarray(0, n), s * n);
  }
  return res;
}

/**
 * Möbius transform then LDE (the commit's encoding) of the evaluations `values` (not
 * modified): monomial coefficients and their bit-reversed codeword at rate 2^−logBlowup.
 * Large inputs are transformed in wasm memory, where the LDE then reads the coefficients
 * (with shared wasm memory: both results are views of the one memory they were computed in).
 */
export function mobiusLde(values: Uint32Array, logBlowup: number, F: PrimeField = BabyBear): { coeffs: Uint32Array; codeword: Uint32Array } {
  const n = values.length;
  const logN = 31 - Math.clz32(n);
  if (n < 1 || 1 << logN !== n) throw new RangeError(`LDE input length ${n} is not a power of two`);
  if (n >= SIMD_MIN_SIZE) {
    const direct = commitLde(F, values, logBlowup, rev);
    if (direct) return direct;
    const tw = difTwiddles(F, logN);
    const area = simdArea(F, logN, tw);
    if (area) {
      area.heap.set(values, 3 * n);
      area.mobius();
      const coeffs = area.heap.slice(3 * n, 4 * n);
      const codeword = simdLdeBlocks(F, area, logN, logBlowup, new Uint32Array(n << logBlowup), tw);
      return { coeffs, codeword };
    }
  }
  const coeffs = mobius(F, values.slice());
  return { coeffs, codeword: ldeBitReversed(coeffs, logBlowup, undefined, F) };
}

/** As {@link ldeBitReversed} for an ext vector (4 limbs per element): encodes each limb. */
export function ldeBitReversedExt(coeffs: Uint32Array, logBlowup: number, F: PrimeField = BabyBear): Uint32Array {
  const n = coeffs.length >>> 2;
  const total = n << logBlowup;
  const direct = extLde(F, coeffs, logBlowup, rev);
  if (direct) return direct;
  // Shared when helpers exist: the Merkle tree over this layer is then split across them.
  const out = proverThreads() > 1 && total >= 1 << 14 ? sharedU32(4 * total) : new Uint32Array(4 * total);
  const limb = new Uint32Array(n);
  const enc = new Uint32Array(total);
  for (let k = 0; k < 4; k++) {
    for (let i = 0; i < n; i++) limb[i] = coeffs[4 * i + k]!;
    const e = ldeBitReversed(limb, logBlowup, enc, F);
    for (let i = 0; i < total; i++) out[4 * i + k] = e[i]!;
  }
  return out;
}

/**
 * In-place Möbius transform: evaluations on {0,1}^n → monomial coefficients (base field).
 * Two stages (strides h and 2h) per pass over the data, with branchless normalisation (the
 * sign of a difference of random field elements is unpredictable).
 */
export function mobius(F: PrimeField, v: Uint32Array): Uint32Array {
  const n = v.length;
  const p = F.p;
  let h = 1;
  for (; 4 * h <= n; h <<= 2) {
    for (let start = 0; start < n; start += 4 * h) {
      for (let j = start; j < start + h; j++) {
        const a0 = v[j]!;
        const a1 = v[j + h]!;
        const a2 = v[j + 2 * h]!;
        const a3 = v[j + 3 * h]!;
        let b1 = a1 - a0;
        b1 += p & (b1 >> 31);
        let b3 = a3 - a2;
        b3 += p & (b3 >> 31);
        let d = a2 - a0;
        v[j + 1 * h] = b1;
        v[j + 2 * h] = d + (p & (d >> 31));
        d = b3 - b1;
        v[j + 3 * h] = d + (p & (d >> 31));
      }
    }
  }
  if (2 * h <= n) {
    for (let j = 0; j < h; j++) {
      const d = v[j + h]! - v[j]!;
      v[j + h] = d + (p & (d >> 31));
    }
  }
  return v;
}
