/**
 * FHE-wrapped inference (issue 6): the client keeps its prompt and runs the non-linear
 * parts in the clear; the server evaluates the linear layers on BFV ciphertexts and
 * proves it used the committed weights. See docs/FHE.md and docs/PRIVACY.md.
 */
export { SealSession, loadSeal } from './seal.js';
export { FheServer, type FheEvalRequest, type FheEvalResponse, type FheServerOptions, type FheServerStats } from './server.js';
export {
  FheClient,
  type FheConnectOptions,
  FheVerificationError,
  LocalFheTransport,
  clientModel,
  type FheGenerateOptions,
  type FheGenerateResult,
  type FheLayerTiming,
  type FheProgress,
  type FheTransport,
} from './client.js';
export { encodeWeights, modelLinears, type EncodedWeights } from './weights.js';
export { proveFheCalls, type FheProofTimings } from './prover.js';
export { proveFheLink, type FheLinkTimings } from './link.js';
export {
  HttpFheTransport,
  FheHttpError,
  FHE_HTTP_PATHS,
  FHE_PARTS_HEADER,
  FHE_BINARY_TYPE,
  FHE_SESSION_ID,
  ciphertextListBytes,
  expectedOutputBytes,
  type FheHttpLimits,
  type FheServerInfo,
  type HttpFheTransportOptions,
} from './http-transport.js';
