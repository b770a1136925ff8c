/**
 * node:crypto's SHA-256 for the prover's transcripts (`new Transcript(domain, E, { sha256:
 * nodeSha256 })`): the same function as the verifier's @noble/hashes default, at about a
 * quarter of its per-call cost on the short frames a transcript hashes (~10^4 per proof).
 */
import * as nodeCrypto from 'node:crypto';
import type { Sha256 } from '@zkllm/verifier';

type OneShot = (alg: string, data: Uint8Array, enc: 'buffer') => Buffer;
const oneShot = (nodeCrypto as { hash?: OneShot }).hash;

export const nodeSha256: Sha256 =
  typeof oneShot === 'function'
    ? // A plain Uint8Array copy: callers slice() digests expecting copies, which a Buffer's slice is not.
      (data) => new Uint8Array(oneShot('sha256', data, 'buffer'))
    : (data) => new Uint8Array(nodeCrypto.createHash('sha256').update(data).digest());
