/**
 * Wire format of BFV ciphertexts at the data level: two polynomials (c0, c1), each as its
 * BabyBear limb then its KoalaBear limb, N little-endian u32 coefficients per limb. This
 * is our own format, not SEAL's: it is what crosses the wire and what the proofs hash, so
 * the decoder is hostile-input safe (sizes, canonical residues, trailing bytes).
 *
 *   "ZKFC" ‖ version u8 ‖ log2 N u8 ‖ count (LEB128) ‖ count × (2·2·N u32)
 */
import { ByteReader, ByteWriter } from '../codec/bytes.js';
import { FHE_LIMBS, FheError } from './params.js';

export const CIPHERTEXT_MAGIC = 'ZKFC';
export const CIPHERTEXT_VERSION = 1;

/** A data-level BFV ciphertext: data[(poly·2 + limb)·N + i], poly ∈ {c0, c1}, limb ∈ {B, K}. */
export interface RawCiphertext {
  readonly polyDegree: number;
  readonly data: Uint32Array;
}

export const CIPHERTEXT_POLYS = 2;

export function ciphertextWords(N: number): number {
  return CIPHERTEXT_POLYS * FHE_LIMBS.length * N;
}

/** limb view of one polynomial of a ciphertext. */
export function ctLimb(ct: RawCiphertext, poly: number, limb: number): Uint32Array {
  const N = ct.polyDegree;
  const o = (poly * FHE_LIMBS.length + limb) * N;
  return ct.data.subarray(o, o + N);
}

export function checkCiphertext(ct: RawCiphertext, N: number, what = 'ciphertext'): void {
  if (ct.polyDegree !== N) throw new FheError(`${what}: degree ${ct.polyDegree}, expected ${N}`);
  if (!(ct.data instanceof Uint32Array) || ct.data.length !== ciphertextWords(N)) throw new FheError(`${what}: wrong size`);
  for (let poly = 0; poly < CIPHERTEXT_POLYS; poly++) {
    for (let l = 0; l < FHE_LIMBS.length; l++) {
      const p = FHE_LIMBS[l]!.p;
      const v = ctLimb(ct, poly, l);
      for (let i = 0; i < N; i++) if (v[i]! >= p) throw new FheError(`${what}: coefficient ${i} of poly ${poly} limb ${l} is not reduced mod ${p}`);
    }
  }
}

export function encodeCiphertexts(cts: readonly RawCiphertext[], N: number): Uint8Array {
  const words = ciphertextWords(N);
  const w = new ByteWriter(12 + cts.length * words * 4);
  for (const ch of CIPHERTEXT_MAGIC) w.u8(ch.charCodeAt(0));
  w.u8(CIPHERTEXT_VERSION).u8(Math.log2(N)).varuint(cts.length);
  for (const ct of cts) {
    if (ct.polyDegree !== N || ct.data.length !== words) throw new FheError('ciphertext of the wrong size');
    w.fields(ct.data);
  }
  return w.finish();
}

/**
 * Decodes a ciphertext list. `maxCount` bounds what a peer may make us allocate; every
 * coefficient must be reduced modulo its limb's prime.
 */
export function decodeCiphertexts(bytes: Uint8Array, N: number, maxCount: number): RawCiphertext[] {
  const r = new ByteReader(bytes);
  try {
    let magic = '';
    for (let i = 0; i < 4; i++) magic += String.fromCharCode(r.u8('magic'));
    if (magic !== CIPHERTEXT_MAGIC) throw new FheError('not a ciphertext list (bad magic)');
    const v = r.u8('version');
    if (v !== CIPHERTEXT_VERSION) throw new FheError(`unsupported ciphertext version ${v}`);
    const logN = r.u8('log2 N');
    if (logN > 16 || 2 ** logN !== N) throw new FheError(`ciphertexts have degree 2^${logN}, expected ${N}`);
    const words = ciphertextWords(N);
    const count = r.count(maxCount, words * 4, 'ciphertexts');
    const out: RawCiphertext[] = [];
    for (let k = 0; k < count; k++) {
      const data = new Uint32Array(words);
      for (let poly = 0; poly < CIPHERTEXT_POLYS; poly++) {
        for (let l = 0; l < FHE_LIMBS.length; l++) {
          const F = FHE_LIMBS[l]!;
          data.set(r.fields(F, N, `ciphertext ${k} poly ${poly} limb ${l}`), (poly * FHE_LIMBS.length + l) * N);
        }
      }
      out.push({ polyDegree: N, data });
    }
    r.finish('ciphertext list');
    return out;
  } catch (e) {
    if (e instanceof FheError) throw e;
    throw new FheError(`malformed ciphertext list: ${(e as Error).message}`);
  }
}
