export { ProofFormatError } from './errors.js';
export { ByteReader, ByteWriter } from './bytes.js';
export { fromBase64Url, toBase64Url } from './base64url.js';
export { equalBytes } from './equal.js';
