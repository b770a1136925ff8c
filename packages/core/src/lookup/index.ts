export { buildFractionLayers, proveFractionTree, proveFractionTrees } from './fraction.js';
export {
  LookupWitnessError,
  lookupMultiplicities,
  proveLookup,
  proveLookups,
  type LookupGroupWitness,
  type LookupSegment,
} from './prover.js';
