/** Raised for any malformed, truncated, oversized or non-canonical encoding. */
export class ProofFormatError extends Error {
  override name = 'ProofFormatError';
}
