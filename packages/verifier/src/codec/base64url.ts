/**
 * Strict base64url (RFC 4648 §5) without padding, for proof transport. Works in browsers
 * (no Buffer). Decoding rejects padding, whitespace, foreign characters, impossible
 * lengths and non-zero trailing bits, so every byte string has exactly one encoding.
 */
import { ProofFormatError } from './errors.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const LOOKUP = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) LOOKUP[ALPHABET.charCodeAt(i)] = i;

export function toBase64Url(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += ALPHABET[n >>> 18]! + ALPHABET[(n >>> 12) & 63]! + ALPHABET[(n >>> 6) & 63]! + ALPHABET[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += ALPHABET[n >>> 18]! + ALPHABET[(n >>> 12) & 63]!;
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += ALPHABET[n >>> 18]! + ALPHABET[(n >>> 12) & 63]! + ALPHABET[(n >>> 6) & 63]!;
  }
  return out;
}

export function fromBase64Url(s: string, maxBytes = 64 * 1024 * 1024): Uint8Array {
  if (s.length % 4 === 1) throw new ProofFormatError('base64url: impossible length');
  const nBytes = Math.floor((s.length * 3) / 4);
  if (nBytes > maxBytes) throw new ProofFormatError(`base64url: ${nBytes} bytes exceeds limit ${maxBytes}`);
  const out = new Uint8Array(nBytes);
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const v = c < 128 ? LOOKUP[c]! : -1;
    if (v < 0) throw new ProofFormatError(`base64url: invalid character at position ${i}`);
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >>> bits) & 0xff;
    }
  }
  if ((acc & ((1 << bits) - 1)) !== 0) throw new ProofFormatError('base64url: non-zero trailing bits');
  return out;
}
