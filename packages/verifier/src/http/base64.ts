/**
 * Standard base64 (RFC 4648 §4), as RFC 8941 byte sequences use it. Browser-safe (no
 * Buffer). Decoding follows RFC 8941 §4.2.7: padding may be omitted, but any character
 * outside the alphabet, misplaced padding or an impossible length is rejected.
 */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const LOOKUP = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) LOOKUP[ALPHABET.charCodeAt(i)] = i;

export function toBase64(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += ALPHABET[n >>> 18]! + ALPHABET[(n >>> 12) & 63]! + ALPHABET[(n >>> 6) & 63]! + ALPHABET[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += ALPHABET[n >>> 18]! + ALPHABET[(n >>> 12) & 63]! + '==';
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += ALPHABET[n >>> 18]! + ALPHABET[(n >>> 12) & 63]! + ALPHABET[(n >>> 6) & 63]! + '=';
  }
  return out;
}

/** Decodes standard base64; throws `RangeError` on anything that is not. */
export function fromBase64(s: string, maxBytes = 1 << 20): Uint8Array {
  let end = s.length;
  if (end % 4 === 0 && s.endsWith('==')) end -= 2;
  else if (end % 4 === 0 && s.endsWith('=')) end -= 1;
  if (end % 4 === 1) throw new RangeError('base64: impossible length');
  const nBytes = Math.floor((end * 3) / 4);
  if (nBytes > maxBytes) throw new RangeError(`base64: ${nBytes} bytes exceeds limit ${maxBytes}`);
  const out = new Uint8Array(nBytes);
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < end; i++) {
    const c = s.charCodeAt(i);
    const v = c < 128 ? LOOKUP[c]! : -1;
    if (v < 0) throw new RangeError(`base64: invalid character at position ${i}`);
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >>> bits) & 0xff;
    }
  }
  return out;
}
