export {
  MAX_SUMCHECK_DEGREE,
  MAX_SUMCHECK_TABLES,
  MAX_SUMCHECK_VARS,
  SumcheckError,
  decodeSumcheckProof,
  encodeSumcheckProof,
  sumcheckProofBytes,
  checkSumcheckShape,
  type SumcheckProof,
  type SumcheckTerm,
} from './proof.js';
export {
  SUMCHECK_CHALLENGE_LABEL,
  SUMCHECK_FINAL_LABEL,
  SUMCHECK_ROUND_LABEL,
  absorbSumcheckHeader,
  absorbSumcheckTerms,
  checkSumcheckStatement,
  evalSumcheckTerms,
  expandRoundMessage,
  sumcheckDegree,
  verifySumcheck,
  verifySumcheckRounds,
  type SumcheckResult,
  type SumcheckRoundsResult,
  type SumcheckStatement,
} from './verifier.js';
export { readRoundsSumcheck, type SumcheckStream } from './rounds.js';
