/**
 * Client-side verification of a homomorphic linear-layer proof (statement.ts explains
 * the reduction). Wire format:
 *
 *   "ZKFP" ‖ version u8 ‖ count (LEB128) ‖ K-limb integers (BabyBear elements, centered)
 *   ‖ sumcheck proof (numVars rounds, degree 2, 2 final values) ‖ PCS opening of W
 *
 * No trailing bytes.
 */
import { ByteReader, ByteWriter } from '../codec/bytes.js';
import { BabyBear, BabyBearExt4 } from '../field/babybear.js';
import { DEFAULT_PCS_PARAMS, type PcsParams } from '../pcs/config.js';
import { decodePcsProof, encodePcsProof, type PcsProof } from '../pcs/proof.js';
import { verifyOpening } from '../pcs/verifier.js';
import { evalMleExt } from '../poly/multilinear.js';
import { decodeSumcheckProof, encodeSumcheckProof, type SumcheckProof, type SumcheckTerm } from '../sumcheck/proof.js';
import { verifySumcheck } from '../sumcheck/verifier.js';
import { FheError } from './params.js';
import { FHE_INTS_PER_SEGMENT, FHE_LABELS, checkKoalaLimb, fheClaim, fheCombine, fheReduce, fheSegments, type FheCall, type FheCommitment } from './statement.js';

export const FHE_PROOF_MAGIC = 'ZKFP';
export const FHE_PROOF_VERSION = 1;

export interface FheProof {
  /** K-limb integer inner products (segments × 32), as BabyBear elements. */
  readonly ints: Uint32Array;
  readonly sumcheck: SumcheckProof;
  readonly opening: PcsProof;
}

export const fheTerms = (): SumcheckTerm[] => [{ coeff: BabyBearExt4.one(), factors: [0, 1] }];

export function encodeFheProof(p: FheProof): Uint8Array {
  const w = new ByteWriter(64 * 1024);
  for (const ch of FHE_PROOF_MAGIC) w.u8(ch.charCodeAt(0));
  w.u8(FHE_PROOF_VERSION).varuint(p.ints.length).fields(p.ints);
  encodeSumcheckProof(w, p.sumcheck);
  encodePcsProof(w, p.opening);
  return w.finish();
}

export function decodeFheProof(bytes: Uint8Array, commitment: FheCommitment, params: PcsParams = DEFAULT_PCS_PARAMS): FheProof {
  const r = new ByteReader(bytes);
  let magic = '';
  for (let i = 0; i < 4; i++) magic += String.fromCharCode(r.u8('magic'));
  if (magic !== FHE_PROOF_MAGIC) throw new FheError('not an FHE linear-layer proof (bad magic)');
  const v = r.u8('version');
  if (v !== FHE_PROOF_VERSION) throw new FheError(`unsupported FHE proof version ${v}`);
  const expected = fheSegments(commitment.layout, commitment.maxBias).length * FHE_INTS_PER_SEGMENT;
  const n = r.count(expected, 4, 'K-limb integers');
  if (n !== expected) throw new FheError(`expected ${expected} K-limb integers, got ${n}`);
  const ints = r.fields(BabyBear, n, 'K-limb integers');
  const numVars = commitment.layout.numVars;
  const sumcheck = decodeSumcheckProof(r, numVars, 2, 2, BabyBear);
  const opening = decodePcsProof(r, numVars, params);
  r.finish('FHE proof');
  return { ints, sumcheck, opening };
}

export interface FheVerifyResult {
  readonly valid: boolean;
  readonly reason?: string;
}

/**
 * Verifies that every output ciphertext of `calls` is the committed weights applied to
 * the input ciphertexts, in both RNS limbs. Never throws on bad input.
 */
export function verifyFheProof(commitment: FheCommitment, calls: readonly FheCall[], proofBytes: Uint8Array, params: PcsParams = DEFAULT_PCS_PARAMS): FheVerifyResult {
  let proof: FheProof;
  try {
    proof = decodeFheProof(proofBytes, commitment, params);
  } catch (e) {
    return { valid: false, reason: `malformed proof: ${(e as Error).message}` };
  }
  try {
    const red = fheReduce(commitment, calls);
    checkKoalaLimb(red, proof.ints);
    const t = red.transcript;
    t.absorbFields(FHE_LABELS.ints, proof.ints);
    const lambda = t.challengeExt(FHE_LABELS.lambda);
    const { V, powers } = fheCombine(red, lambda);
    const claim = fheClaim(red, powers, proof.ints);
    const numVars = commitment.layout.numVars;
    const { point, finalEvals } = verifySumcheck({ numVars, numTables: 2, terms: fheTerms(), claim }, proof.sumcheck, t, BabyBearExt4);
    const vAt = evalMleExt(BabyBearExt4, V, point);
    if (!BabyBearExt4.equals(vAt, finalEvals.subarray(4, 8))) throw new FheError('sumcheck final value of V does not match the ciphertexts');
    verifyOpening(commitment.weights, [{ point, value: finalEvals.slice(0, 4) }], proof.opening, t, params);
    return { valid: true };
  } catch (e) {
    return { valid: false, reason: (e as Error).message };
  }
}
