import { describe, expect, it } from 'vitest';
import { BabyBear, BabyBearExt4 } from '../field/index.js';
import { Transcript } from './transcript.js';

const E = BabyBearExt4;
const t = (d = 'test/v1') => new Transcript(d, E);

describe('Transcript', () => {
  it('is deterministic and sensitive to domain, labels, data and order', () => {
    const a = t();
    a.absorbU32('n', 5);
    const b = t();
    b.absorbU32('n', 5);
    expect(Array.from(a.challengeExt('c'))).toEqual(Array.from(b.challengeExt('c')));

    const variants: Transcript[] = [t('other/v1'), t(), t(), t()];
    variants[0]!.absorbU32('n', 5);
    variants[1]!.absorbU32('m', 5);
    variants[2]!.absorbU32('n', 6);
    variants[3]!.absorbBytes('n', Uint8Array.of(5, 0, 0));
    const ref = t();
    ref.absorbU32('n', 5);
    const refC = Array.from(ref.challengeExt('c'));
    for (const v of variants) expect(Array.from(v.challengeExt('c'))).not.toEqual(refC);
  });

  it('length-prefixes messages so re-splitting changes the state', () => {
    const a = t();
    a.absorbBytes('x', Uint8Array.of(1, 2));
    a.absorbBytes('x', Uint8Array.of(3));
    const b = t();
    b.absorbBytes('x', Uint8Array.of(1));
    b.absorbBytes('x', Uint8Array.of(2, 3));
    expect(Array.from(a.digest())).not.toEqual(Array.from(b.digest()));
  });

  it('successive challenges differ and are canonical', () => {
    const a = t();
    const c1 = a.challengeExt('c');
    const c2 = a.challengeExt('c');
    expect(Array.from(c1)).not.toEqual(Array.from(c2));
    const many = a.challengeExts('v', 1000);
    expect(E.isCanonical(many)).toBe(true);
    // Rough uniformity: the top half of [0,p) gets about half the limbs.
    const high = many.filter((x) => x > BabyBear.p / 2).length;
    expect(high).toBeGreaterThan(1700);
    expect(high).toBeLessThan(2300);
  });

  it('indices stay in range', () => {
    const idx = t().challengeIndices('q', 500, 7);
    expect(idx.every((i) => Number.isInteger(i) && i >= 0 && i < 128)).toBe(true);
    expect(new Set(idx).size).toBeGreaterThan(100);
    expect(() => t().challengeIndices('q', 1, 33)).toThrow();
  });

  it('proof of work: grind finds a nonce the verifier accepts; others are rejected', () => {
    const p = t();
    p.absorbU32('x', 1);
    const v = t();
    v.absorbU32('x', 1);
    const nonce = p.grind(8);
    expect(v.checkPow(8, nonce)).toBe(true);
    expect(Array.from(p.challengeExt('after'))).toEqual(Array.from(v.challengeExt('after')));
    const w = t();
    w.absorbU32('x', 1);
    // Nonces below the smallest valid one are invalid by construction.
    if (nonce > 0) expect(w.checkPow(8, nonce - 1)).toBe(false);
    expect(t().checkPow(0, 123)).toBe(true);
  });

  it('rejects malformed digests and integers', () => {
    expect(() => t().absorbDigest('d', new Uint8Array(31))).toThrow(/32 bytes/);
    expect(() => t().absorbU32('n', -1)).toThrow();
    expect(() => t().absorbU32('n', 2 ** 32)).toThrow();
  });
});
