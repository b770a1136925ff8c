export { buildFractionLayers, proveFractionTree } from './fraction.js';
export { LookupWitnessError, lookupMultiplicities, proveLookup, type LookupSegment } from './prover.js';
