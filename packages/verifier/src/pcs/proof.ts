/**
 * PCS message types and their binary encoding.
 *
 * Every count the decoder allocates for is derived from (numVars, params) — or, for the
 * two data-dependent counts per layer (distinct opened leaves, multiproof siblings),
 * bounded by limits derived from them — never trusted from the bytes. Field elements must
 * be canonical. Whether the counts are exactly right is checked by the verifier.
 *
 * Layout (all integers little-endian, counts LEB128):
 *   roundPolys   folds × 2 ext elements          g_i(0), g_i(2) of each sumcheck round
 *   foldNonces   folds × u32                     proof-of-work nonce before each folding challenge
 *   layerRoots   (layers − 1) × 32 bytes         roots of the folded layers 1..L−1
 *   finalPoly    2^finalVars ext elements        monomial coefficients
 *   powNonce     u32
 *   per layer l: varuint #limbs, #limbs × u32 (the opened leaves: 2^arity_l values each,
 *                base limbs for l = 0, ext limbs otherwise), varuint #siblings,
 *                #siblings × 32 bytes
 */
import type { ByteReader, ByteWriter } from '../codec/bytes.js';
import { ProofFormatError } from '../codec/errors.js';
import { BabyBear } from '../field/babybear.js';
import { DIGEST_BYTES } from '../merkle/tree.js';
import { foldSchedule, type PcsParams } from './config.js';

/** The opened leaves of one layer and their Merkle multiproof. */
export interface PcsLayerOpening {
  /**
   * One leaf per distinct queried leaf index, in increasing index order, concatenated.
   * A leaf is 2^arity values: base-field limbs in layer 0, ext elements (4 limbs) after.
   */
  values: Uint32Array;
  /** Concatenated 32-byte sibling digests, in the order the multiproof verifier consumes them. */
  siblings: Uint8Array;
}

export interface PcsProof {
  /** Sumcheck: for each round i, g_i(0) and g_i(2) (ext vector of 8·folds limbs). */
  roundPolys: Uint32Array;
  /** For each round i, the proof-of-work nonce ground before its folding challenge (0 without folding grinding). */
  foldNonces: Uint32Array;
  /** Merkle roots of the folded layers 1..L−1 (layer 0 is the commitment). */
  layerRoots: Uint8Array[];
  /** Monomial coefficients of the fully folded polynomial: ext vector of 2^finalVars elements. */
  finalPoly: Uint32Array;
  /** Proof-of-work nonce. */
  powNonce: number;
  /** One opening per layer. */
  openings: PcsLayerOpening[];
}

/** Writes a proof (shapes are not checked here; the verifier checks them). */
export function encodePcsProof(w: ByteWriter, proof: PcsProof): void {
  w.exts(proof.roundPolys);
  for (const x of proof.foldNonces) w.u32(x);
  for (const r of proof.layerRoots) w.bytes(r);
  w.exts(proof.finalPoly);
  w.u32(proof.powNonce);
  for (const o of proof.openings) {
    w.varuint(o.values.length);
    w.fields(o.values);
    w.varuint(o.siblings.length / DIGEST_BYTES);
    w.bytes(o.siblings);
  }
}

/**
 * Reads a proof for a `numVars`-variable commitment opened with `params`.
 * @throws ProofFormatError on truncation, oversize counts or non-canonical elements
 */
export function decodePcsProof(r: ByteReader, numVars: number, params: PcsParams): PcsProof {
  let sched;
  try {
    sched = foldSchedule(numVars, params);
  } catch (e) {
    throw new ProofFormatError(`PCS proof: ${(e as Error).message}`);
  }
  const F = BabyBear;
  const L = sched.arities.length;
  const roundPolys = r.exts(F, 2 * sched.folds, 'PCS sumcheck round polynomials');
  const foldNonces = new Uint32Array(sched.folds);
  for (let i = 0; i < sched.folds; i++) foldNonces[i] = r.u32('PCS folding proof-of-work nonce');
  const layerRoots: Uint8Array[] = [];
  for (let l = 1; l < L; l++) layerRoots.push(r.digest('PCS layer root'));
  const finalPoly = r.exts(F, 1 << sched.finalVars, 'PCS final polynomial');
  const powNonce = r.u32('PCS proof-of-work nonce');
  const openings: PcsLayerOpening[] = [];
  for (let l = 0; l < L; l++) {
    const a = sched.arities[l]!;
    const depth = sched.logSizes[l]! - a;
    const leafLimbs = (l === 0 ? 1 : 4) << a;
    const maxLeaves = Math.min(params.queries, 2 ** depth);
    const nLimbs = r.count(maxLeaves * leafLimbs, 4, 'PCS opened values');
    if (nLimbs === 0 || nLimbs % leafLimbs !== 0) {
      throw new ProofFormatError(`PCS layer ${l}: ${nLimbs} opened limbs is not a positive number of leaves`);
    }
    const values = r.fields(F, nLimbs, 'PCS opened values');
    const maxSiblings = Math.min(params.queries * depth, 2 ** (depth + 1));
    const nSib = r.count(maxSiblings, DIGEST_BYTES, 'PCS Merkle siblings');
    const siblings = r.bytes(nSib * DIGEST_BYTES, 'PCS Merkle siblings');
    openings.push({ values, siblings });
  }
  return { roundPolys, foldNonces, layerRoots, finalPoly, powNonce, openings };
}
