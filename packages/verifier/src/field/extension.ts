/**
 * Degree-4 extension F_p[X]/(X^4 − w) of a {@link PrimeField}.
 *
 * An element is four consecutive canonical limbs (c0 + c1·X + c2·X² + c3·X³) in a
 * Uint32Array; a vector of n elements is a Uint32Array of length 4n. Hot-path methods take
 * (array, offset) pairs and write into caller-owned storage so loops allocate nothing;
 * the small allocating helpers (`mul`, `add`, …) are for verifier-side glue code.
 *
 * X^4 − w is irreducible iff w is not a square (p ≡ 1 mod 4 for every field we use), so
 * `w` defaults to the smallest quadratic non-residue ≥ 2 — 11 for BabyBear, 3 for
 * KoalaBear — and an explicit `w` is checked.
 */
import { FieldError, PrimeField } from './prime.js';

/** One extension element: a Uint32Array of length 4. */
export type Ext = Uint32Array;

export class QuarticExtension {
  readonly base: PrimeField;
  readonly w: number;
  /** Bytes used to encode one element. */
  readonly bytes = 16;
  /** log2 of the field size, rounded down. */
  readonly bits: number;

  constructor(base: PrimeField, w?: number) {
    if (base.p % 4 !== 1) throw new FieldError('quartic extension X^4 − w needs p ≡ 1 (mod 4)');
    const isNonResidue = (x: number) => base.pow(x, (base.p - 1) / 2) === base.p - 1;
    if (w === undefined) {
      w = 2;
      while (!isNonResidue(w)) w++;
    } else if (!isNonResidue(base.fromInt(w))) {
      throw new FieldError(`X^4 − ${w} is reducible over ${base.name}`);
    }
    this.base = base;
    this.w = base.fromInt(w);
    this.bits = Math.floor(4 * Math.log2(base.p));
  }

  // ---- allocation-free kernels on (array, offset) ----

  /** out[o..o+4) = a[ao..] · b[bo..]. `out` may alias either input. */
  mulAt(out: Uint32Array, o: number, a: Uint32Array, ao: number, b: Uint32Array, bo: number): void {
    const F = this.base;
    const a0 = a[ao]!, a1 = a[ao + 1]!, a2 = a[ao + 2]!, a3 = a[ao + 3]!;
    const b0 = b[bo]!, b1 = b[bo + 1]!, b2 = b[bo + 2]!, b3 = b[bo + 3]!;
    // Residues < 2^31: sums of up to 4 (times w ≤ 2^4) stay far below 2^52, so one
    // `reduce` per limb suffices.
    const hi0 = F.mul(a1, b3) + F.mul(a2, b2) + F.mul(a3, b1);
    const hi1 = F.mul(a2, b3) + F.mul(a3, b2);
    const hi2 = F.mul(a3, b3);
    const c0 = F.mul(a0, b0) + F.mul(F.reduce(hi0), this.w);
    const c1 = F.mul(a0, b1) + F.mul(a1, b0) + F.mul(F.reduce(hi1), this.w);
    const c2 = F.mul(a0, b2) + F.mul(a1, b1) + F.mul(a2, b0) + F.mul(hi2, this.w);
    const c3 = F.mul(a0, b3) + F.mul(a1, b2) + F.mul(a2, b1) + F.mul(a3, b0);
    out[o] = F.reduce(c0);
    out[o + 1] = F.reduce(c1);
    out[o + 2] = F.reduce(c2);
    out[o + 3] = F.reduce(c3);
  }

  /** out = a · s for a base-field scalar s. */
  mulBaseAt(out: Uint32Array, o: number, a: Uint32Array, ao: number, s: number): void {
    const F = this.base;
    out[o] = F.mul(a[ao]!, s);
    out[o + 1] = F.mul(a[ao + 1]!, s);
    out[o + 2] = F.mul(a[ao + 2]!, s);
    out[o + 3] = F.mul(a[ao + 3]!, s);
  }

  addAt(out: Uint32Array, o: number, a: Uint32Array, ao: number, b: Uint32Array, bo: number): void {
    const p = this.base.p;
    for (let k = 0; k < 4; k++) {
      const s = a[ao + k]! + b[bo + k]!;
      out[o + k] = s >= p ? s - p : s;
    }
  }

  subAt(out: Uint32Array, o: number, a: Uint32Array, ao: number, b: Uint32Array, bo: number): void {
    const p = this.base.p;
    for (let k = 0; k < 4; k++) {
      const d = a[ao + k]! - b[bo + k]!;
      out[o + k] = d < 0 ? d + p : d;
    }
  }

  /** out += a · b (multiply-accumulate). */
  mulAddAt(out: Uint32Array, o: number, a: Uint32Array, ao: number, b: Uint32Array, bo: number, tmp: Ext): void {
    this.mulAt(tmp, 0, a, ao, b, bo);
    this.addAt(out, o, out, o, tmp, 0);
  }

  // ---- allocating helpers ----

  zero(): Ext {
    return new Uint32Array(4);
  }

  one(): Ext {
    return Uint32Array.of(1, 0, 0, 0);
  }

  fromBase(a: number): Ext {
    return Uint32Array.of(a, 0, 0, 0);
  }

  /** Builds an element from four limbs, reducing signed integers. */
  of(c0: number, c1 = 0, c2 = 0, c3 = 0): Ext {
    const F = this.base;
    return Uint32Array.of(F.fromInt(c0), F.fromInt(c1), F.fromInt(c2), F.fromInt(c3));
  }

  copy(a: Ext): Ext {
    return a.slice(0, 4);
  }

  /** Reads element i of an ext vector (a copy). */
  get(v: Uint32Array, i: number): Ext {
    return v.slice(4 * i, 4 * i + 4);
  }

  set(v: Uint32Array, i: number, a: Ext): void {
    v.set(a.subarray(0, 4), 4 * i);
  }

  add(a: Ext, b: Ext): Ext {
    const out = new Uint32Array(4);
    this.addAt(out, 0, a, 0, b, 0);
    return out;
  }

  sub(a: Ext, b: Ext): Ext {
    const out = new Uint32Array(4);
    this.subAt(out, 0, a, 0, b, 0);
    return out;
  }

  neg(a: Ext): Ext {
    const F = this.base;
    return Uint32Array.of(F.neg(a[0]!), F.neg(a[1]!), F.neg(a[2]!), F.neg(a[3]!));
  }

  mul(a: Ext, b: Ext): Ext {
    const out = new Uint32Array(4);
    this.mulAt(out, 0, a, 0, b, 0);
    return out;
  }

  mulBase(a: Ext, s: number): Ext {
    const out = new Uint32Array(4);
    this.mulBaseAt(out, 0, a, 0, s);
    return out;
  }

  square(a: Ext): Ext {
    return this.mul(a, a);
  }

  pow(a: Ext, e: number | bigint): Ext {
    let eb = typeof e === 'bigint' ? e : BigInt(e);
    if (eb < 0n) throw new FieldError('negative exponent');
    let r = this.one();
    let b = this.copy(a);
    while (eb > 0n) {
      if (eb & 1n) r = this.mul(r, b);
      b = this.mul(b, b);
      eb >>= 1n;
    }
    return r;
  }

  /**
   * Inverse via the norm to the quadratic subfield: with a(X) = A(X²) + X·B(X²),
   * a(X)·a(−X) = A(Y)² − Y·B(Y)² lies in F_p[Y]/(Y² − w), whose inverse is a conjugate
   * over a base-field norm. Costs one base inversion.
   */
  inv(a: Ext): Ext {
    if (this.isZero(a)) throw new FieldError('inverse of zero');
    const F = this.base;
    const w = this.w;
    const [a0, a1, a2, a3] = [a[0]!, a[1]!, a[2]!, a[3]!];
    // A = a0 + a2·Y, B = a1 + a3·Y; A² − Y·B² = c0 + c1·Y (using Y² = w).
    const A0 = F.add(F.mul(a0, a0), F.mul(w, F.mul(a2, a2)));
    const A1 = F.mul(2, F.mul(a0, a2));
    const B0 = F.add(F.mul(a1, a1), F.mul(w, F.mul(a3, a3)));
    const B1 = F.mul(2, F.mul(a1, a3));
    // Y·(B0 + B1·Y) = w·B1 + B0·Y
    const c0 = F.sub(A0, F.mul(w, B1));
    const c1 = F.sub(A1, B0);
    const normInv = F.inv(F.sub(F.mul(c0, c0), F.mul(w, F.mul(c1, c1))));
    // (c0 + c1 Y)^{-1} = (c0 − c1 Y)·normInv
    const d0 = F.mul(c0, normInv);
    const d1 = F.mul(F.neg(c1), normInv);
    // a(−X) = a0 − a1 X + a2 X² − a3 X³, and Y = X².
    const conj = Uint32Array.of(a0, F.neg(a1), a2, F.neg(a3));
    return this.mul(conj, Uint32Array.of(d0, 0, d1, 0));
  }

  isZero(a: Ext): boolean {
    return a[0] === 0 && a[1] === 0 && a[2] === 0 && a[3] === 0;
  }

  equals(a: Ext, b: Ext): boolean {
    return a[0] === b[0] && a[1] === b[1] && a[2] === b[2] && a[3] === b[3];
  }

  isCanonical(a: Uint32Array): boolean {
    const p = this.base.p;
    for (let i = 0; i < a.length; i++) if (a[i]! >= p) return false;
    return true;
  }

  toString(a: Ext): string {
    return `[${a[0]}, ${a[1]}, ${a[2]}, ${a[3]}]`;
  }

  // ---- vector kernels on ext vectors (length 4n) ----

  /** Lifts a base-field vector into an ext vector. */
  liftVec(a: Uint32Array): Uint32Array {
    const out = new Uint32Array(4 * a.length);
    for (let i = 0; i < a.length; i++) out[4 * i] = a[i]!;
    return out;
  }

  /**
   * out[i] = a[2i] + r·(a[2i+1] − a[2i]) on an ext vector: binds the lowest variable of a
   * multilinear evaluation table to the challenge r. `out` may alias `a`.
   */
  foldVec(out: Uint32Array, a: Uint32Array, r: Ext): Uint32Array {
    const n = a.length >>> 3;
    const d = new Uint32Array(4);
    for (let i = 0; i < n; i++) {
      this.subAt(d, 0, a, 8 * i + 4, a, 8 * i);
      this.mulAt(d, 0, d, 0, r, 0);
      this.addAt(out, 4 * i, a, 8 * i, d, 0);
    }
    return out;
  }

  /** As {@link foldVec} for a base-field table: the output is an ext vector of half length. */
  foldBaseVec(out: Uint32Array, a: Uint32Array, r: Ext): Uint32Array {
    const F = this.base;
    const n = a.length >>> 1;
    const d = new Uint32Array(4);
    for (let i = 0; i < n; i++) {
      const lo = a[2 * i]!;
      const diff = F.sub(a[2 * i + 1]!, lo);
      this.mulBaseAt(d, 0, r, 0, diff);
      d[0] = F.add(d[0]!, lo);
      out[4 * i] = d[0]!;
      out[4 * i + 1] = d[1]!;
      out[4 * i + 2] = d[2]!;
      out[4 * i + 3] = d[3]!;
    }
    return out;
  }

  /** Σ_i a_i·b_i for two ext vectors. */
  innerProduct(a: Uint32Array, b: Uint32Array): Ext {
    const acc = new Uint32Array(4);
    const tmp = new Uint32Array(4);
    for (let i = 0; i < a.length; i += 4) this.mulAddAt(acc, 0, a, i, b, i, tmp);
    return acc;
  }

  /** Σ_i a_i·b_i for an ext vector a and a base vector b. */
  innerProductBase(a: Uint32Array, b: Uint32Array): Ext {
    const F = this.base;
    const acc = [0, 0, 0, 0];
    for (let i = 0; i < b.length; i++) {
      const s = b[i]!;
      for (let k = 0; k < 4; k++) {
        acc[k] = acc[k]! + F.mul(a[4 * i + k]!, s);
        if ((i & 0xfffff) === 0xfffff) acc[k] = F.reduce(acc[k]!);
      }
    }
    return Uint32Array.of(F.reduce(acc[0]!), F.reduce(acc[1]!), F.reduce(acc[2]!), F.reduce(acc[3]!));
  }

  /** Batch inversion of an ext vector (one ext inversion). */
  batchInverse(out: Uint32Array, a: Uint32Array): Uint32Array {
    const n = a.length >>> 2;
    if (n === 0) return out;
    const prefix = new Uint32Array(4 * n);
    const acc = this.one();
    for (let i = 0; i < n; i++) {
      if (a[4 * i] === 0 && a[4 * i + 1] === 0 && a[4 * i + 2] === 0 && a[4 * i + 3] === 0) {
        throw new FieldError(`batch inverse: entry ${i} is zero`);
      }
      prefix.set(acc, 4 * i);
      this.mulAt(acc, 0, acc, 0, a, 4 * i);
    }
    const inv = this.inv(acc);
    const t = new Uint32Array(4);
    for (let i = n - 1; i >= 0; i--) {
      t.set(a.subarray(4 * i, 4 * i + 4));
      this.mulAt(out, 4 * i, inv, 0, prefix, 4 * i);
      this.mulAt(inv, 0, inv, 0, t, 0);
    }
    return out;
  }
}
