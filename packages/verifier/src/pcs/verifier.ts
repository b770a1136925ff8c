/**
 * Verifier of the multilinear PCS (Basefold): a sumcheck for the batched evaluation claims
 * run with the same challenges as FRI folding of the committed Reed–Solomon codeword.
 *
 * Conventions shared with the prover (`@zkllm/core` pcs/prover.ts):
 * - The committed vector v (2^n base-field values, entry i ↔ x_k = bit k of i) has the
 *   multilinear extension P(x) = Σ_i c_i Π_k x_k^{bit_k(i)} (c = Möbius transform of v),
 *   encoded as the univariate f(X) = Σ_i c_i X^i = P(X, X², X⁴, …) evaluated on the
 *   subgroup of order N = 2^(n+logBlowup), stored in **bit-reversed order**:
 *   codeword[t] = f(ω_N^rev(t)). Then f(x) and f(−x) are neighbours (2t, 2t+1), and
 *   folding f_e(X²) + X·f_o(X²) ↦ f_e + r·f_o — i.e. binding x_0 = r — maps a codeword of
 *   length M to one of length M/2, again bit-reversed:
 *     out[t] = (lo + hi)/2 + r·(lo − hi)/(2x),  x = ω_M^rev_{log M − 1}(t).
 * - A Merkle leaf of layer l is 2^arity_l consecutive codeword values, which fold into
 *   one value (position = leaf index) of layer l+1.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { BabyBear, BabyBearExt4 } from '../field/babybear.js';
import { eqEval } from '../poly/multilinear.js';
import type { Transcript } from '../transcript/transcript.js';
import { MerkleError, merkleLeafHashFields, verifyMerkleMultiProof, DIGEST_BYTES } from '../merkle/tree.js';
import { DEFAULT_PCS_PARAMS, PCS_LIMITS, PcsError, foldPowBitsOf, foldSchedule, foldedArity, validatePcsParams, type FoldSchedule, type PcsParams } from './config.js';
import type { PcsProof } from './proof.js';

const F = BabyBear;
const E = BabyBearExt4;
const P = F.p;
const INV2 = (P + 1) / 2;

/** A commitment: the Merkle root of the codeword and the number of variables. */
export interface PcsCommitment {
  root: Uint8Array;
  numVars: number;
}

/** "The committed polynomial evaluates to `value` (ext element) at `point` (ext vector of numVars elements)." */
export interface EvalClaim {
  point: Uint32Array;
  value: Uint32Array;
}

/** Transcript labels (shared with the prover). */
export const PCS_LABELS = Object.freeze({
  params: 'pcs-params',
  root: 'pcs-root',
  numVars: 'pcs-num-vars',
  numClaims: 'pcs-num-claims',
  claimPoint: 'pcs-claim-point',
  claimValue: 'pcs-claim-value',
  batch: 'pcs-batch',
  layerRoot: 'pcs-layer-root',
  round: 'pcs-round',
  fold: 'pcs-fold',
  final: 'pcs-final',
  queries: 'pcs-queries',
});

/** The seven parameters as u32 little-endian (absorbed, so both sides must agree on them). */
function paramsBytes(params: PcsParams): Uint8Array {
  const b = new Uint8Array(28);
  const v = new DataView(b.buffer);
  [params.logBlowup, params.logFoldArity, params.queries, params.powBits, params.finalLogSize, foldedArity(params), foldPowBitsOf(params)].forEach((x, i) =>
    v.setUint32(4 * i, x, true),
  );
  return b;
}

/** Throws {@link PcsError} unless the commitment and claims are well-formed for numVars. */
export function checkPcsStatement(commitment: PcsCommitment, claims: readonly EvalClaim[], params: PcsParams): void {
  if (!(commitment.root instanceof Uint8Array) || commitment.root.length !== DIGEST_BYTES) {
    throw new PcsError('commitment root must be 32 bytes');
  }
  validatePcsParams(params, commitment.numVars);
  const n = commitment.numVars;
  if (!Array.isArray(claims) || claims.length === 0) throw new PcsError('no evaluation claims');
  if (claims.length > PCS_LIMITS.maxClaims) throw new PcsError(`too many claims (${claims.length} > ${PCS_LIMITS.maxClaims})`);
  claims.forEach((c, j) => {
    if (!(c.point instanceof Uint32Array) || c.point.length !== 4 * n) {
      throw new PcsError(`claim ${j}: point must be an ext vector of ${n} elements`);
    }
    if (!(c.value instanceof Uint32Array) || c.value.length !== 4) throw new PcsError(`claim ${j}: value must be one ext element`);
    if (!E.isCanonical(c.point) || !E.isCanonical(c.value)) throw new PcsError(`claim ${j}: non-canonical field element`);
  });
}

/**
 * Absorbs the statement (parameters, commitment root and numVars, all claims) and returns
 * the batching challenge β. Both prover and verifier call this before any other challenge.
 */
export function absorbPcsStatement(
  transcript: Transcript,
  commitment: PcsCommitment,
  claims: readonly EvalClaim[],
  params: PcsParams,
): Uint32Array {
  transcript.absorbBytes(PCS_LABELS.params, paramsBytes(params));
  transcript.absorbDigest(PCS_LABELS.root, commitment.root);
  transcript.absorbU32(PCS_LABELS.numVars, commitment.numVars);
  transcript.absorbU32(PCS_LABELS.numClaims, claims.length);
  for (const c of claims) {
    transcript.absorbExt(PCS_LABELS.claimPoint, c.point);
    transcript.absorbExt(PCS_LABELS.claimValue, c.value);
  }
  return transcript.challengeExt(PCS_LABELS.batch);
}

/** Reverses the low `bits` bits of x. */
export function reverseBits(x: number, bits: number): number {
  let r = 0;
  for (let i = 0; i < bits; i++) {
    r = (r << 1) | (x & 1);
    x >>>= 1;
  }
  return r >>> 0;
}

function powNum(b: number, e: number): number {
  let r = 1;
  while (e > 0) {
    if (e & 1) r = F.mul(r, b);
    b = F.mul(b, b);
    e = Math.floor(e / 2);
  }
  return r;
}

/** g(r) for the degree-2 polynomial with g(0), g(1), g(2) given. */
export function interpolateDeg2(g0: Uint32Array, g1: Uint32Array, g2: Uint32Array, r: Uint32Array): Uint32Array {
  // g(r) = g0 + r·(g1 − g0) + r(r−1)/2 · (g2 − 2g1 + g0)
  const d1 = E.sub(g1, g0);
  const d2 = E.add(E.sub(g2, E.add(g1, g1)), g0);
  const rr1 = E.mulBase(E.mul(r, E.sub(r, E.one())), INV2);
  return E.add(E.add(g0, E.mul(r, d1)), E.mul(rr1, d2));
}

/** Evaluates the multilinear polynomial with monomial coefficients `coeffs` (ext vector) at `z`. */
export function evalMonomialMle(coeffs: Uint32Array, z: Uint32Array): Uint32Array {
  let cur = coeffs.slice();
  const t = new Uint32Array(4);
  for (let k = 0; 4 * k < z.length; k++) {
    const half = cur.length >>> 3;
    const next = new Uint32Array(4 * half);
    for (let i = 0; i < half; i++) {
      E.mulAt(t, 0, cur, 8 * i + 4, z, 4 * k);
      E.addAt(next, 4 * i, cur, 8 * i, t, 0);
    }
    cur = next;
  }
  return cur.slice(0, 4);
}

/** Σ_i coeffs_i · x^i for a base-field x (Horner). */
function evalUnivariateAtBase(coeffs: Uint32Array, x: number): Uint32Array {
  const acc = new Uint32Array(4);
  for (let i = (coeffs.length >>> 2) - 1; i >= 0; i--) {
    E.mulBaseAt(acc, 0, acc, 0, x);
    E.addAt(acc, 0, acc, 0, coeffs, 4 * i);
  }
  return acc;
}

function fail(msg: string): never {
  throw new PcsError(msg);
}

function checkProofShape(proof: PcsProof, s: FoldSchedule): void {
  const L = s.arities.length;
  if (!(proof.roundPolys instanceof Uint32Array) || proof.roundPolys.length !== 8 * s.folds) fail('wrong number of sumcheck round polynomials');
  if (!(proof.foldNonces instanceof Uint32Array) || proof.foldNonces.length !== s.folds) fail('wrong number of folding proof-of-work nonces');
  if (!Array.isArray(proof.layerRoots) || proof.layerRoots.length !== L - 1) fail('wrong number of layer roots');
  for (const r of proof.layerRoots) if (!(r instanceof Uint8Array) || r.length !== DIGEST_BYTES) fail('layer root must be 32 bytes');
  if (!(proof.finalPoly instanceof Uint32Array) || proof.finalPoly.length !== 4 << s.finalVars) fail('wrong final polynomial size');
  if (!Number.isInteger(proof.powNonce) || proof.powNonce < 0 || proof.powNonce > 0xffffffff) fail('bad proof-of-work nonce');
  if (!Array.isArray(proof.openings) || proof.openings.length !== L) fail('wrong number of layer openings');
  if (!E.isCanonical(proof.roundPolys) || !E.isCanonical(proof.finalPoly)) fail('non-canonical field element in proof');
  proof.openings.forEach((o, l) => {
    if (!(o.values instanceof Uint32Array) || !(o.siblings instanceof Uint8Array)) fail(`layer ${l}: malformed opening`);
    if (!E.isCanonical(o.values)) fail(`layer ${l}: non-canonical opened value`);
  });
}

/**
 * Verifies an opening proof of `claims` against `commitment`.
 *
 * The transcript must be in the same state as the prover's when it called `pcsOpen`; this
 * function absorbs the parameters, the commitment and the claims itself.
 *
 * @throws PcsError with a precise reason if the proof is rejected
 */
export function verifyOpening(
  commitment: PcsCommitment,
  claims: readonly EvalClaim[],
  proof: PcsProof,
  transcript: Transcript,
  params: PcsParams = DEFAULT_PCS_PARAMS,
): void {
  checkPcsStatement(commitment, claims, params);
  const n = commitment.numVars;
  const s = foldSchedule(n, params);
  checkProofShape(proof, s);
  const L = s.arities.length;

  // ---- statement, batching ----
  const beta = absorbPcsStatement(transcript, commitment, claims, params);
  const betaPows: Uint32Array[] = [];
  let claim = E.zero();
  {
    let bp = E.one();
    for (const c of claims) {
      betaPows.push(bp);
      claim = E.add(claim, E.mul(bp, c.value));
      bp = E.mul(bp, beta);
    }
  }

  // ---- sumcheck interleaved with the commitments of the folded layers ----
  const r = new Uint32Array(4 * s.folds);
  const foldPow = foldPowBitsOf(params);
  const roots: Uint8Array[] = [commitment.root, ...proof.layerRoots];
  for (let i = 0, l = 0; i < s.folds; i++) {
    if (l + 1 < L && i === s.starts[l + 1]) {
      l++;
      transcript.absorbDigest(PCS_LABELS.layerRoot, roots[l]!);
    }
    const msg = proof.roundPolys.subarray(8 * i, 8 * i + 8);
    transcript.absorbExt(PCS_LABELS.round, msg);
    // Without folding grinding every nonce must be 0, so that no proof byte is free to change.
    const nonce = proof.foldNonces[i]!;
    if (foldPow === 0 && nonce !== 0) fail(`round ${i}: folding proof-of-work nonce must be 0 when foldPowBits = 0`);
    if (!transcript.checkPow(foldPow, nonce)) fail(`round ${i}: folding proof-of-work check failed`);
    const ri = transcript.challengeExt(PCS_LABELS.fold);
    r.set(ri, 4 * i);
    const g0 = msg.subarray(0, 4);
    const g2 = msg.subarray(4, 8);
    claim = interpolateDeg2(g0, E.sub(claim, g0), g2, ri);
  }

  // ---- final claim: s_F = Σ_j β^j · eq(z_j[..F], r) · P_final(z_j[F..]) ----
  {
    let expected = E.zero();
    claims.forEach((c, j) => {
      const lo = c.point.subarray(0, 4 * s.folds);
      const hi = c.point.subarray(4 * s.folds);
      const term = E.mul(eqEval(E, lo, r), evalMonomialMle(proof.finalPoly, hi));
      expected = E.add(expected, E.mul(betaPows[j]!, term));
    });
    if (!E.equals(expected, claim)) fail('final sumcheck claim does not match the final polynomial');
  }
  transcript.absorbExt(PCS_LABELS.final, proof.finalPoly);
  // Without grinding the nonce must be 0, so that no proof byte is free to change.
  if (params.powBits === 0 && proof.powNonce !== 0) fail('proof-of-work nonce must be 0 when powBits = 0');
  if (!transcript.checkPow(params.powBits, proof.powNonce)) fail('proof-of-work check failed');

  // ---- queries ----
  const logLeaves0 = s.logSizes[0]! - s.arities[0]!;
  const queryIdx = transcript.challengeIndices(PCS_LABELS.queries, params.queries, logLeaves0);
  // pos[q]: in layer 0 the queried leaf index; in layer l > 0 the codeword position of
  // the value folded from query q's leaf of layer l − 1 (that leaf's index), which lies in
  // leaf pos[q] >> arity_l at slot pos[q] mod 2^arity_l.
  let pos = queryIdx.slice();
  // carried[q] = that folded value (null in layer 0).
  let carried: Uint32Array | null = null;
  for (let l = 0; l < L; l++) {
    const a = s.arities[l]!;
    const logSize = s.logSizes[l]!;
    const depth = logSize - a;
    const width = 1 << a;
    const isBase = l === 0;
    const leafLimbs = (isBase ? 1 : 4) * width;
    // Leaf index and slot of each query in this layer.
    const leafOf = l === 0 ? pos.slice() : pos.map((p) => p >>> a);
    const unique = [...new Set(leafOf)].sort((x, y) => x - y);
    const o = proof.openings[l]!;
    if (o.values.length !== unique.length * leafLimbs) {
      fail(`layer ${l}: expected ${unique.length} opened leaves, got ${o.values.length / leafLimbs}`);
    }
    if (o.siblings.length % DIGEST_BYTES !== 0) fail(`layer ${l}: bad sibling bytes`);
    const hashes = unique.map((_, u) => merkleLeafHashFields(o.values, u * leafLimbs, leafLimbs));
    try {
      verifyMerkleMultiProof(roots[l]!, depth, unique, hashes, o.siblings);
    } catch (e) {
      if (e instanceof MerkleError) fail(`layer ${l}: ${e.message}`);
      throw e;
    }
    const slotOf = new Map<number, number>();
    unique.forEach((k, u) => slotOf.set(k, u));
    const nextCarried = new Uint32Array(4 * params.queries);
    const buf = new Uint32Array(4 * width);
    const t = new Uint32Array(4);
    const sum = new Uint32Array(4);
    const omegaInvs: number[] = [];
    for (let j = 0; j < a; j++) omegaInvs.push(F.inv(F.rootOfUnity(logSize - j)));
    for (let q = 0; q < params.queries; q++) {
      const leaf = leafOf[q]!;
      const base = slotOf.get(leaf)! * leafLimbs;
      // Lift the leaf into ext limbs.
      if (isBase) {
        buf.fill(0);
        for (let j = 0; j < width; j++) buf[4 * j] = o.values[base + j]!;
      } else {
        buf.set(o.values.subarray(base, base + leafLimbs));
      }
      if (carried !== null) {
        const slot = pos[q]! & (width - 1);
        for (let k = 0; k < 4; k++) {
          if (buf[4 * slot + k] !== carried[4 * q + k]) fail(`query ${q}: layer ${l} value does not match the fold of layer ${l - 1}`);
        }
      }
      // Fold the leaf a times with challenges r[starts[l] ..].
      let len = width;
      for (let j = 0; j < a; j++) {
        const logM = logSize - j; // codeword length at this step
        const omegaInv = omegaInvs[j]!;
        const half = len >>> 1;
        for (let u = 0; u < half; u++) {
          const tIdx = leaf * half + u;
          const xinvHalf = F.mul(powNum(omegaInv, reverseBits(tIdx, logM - 1)), INV2);
          E.addAt(sum, 0, buf, 8 * u, buf, 8 * u + 4);
          E.mulBaseAt(sum, 0, sum, 0, INV2);
          E.subAt(t, 0, buf, 8 * u, buf, 8 * u + 4);
          E.mulBaseAt(t, 0, t, 0, xinvHalf);
          E.mulAt(t, 0, t, 0, r, 4 * (s.starts[l]! + j));
          E.addAt(buf, 4 * u, sum, 0, t, 0);
        }
        len = half;
      }
      nextCarried.set(buf.subarray(0, 4), 4 * q);
    }
    carried = nextCarried;
    pos = leafOf;
  }
  // ---- last layer vs the final polynomial ----
  const logNf = s.finalLogSize;
  const omegaF = F.rootOfUnity(logNf);
  for (let q = 0; q < params.queries; q++) {
    const x = powNum(omegaF, reverseBits(pos[q]!, logNf));
    const y = evalUnivariateAtBase(proof.finalPoly, x);
    for (let k = 0; k < 4; k++) {
      if (y[k] !== carried![4 * q + k]) fail(`query ${q}: last layer does not match the final polynomial`);
    }
  }
}

/** Digest of a commitment (root ‖ numVars), for callers that bind it elsewhere. */
export function pcsCommitmentDigest(c: PcsCommitment): Uint8Array {
  const b = new Uint8Array(36);
  b.set(c.root, 0);
  new DataView(b.buffer).setUint32(32, c.numVars, true);
  return sha256(b);
}
