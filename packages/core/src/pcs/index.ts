export { pcsCommit, pcsOpen, type PcsCommitResult, type PcsProverState } from './prover.js';
export { benchPcs, type PcsBenchRow } from './bench.js';
