export { BaseContext, LayerError, VerifierContext, type LayerContext, type LookupRequest, type TensorRef } from './context.js';
