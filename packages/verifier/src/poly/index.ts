export { eqEval, eqTable, evalMleBase, evalMleExt, log2Exact, pointVars } from './multilinear.js';
export { interpolateAt } from './univariate.js';
export {
  axisVars,
  ceilLog2,
  padTensor,
  paddedRowStarts,
  prefixMaskEval,
  splitTensorPoint,
  tensorMask,
  tensorMaskEval,
  tensorPoint,
  tensorVars,
  type TensorClaim,
} from './tensor.js';
