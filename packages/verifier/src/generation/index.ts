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
export {
  TOKEN_TABLE_LIMITS,
  TokenTableError,
  committedTokenTable,
  decodeTokens,
  decodeWithTable,
  encodeTokenTable,
  parseTokenTable,
  type TokenDecoderRules,
  type TokenTable,
} from './tokens.js';
export { STATEMENT_LIMITS, decodeStatement, encodeStatement, type GenerationStatement, type StopReason } from './statement.js';
export { CompactArrayError, MAX_COMPACT_I32, decodeCompactI32, encodeCompactI32 } from './compact.js';
export { CircuitError, circuitValues, instantiateCircuit, specToJson, type CircuitInputs, type CircuitOp } from './circuit.js';
export {
  GENERATION_DOMAIN,
  MAX_WITNESS_CHUNKS,
  MAX_WITNESS_CHUNK_VARS,
  deriveWitnessRefs,
  splitWitnessClaims,
  witnessChunkVarsOf,
  witnessChunks,
  groupLookups,
  lookupStatements,
  lookupTensorClaims,
  multiplicityId,
  routeClaims,
  type LookupGroup,
} from './protocol.js';
export { VERIFIERS, type VerifyRow } from './registry.js';
export { GenerationError, checkGenerationProof, verifyGenerationProof, verifyProof } from './verifier.js';
export { generationSecurityBits, type GenerationProofSizes, type GenerationSecurity } from './security.js';
