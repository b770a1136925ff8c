/**
 * Ed25519 keys for response signatures. Keys travel as unpadded base64url of the raw
 * 32 bytes; a key id is derived from the public key so a client can tell at a glance
 * which pinned key a signature claims, without trusting the id for anything.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { fromBase64Url, toBase64Url } from '../codec/base64url.js';

export interface SigningKey {
  /** Raw 32-byte Ed25519 secret key (seed). */
  readonly secretKey: Uint8Array;
  /** Raw 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array;
  readonly keyId: string;
}

export function generateSigningKey(): SigningKey {
  const secretKey = ed25519.utils.randomSecretKey();
  const publicKey = ed25519.getPublicKey(secretKey);
  return { secretKey, publicKey, keyId: keyIdOf(publicKey) };
}

export function publicKeyFromSecret(secretKey: Uint8Array): Uint8Array {
  if (!(secretKey instanceof Uint8Array) || secretKey.length !== 32) throw new RangeError('an Ed25519 secret key is 32 bytes');
  return ed25519.getPublicKey(secretKey);
}

/** First 16 characters of base64url(SHA-256(raw public key)). */
export function keyIdOf(publicKey: Uint8Array): string {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) throw new RangeError('an Ed25519 public key is 32 bytes');
  return toBase64Url(sha256(publicKey)).slice(0, 16);
}

export function encodeKey(key: Uint8Array): string {
  return toBase64Url(key);
}

/** Decodes a base64url key and checks it is 32 bytes. */
export function decodeKey(text: string): Uint8Array {
  if (typeof text !== 'string') throw new RangeError('key must be a base64url string');
  const bytes = fromBase64Url(text.trim(), 64);
  if (bytes.length !== 32) throw new RangeError(`an Ed25519 key is 32 bytes, got ${bytes.length}`);
  return bytes;
}
