/**
 * Multilinear PCS prover (Basefold). `pcsCommit(values, params?)` commits to 2^n base-field
 * values; `pcsOpen(state, claims, transcript, params?)` proves any number of evaluation
 * claims in one opening. Verify with `verifyOpening` from `@zkllm/verifier`, which also
 * documents the protocol; parameters and security: `pcsSecurityBits`, docs/SECURITY.md.
 */
export { pcsCommit, pcsOpen, pcsRelease, type PcsCommitResult, type PcsProverState } from './prover.js';
export { benchPcs, type PcsBenchRow } from './bench.js';
