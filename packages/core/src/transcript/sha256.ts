/**
 * node:crypto's SHA-256 in the two forms the prover hashes with: the same function as the
 * verifier's @noble/hashes, at a fraction of its per-call cost on short inputs (Merkle
 * nodes, proof-of-work nonces, transcript frames: 10^4–10^6 calls per proof). The one-shot
 * `crypto.hash` (Node ≥ 20.12) is used when present, `createHash` otherwise.
 */
import * as nodeCrypto from 'node:crypto';
import type { Sha256 } from '@zkllm/verifier';

const oneShot: typeof nodeCrypto.hash | undefined = typeof (nodeCrypto as { hash?: unknown }).hash === 'function' ? nodeCrypto.hash : undefined;

/**
 * SHA-256 of `data` as a latin1 string (one char per digest byte): ~2× cheaper per call than
 * a Buffer result (no backing-store allocation per digest).
 */
export const sha256Latin1: (data: Uint8Array) => string = oneShot
  ? (data) => oneShot('sha256', data, 'binary')
  : (data) => nodeCrypto.createHash('sha256').update(data).digest('binary');

/**
 * For transcripts (`new Transcript(domain, E, { sha256: nodeSha256 })`): ~4× cheaper per call
 * than @noble/hashes on a transcript's short frames. A plain Uint8Array copy: callers slice()
 * digests expecting copies, which a Buffer's slice is not.
 */
export const nodeSha256: Sha256 = oneShot
  ? (data) => new Uint8Array(oneShot('sha256', data, 'buffer'))
  : (data) => new Uint8Array(nodeCrypto.createHash('sha256').update(data).digest());
