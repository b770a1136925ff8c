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
export { proveRoundsSumcheck, type SumcheckSink } from './rounds.js';
