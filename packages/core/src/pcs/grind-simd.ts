/**
 * The PCS prover's proof-of-work grinding (before every folding challenge and before the
 * queries): the same smallest nonce as transcript/grind.ts grindPow, found with four-way
 * SIMD SHA-256 over batches of nonces (merkle/sha256-simd.ts) instead of one node:crypto
 * call per nonce, whose call overhead is several times the cost of hashing one block.
 */
import type { Transcript } from '@zkllm/verifier';
import { simdPowSearch } from '../merkle/sha256-simd.js';
import { grindPow } from '../transcript/grind.js';

/** Domain tag of the transcript's proof-of-work digest SHA-256(tag ‖ state ‖ u32le(nonce)). */
const POW_TAG = 4;

/**
 * Grinds `bits` of proof-of-work on `transcript` and absorbs the nonce (as
 * `transcript.grind`). The nonce is checked by `transcript.checkPow` itself: should the
 * transcript's digest format ever differ from the one searched here, that check fails and
 * grindPow takes over, so the result is always what the verifier expects.
 */
export function grindPowSimd(transcript: Transcript, bits: number): number {
  if (bits === 0) return 0;
  const nonce = simdPowSearch(POW_TAG, transcript.digest(), bits);
  if (nonce >= 0 && transcript.checkPow(bits, nonce)) return nonce;
  return grindPow(transcript, bits);
}
