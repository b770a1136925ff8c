export { canonicalJson, type Json } from './canonical.js';
export {
  COMMITMENT_LIMITS,
  CommitmentError,
  MODEL_COMMITMENT_FORMAT,
  MODEL_COMMITMENT_VERSION,
  makeCommitmentFile,
  modelDigest,
  paramsHash,
  parseModelCommitment,
  type ModelCommitment,
  type ModelCommitmentFile,
} from './commitment.js';
export { STATEMENT_LIMITS, decodeStatement, encodeStatement, type GenerationStatement, type StopReason } from './statement.js';
