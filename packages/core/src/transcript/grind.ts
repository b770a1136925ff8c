/**
 * Proof-of-work grinding with node:crypto (the batched lookup's grinding before α, and the
 * PCS's fallback when its SIMD search, pcs/grind-simd.ts, is unavailable). The verifier
 * side is `Transcript.checkPow`.
 */
import { sha256Latin1 } from './sha256.js';
import type { Transcript } from '@zkllm/verifier';

/**
 * Proof-of-work with node:crypto: searches nonces for the transcript's PoW digest
 * SHA-256(0x04 ‖ state ‖ u32le(nonce)) (the format of `Transcript.checkPow`) ~4× faster
 * than `Transcript.grind`. The nonce found is then checked and absorbed by
 * `transcript.checkPow`; should the transcript's format ever differ, that check fails and
 * we fall back to `transcript.grind`, so the result is always what the verifier expects.
 */
export function grindPow(transcript: Transcript, bits: number): number {
  if (bits === 0) return 0;
  if (bits > 30) return transcript.grind(bits);
  const buf = Buffer.alloc(37);
  buf[0] = 4;
  buf.set(transcript.digest(), 1);
  const fullBytes = bits >>> 3;
  const mask = (0xff00 >>> (bits & 7)) & 0xff;
  for (let nonce = 0; nonce < 2 ** 32; nonce++) {
    buf[33] = nonce & 0xff;
    buf[34] = (nonce >>> 8) & 0xff;
    buf[35] = (nonce >>> 16) & 0xff;
    buf[36] = nonce >>> 24;
    const d = sha256Latin1(buf);
    let ok = true;
    for (let i = 0; i < fullBytes && ok; i++) ok = d.charCodeAt(i) === 0;
    if (ok && mask !== 0) ok = (d.charCodeAt(fullBytes) & mask) === 0;
    if (ok) {
      if (transcript.checkPow(bits, nonce)) return nonce;
      break;
    }
  }
  return transcript.grind(bits);
}
