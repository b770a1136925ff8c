import { describe, it, expect } from 'vitest';
import {
  BabyBear,
  BabyBearExt4,
  ByteReader,
  KoalaBear,
  ByteWriter,
  PcsError,
  ProofFormatError,
  Transcript,
  decodePcsProof,
  encodePcsProof,
  ntt,
  evalMleBase,
  foldSchedule,
  verifyOpening,
  type EvalClaim,
  type PcsParams,
  type PcsProof,
} from '@zkllm/verifier';
import { pcsCommit, pcsOpen } from './prover.js';
import { grindPow } from '../transcript/grind.js';
import { ldeBitReversed, ldeBitReversedExt, mobius } from './lde.js';
import { xorshift32 } from './rng.js';

const F = BabyBear;
const E = BabyBearExt4;
// Small, fast parameters for tests (security is irrelevant here; shapes are exercised).
// Note: any nonce meeting the proof-of-work target is valid, so a flipped nonce byte yields
// another valid proof with probability 2^−powBits when the queries then open the same
// leaves (likely for tiny trees). 10 bits keeps that out of the sampled flips.
const P: PcsParams = { logBlowup: 2, logFoldArity: 2, queries: 12, powBits: 10, finalLogSize: 2 };

const rng = xorshift32;

function randomVec(n: number, next: () => number): Uint32Array {
  const v = new Uint32Array(n);
  for (let i = 0; i < n; i++) v[i] = F.randomFrom(next);
  return v;
}

function setup(numVars: number, numClaims: number, params: PcsParams = P, seed = 1) {
  const next = rng(seed);
  const values = randomVec(1 << numVars, next);
  const claims: EvalClaim[] = [];
  for (let j = 0; j < numClaims; j++) {
    const point = randomVec(4 * numVars, next);
    claims.push({ point, value: evalMleBase(E, values, point) });
  }
  const { commitment, state } = pcsCommit(values, params);
  const proof = pcsOpen(state, claims, new Transcript('pcs-test', E), params);
  return { values, claims, commitment, state, proof };
}

function encode(proof: PcsProof): Uint8Array {
  const w = new ByteWriter();
  encodePcsProof(w, proof);
  return w.finish();
}

function verifyBytes(bytes: Uint8Array, numVars: number, commitment: { root: Uint8Array; numVars: number }, claims: EvalClaim[], params: PcsParams = P): void {
  const r = new ByteReader(bytes);
  const proof = decodePcsProof(r, numVars, params);
  r.finish();
  verifyOpening(commitment, claims, proof, new Transcript('pcs-test', E), params);
}

describe('LDE', () => {
  it('bit-reversed LDE equals direct evaluation (BabyBear and KoalaBear)', () => {
    const next = rng(7);
    for (const [logN, b, Fld] of [[0, 1, F], [1, 2, F], [3, 1, F], [4, 3, F], [5, 2, F], [4, 2, KoalaBear], [3, 1, KoalaBear]] as const) {
      const c = new Uint32Array(1 << logN).map(() => Fld.randomFrom(next));
      const cw = ldeBitReversed(c, b, undefined, Fld);
      const logM = logN + b;
      const w = Fld.rootOfUnity(logM);
      for (let t = 0; t < cw.length; t++) {
        let r = 0;
        for (let i = 0; i < logM; i++) r |= ((t >>> i) & 1) << (logM - 1 - i);
        const x = Fld.pow(w, r);
        let y = 0;
        for (let i = c.length - 1; i >= 0; i--) y = Fld.add(Fld.mul(y, x), c[i]!);
        expect(cw[t]).toBe(y);
      }
    }
  });
  it('large LDEs (wasm SIMD passes + JS passes, even and odd sizes, edge values) match the verifier NTT', () => {
    const next = rng(11);
    for (const [logN, b, Fld] of [[12, 2, F], [13, 1, F], [14, 2, F], [13, 2, KoalaBear], [12, 1, KoalaBear]] as const) {
      const n = 1 << logN;
      const c = new Uint32Array(n).map(() => Fld.randomFrom(next));
      for (let i = 0; i < 64; i++) c[(i * 977) % n] = i % 2 === 0 ? Fld.p - 1 : 0;
      const cw = ldeBitReversed(c, b, undefined, Fld);
      const logM = logN + b;
      const full = new Uint32Array(1 << logM);
      full.set(c);
      ntt(Fld, full);
      let bad = 0;
      for (let t = 0; t < cw.length; t++) {
        let r = 0;
        for (let i = 0; i < logM; i++) r |= ((t >>> i) & 1) << (logM - 1 - i);
        if (cw[t] !== full[r]) bad++;
      }
      expect(bad, `logN=${logN} b=${b} p=${Fld.p}`).toBe(0);
    }
  });
  it('Möbius transform gives monomial coefficients', () => {
    const next = rng(8);
    const v = randomVec(16, next);
    const c = mobius(F, v.slice());
    const z = randomVec(4 * 4, next);
    // Σ c_i Π z_k^{bit_k(i)} = MLE(v)(z)
    let acc = E.zero();
    for (let i = 0; i < 16; i++) {
      let m = E.fromBase(c[i]!);
      for (let k = 0; k < 4; k++) if ((i >> k) & 1) m = E.mul(m, z.subarray(4 * k, 4 * k + 4));
      acc = E.add(acc, m);
    }
    expect(E.equals(acc, evalMleBase(E, v, z))).toBe(true);
  });
  it('Möbius transform (two stages per pass, odd and even sizes) equals the one-stage recurrence', () => {
    const next = rng(12);
    for (const logN of [0, 1, 2, 3, 5, 8]) {
      const v = randomVec(1 << logN, next);
      v[0] = F.p - 1;
      const ref = v.slice();
      for (let h = 1; h < ref.length; h <<= 1)
        for (let i = 0; i < ref.length; i++) if (i & h) ref[i] = F.sub(ref[i]!, ref[i ^ h]!);
      expect(mobius(F, v.slice())).toEqual(ref);
    }
  });
  it('ext LDE is limb-wise', () => {
    const next = rng(9);
    const c = randomVec(4 * 8, next);
    const cw = ldeBitReversedExt(c, 2);
    for (let k = 0; k < 4; k++) {
      const limb = new Uint32Array(8);
      for (let i = 0; i < 8; i++) limb[i] = c[4 * i + k]!;
      const e = ldeBitReversed(limb, 2);
      for (let i = 0; i < e.length; i++) expect(cw[4 * i + k]).toBe(e[i]);
    }
  });
});

describe('PCS completeness', () => {
  for (const n of [0, 1, 2, 3, 4, 5, 7, 8, 10]) {
    for (const m of [1, 3]) {
      it(`n = ${n}, ${m} claim(s)`, () => {
        const { claims, commitment, proof } = setup(n, m, P, 100 + n * 7 + m);
        verifyOpening(commitment, claims, proof, new Transcript('pcs-test', E), P);
        verifyBytes(encode(proof), n, commitment, claims);
      });
    }
  }
  it('many claims, repeated points and Boolean points, in one opening', () => {
    const n = 6;
    const next = rng(31);
    const values = randomVec(1 << n, next);
    const { commitment, state } = pcsCommit(values, P);
    const claims: EvalClaim[] = [];
    for (let j = 0; j < 20; j++) {
      let point: Uint32Array;
      if (j % 5 === 0) {
        // Boolean point: the value is an entry of the vector
        point = new Uint32Array(4 * n);
        for (let k = 0; k < n; k++) point[4 * k] = (j >> k) & 1;
        expect(E.equals(evalMleBase(E, values, point), E.fromBase(values[j]!))).toBe(true);
      } else if (j % 5 === 1 && claims.length > 0) {
        point = claims[claims.length - 1]!.point; // repeated point
      } else {
        point = randomVec(4 * n, next);
      }
      claims.push({ point, value: evalMleBase(E, values, point) });
    }
    const proof = pcsOpen(state, claims, new Transcript('pcs-test', E), P);
    verifyBytes(encode(proof), n, commitment, claims);
    const bad = claims.slice();
    bad[17] = { point: bad[17]!.point, value: E.add(bad[17]!.value, E.one()) };
    expect(() => verifyBytes(encode(proof), n, commitment, bad)).toThrow(PcsError);
  });
  it('default-like parameters on 2^12', () => {
    const params: PcsParams = { logBlowup: 3, logFoldArity: 4, queries: 30, powBits: 8, finalLogSize: 4 };
    const { claims, commitment, proof } = setup(12, 2, params, 5);
    verifyBytes(encode(proof), 12, commitment, claims, params);
  });
  it('a different arity for the folded layers; it is bound into the transcript', () => {
    const params: PcsParams = { logBlowup: 1, logFoldArity: 3, logFoldArityFolded: 2, queries: 8, powBits: 0, finalLogSize: 1 };
    expect(foldSchedule(10, params).arities).toEqual([3, 2, 2, 2]);
    const { claims, commitment, proof } = setup(10, 2, params, 7);
    verifyBytes(encode(proof), 10, commitment, claims, params);
    // Same layer 0 (same commitment), but a verifier expecting other folded leaves rejects.
    const other: PcsParams = { ...params, logFoldArityFolded: 3 };
    expect(() => verifyBytes(encode(proof), 10, commitment, claims, other)).toThrow();
  });
  it('arity that does not divide the number of folds', () => {
    const params: PcsParams = { logBlowup: 1, logFoldArity: 3, queries: 8, powBits: 0, finalLogSize: 1 };
    expect(foldSchedule(9, params).arities).toEqual([3, 3, 2]);
    const { claims, commitment, proof } = setup(9, 2, params, 6);
    verifyBytes(encode(proof), 9, commitment, claims, params);
  });
});

describe('PCS soundness', () => {
  const n = 8;
  const { claims, commitment, proof, state } = setup(n, 2, P, 42);
  const bytes = encode(proof);
  const reject = (fn: () => void) => expect(fn).toThrow();

  it('accepts the honest proof', () => verifyBytes(bytes, n, commitment, claims));
  it('rejects a wrong claimed value', () => {
    const bad = claims.map((c) => ({ point: c.point, value: c.value.slice() }));
    bad[1]!.value[0] = F.add(bad[1]!.value[0]!, 1);
    expect(() => verifyBytes(bytes, n, commitment, bad)).toThrow(PcsError);
  });
  it('rejects a wrong point', () => {
    const bad = claims.map((c) => ({ point: c.point.slice(), value: c.value }));
    bad[0]!.point[4 * 3 + 2] = F.add(bad[0]!.point[4 * 3 + 2]!, 1);
    expect(() => verifyBytes(bytes, n, commitment, bad)).toThrow(PcsError);
  });
  it('rejects a proof for a false claim made by the honest prover', () => {
    const bad = claims.map((c) => ({ point: c.point, value: c.value.slice() }));
    bad[0]!.value[3] = F.add(bad[0]!.value[3]!, 5);
    const p = pcsOpen(state, bad, new Transcript('pcs-test', E), P);
    expect(() => verifyBytes(encode(p), n, commitment, bad)).toThrow(PcsError);
  });
  it('rejects against a different commitment', () => {
    const other = setup(n, 1, P, 43).commitment;
    expect(() => verifyBytes(bytes, n, other, claims)).toThrow(PcsError);
  });
  it('rejects truncated and extended proofs', () => {
    for (const cut of [1, 4, 31, 100, bytes.length - 1]) {
      reject(() => verifyBytes(bytes.subarray(0, bytes.length - cut), n, commitment, claims));
    }
    for (const extra of [1, 4, 32]) {
      const ext = new Uint8Array(bytes.length + extra);
      ext.set(bytes);
      reject(() => verifyBytes(ext, n, commitment, claims));
    }
  });
  it('random bytes and splices only ever raise ProofFormatError or PcsError', () => {
    const next = rng(1234);
    for (let trial = 0; trial < 200; trial++) {
      const len = trial < 100 ? next() % (bytes.length + 64) : bytes.length;
      const b = trial < 100 ? new Uint8Array(len) : bytes.slice();
      if (trial < 100) for (let i = 0; i < len; i++) b[i] = next() & 0xff;
      else {
        // overwrite a random window with random bytes
        const at = next() % bytes.length;
        for (let i = at; i < Math.min(bytes.length, at + 1 + (next() % 40)); i++) b[i] = next() & 0xff;
      }
      try {
        verifyBytes(b, n, commitment, claims);
        throw new Error(`accepted corrupted proof (trial ${trial})`);
      } catch (e) {
        expect(e instanceof PcsError || e instanceof ProofFormatError, String(e)).toBe(true);
      }
    }
  });
  it('rejects a flipped byte anywhere (sampled)', () => {
    const step = Math.max(1, Math.floor(bytes.length / 400));
    let checked = 0;
    for (let i = 0; i < bytes.length; i += step) {
      for (const mask of [0x01, 0x80]) {
        const b = bytes.slice();
        b[i] ^= mask;
        let ok = false;
        try {
          verifyBytes(b, n, commitment, claims);
          ok = true;
        } catch (e) {
          expect(e instanceof PcsError || e instanceof ProofFormatError).toBe(true);
        }
        expect(ok, `flip at ${i}`).toBe(false);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(200);
  });
});

describe('PCS against cheating provers and misuse', () => {
  const n = 9;
  it('rejects a prover that runs the sumcheck on a different vector than the committed one', () => {
    const next = rng(77);
    const committed = randomVec(1 << n, next);
    const other = committed.slice();
    other[5] = F.add(other[5]!, 1); // differs in a single entry
    const point = randomVec(4 * n, next);
    const claims = [{ point, value: evalMleBase(E, other, point) }];
    const { commitment, state } = pcsCommit(committed, P);
    const { state: otherState } = pcsCommit(other, P);
    // Sumcheck and folded layers from `other`, layer-0 codeword and root from `committed`.
    const cheat = { ...otherState, codeword: state.codeword, tree: state.tree, commitment };
    const proof = pcsOpen(cheat, claims, new Transcript('pcs-test', E), P);
    expect(() => verifyOpening(commitment, claims, proof, new Transcript('pcs-test', E), P)).toThrow(/layer 1 value does not match|final polynomial/);
  });
  it('rejects a modified final polynomial or a swapped round message', () => {
    const { claims, commitment, proof } = setup(n, 2, P, 78);
    const bad1 = { ...proof, finalPoly: proof.finalPoly.slice() };
    bad1.finalPoly[0] = F.add(bad1.finalPoly[0]!, 1);
    expect(() => verifyOpening(commitment, claims, bad1, new Transcript('pcs-test', E), P)).toThrow(PcsError);
    const rp = proof.roundPolys.slice();
    rp.set(proof.roundPolys.subarray(8, 16), 0);
    rp.set(proof.roundPolys.subarray(0, 8), 8);
    expect(() => verifyOpening(commitment, claims, { ...proof, roundPolys: rp }, new Transcript('pcs-test', E), P)).toThrow(PcsError);
  });
  it('rejects a transcript in a different state, or different parameters', () => {
    const { claims, commitment, proof } = setup(n, 1, P, 79);
    const t = new Transcript('pcs-test', E);
    t.absorbU32('something else', 1);
    expect(() => verifyOpening(commitment, claims, proof, t, P)).toThrow(PcsError);
    expect(() => verifyOpening(commitment, claims, proof, new Transcript('pcs-test', E), { ...P, queries: P.queries + 1 })).toThrow(PcsError);
    expect(() => verifyOpening(commitment, claims, proof, new Transcript('pcs-test', E), { ...P, powBits: 0 })).toThrow(PcsError);
  });
  it('rejects malformed claims and commitments', () => {
    const { claims, commitment, proof } = setup(4, 1, P, 80);
    const T = () => new Transcript('pcs-test', E);
    expect(() => verifyOpening(commitment, [], proof, T(), P)).toThrow(/no evaluation claims/);
    expect(() => verifyOpening(commitment, [{ point: claims[0]!.point.subarray(4), value: claims[0]!.value }], proof, T(), P)).toThrow(/point/);
    const nc = { point: claims[0]!.point, value: Uint32Array.of(F.p, 0, 0, 0) };
    expect(() => verifyOpening(commitment, [nc], proof, T(), P)).toThrow(/canonical/);
    expect(() => verifyOpening({ root: commitment.root.subarray(1), numVars: 4 }, claims, proof, T(), P)).toThrow(/32 bytes/);
    expect(() => verifyOpening({ root: commitment.root, numVars: 5 }, claims, proof, T(), P)).toThrow(PcsError);
  });
  it('without grinding, the nonce must be zero', () => {
    const params: PcsParams = { ...P, powBits: 0 };
    const { claims, commitment, proof } = setup(6, 1, params, 81);
    expect(proof.powNonce).toBe(0);
    verifyOpening(commitment, claims, proof, new Transcript('pcs-test', E), params);
    expect(() => verifyOpening(commitment, claims, { ...proof, powNonce: 1 }, new Transcript('pcs-test', E), params)).toThrow(/nonce/);
  });
  it('folding grinding: every round carries a nonce the verifier checks', () => {
    const params: PcsParams = { ...P, foldPowBits: 6 };
    const { claims, commitment, proof } = setup(7, 2, params, 83);
    expect(proof.foldNonces.length).toBe(foldSchedule(7, params).folds);
    verifyBytes(encode(proof), 7, commitment, claims, params);
    const T = () => new Transcript('pcs-test', E);
    for (let i = 0; i < proof.foldNonces.length; i++) {
      const fn = proof.foldNonces.slice();
      fn[i] = fn[i]! ^ 1;
      expect(() => verifyOpening(commitment, claims, { ...proof, foldNonces: fn }, T(), params), `round ${i}`).toThrow(/folding proof-of-work/);
    }
    // The grinding level is a parameter both sides absorb.
    expect(() => verifyOpening(commitment, claims, proof, T(), { ...params, foldPowBits: 5 })).toThrow(PcsError);
    // Without folding grinding every nonce must be 0.
    const plain = setup(7, 2, P, 83);
    expect([...plain.proof.foldNonces].every((x) => x === 0)).toBe(true);
    const fn = plain.proof.foldNonces.slice();
    fn[1] = 1;
    expect(() => verifyOpening(plain.commitment, plain.claims, { ...plain.proof, foldNonces: fn }, T(), P)).toThrow(/nonce must be 0/);
    expect(() => verifyOpening(plain.commitment, plain.claims, { ...plain.proof, foldNonces: fn.subarray(1) }, T(), P)).toThrow(/nonces/);
  });
  it('opening with other parameters than the commitment is refused', () => {
    const { state, claims } = setup(5, 1, P, 82);
    expect(() => pcsOpen(state, claims, new Transcript('pcs-test', E), { ...P, queries: 3 })).toThrow(PcsError);
  });
  it('flipped bytes are rejected for small n (no folding) too', () => {
    for (const nv of [0, 2]) {
      const { claims, commitment, proof } = setup(nv, 2, P, 90 + nv);
      const bytes = encode(proof);
      for (let i = 0; i < bytes.length; i += 3) {
        const b = bytes.slice();
        b[i] ^= 0x04;
        expect(() => verifyBytes(b, nv, commitment, claims), `n=${nv} flip at ${i}`).toThrow();
      }
    }
  });
});

describe('proof-of-work grinding', () => {
  it('node:crypto grinding finds the same nonce as Transcript.grind, without falling back', () => {
    for (const bits of [1, 8, 13]) {
      const a = new Transcript('pow-test', E);
      const b = new Transcript('pow-test', E);
      a.absorbU32('x', bits);
      b.absorbU32('x', bits);
      a.grind = () => {
        throw new Error('fell back to Transcript.grind');
      };
      expect(grindPow(a, bits)).toBe(b.grind(bits));
      expect(a.digest()).toEqual(b.digest());
    }
  });
});
