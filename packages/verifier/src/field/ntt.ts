/**
 * Radix-2 number-theoretic transform over any {@link PrimeField} with enough two-adicity.
 * In place, natural order in and out. Twiddle tables are cached per field and size.
 */
import { FieldError, type PrimeField } from './prime.js';

const twiddleCache = new WeakMap<PrimeField, Map<number, Uint32Array>>();

/** Powers ω^0..ω^{N/2−1} of the primitive N-th root ω (inverse root when `inverse`). */
function twiddles(F: PrimeField, logN: number, inverse: boolean): Uint32Array {
  let perField = twiddleCache.get(F);
  if (!perField) {
    perField = new Map();
    twiddleCache.set(F, perField);
  }
  const key = inverse ? -logN - 1 : logN;
  let t = perField.get(key);
  if (!t) {
    const half = (1 << logN) >>> 1;
    t = new Uint32Array(Math.max(half, 1));
    let w = F.rootOfUnity(logN);
    if (inverse) w = F.inv(w);
    let acc = 1;
    for (let i = 0; i < half; i++) {
      t[i] = acc;
      acc = F.mul(acc, w);
    }
    perField.set(key, t);
  }
  return t;
}

function bitReverse(a: Uint32Array, logN: number): void {
  const n = a.length;
  const shift = 32 - logN;
  for (let i = 0; i < n; i++) {
    const j = logN === 0 ? 0 : (reverse32(i) >>> shift);
    if (j > i) {
      const t = a[i]!;
      a[i] = a[j]!;
      a[j] = t;
    }
  }
}

function reverse32(x: number): number {
  x = ((x >>> 1) & 0x55555555) | ((x & 0x55555555) << 1);
  x = ((x >>> 2) & 0x33333333) | ((x & 0x33333333) << 2);
  x = ((x >>> 4) & 0x0f0f0f0f) | ((x & 0x0f0f0f0f) << 4);
  x = ((x >>> 8) & 0x00ff00ff) | ((x & 0x00ff00ff) << 8);
  return ((x >>> 16) | (x << 16)) >>> 0;
}

function log2Exact(n: number): number {
  if (n < 1 || (n & (n - 1)) !== 0) throw new FieldError(`NTT length ${n} is not a power of two`);
  return 31 - Math.clz32(n);
}

function transform(F: PrimeField, a: Uint32Array, inverse: boolean): Uint32Array {
  const n = a.length;
  const logN = log2Exact(n);
  if (n === 1) return a;
  const tw = twiddles(F, logN, inverse);
  bitReverse(a, logN);
  const p = F.p;
  const invP = F.invP;
  for (let m = 1; m < n; m <<= 1) {
    const step = n / (2 * m);
    for (let start = 0; start < n; start += 2 * m) {
      for (let j = 0; j < m; j++) {
        const w = tw[j * step]!;
        const x = a[start + j]!;
        const y0 = a[start + j + m]!;
        const q = Math.floor(y0 * w * invP);
        let y = (Math.imul(y0, w) - Math.imul(q, p)) | 0;
        y = y < 0 ? y + p : y >= p ? y - p : y;
        const s = x + y;
        const d = x - y;
        a[start + j] = s >= p ? s - p : s;
        a[start + j + m] = d < 0 ? d + p : d;
      }
    }
  }
  if (inverse) F.scaleVec(a, a, F.inv(n % p));
  return a;
}

/** Coefficients → evaluations at ω^0..ω^{N−1}, in place. */
export function ntt(F: PrimeField, a: Uint32Array): Uint32Array {
  return transform(F, a, false);
}

/** Evaluations at ω^0..ω^{N−1} → coefficients, in place. */
export function intt(F: PrimeField, a: Uint32Array): Uint32Array {
  return transform(F, a, true);
}
