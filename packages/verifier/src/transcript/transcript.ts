/**
 * Fiat–Shamir transcript over SHA-256.
 *
 * The state is one 32-byte digest. Every absorb hashes (tag ‖ state ‖ label ‖ data) with
 * length prefixes, so distinct message sequences cannot collide by re-splitting; every
 * squeeze first ratchets the state with the challenge label, so two challenges drawn in a
 * row differ and each depends on everything absorbed before it. The first absorb is the
 * protocol's domain-separation string.
 *
 * Challenges in the extension field are drawn limb by limb from 32-bit words with
 * rejection sampling, so they are exactly uniform (no modular bias).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes } from '@noble/hashes/utils.js';
import type { Ext, QuarticExtension } from '../field/extension.js';

const TAG_ABSORB = 1;
const TAG_SQUEEZE = 2;
const TAG_STREAM = 3;
const TAG_POW = 4;

const enc = new TextEncoder();

function u32le(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n >>> 0, true);
  return b;
}

const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/**
 * Frames of a few hundred bytes are hashed thousands of times per proof: each is written
 * into one buffer and hashed in one call (a streaming hasher fed seven small parts spent
 * more time in its per-update bookkeeping than in the compression).
 */
function frame(tag: number, state: Uint8Array, label: Uint8Array, payload: number): { buf: Uint8Array; view: DataView; at: number } {
  const buf = new Uint8Array(1 + state.length + 4 + label.length + payload);
  const view = new DataView(buf.buffer);
  buf[0] = tag;
  buf.set(state, 1);
  view.setUint32(1 + state.length, label.length, true);
  buf.set(label, 5 + state.length);
  return { buf, view, at: 5 + state.length + label.length };
}

export class TranscriptError extends Error {
  override name = 'TranscriptError';
}

/** A SHA-256 implementation: the 32-byte digest of `data`. */
export type Sha256 = (data: Uint8Array) => Uint8Array;

export interface TranscriptOptions {
  /**
   * Another implementation of SHA-256 (the same function), e.g. node:crypto's in a prover:
   * a proof hashes ~10^4 short frames, where a native call costs a quarter of a JS one.
   * Default: @noble/hashes.
   */
  readonly sha256?: Sha256;
}

export class Transcript {
  private state: Uint8Array;
  private readonly E: QuarticExtension;
  private readonly hash: Sha256;

  /** `domain` names the protocol and its version; it is the first absorbed message. */
  constructor(domain: string, ext: QuarticExtension, options: TranscriptOptions = {}) {
    this.E = ext;
    this.hash = options.sha256 ?? sha256;
    this.state = new Uint8Array(32);
    this.absorbBytes('domain', enc.encode(domain));
  }

  private hashParts(parts: Uint8Array[]): Uint8Array {
    return this.digestOf(concatBytes(...parts));
  }

  /** The hash of one frame, checked for its length (a wrong injected function must not pass silently). */
  private digestOf(buf: Uint8Array): Uint8Array {
    const d = this.hash(buf);
    if (d.length !== 32) throw new TranscriptError(`sha256 returned ${d.length} bytes`);
    return d;
  }

  absorbBytes(label: string, data: Uint8Array): void {
    const { buf, at } = this.absorbFrame(label, data.length);
    buf.set(data, at);
    this.state = this.digestOf(buf);
  }

  /** TAG_ABSORB ‖ state ‖ len(label) ‖ label ‖ len(data) as two u32 ‖ (data: `length` bytes at `at`). */
  private absorbFrame(label: string, length: number): { buf: Uint8Array; view: DataView; at: number } {
    const f = frame(TAG_ABSORB, this.state, enc.encode(label), 8 + length);
    f.view.setUint32(f.at, Math.floor(length / 2 ** 32), true);
    f.view.setUint32(f.at + 4, length >>> 0, true);
    return { buf: f.buf, view: f.view, at: f.at + 8 };
  }

  absorbU32(label: string, n: number): void {
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new TranscriptError(`absorbU32: ${n} out of range`);
    this.absorbBytes(label, u32le(n));
  }

  /** Absorbs a vector of base-field elements (4 bytes LE each). */
  absorbFields(label: string, v: Uint32Array): void {
    const { buf, view, at } = this.absorbFrame(label, 4 * v.length);
    if (LITTLE_ENDIAN) buf.set(new Uint8Array(v.buffer, v.byteOffset, v.byteLength), at);
    else for (let i = 0; i < v.length; i++) view.setUint32(at + 4 * i, v[i]!, true);
    this.state = this.digestOf(buf);
  }

  absorbField(label: string, x: number): void {
    this.absorbFields(label, Uint32Array.of(x));
  }

  /** Absorbs extension elements (an ext vector is already 4 limbs per element). */
  absorbExt(label: string, e: Uint32Array): void {
    this.absorbFields(label, e);
  }

  absorbDigest(label: string, d: Uint8Array): void {
    if (d.length !== 32) throw new TranscriptError(`digest must be 32 bytes, got ${d.length}`);
    this.absorbBytes(label, d);
  }

  /** Ratchets the state with `label` and returns a generator of 32-byte output blocks. */
  private squeezeStream(label: string): () => Uint8Array {
    this.state = this.digestOf(frame(TAG_SQUEEZE, this.state, enc.encode(label), 0).buf);
    const seed = this.state;
    let counter = 0;
    return () => this.hashParts([Uint8Array.of(TAG_STREAM), seed, u32le(counter++)]);
  }

  /** Uniform 32-bit words drawn from the stream. */
  private words(label: string): () => number {
    const next = this.squeezeStream(label);
    let block = next();
    let pos = 0;
    return () => {
      if (pos === 32) {
        block = next();
        pos = 0;
      }
      const w = (block[pos]! | (block[pos + 1]! << 8) | (block[pos + 2]! << 16) | (block[pos + 3]! << 24)) >>> 0;
      pos += 4;
      return w;
    };
  }

  challengeBytes(label: string, n: number): Uint8Array {
    const next = this.squeezeStream(label);
    const out = new Uint8Array(n);
    for (let off = 0; off < n; off += 32) out.set(next().subarray(0, Math.min(32, n - off)), off);
    return out;
  }

  /** One uniformly random extension element. */
  challengeExt(label: string): Ext {
    return this.challengeExts(label, 1);
  }

  /** n uniformly random extension elements as an ext vector (length 4n). */
  challengeExts(label: string, n: number): Uint32Array {
    const F = this.E.base;
    const word = this.words(label);
    const out = new Uint32Array(4 * n);
    for (let i = 0; i < out.length; i++) out[i] = F.randomFrom(word);
    return out;
  }

  /** `count` uniform indices in [0, 2^logRange), with repetition. */
  challengeIndices(label: string, count: number, logRange: number): number[] {
    if (!Number.isInteger(logRange) || logRange < 0 || logRange > 32) {
      throw new TranscriptError(`index range 2^${logRange} unsupported`);
    }
    const word = this.words(label);
    const out: number[] = [];
    const range = 2 ** logRange;
    // A uniform 32-bit word reduced modulo a power of two stays uniform.
    for (let i = 0; i < count; i++) out.push(word() % range);
    return out;
  }

  /**
   * Proof-of-work check: sha256(tag ‖ state ‖ nonce) must start with `bits` zero bits.
   * On success the nonce is absorbed, binding it to everything that follows.
   */
  checkPow(bits: number, nonce: number): boolean {
    if (bits === 0) return true;
    const ok = leadingZeroBits(this.powDigest(nonce)) >= bits;
    if (ok) this.absorbU32('pow-nonce', nonce);
    return ok;
  }

  /** Finds the smallest valid nonce (prover side) and absorbs it. */
  grind(bits: number): number {
    if (bits === 0) return 0;
    for (let nonce = 0; nonce <= 0xffffffff; nonce++) {
      if (leadingZeroBits(this.powDigest(nonce)) >= bits) {
        this.absorbU32('pow-nonce', nonce);
        return nonce;
      }
    }
    throw new TranscriptError(`no proof-of-work nonce found for ${bits} bits`);
  }

  private powDigest(nonce: number): Uint8Array {
    return this.hashParts([Uint8Array.of(TAG_POW), this.state, u32le(nonce)]);
  }

  /** The current state (for tests and for binding external data). */
  digest(): Uint8Array {
    return this.state.slice();
  }
}

function leadingZeroBits(d: Uint8Array): number {
  let n = 0;
  for (const byte of d) {
    if (byte === 0) {
      n += 8;
      continue;
    }
    return n + Math.clz32(byte) - 24;
  }
  return n;
}
