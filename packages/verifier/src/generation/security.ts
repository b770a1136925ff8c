/**
 * Conjectured soundness of one generation proof, from the sizes only the proof fixes
 * (docs/SECURITY.md §3–4). Every term is −log2 of an error probability, grinding included;
 * the total is their union bound. Terms that stay above ~110 bits whatever the size (the
 * layer sumchecks, the batched zero-checks, the fraction-tree sumchecks) are listed in
 * SECURITY.md and left out here.
 */
import { BabyBear } from '../field/babybear.js';
import { LOOKUP_POW_BITS } from '../lookup/verifier.js';
import { combineBits, pcsParamsFor, pcsSecurityBits } from '../pcs/config.js';
import { MAX_WITNESS_CHUNK_VARS } from './protocol.js';

export interface GenerationProofSizes {
  /** Variables of the witness bundle (committed in chunks of at most 2^MAX_WITNESS_CHUNK_VARS values). */
  witnessVars: number;
  /** Claims batched into the witness opening. */
  witnessClaims: number;
  /** Variables of the model's weight commitment. */
  weightVars: number;
  /** Claims batched into the weight opening. */
  weightClaims: number;
  /** Leaves of the batched lookup's fraction trees (query trees plus the table tree). */
  lookupLeaves: number;
  /** Largest table arity (columns per row, the tag not counted). */
  lookupArity: number;
}

export interface GenerationSecurity {
  /** Union bound over the terms below. */
  conjecturedBits: number;
  terms: {
    witnessOpening: number;
    weightOpening: number;
    /** logUp: α over the rational identity of degree ≤ leaves, plus γ over the row encoding. */
    lookups: number;
  };
}

export function generationSecurityBits(s: GenerationProofSizes): GenerationSecurity {
  const extBits = 4 * Math.log2(BabyBear.p);
  // One opening per chunk, each with at most all the claims: a union over the chunks.
  const chunkVars = Math.min(s.witnessVars, MAX_WITNESS_CHUNK_VARS);
  const chunks = 2 ** (s.witnessVars - chunkVars);
  const witnessOpening = pcsSecurityBits(pcsParamsFor(chunkVars), chunkVars, Math.max(1, s.witnessClaims)).conjecturedBits - Math.log2(chunks);
  const weightOpening = pcsSecurityBits(pcsParamsFor(s.weightVars), s.weightVars, Math.max(1, s.weightClaims)).conjecturedBits;
  const lookups =
    s.lookupLeaves > 0
      ? combineBits([extBits - Math.log2(s.lookupLeaves), extBits - Math.log2(s.lookupArity + 1)]) + LOOKUP_POW_BITS
      : Infinity;
  return { conjecturedBits: combineBits([witnessOpening, weightOpening, lookups]), terms: { witnessOpening, weightOpening, lookups } };
}
