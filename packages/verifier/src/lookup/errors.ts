/** Raised by the lookup verifier with a precise reason. */
export class LookupError extends Error {
  override name = 'LookupError';
}
