/**
 * Base64 in its two alphabets (RFC 4648): strict unpadded base64url (§5) for proof
 * transport, and standard base64 (§4) as RFC 8941 byte sequences use it. Browser-safe (no
 * Buffer). One encoder and one decoder serve both; the wrappers differ only in alphabet,
 * padding and error type.
 */
import { ProofFormatError } from './errors.js';

interface Alphabet {
  readonly chars: string;
  readonly lookup: Int16Array;
}

function alphabet(chars: string): Alphabet {
  const lookup = new Int16Array(128).fill(-1);
  for (let i = 0; i < chars.length; i++) lookup[chars.charCodeAt(i)] = i;
  return { chars, lookup };
}

const URL = alphabet('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_');
const STD = alphabet('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/');

function encode(bytes: Uint8Array, { chars }: Alphabet, pad: boolean): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += chars[n >>> 18]! + chars[(n >>> 12) & 63]! + chars[(n >>> 6) & 63]! + chars[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += chars[n >>> 18]! + chars[(n >>> 12) & 63]! + (pad ? '==' : '');
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += chars[n >>> 18]! + chars[(n >>> 12) & 63]! + chars[(n >>> 6) & 63]! + (pad ? '=' : '');
  }
  return out;
}

/**
 * Decodes s[0, end) (no padding inside); `fail` builds the caller's error. With
 * `canonical`, non-zero trailing bits are rejected so every byte string has one encoding.
 */
function decode(s: string, end: number, { lookup }: Alphabet, maxBytes: number, name: string, canonical: boolean, fail: (msg: string) => Error): Uint8Array {
  if (end % 4 === 1) throw fail(`${name}: impossible length`);
  const nBytes = Math.floor((end * 3) / 4);
  if (nBytes > maxBytes) throw fail(`${name}: ${nBytes} bytes exceeds limit ${maxBytes}`);
  const out = new Uint8Array(nBytes);
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < end; i++) {
    const c = s.charCodeAt(i);
    const v = c < 128 ? lookup[c]! : -1;
    if (v < 0) throw fail(`${name}: invalid character at position ${i}`);
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >>> bits) & 0xff;
    }
  }
  if (canonical && (acc & ((1 << bits) - 1)) !== 0) throw fail(`${name}: non-zero trailing bits`);
  return out;
}

export function toBase64Url(bytes: Uint8Array): string {
  return encode(bytes, URL, false);
}

/** Strict unpadded base64url; throws {@link ProofFormatError} on padding, whitespace, foreign characters, bad lengths or trailing bits. */
export function fromBase64Url(s: string, maxBytes = 64 * 1024 * 1024): Uint8Array {
  return decode(s, s.length, URL, maxBytes, 'base64url', true, (m) => new ProofFormatError(m));
}

/** Standard padded base64 (RFC 4648 §4). */
export function toBase64(bytes: Uint8Array): string {
  return encode(bytes, STD, true);
}

/**
 * Decodes standard base64 as RFC 8941 §4.2.7 allows: padding may be omitted, but any
 * character outside the alphabet, misplaced padding or an impossible length throws `RangeError`.
 */
export function fromBase64(s: string, maxBytes = 1 << 20): Uint8Array {
  let end = s.length;
  if (end % 4 === 0 && s.endsWith('==')) end -= 2;
  else if (end % 4 === 0 && s.endsWith('=')) end -= 1;
  return decode(s, end, STD, maxBytes, 'base64', false, (m) => new RangeError(m));
}
