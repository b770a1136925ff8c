import { describe, it, expect } from 'vitest';
import { ByteReader, ByteWriter } from '../codec/bytes.js';
import { ProofFormatError } from '../codec/errors.js';
import { DEFAULT_PCS_PARAMS, LARGE_PCS_PARAMS, PcsError, foldSchedule, pcsParamsFor, pcsSecurityBits, validatePcsParams, type PcsParams } from './config.js';
import { decodePcsProof, encodePcsProof } from './proof.js';

describe('PCS parameters', () => {
  it('default parameters give ≥ 100 conjectured bits at 2^20 and report proven figures', () => {
    const s = pcsSecurityBits(DEFAULT_PCS_PARAMS, 20);
    expect(s.conjecturedBits).toBeGreaterThanOrEqual(100);
    expect(s.provenUniqueDecodingBits).toBeGreaterThan(40);
    expect(s.provenJohnsonBits).toBeGreaterThan(s.provenUniqueDecodingBits);
    expect(s.provenJohnsonBits).toBeLessThan(s.conjecturedBits);
    expect(s.terms.queryConjecturedBits).toBe(DEFAULT_PCS_PARAMS.queries * 2 + DEFAULT_PCS_PARAMS.powBits);
  });
  it('security decreases with the committed size (folding term)', () => {
    const a = pcsSecurityBits(DEFAULT_PCS_PARAMS, 16).terms.foldingUniqueDecodingBits;
    const b = pcsSecurityBits(DEFAULT_PCS_PARAMS, 22).terms.foldingUniqueDecodingBits;
    expect(a - b).toBeCloseTo(6, 1);
  });
  it('validates parameters', () => {
    const bad: Partial<PcsParams>[] = [{ logBlowup: 0 }, { logFoldArity: 0 }, { logFoldArityFolded: 0 }, { logFoldArityFolded: 9 }, { queries: 0 }, { powBits: 31 }, { foldPowBits: 17 }, { foldPowBits: -1 }, { foldPowBits: 0.5 }, { finalLogSize: -1 }, { queries: 1.5 }];
    for (const b of bad) expect(() => validatePcsParams({ ...DEFAULT_PCS_PARAMS, ...b })).toThrow(PcsError);
    expect(() => validatePcsParams(DEFAULT_PCS_PARAMS, 26)).toThrow(PcsError); // 26 + 2 > two-adicity 27
    validatePcsParams(DEFAULT_PCS_PARAMS, 25);
  });
  it('fold schedules', () => {
    const p = DEFAULT_PCS_PARAMS;
    // Layer 0 folds 6 variables (64-value leaves), later layers 4 (16 ext values per leaf).
    expect(foldSchedule(20, p)).toMatchObject({ folds: 14, finalVars: 6, arities: [6, 4, 4], starts: [0, 6, 10], logSizes: [22, 16, 12] });
    expect(foldSchedule(17, p)).toMatchObject({ folds: 11, arities: [6, 4, 1] });
    expect(foldSchedule(20, { ...p, logFoldArityFolded: undefined })).toMatchObject({ arities: [6, 6, 2] });
    expect(foldSchedule(3, p)).toMatchObject({ folds: 0, finalVars: 3, arities: [0], logSizes: [5] });
    expect(foldSchedule(0, p)).toMatchObject({ folds: 0, finalVars: 0, arities: [0], logSizes: [2] });
  });
});

describe('pcsParamsFor', () => {
  it('keeps the default wherever rate 1/4 fits and switches to rate 1/2 only above', () => {
    for (const n of [0, 1, 10, 20, 24, 25]) {
      expect(pcsParamsFor(n)).toBe(DEFAULT_PCS_PARAMS);
      validatePcsParams(pcsParamsFor(n), n);
    }
    expect(() => validatePcsParams(DEFAULT_PCS_PARAMS, 26)).toThrow(PcsError);
    expect(pcsParamsFor(26)).toBe(LARGE_PCS_PARAMS);
    validatePcsParams(pcsParamsFor(26), 26);
    // Nothing fits above 2^26: the large set is returned and rejected by validation.
    expect(pcsParamsFor(27)).toBe(LARGE_PCS_PARAMS);
    expect(() => validatePcsParams(pcsParamsFor(27), 27)).toThrow(PcsError);
  });
  it('the rate-1/2 set differs from the default only in rate, query count and query grinding', () => {
    expect(LARGE_PCS_PARAMS.logBlowup).toBe(1);
    expect({ ...LARGE_PCS_PARAMS, logBlowup: DEFAULT_PCS_PARAMS.logBlowup, queries: DEFAULT_PCS_PARAMS.queries, powBits: DEFAULT_PCS_PARAMS.powBits }).toEqual({
      ...DEFAULT_PCS_PARAMS,
    });
    expect(Object.isFrozen(LARGE_PCS_PARAMS)).toBe(true);
  });
  it('the rate-1/2 set keeps the query term at or above the default; folding grinding keeps the folding term ≥ 104 bits at 2^26', () => {
    const def = pcsSecurityBits(DEFAULT_PCS_PARAMS, 25);
    const big = pcsSecurityBits(LARGE_PCS_PARAMS, 26);
    expect(big.terms.queryConjecturedBits).toBe(LARGE_PCS_PARAMS.queries + LARGE_PCS_PARAMS.powBits);
    expect(big.terms.queryConjecturedBits).toBeGreaterThanOrEqual(def.terms.queryConjecturedBits);
    expect(big.terms.queryConjecturedBits).toBeGreaterThanOrEqual(104);
    // 20 folds into codes of 2^26, 2^25, …, 2^7 points: Σ n_i ≈ 2^27, so ≈ 96.6 bits
    // before grinding, as for the default at 2^25 (same codeword length; docs/SECURITY.md);
    // each folding challenge costs 2^8 hashes to redraw, so +8 bits.
    const grind = LARGE_PCS_PARAMS.foldPowBits!;
    expect(grind).toBe(8);
    expect(big.terms.foldingUniqueDecodingBits).toBeCloseTo(4 * Math.log2(15 * 2 ** 27 + 1) - Math.log2(2 ** 27 - 2 ** 7) + grind, 6);
    expect(big.terms.foldingUniqueDecodingBits).toBeGreaterThan(104);
    expect(big.conjecturedBits).toBeGreaterThanOrEqual(100);
    expect(def.conjecturedBits).toBeGreaterThanOrEqual(100);
    expect(pcsSecurityBits({ ...LARGE_PCS_PARAMS, foldPowBits: 0 }, 26).conjecturedBits).toBeLessThan(100);
  });
  it('every size a proof can commit is at ≥ 100 bits conjectured with the parameters pcsParamsFor picks', () => {
    for (let n = 6; n <= 26; n++) expect(pcsSecurityBits(pcsParamsFor(n), n, 1024).conjecturedBits).toBeGreaterThanOrEqual(100);
  });
});

describe('PCS proof decoding', () => {
  const params: PcsParams = { logBlowup: 1, logFoldArity: 2, queries: 4, powBits: 0, finalLogSize: 1 };
  it('rejects truncated input before allocating', () => {
    expect(() => decodePcsProof(new ByteReader(new Uint8Array(10)), 5, params)).toThrow(ProofFormatError);
  });
  it('rejects oversized counts', () => {
    // numVars 3 → schedule folds 2 (one layer of arity 2), final 1 var.
    const w = new ByteWriter();
    w.exts(new Uint32Array(8 * 2)); // round polys
    w.u32(0).u32(0); // folding nonces
    w.exts(new Uint32Array(4 * 2)); // final poly
    w.u32(0);
    w.varuint(1_000_000); // absurd limb count
    expect(() => decodePcsProof(new ByteReader(w.finish()), 3, params)).toThrow(/exceeds limit/);
  });
  it('rejects non-canonical field elements', () => {
    const w = new ByteWriter();
    w.u32(0xffffffff);
    w.bytes(new Uint8Array(400));
    expect(() => decodePcsProof(new ByteReader(w.finish()), 3, params)).toThrow(/not canonical/);
  });
  it('round-trips a well-shaped proof', () => {
    const proof = {
      roundPolys: Uint32Array.from({ length: 16 }, (_, i) => i),
      foldNonces: Uint32Array.of(5, 0xfffffffe),
      layerRoots: [],
      finalPoly: Uint32Array.from({ length: 8 }, (_, i) => 100 + i),
      powNonce: 77,
      openings: [{ values: Uint32Array.from({ length: 8 }, (_, i) => i), siblings: new Uint8Array(64).fill(9) }],
    };
    const w = new ByteWriter();
    encodePcsProof(w, proof);
    const r = new ByteReader(w.finish());
    expect(decodePcsProof(r, 3, params)).toEqual(proof);
    r.finish();
  });
  it('rejects parameters out of range as a format error', () => {
    expect(() => decodePcsProof(new ByteReader(new Uint8Array(0)), 40, params)).toThrow(ProofFormatError);
  });
});
