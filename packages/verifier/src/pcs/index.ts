/**
 * Multilinear polynomial commitment (Basefold: FRI over Reed–Solomon codes interleaved
 * with a sumcheck), verification side. Polylogarithmic proofs, SHA-256 Merkle trees,
 * many evaluation claims on one committed vector batched into one opening.
 * Binding and sound, NOT hiding (see docs/SECURITY.md).
 *
 * Usage (the prover side is `pcsCommit` / `pcsOpen` in `@zkllm/core`):
 *
 *   // prover
 *   const { commitment, state } = pcsCommit(values);            // values: 2^n base-field elements
 *   const proof = pcsOpen(state, claims, transcript);            // claims: { point, value }[]
 *   encodePcsProof(writer, proof);
 *   // verifier (transcript in the same state as the prover's before pcsOpen)
 *   const proof = decodePcsProof(reader, commitment.numVars, DEFAULT_PCS_PARAMS);
 *   verifyOpening(commitment, claims, proof, transcript);        // throws PcsError if invalid
 *
 * Both sides absorb the parameters, the commitment (root, numVars) and the claims into the
 * transcript themselves. A point is an ext vector of 4·numVars limbs (coordinate k binds
 * variable x_k = bit k of the table index); a value is one ext element (4 limbs).
 */
export {
  DEFAULT_PCS_PARAMS,
  LARGE_PCS_PARAMS,
  PCS_LIMITS,
  PcsError,
  combineBits,
  foldSchedule,
  foldedArity,
  foldPowBitsOf,
  pcsParamsFor,
  pcsSecurityBits,
  validatePcsParams,
  type FoldSchedule,
  type PcsParams,
  type PcsSecurity,
} from './config.js';
export { decodePcsProof, encodePcsProof, type PcsLayerOpening, type PcsProof } from './proof.js';
export {
  PCS_LABELS,
  absorbPcsStatement,
  checkPcsStatement,
  evalMonomialMle,
  pcsCommitmentDigest,
  verifyOpening,
  type EvalClaim,
  type PcsCommitment,
} from './verifier.js';
