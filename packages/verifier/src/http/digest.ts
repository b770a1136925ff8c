/**
 * RFC 9530 integrity fields (`Content-Digest`, and our `Proof-Digest`, which uses the
 * same dictionary syntax over the proof bytes). We produce and require `sha-256`; other
 * algorithms a server lists are ignored, never trusted in its place.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { equalBytes } from '../codec/equal.js';
import { isInnerList, parseDictionary, serializeDictionary, StructuredFieldError } from './sf.js';

export const DIGEST_ALGORITHM = 'sha-256';

/** `sha-256=:<base64>:` for `bytes` (a string is hashed as UTF-8). */
export function contentDigest(bytes: Uint8Array | string): string {
  const b = typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes;
  return serializeDictionary([[DIGEST_ALGORITHM, { value: sha256(b), params: [] }]]);
}

/** Parses a digest field into algorithm → digest bytes. Throws on malformed input. */
export function parseDigestHeader(value: string): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const [alg, member] of parseDictionary(value)) {
    if (isInnerList(member) || !(member.value instanceof Uint8Array)) throw new StructuredFieldError(`digest ${alg} is not a byte sequence`);
    out.set(alg, member.value);
  }
  return out;
}

/**
 * Checks a digest field against `bytes`. Returns `undefined` when the sha-256 member is
 * present and matches, else a reason.
 */
export function checkDigestHeader(value: string | null | undefined, bytes: Uint8Array | string): string | undefined {
  if (value === null || value === undefined) return 'missing';
  let parsed: Map<string, Uint8Array>;
  try {
    parsed = parseDigestHeader(value);
  } catch (e) {
    return `malformed (${(e as Error).message})`;
  }
  const d = parsed.get(DIGEST_ALGORITHM);
  if (d === undefined) return `no ${DIGEST_ALGORITHM} member`;
  if (d.length !== 32) return `${DIGEST_ALGORITHM} digest is ${d.length} bytes, not 32`;
  const b = typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes;
  return equalBytes(d, sha256(b)) ? undefined : 'does not match the bytes';
}
