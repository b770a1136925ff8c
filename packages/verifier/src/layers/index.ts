export { BaseContext, LayerError, VerifierContext, type LayerContext, type LookupRequest, type TensorRef } from './context.js';
export { bundleClaims, bundleLayout, bundleLayoutBytes, type BundleEntry, type BundleLayout } from './bundle.js';
