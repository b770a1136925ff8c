export { commitModel, modelWeightTensors, type CommittedModel } from './commit.js';
export { PROVERS, type ProverEnv, type ProverRegistry, type ProverRow } from './registry.js';
export { buildCircuitTemplate, traceSpecs, TemplateError } from './template.js';
export { ProveError, proveGeneration, type GenerationProofInput, type ProveTimings } from './prover.js';
export { commitProvable, compactTemplate, provableParams, type ProvableOptions, type ProvableParams } from './setup.js';
export {
  COMMIT_CACHE_FORMAT,
  codeFingerprint,
  commitCacheKey,
  commitProvableCached,
  defaultCacheDir,
  type CommitCacheOptions,
  type CommitCacheReport,
} from './cache.js';
export { buildTokenTable, type TokenTableResult, type TokenizerSource } from './tokens.js';
