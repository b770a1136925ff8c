/**
 * Prime fields with p < 2^31, values canonical in [0, p) on plain numbers / Uint32Array.
 *
 * Why canonical form and not Montgomery: in JavaScript the 62-bit product a·b does not fit
 * a double, and a Montgomery step needs the exact high word of two such products. A
 * float-quotient (Barrett-style) reduction needs only one: q = ⌊a·b/p⌋ is computed in
 * doubles (off by at most one, since the relative error is ~2^-52 and the quotient < 2^31)
 * and the remainder is recovered exactly from the low 32 bits with Math.imul. Measured on
 * the project machine: ~5.4 ns per vectorised multiply vs ~21 ns for a Montgomery variant.
 * Canonical values also make encoding, hashing and FHE interop conversion-free.
 *
 * The error analysis needs p + 2^12 < 2^31 (the corrected remainder must fit in an int32);
 * the constructor enforces p < 2^31 - 2^12.
 */

/** Error raised for values that are not canonical field elements. */
export class FieldError extends Error {
  override name = 'FieldError';
}

function modPowBig(b: bigint, e: bigint, m: bigint): bigint {
  let r = 1n;
  b %= m;
  while (e > 0n) {
    if (e & 1n) r = (r * b) % m;
    b = (b * b) % m;
    e >>= 1n;
  }
  return r;
}

function isProbablePrime(n: bigint): boolean {
  if (n < 2n) return false;
  for (const sp of [2n, 3n, 5n, 7n, 11n, 13n, 17n, 19n, 23n, 29n, 31n, 37n]) {
    if (n === sp) return true;
    if (n % sp === 0n) return false;
  }
  let d = n - 1n;
  let s = 0;
  while ((d & 1n) === 0n) {
    d >>= 1n;
    s++;
  }
  // Deterministic Miller–Rabin bases for n < 3.3·10^24.
  for (const a of [2n, 3n, 5n, 7n, 11n, 13n, 17n, 19n, 23n, 29n, 31n, 37n]) {
    let x = modPowBig(a, d, n);
    if (x === 1n || x === n - 1n) continue;
    let composite = true;
    for (let i = 1; i < s; i++) {
      x = (x * x) % n;
      if (x === n - 1n) {
        composite = false;
        break;
      }
    }
    if (composite) return false;
  }
  return true;
}

function primeFactors(n: bigint): bigint[] {
  const fs: bigint[] = [];
  for (let f = 2n; f * f <= n; f++) {
    if (n % f === 0n) {
      fs.push(f);
      while (n % f === 0n) n /= f;
    }
  }
  if (n > 1n) fs.push(n);
  return fs;
}

export class PrimeField {
  /** The modulus. */
  readonly p: number;
  /** 1/p as a double, for the quotient estimate. */
  readonly invP: number;
  /** Bytes used to encode one element (always 4). */
  readonly bytes = 4;
  /** Largest k with 2^k | p − 1. */
  readonly twoAdicity: number;
  /** Smallest generator of the multiplicative group. */
  readonly generator: number;
  /** (p − 1) / 2: the largest magnitude of a signed integer embedded without wrapping. */
  readonly halfP: number;
  readonly name: string;
  private readonly rootsOfUnity: number[];

  constructor(p: number, name = `F_${p}`) {
    if (!Number.isSafeInteger(p) || p < 3 || p >= 2 ** 31 - 2 ** 12) {
      throw new FieldError(`modulus ${p} out of range: need 3 ≤ p < 2^31 − 2^12`);
    }
    const pb = BigInt(p);
    if (!isProbablePrime(pb)) throw new FieldError(`modulus ${p} is not prime`);
    this.p = p;
    this.invP = 1 / p;
    this.halfP = (p - 1) / 2;
    this.name = name;
    let k = 0;
    while (((p - 1) / 2 ** (k + 1)) % 1 === 0) k++;
    this.twoAdicity = k;
    const factors = primeFactors(pb - 1n);
    let g = 2n;
    for (; ; g++) {
      if (factors.every((f) => modPowBig(g, (pb - 1n) / f, pb) !== 1n)) break;
    }
    this.generator = Number(g);
    const roots: number[] = [];
    for (let i = 0; i <= k; i++) roots.push(Number(modPowBig(g, (pb - 1n) >> BigInt(i), pb)));
    this.rootsOfUnity = roots;
  }

  // ---- scalar arithmetic (inputs must be canonical) ----

  add(a: number, b: number): number {
    const s = a + b;
    return s >= this.p ? s - this.p : s;
  }

  sub(a: number, b: number): number {
    const d = a - b;
    return d < 0 ? d + this.p : d;
  }

  neg(a: number): number {
    return a === 0 ? 0 : this.p - a;
  }

  mul(a: number, b: number): number {
    const p = this.p;
    const q = Math.floor(a * b * this.invP);
    const r = (Math.imul(a, b) - Math.imul(q, p)) | 0;
    return r < 0 ? r + p : r >= p ? r - p : r;
  }

  square(a: number): number {
    return this.mul(a, a);
  }

  /** Reduces a non-negative integer x < 2^52 (e.g. a sum of a few products' residues). */
  reduce(x: number): number {
    const p = this.p;
    const q = Math.floor(x * this.invP);
    const r = x - q * p;
    return r < 0 ? r + p : r >= p ? r - p : r;
  }

  pow(a: number, e: number | bigint): number {
    let eb = typeof e === 'bigint' ? e : BigInt(e);
    if (eb < 0n) {
      a = this.inv(a);
      eb = -eb;
    }
    let r = 1;
    let b = a;
    while (eb > 0n) {
      if (eb & 1n) r = this.mul(r, b);
      b = this.mul(b, b);
      eb >>= 1n;
    }
    return r;
  }

  inv(a: number): number {
    if (a === 0) throw new FieldError('inverse of zero');
    // Extended Euclid on doubles: all intermediates stay below 2^31, so it is exact and
    // an order of magnitude faster than a^(p−2).
    let t = 0;
    let newT = 1;
    let r = this.p;
    let newR = a;
    while (newR !== 0) {
      const q = Math.floor(r / newR);
      const tt = t - q * newT;
      t = newT;
      newT = tt;
      const rr = r - q * newR;
      r = newR;
      newR = rr;
    }
    return t < 0 ? t + this.p : t;
  }

  // ---- conversions ----

  /** Embeds a signed safe integer as x mod p. */
  fromInt(x: number): number {
    const r = x % this.p;
    return r < 0 ? r + this.p : r === 0 ? 0 : r;
  }

  /** Centered lift: the integer in (−p/2, p/2] congruent to a. */
  toSigned(a: number): number {
    return a > this.halfP ? a - this.p : a;
  }

  fromBigInt(x: bigint): number {
    const pb = BigInt(this.p);
    const r = x % pb;
    return Number(r < 0n ? r + pb : r);
  }

  isCanonical(x: number): boolean {
    return Number.isInteger(x) && x >= 0 && x < this.p;
  }

  /** Throws unless x is a canonical element; used by decoders. */
  assertCanonical(x: number, what = 'field element'): number {
    if (!this.isCanonical(x)) throw new FieldError(`${what} ${x} is not canonical modulo ${this.p}`);
    return x;
  }

  /** A primitive 2^logN-th root of unity. */
  rootOfUnity(logN: number): number {
    if (!Number.isInteger(logN) || logN < 0 || logN > this.twoAdicity) {
      throw new FieldError(`no 2^${logN}-th root of unity in ${this.name} (two-adicity ${this.twoAdicity})`);
    }
    return this.rootsOfUnity[logN]!;
  }

  // ---- vector kernels: out may alias inputs; lengths are taken from `out` ----

  addVec(out: Uint32Array, a: Uint32Array, b: Uint32Array): Uint32Array {
    const p = this.p;
    for (let i = 0; i < out.length; i++) {
      const s = a[i]! + b[i]!;
      out[i] = s >= p ? s - p : s;
    }
    return out;
  }

  subVec(out: Uint32Array, a: Uint32Array, b: Uint32Array): Uint32Array {
    const p = this.p;
    for (let i = 0; i < out.length; i++) {
      const d = a[i]! - b[i]!;
      out[i] = d < 0 ? d + p : d;
    }
    return out;
  }

  mulVec(out: Uint32Array, a: Uint32Array, b: Uint32Array): Uint32Array {
    const p = this.p;
    const invP = this.invP;
    for (let i = 0; i < out.length; i++) {
      const x = a[i]!;
      const y = b[i]!;
      const q = Math.floor(x * y * invP);
      const r = (Math.imul(x, y) - Math.imul(q, p)) | 0;
      out[i] = r < 0 ? r + p : r >= p ? r - p : r;
    }
    return out;
  }

  scaleVec(out: Uint32Array, a: Uint32Array, s: number): Uint32Array {
    const p = this.p;
    const invP = this.invP;
    for (let i = 0; i < out.length; i++) {
      const x = a[i]!;
      const q = Math.floor(x * s * invP);
      const r = (Math.imul(x, s) - Math.imul(q, p)) | 0;
      out[i] = r < 0 ? r + p : r >= p ? r - p : r;
    }
    return out;
  }

  /** Σ a_i·b_i over the first `n` entries (default: a.length). */
  innerProduct(a: Uint32Array, b: Uint32Array, n = a.length): number {
    const p = this.p;
    const invP = this.invP;
    // Residues < 2^31 summed in a double stay exact for 2^21 terms; reduce every 2^20.
    let acc = 0;
    for (let i = 0; i < n; i++) {
      const x = a[i]!;
      const y = b[i]!;
      const q = Math.floor(x * y * invP);
      const r = (Math.imul(x, y) - Math.imul(q, p)) | 0;
      acc += r < 0 ? r + p : r >= p ? r - p : r;
      if ((i & 0xfffff) === 0xfffff) acc = this.reduce(acc);
    }
    return this.reduce(acc);
  }

  /**
   * One multilinear fold step: out[i] = a[2i] + r·(a[2i+1] − a[2i]) for i < a.length/2.
   * Binds the lowest variable of an evaluation table to r.
   */
  foldVec(out: Uint32Array, a: Uint32Array, r: number): Uint32Array {
    const half = a.length >>> 1;
    const p = this.p;
    const invP = this.invP;
    for (let i = 0; i < half; i++) {
      const lo = a[2 * i]!;
      let d = a[2 * i + 1]! - lo;
      if (d < 0) d += p;
      const q = Math.floor(d * r * invP);
      let t = (Math.imul(d, r) - Math.imul(q, p)) | 0;
      t = t < 0 ? t + p : t >= p ? t - p : t;
      const s = lo + t;
      out[i] = s >= p ? s - p : s;
    }
    return out;
  }

  /**
   * Montgomery's batch inversion: out[i] = a[i]^{-1} with one field inversion.
   * Throws if any entry is zero.
   */
  batchInverse(out: Uint32Array, a: Uint32Array): Uint32Array {
    const n = a.length;
    if (n === 0) return out;
    const prefix = new Uint32Array(n);
    let acc = 1;
    for (let i = 0; i < n; i++) {
      if (a[i] === 0) throw new FieldError(`batch inverse: entry ${i} is zero`);
      prefix[i] = acc;
      acc = this.mul(acc, a[i]!);
    }
    let inv = this.inv(acc);
    for (let i = n - 1; i >= 0; i--) {
      const ai = a[i]!;
      out[i] = this.mul(inv, prefix[i]!);
      inv = this.mul(inv, ai);
    }
    return out;
  }

  /** Uniform-looking element from a 32-bit random source (tests and masking only). */
  randomFrom(next32: () => number): number {
    // Rejection sampling keeps the distribution exactly uniform.
    const limit = Math.floor(2 ** 32 / this.p) * this.p;
    for (;;) {
      const x = next32() >>> 0;
      if (x < limit) return x % this.p;
    }
  }
}
