export {
  INNER_PRODUCT_DOMAIN,
  MAX_INNER_PRODUCT_VARS,
  decodeInnerProductProof,
  encodeInnerProductProof,
  innerProductClaims,
  innerProductTerms,
  innerProductTranscript,
  verifyInnerProductProof,
  type InnerProductProof,
  type InnerProductStatement,
  type VerifyResult,
} from './inner-product.js';
