export { LookupError } from './errors.js';
export { FRACTION_LAYER_TABLES, fractionLayerTerms, verifyFractionTree, type FractionLeafClaim, type FractionTreeProof } from './fraction.js';
export { MAX_LOOKUP_VARS, queryLayout, type QueryLayout, type SegmentPlacement } from './layout.js';
export { decodeLookupProof, encodeLookupProof, type LookupProof } from './proof.js';
export { LookupTable, RangeKeyedTable, rangeTable } from './table.js';
export { MAX_LOOKUP_SEGMENTS, combineColumns, lookupChallenges, segmentSelector, verifyLookup, type LookupClaims } from './verifier.js';
