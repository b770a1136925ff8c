/**
 * @zkllm/verifier — the trusted base: field arithmetic, Fiat–Shamir transcript, proof
 * codec, and the verifiers of every argument. Imports nothing from the prover.
 */
export * from './field/index.js';
export * from './transcript/index.js';
export * from './codec/index.js';
export * from './poly/index.js';
export * from './sumcheck/index.js';
export * from './lookup/index.js';
export * from './merkle/index.js'; export * from './pcs/index.js';
export * from './proof/index.js';
export * from './statements/index.js';
export * from './layers/index.js';
export * from './generation/index.js';
export * from './http/index.js';
export * from './fhe/index.js';
