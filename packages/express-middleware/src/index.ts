/**
 * @zkllm/express — an OpenAI-compatible chat API whose answers carry proofs that a
 * committed model produced them, and middleware that adds such proofs to an existing
 * handler serving a ZkModel.
 */
export { zkllm, type ZkllmRouter, type ZkllmOptions, type ProofMode } from './router.js';
export { withProofs, type WithProofsOptions } from './with-proofs.js';
export { FileProofStore, MemoryProofStore, ProofStoreError, type ProofRecord, type ProofStatus, type ProofStore, type StoredProof } from './store.js';
export { ApiError, type ApiErrorBody, type ApiErrorType } from './errors.js';
export { loadOrCreateKeyFile, signingKeyFromSecret } from './keys.js';
export { parseChatRequest, type ChatRequest, type ValidationLimits } from './validate.js';
export { zkllmFhe, type ZkllmFheOptions, type ZkllmFheRouter, type FheLogEntry } from './fhe.js';
