export { ProverContext } from './context.js';
