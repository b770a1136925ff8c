import { describe, expect, it } from 'vitest';
import {
  BabyBear,
  BabyBearExt4,
  ByteReader,
  ByteWriter,
  DEFAULT_PCS_PARAMS,
  LARGE_PCS_PARAMS,
  Transcript,
  decodePcsProof,
  encodePcsProof,
  evalMleBase,
  verifyOpening,
  type EvalClaim,
  type PcsParams,
} from '@zkllm/verifier';
import { pcsCommit, pcsOpen } from './prover.js';
import { xorshift32 } from './rng.js';

// The rate-1/2 set that 2^26-element vectors use (pcsParamsFor), exercised as is at a size
// small enough for a unit test: the protocol code does not depend on the size.
const N = 14;
const E = BabyBearExt4;

const rng = xorshift32;

const next = rng(2026);
const values = Uint32Array.from({ length: 1 << N }, () => BabyBear.randomFrom(next));
const claims: EvalClaim[] = [];
for (let j = 0; j < 3; j++) {
  const point = Uint32Array.from({ length: 4 * N }, () => BabyBear.randomFrom(next));
  claims.push({ point, value: evalMleBase(E, values, point) });
}
const { commitment, state } = pcsCommit(values, LARGE_PCS_PARAMS);
const w = new ByteWriter();
encodePcsProof(w, pcsOpen(state, claims, new Transcript('pcs-large', E), LARGE_PCS_PARAMS));
const bytes = w.finish();

function check(proofBytes: Uint8Array, params: PcsParams = LARGE_PCS_PARAMS, cs: EvalClaim[] = claims): void {
  const r = new ByteReader(proofBytes);
  const proof = decodePcsProof(r, N, params);
  r.finish();
  verifyOpening(commitment, cs, proof, new Transcript('pcs-large', E), params);
}

describe('rate-1/2 PCS parameters, end to end', () => {
  it('commits at rate 1/2 and its opening verifies after encoding', () => {
    expect(state.codeword.length).toBe(2 ** (N + 1));
    expect(() => check(bytes)).not.toThrow();
  });

  it('rejects flipped bytes across the opening and a wrong claimed value', () => {
    // Positions spread over the proof, most of it query openings (values and siblings).
    const positions = [0, Math.floor(bytes.length * 0.3), Math.floor(bytes.length / 2), Math.floor(bytes.length * 0.8), bytes.length - 1];
    for (const pos of positions) {
      const bad = bytes.slice();
      bad[pos]! ^= 0x01;
      expect(() => check(bad), `byte ${pos}`).toThrow();
    }
    const wrong = claims.map((c, i) => (i === 1 ? { point: c.point, value: E.add(c.value, E.one()) } : c));
    expect(() => check(bytes, LARGE_PCS_PARAMS, wrong)).toThrow();
  });

  it('the parameters are bound: the same proof does not verify under the default set', () => {
    expect(() => check(bytes, DEFAULT_PCS_PARAMS)).toThrow();
  });
});
