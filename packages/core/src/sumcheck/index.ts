export {
  proveSumcheck,
  proveSumcheckRounds,
  sumOverHypercube,
  type MleTable,
  type SumcheckInput,
  type SumcheckProverOptions,
  type SumcheckProverOutput,
  type SumcheckRoundsOutput,
} from './prover.js';
export { dryRunRounds, proveRoundsSumcheck, type SumcheckSink } from './rounds.js';
export { proveEqSumcheckRounds, type ZeroCheckProverOptions, type ZeroCheckRoundsOutput } from './zerocheck.js';
