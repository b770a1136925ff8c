export { LookupError } from './errors.js';
export {
  FRACTION_DEGREE,
  MAX_FRACTION_TREES,
  absorbFractionDepths,
  checkFractionDepths,
  fractionBatchClaim,
  fractionLayerTerms,
  fractionLayerWidth,
  verifyFractionTree,
  verifyFractionTrees,
  type FractionBatchProof,
  type FractionLayerProof,
  type FractionLeafClaim,
  type FractionTreeProof,
} from './fraction.js';
export { MAX_LOOKUP_VARS, MAX_QUERY_TREES, queryForest, queryLayout, type QueryLayout, type QueryTree, type SegmentPlacement } from './layout.js';
export {
  decodeFractionLayer,
  decodeLookupProof,
  decodeLookupsProof,
  encodeFractionLayer,
  encodeLookupProof,
  encodeLookupsProof,
  type LookupProof,
  type LookupsProof,
} from './proof.js';
export { LookupTable, RangeKeyedTable, rangeTable } from './table.js';
export {
  LOOKUP_POW_BITS,
  MAX_LOOKUP_GROUPS,
  MAX_LOOKUP_SEGMENTS,
  combineColumns,
  lookupChallenges,
  lookupTag,
  lookupTreeDepths,
  lookupsChallenges,
  lookupsLayout,
  segmentSelector,
  taggedRow,
  verifyLookup,
  verifyLookups,
  type LookupClaims,
  type LookupGroupStatement,
  type LookupsLayout,
} from './verifier.js';
