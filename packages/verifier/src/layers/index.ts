export { BaseContext, LayerError, VerifierContext, type LayerContext, type LookupRequest, type TensorRef } from './context.js';
export { bundleClaims, bundleLayout, bundleLayoutBytes, type BundleEntry, type BundleLayout } from './bundle.js';
export { MAX_RANGE_WIDTH_LOG, RANGE_LIMB_BITS, rangeCheck, rangeCheckPlan, rangeCheckTables, rangeLimbId, rangeWitnessIds, type RangeCheckOptions, type RangeCheckPlan, type RangeWindow } from './range.js';
export { REQUANT_INPUT_BOUND, RelationBuilder, addClampRelations, eqTimesLastAxisEval, finishRequant, finishZeroCheck, readZeroCheckRounds, requantChallenges, requantCommitted, requantInputBound, requantPlan, requantRanges, requantRelation, requantWitnessIds, verifyRequant, type RequantLayerSpec, type RequantPlan } from './requant.js';
export { MAX_LOOKUP_OP_LOG, checkLookupOpSpec, lookupTableFromTrace, verifyLookupOp, type LookupOpSpec, type TraceLookupTable } from './lookup-op.js';
export { finishRope, ropeChallenges, ropeColumn, ropeCommitted, ropePaddedWidth, ropePlan, ropeRanges, ropeRelation, ropeRow, ropeWeightEval, ropeWitnessIds, verifyRope, type RopeLayerSpec, type RopePlan } from './rope.js';
