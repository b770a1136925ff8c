import { describe, expect, it } from 'vitest';
import { LOOKUP_POW_BITS } from '../lookup/verifier.js';
import { pcsParamsFor, pcsSecurityBits } from '../pcs/config.js';
import { generationSecurityBits } from './security.js';

const extBits = 4 * Math.log2(15 * 2 ** 27 + 1);

describe('generationSecurityBits', () => {
  it('is the union of the two openings and the lookups, each with its grinding', () => {
    const s = generationSecurityBits({ witnessVars: 22, witnessClaims: 400, weightVars: 20, weightClaims: 60, lookupLeaves: 2 ** 22.2, lookupArity: 2 });
    expect(s.terms.witnessOpening).toBeCloseTo(pcsSecurityBits(pcsParamsFor(22), 22, 400).conjecturedBits, 9);
    expect(s.terms.weightOpening).toBeCloseTo(pcsSecurityBits(pcsParamsFor(20), 20, 60).conjecturedBits, 9);
    // α over a rational identity of degree ≤ leaves (γ's (arity + 1)/|E| is negligible next to it).
    expect(s.terms.lookups).toBeCloseTo(extBits - 22.2 + LOOKUP_POW_BITS, 1);
    expect(s.conjecturedBits).toBeLessThan(Math.min(s.terms.witnessOpening, s.terms.weightOpening, s.terms.lookups));
    expect(s.conjecturedBits).toBeGreaterThan(Math.min(s.terms.witnessOpening, s.terms.weightOpening, s.terms.lookups) - 2);
  });
  it('every proof size the prover accepts is at ≥ 100 bits conjectured', () => {
    // Up to a 2^26 witness (rate 1/2) and lookups with 2^26 leaves.
    for (let n = 16; n <= 26; n++) {
      const s = generationSecurityBits({ witnessVars: n, witnessClaims: 4096, weightVars: 26, weightClaims: 512, lookupLeaves: 2 ** n, lookupArity: 3 });
      expect(s.conjecturedBits, `witness 2^${n}`).toBeGreaterThanOrEqual(100);
    }
  });
  it('a chunked witness (2^27, 2^28) is the union of its 2^26 chunk openings, still ≥ 100 bits', () => {
    const chunk = pcsSecurityBits(pcsParamsFor(26), 26, 4096).conjecturedBits;
    for (const [n, chunks] of [[27, 2], [28, 4]] as const) {
      const s = generationSecurityBits({ witnessVars: n, witnessClaims: 4096, weightVars: 26, weightClaims: 512, lookupLeaves: 2 ** n, lookupArity: 3 });
      expect(s.terms.witnessOpening).toBeCloseTo(chunk - Math.log2(chunks), 9);
      expect(s.conjecturedBits).toBeGreaterThanOrEqual(100);
    }
  });
  it('without lookups the lookup term drops out', () => {
    const s = generationSecurityBits({ witnessVars: 10, witnessClaims: 1, weightVars: 12, weightClaims: 1, lookupLeaves: 0, lookupArity: 0 });
    expect(s.terms.lookups).toBe(Infinity);
    expect(Number.isFinite(s.conjecturedBits)).toBe(true);
  });
});
