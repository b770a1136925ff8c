export { proveInnerProduct, type InnerProductTimings } from './inner-product.js';
