export { eqEval, eqTable, evalMleBase, evalMleExt, log2Exact, pointVars } from './multilinear.js';
export { interpolateAt } from './univariate.js';
