export { ProverContext } from './context.js';
export { packBundle, type IntTensorData } from './bundle.js';
export { rangeWitness } from './range.js';
