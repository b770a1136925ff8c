import { describe, expect, it } from 'vitest';
import { makeRng } from '../testing/rng.js';
import { BabyBear, BabyBearExt4, KoalaBear, KoalaBearExt4, PrimeField, QuarticExtension, intt, ntt } from './index.js';

const cases: Array<[string, PrimeField, QuarticExtension]> = [
  ['BabyBear', BabyBear, BabyBearExt4],
  ['KoalaBear', KoalaBear, KoalaBearExt4],
];

function extMulBig(a: Uint32Array, b: Uint32Array, p: bigint, w: bigint): bigint[] {
  const c = [0n, 0n, 0n, 0n, 0n, 0n, 0n];
  for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) c[i + j]! += BigInt(a[i]!) * BigInt(b[j]!);
  return [0, 1, 2, 3].map((k) => (c[k]! + (k + 4 < 7 ? w * c[k + 4]! : 0n)) % p);
}

describe.each(cases)('%s', (_name, F, E) => {
  const p = BigInt(F.p);
  const rng = makeRng(7);
  const edge = [0, 1, 2, F.p - 1, F.p - 2, (F.p - 1) / 2, (F.p + 1) / 2, 65535, 65536];
  const values = [...edge, ...Array.from({ length: 300 }, () => F.randomFrom(rng))];

  it('add/sub/mul/neg agree with BigInt on random and edge values', () => {
    for (const a of values) {
      for (const b of values.slice(0, 60)) {
        expect(BigInt(F.mul(a, b))).toBe((BigInt(a) * BigInt(b)) % p);
        expect(BigInt(F.add(a, b))).toBe((BigInt(a) + BigInt(b)) % p);
        expect(BigInt(F.sub(a, b))).toBe((((BigInt(a) - BigInt(b)) % p) + p) % p);
      }
      expect(BigInt(F.neg(a))).toBe((p - BigInt(a)) % p);
    }
  });

  it('inverse, pow and signed embedding', () => {
    for (const a of values) {
      if (a === 0) {
        expect(() => F.inv(0)).toThrow(/zero/);
        continue;
      }
      expect(F.mul(a, F.inv(a))).toBe(1);
      expect(F.pow(a, F.p - 1)).toBe(1);
    }
    expect(F.fromInt(-1)).toBe(F.p - 1);
    expect(F.toSigned(F.fromInt(-12345))).toBe(-12345);
    expect(F.toSigned(F.fromInt(F.halfP))).toBe(F.halfP);
    expect(F.fromBigInt(-1n)).toBe(F.p - 1);
  });

  it('roots of unity have exact order', () => {
    for (const k of [1, 5, F.twoAdicity]) {
      const w = F.rootOfUnity(k);
      expect(F.pow(w, 2 ** k)).toBe(1);
      expect(F.pow(w, 2 ** (k - 1))).toBe(F.p - 1);
    }
    expect(() => F.rootOfUnity(F.twoAdicity + 1)).toThrow(/root of unity/);
  });

  it('vector kernels match scalar ops', () => {
    const n = 1000;
    const a = Uint32Array.from({ length: n }, () => F.randomFrom(rng));
    const b = Uint32Array.from({ length: n }, () => F.randomFrom(rng));
    const out = new Uint32Array(n);
    F.mulVec(out, a, b);
    for (let i = 0; i < n; i++) expect(out[i]).toBe(F.mul(a[i]!, b[i]!));
    F.addVec(out, a, b);
    for (let i = 0; i < n; i++) expect(out[i]).toBe(F.add(a[i]!, b[i]!));
    F.subVec(out, a, b);
    for (let i = 0; i < n; i++) expect(out[i]).toBe(F.sub(a[i]!, b[i]!));
    F.scaleVec(out, a, F.p - 3);
    for (let i = 0; i < n; i++) expect(out[i]).toBe(F.mul(a[i]!, F.p - 3));
    let ip = 0n;
    for (let i = 0; i < n; i++) ip += BigInt(a[i]!) * BigInt(b[i]!);
    expect(BigInt(F.innerProduct(a, b))).toBe(ip % p);
    const inv = F.batchInverse(new Uint32Array(n), a);
    for (let i = 0; i < n; i++) expect(F.mul(inv[i]!, a[i]!)).toBe(1);
    a[17] = 0;
    expect(() => F.batchInverse(new Uint32Array(n), a)).toThrow(/entry 17/);
  });

  it('NTT matches naive evaluation and inverts', () => {
    for (const logN of [0, 1, 3, 6]) {
      const n = 1 << logN;
      const coeffs = Uint32Array.from({ length: n }, () => F.randomFrom(rng));
      const evals = ntt(F, coeffs.slice());
      const w = F.rootOfUnity(logN);
      for (let i = 0; i < n; i++) {
        const x = F.pow(w, i);
        let acc = 0;
        for (let j = n - 1; j >= 0; j--) acc = F.add(F.mul(acc, x), coeffs[j]!);
        expect(evals[i]).toBe(acc);
      }
      expect(Array.from(intt(F, evals))).toEqual(Array.from(coeffs));
    }
    expect(() => ntt(F, new Uint32Array(3))).toThrow(/power of two/);
  });

  it('extension multiply matches BigInt polynomial arithmetic', () => {
    const w = BigInt(E.w);
    const el = () => Uint32Array.of(F.randomFrom(rng), F.randomFrom(rng), F.randomFrom(rng), F.randomFrom(rng));
    const specials = [E.zero(), E.one(), Uint32Array.of(F.p - 1, F.p - 1, F.p - 1, F.p - 1)];
    for (let t = 0; t < 300; t++) {
      const a = t < 3 ? specials[t]! : el();
      const b = el();
      expect(Array.from(E.mul(a, b)).map(BigInt)).toEqual(extMulBig(a, b, p, w));
      expect(Array.from(E.mulBase(a, b[0]!))).toEqual(Array.from(E.mul(a, E.fromBase(b[0]!))));
    }
  });

  it('extension inverse, pow and batch inverse', () => {
    for (let t = 0; t < 100; t++) {
      const a = Uint32Array.of(F.randomFrom(rng), t % 3 ? F.randomFrom(rng) : 0, F.randomFrom(rng), t % 5 ? F.randomFrom(rng) : 0);
      expect(Array.from(E.mul(a, E.inv(a)))).toEqual([1, 0, 0, 0]);
    }
    expect(() => E.inv(E.zero())).toThrow(/zero/);
    const x = E.of(3, 1, 4, 1);
    // Frobenius: x^(p^4) = x.
    expect(Array.from(E.pow(x, p ** 4n))).toEqual(Array.from(x));
    const v = new Uint32Array(4 * 50);
    for (let i = 0; i < v.length; i++) v[i] = F.randomFrom(rng);
    const inv = E.batchInverse(new Uint32Array(v.length), v);
    for (let i = 0; i < 50; i++) expect(Array.from(E.mul(E.get(v, i), E.get(inv, i)))).toEqual([1, 0, 0, 0]);
  });

  it('fold kernels bind the lowest variable', () => {
    const a = Uint32Array.from({ length: 16 }, () => F.randomFrom(rng));
    const r = E.of(5, 6, 7, 8);
    const folded = E.foldBaseVec(new Uint32Array(32), a, r);
    const lifted = E.liftVec(a);
    const folded2 = E.foldVec(new Uint32Array(32), lifted, r);
    expect(Array.from(folded)).toEqual(Array.from(folded2));
    for (let i = 0; i < 8; i++) {
      const expected = E.add(E.fromBase(a[2 * i]!), E.mulBase(r, F.sub(a[2 * i + 1]!, a[2 * i]!)));
      expect(Array.from(E.get(folded, i))).toEqual(Array.from(expected));
    }
    const rb = 99;
    const fb = F.foldVec(new Uint32Array(8), a, rb);
    for (let i = 0; i < 8; i++) expect(fb[i]).toBe(F.add(a[2 * i]!, F.mul(rb, F.sub(a[2 * i + 1]!, a[2 * i]!))));
  });
});

describe('field construction', () => {
  it('rejects non-primes, oversized moduli and reducible extensions', () => {
    expect(() => new PrimeField(2 ** 31 - 1 + 2)).toThrow(/out of range/);
    expect(() => new PrimeField(15 * 2 ** 27 + 3)).toThrow(/not prime/);
    expect(() => new QuarticExtension(BabyBear, 4)).toThrow(/reducible/);
  });

  it('derives parameters of other NTT-friendly primes', () => {
    const F = new PrimeField(7 * 2 ** 26 + 1);
    expect(F.twoAdicity).toBe(26);
    const E = new QuarticExtension(F);
    const a = E.of(1, 2, 3, 4);
    expect(Array.from(E.mul(a, E.inv(a)))).toEqual([1, 0, 0, 0]);
    expect(BabyBear.twoAdicity).toBe(27);
    expect(KoalaBear.twoAdicity).toBe(24);
  });
});
