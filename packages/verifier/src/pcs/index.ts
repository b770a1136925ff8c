export {
  DEFAULT_PCS_PARAMS,
  PCS_LIMITS,
  PcsError,
  foldSchedule,
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
