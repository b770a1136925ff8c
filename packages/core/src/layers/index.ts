export { ProverContext } from './context.js';
export { packBundle, type IntTensorData } from './bundle.js';
export { rangeWitness } from './range.js';
export { eqTimesLastAxisTable, proveRequant, proveZeroCheckRounds, specRequant, witnessRequant, type LayerProveOptions } from './requant.js';
export { proveLookupOp, specLookupOp, witnessLookupOp } from './lookup-op.js';
export { proveRope, specRope, witnessRope } from './rope.js';
