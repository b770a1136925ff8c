/**
 * Verifier-side tests with a tiny reference prover written here from the definition
 * (ext tables, naive arithmetic) — the verifier package never imports the real prover.
 */
import { describe, expect, it } from 'vitest';
import { BabyBear, BabyBearExt4 } from '../field/babybear.js';
import { ByteReader, ByteWriter } from '../codec/bytes.js';
import { ProofFormatError } from '../codec/errors.js';
import { Transcript } from '../transcript/transcript.js';
import { evalMleExt } from '../poly/multilinear.js';
import { makeRng } from '../testing/rng.js';
import {
  SumcheckError,
  decodeSumcheckProof,
  encodeSumcheckProof,
  sumcheckProofBytes,
  type SumcheckProof,
  type SumcheckTerm,
} from './proof.js';
import {
  SUMCHECK_CHALLENGE_LABEL,
  SUMCHECK_FINAL_LABEL,
  SUMCHECK_ROUND_LABEL,
  absorbSumcheckHeader,
  absorbSumcheckTerms,
  checkSumcheckStatement,
  evalSumcheckTerms,
  sumcheckDegree,
  verifySumcheck,
  verifySumcheckRounds,
} from './verifier.js';

const E = BabyBearExt4;
const F = BabyBear;
const DOMAIN = 'zkllm/test/sumcheck-verifier';

/** Reference prover: ext tables only, evaluates every term at every x directly. */
function refProve(n: number, tables: Uint32Array[], terms: SumcheckTerm[], t: Transcript) {
  const d = sumcheckDegree(terms);
  let cur: Uint32Array[] = tables.map((x) => x.slice());
  const sumAt = (vals: Uint32Array[]) => {
    const acc = E.zero();
    for (let x = 0; x < vals[0]!.length / 4; x++) {
      const v = new Uint32Array(4 * vals.length);
      vals.forEach((tab, k) => v.set(tab.subarray(4 * x, 4 * x + 4), 4 * k));
      E.addAt(acc, 0, acc, 0, evalSumcheckTerms(E, terms, v), 0);
    }
    return acc;
  };
  const claim = sumAt(cur);
  absorbSumcheckTerms(t, tables.length, terms);
  absorbSumcheckHeader(t, n, d, claim);
  const roundMessages: Uint32Array[] = [];
  for (let i = 0; i < n; i++) {
    const msg = new Uint32Array(4 * d);
    let slot = 0;
    for (let s = 0; s <= d; s++) {
      if (s === 1) continue;
      // s_i(s) = Σ over the rest of the table with x_i = s (line through lo, hi).
      const at = cur.map((tab) => {
        const half = tab.length / 8;
        const out = new Uint32Array(4 * half);
        for (let j = 0; j < half; j++) {
          const lo = tab.subarray(8 * j, 8 * j + 4);
          const hi = tab.subarray(8 * j + 4, 8 * j + 8);
          out.set(E.add(lo, E.mulBase(E.sub(hi, lo), s)), 4 * j);
        }
        return out;
      });
      msg.set(sumAt(at), 4 * slot++);
    }
    roundMessages.push(msg);
    t.absorbExt(SUMCHECK_ROUND_LABEL, msg);
    const r = t.challengeExt(SUMCHECK_CHALLENGE_LABEL);
    cur = cur.map((tab) => E.foldVec(new Uint32Array(tab.length / 2), tab, r));
  }
  const finalEvals = new Uint32Array(4 * tables.length);
  cur.forEach((tab, k) => finalEvals.set(tab.subarray(0, 4), 4 * k));
  t.absorbExt(SUMCHECK_FINAL_LABEL, finalEvals);
  return { claim, proof: { roundMessages, finalEvals } as SumcheckProof };
}

function randExtVec(len: number, next: () => number): Uint32Array {
  return Uint32Array.from({ length: 4 * len }, () => F.randomFrom(next));
}

describe('sumcheck verifier (against a reference prover)', () => {
  const next = makeRng(2024);
  const n = 4;
  const tables = [randExtVec(16, next), randExtVec(16, next), randExtVec(16, next)];
  const terms: SumcheckTerm[] = [
    { coeff: randExtVec(1, next), factors: [0, 1, 2, 2] },
    { coeff: randExtVec(1, next), factors: [1] },
    { coeff: randExtVec(1, next), factors: [] },
  ];
  const { claim, proof } = refProve(n, tables, terms, new Transcript(DOMAIN, E));
  const st = { numVars: n, numTables: 3, terms, claim };

  it('accepts an honest proof and returns the point and the true evaluations', () => {
    const res = verifySumcheck(st, proof, new Transcript(DOMAIN, E));
    tables.forEach((tab, k) => expect(res.finalEvals.subarray(4 * k, 4 * k + 4)).toEqual(evalMleExt(E, tab, res.point)));
  });

  it('leaves the transcript in the same state as the prover', () => {
    const tp = new Transcript(DOMAIN, E);
    refProve(n, tables, terms, tp);
    const tv = new Transcript(DOMAIN, E);
    verifySumcheck(st, proof, tv);
    expect(tv.digest()).toEqual(tp.digest());
  });

  it('rounds-only verifier returns the final claim Σ c Π f(r)', () => {
    const t = new Transcript(DOMAIN, E);
    absorbSumcheckTerms(t, 3, terms);
    const res = verifySumcheckRounds(t, n, 4, claim, proof.roundMessages);
    expect(res.finalClaim).toEqual(evalSumcheckTerms(E, terms, proof.finalEvals));
  });

  it('rejects a wrong claim, tampered rounds and tampered final values', () => {
    const bad = E.add(claim, E.one());
    expect(() => verifySumcheck({ ...st, claim: bad }, proof, new Transcript(DOMAIN, E))).toThrow(SumcheckError);
    for (let i = 0; i < n; i++) {
      const msgs = proof.roundMessages.map((m) => m.slice());
      msgs[i]![5] = (msgs[i]![5]! + 1) % F.p;
      expect(() => verifySumcheck(st, { ...proof, roundMessages: msgs }, new Transcript(DOMAIN, E))).toThrow(
        SumcheckError,
      );
    }
    const fe = proof.finalEvals.slice();
    fe[9] = (fe[9]! + 1) % F.p;
    expect(() => verifySumcheck(st, { ...proof, finalEvals: fe }, new Transcript(DOMAIN, E))).toThrow(/final check/);
  });

  it('codec: round trip, exact size, flipped bytes, truncation, trailing bytes', () => {
    const w = new ByteWriter();
    encodeSumcheckProof(w, proof);
    const bytes = w.finish();
    expect(bytes.length).toBe(sumcheckProofBytes(n, 4, 3));
    const r = new ByteReader(bytes);
    expect(decodeSumcheckProof(r, n, 4, 3)).toEqual(proof);
    r.finish();
    for (let pos = 0; pos < bytes.length; pos += 3) {
      const bad = bytes.slice();
      bad[pos]! ^= 1 << pos % 8;
      expect(() => verifySumcheck(st, decodeSumcheckProof(new ByteReader(bad), n, 4, 3), new Transcript(DOMAIN, E))).toThrow();
    }
    expect(() => decodeSumcheckProof(new ByteReader(bytes.subarray(0, bytes.length - 1)), n, 4, 3)).toThrow(ProofFormatError);
    const nonCanonical = bytes.slice();
    new DataView(nonCanonical.buffer).setUint32(20, F.p, true);
    expect(() => decodeSumcheckProof(new ByteReader(nonCanonical), n, 4, 3)).toThrow(ProofFormatError);
    const longer = new Uint8Array(bytes.length + 4);
    longer.set(bytes);
    const rl = new ByteReader(longer);
    decodeSumcheckProof(rl, n, 4, 3);
    expect(() => rl.finish()).toThrow(ProofFormatError);
  });

  it('n = 0: the claim is checked directly against the final values', () => {
    const t0 = [randExtVec(1, next), randExtVec(1, next)];
    const terms0: SumcheckTerm[] = [{ coeff: E.one(), factors: [0, 1] }];
    const r = refProve(0, t0, terms0, new Transcript(DOMAIN, E));
    expect(r.claim).toEqual(E.mul(t0[0]!, t0[1]!));
    const st0 = { numVars: 0, numTables: 2, terms: terms0, claim: r.claim };
    expect(verifySumcheck(st0, r.proof, new Transcript(DOMAIN, E)).point.length).toBe(0);
    expect(() => verifySumcheck({ ...st0, claim: E.one() }, r.proof, new Transcript(DOMAIN, E))).toThrow(SumcheckError);
  });

  it('statement validation: degree > 4, bad indices, non-canonical values, no terms', () => {
    const c = E.one();
    expect(() => checkSumcheckStatement({ ...st, terms: [{ coeff: c, factors: [0, 0, 0, 0, 0] }] })).toThrow(/degree > 4/);
    expect(() => checkSumcheckStatement({ ...st, degree: 5 })).toThrow(SumcheckError);
    expect(() => checkSumcheckStatement({ ...st, degree: 3 })).toThrow(/below/);
    expect(() => checkSumcheckStatement({ ...st, terms: [{ coeff: c, factors: [3] }] })).toThrow(/out of range/);
    expect(() => checkSumcheckStatement({ ...st, terms: [{ coeff: c, factors: [-1] }] })).toThrow(/out of range/);
    expect(() => checkSumcheckStatement({ ...st, terms: [{ coeff: c, factors: [0.5] }] })).toThrow(/out of range/);
    expect(() => checkSumcheckStatement({ ...st, terms: [{ coeff: Uint32Array.of(F.p, 0, 0, 0), factors: [0] }] })).toThrow(
      /canonical/,
    );
    expect(() => checkSumcheckStatement({ ...st, claim: Uint32Array.of(0, 0, 0) })).toThrow(/canonical/);
    expect(() => checkSumcheckStatement({ ...st, terms: [] })).toThrow(/no terms/);
    expect(() => checkSumcheckStatement({ ...st, numVars: -1 })).toThrow(SumcheckError);
    expect(() => checkSumcheckStatement({ ...st, numVars: 41 })).toThrow(SumcheckError);
    expect(() => verifySumcheckRounds(new Transcript(DOMAIN, E), 2, 0, claim, [])).toThrow(SumcheckError);
    expect(() => decodeSumcheckProof(new ByteReader(new Uint8Array(64)), 1, 5, 0)).toThrow(SumcheckError);
  });
});
