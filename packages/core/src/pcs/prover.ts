/**
 * Prover of the multilinear PCS (Basefold). The verifier, the conventions (bit-reversed
 * codewords, fold formula, leaf layout) and the transcript schedule are in
 * `@zkllm/verifier` pcs/verifier.ts; this file follows them step by step.
 *
 * Commit: Möbius transform (evaluations → monomial coefficients c), Reed–Solomon encode
 * f(X) = Σ c_i X^i at rate 2^−logBlowup (bit-reversed), Merkle-commit with leaves of
 * 2^arity_0 consecutive values.
 *
 * Open: batch the claims with β, run the degree-2 sumcheck on Σ_b v(b)·W(b) with
 * W = Σ_j β^j eq(z_j, ·); every `arity` rounds commit the next layer — the encoding of the
 * partially bound polynomial P(r_0..r_{i−1}, ·), which is exactly the FRI fold of the
 * previous layer (computed by re-encoding the folded coefficients, cheaper than folding the
 * codeword) — then send the final coefficients, grind, and open the queried leaves.
 */
import {
  BabyBear,
  BabyBearExt4,
  DEFAULT_PCS_PARAMS,
  PCS_LABELS,
  PcsError,
  absorbPcsStatement,
  checkPcsStatement,
  foldSchedule,
  foldedArity,
  validatePcsParams,
  type EvalClaim,
  type FoldSchedule,
  type PcsCommitment,
  type PcsLayerOpening,
  type PcsParams,
  type PcsProof,
  type Transcript,
} from '@zkllm/verifier';
import * as nodeCrypto from 'node:crypto';
import { MerkleTree } from '../merkle/tree.js';
import { ldeBitReversed, ldeBitReversedExt, mobius } from './lde.js';

const F = BabyBear;
const E = BabyBearExt4;
const P = F.p;
const INV_P = 1 / P;
const W_EXT = E.w;

// ---- inlined BabyBear-ext4 arithmetic for the hot loops (same maths as QuarticExtension) ----

/** a·b mod p for canonical a, b (float quotient, exact remainder; see PrimeField.mul). */
function mm(x: number, y: number): number {
  const q = Math.floor(x * y * INV_P);
  const r = (Math.imul(x, y) - Math.imul(q, P)) | 0;
  return r < 0 ? r + P : r >= P ? r - P : r;
}

/** x mod p for a non-negative integer x < 2^52. */
function red(x: number): number {
  const r = x - Math.floor(x * INV_P) * P;
  return r < 0 ? r + P : r >= P ? r - P : r;
}

/** out[o..o+4) = a[ao..]·b[bo..] in F_p[X]/(X^4 − w). `out` may alias the inputs. */
function extMul(out: Uint32Array, o: number, a: Uint32Array, ao: number, b: Uint32Array, bo: number): void {
  const a0 = a[ao]!, a1 = a[ao + 1]!, a2 = a[ao + 2]!, a3 = a[ao + 3]!;
  const b0 = b[bo]!, b1 = b[bo + 1]!, b2 = b[bo + 2]!, b3 = b[bo + 3]!;
  // Sums of ≤ 4 residues times w ≤ 2^4 stay below 2^38: exact in doubles, one reduction each.
  const c0 = mm(a0, b0) + W_EXT * (mm(a1, b3) + mm(a2, b2) + mm(a3, b1));
  const c1 = mm(a0, b1) + mm(a1, b0) + W_EXT * (mm(a2, b3) + mm(a3, b2));
  const c2 = mm(a0, b2) + mm(a1, b1) + mm(a2, b0) + W_EXT * mm(a3, b3);
  const c3 = mm(a0, b3) + mm(a1, b2) + mm(a2, b1) + mm(a3, b0);
  out[o] = red(c0);
  out[o + 1] = red(c1);
  out[o + 2] = red(c2);
  out[o + 3] = red(c3);
}

/** In-place-capable ext table fold: out[i] = a[2i] + r·(a[2i+1] − a[2i]). Returns the half-length view. */
function foldExtTable(out: Uint32Array, a: Uint32Array, r: Uint32Array): Uint32Array {
  const half = a.length >>> 3;
  const d = new Uint32Array(4);
  for (let i = 0; i < half; i++) {
    const o = 8 * i;
    for (let k = 0; k < 4; k++) {
      const x = a[o + 4 + k]! - a[o + k]!;
      d[k] = x < 0 ? x + P : x;
    }
    extMul(d, 0, d, 0, r, 0);
    for (let k = 0; k < 4; k++) {
      const x = a[o + k]! + d[k]!;
      out[4 * i + k] = x >= P ? x - P : x;
    }
  }
  return out.subarray(0, 4 * half);
}

/** Everything the prover keeps between commit and open. Treat as opaque. */
export interface PcsProverState {
  readonly numVars: number;
  readonly params: Readonly<PcsParams>;
  readonly schedule: FoldSchedule;
  /** The committed evaluations (a private copy). */
  readonly values: Uint32Array;
  /** Their monomial coefficients. */
  readonly coeffs: Uint32Array;
  /** Layer-0 codeword (bit-reversed) and its Merkle tree. */
  readonly codeword: Uint32Array;
  readonly tree: MerkleTree;
  readonly commitment: PcsCommitment;
}

export interface PcsCommitResult {
  commitment: PcsCommitment;
  state: PcsProverState;
}

function sameParams(a: PcsParams, b: PcsParams): boolean {
  return (
    a.logBlowup === b.logBlowup &&
    a.logFoldArity === b.logFoldArity &&
    foldedArity(a) === foldedArity(b) &&
    a.queries === b.queries &&
    a.powBits === b.powBits &&
    a.finalLogSize === b.finalLogSize
  );
}

/**
 * Commits to a vector of 2^n canonical base-field values (its multilinear extension is the
 * committed polynomial). The vector is copied.
 */
export function pcsCommit(values: Uint32Array, params: PcsParams = DEFAULT_PCS_PARAMS): PcsCommitResult {
  const len = values.length;
  if (len < 1 || (len & (len - 1)) !== 0) throw new PcsError(`vector length ${len} is not a power of two`);
  const numVars = 31 - Math.clz32(len);
  validatePcsParams(params, numVars);
  for (let i = 0; i < len; i++) if (values[i]! >= P) throw new PcsError(`value ${i} is not a canonical field element`);
  const schedule = foldSchedule(numVars, params);
  const vals = values.slice();
  const coeffs = mobius(F, values.slice());
  const codeword = ldeBitReversed(coeffs, params.logBlowup);
  const tree = MerkleTree.fromLimbs(codeword, 1 << schedule.arities[0]!);
  const commitment: PcsCommitment = { root: tree.root, numVars };
  const state: PcsProverState = {
    numVars,
    params: Object.freeze({ ...params }),
    schedule,
    values: vals,
    coeffs,
    codeword,
    tree,
    commitment,
  };
  return { commitment, state };
}

// ---------------------------------------------------------------------------------------
// Sumcheck kernels on (v, W): v base or ext, W ext; the round polynomial of Σ v·W.

/**
 * Writes scale · eq(z, ·) (ext table of 2^n entries) into `t`.
 * One ext multiplication per entry: t·(1 − z_k) = t − t·z_k.
 */
function scaledEq(t: Uint32Array, z: Uint32Array, scale: Uint32Array): void {
  const n = z.length >>> 2;
  t.set(scale.subarray(0, 4), 0);
  for (let k = 0; k < n; k++) {
    const size = 1 << k;
    for (let j = 0; j < size; j++) {
      const lo = 4 * j;
      const hi = 4 * (j + size);
      extMul(t, hi, t, lo, z, 4 * k);
      for (let c = 0; c < 4; c++) {
        const x = t[lo + c]! - t[hi + c]!;
        t[lo + c] = x < 0 ? x + P : x;
      }
    }
  }
}

/**
 * W = Σ_j β^j eq(z_j, ·) over {0,1}^n. One claim: a single eq expansion. Several claims:
 * split each point into low/high halves, eq(z, b) = eq(z_lo, b_lo)·eq(z_hi, b_hi), expand
 * the 2·2^(n/2)-entry half tables per claim, then form every entry as
 * Σ_j (β^j eq_lo,j[b_lo])·eq_hi,j[b_hi] with the sum over claims accumulated unreduced
 * (one reduction per limb per entry instead of per product, no full-size scratch table).
 */
function denseBatchedEq(W: Uint32Array, claims: readonly EvalClaim[], scales: readonly Uint32Array[], n: number): void {
  const m = claims.length;
  if (m === 0) return;
  if (m === 1) {
    const t = new Uint32Array(4 << n);
    scaledEq(t, claims[0]!.point, scales[0]!);
    addInto(W, 0, t);
    return;
  }
  const nLo = n >>> 1;
  const nHi = n - nLo;
  const sizeLo = 1 << nLo;
  const sizeHi = 1 << nHi;
  // Claim-interleaved half tables: A[(lo·m + j)·4 ..], B[(hi·m + j)·4 ..].
  const A = new Uint32Array(4 * m * sizeLo);
  const B = new Uint32Array(4 * m * sizeHi);
  const tmpLo = new Uint32Array(4 * sizeLo);
  const tmpHi = new Uint32Array(4 * sizeHi);
  const one = E.one();
  for (let j = 0; j < m; j++) {
    const z = claims[j]!.point;
    scaledEq(tmpLo, z.subarray(0, 4 * nLo), scales[j]!);
    scaledEq(tmpHi, z.subarray(4 * nLo), one);
    for (let i = 0; i < sizeLo; i++) A.set(tmpLo.subarray(4 * i, 4 * i + 4), 4 * (i * m + j));
    for (let i = 0; i < sizeHi; i++) B.set(tmpHi.subarray(4 * i, 4 * i + 4), 4 * (i * m + j));
  }
  // Each unreduced limb sum gains < 2^38 per claim; reduce every 2^13 claims (< 2^51).
  const CHUNK = 1 << 13;
  for (let hi = 0; hi < sizeHi; hi++) {
    const bo = 4 * hi * m;
    for (let lo = 0; lo < sizeLo; lo++) {
      const ao = 4 * lo * m;
      let c0 = 0, c1 = 0, c2 = 0, c3 = 0;
      for (let j = 0; j < m; j++) {
        const x = ao + 4 * j;
        const y = bo + 4 * j;
        const a0 = A[x]!, a1 = A[x + 1]!, a2 = A[x + 2]!, a3 = A[x + 3]!;
        const b0 = B[y]!, b1 = B[y + 1]!, b2 = B[y + 2]!, b3 = B[y + 3]!;
        c0 += mm(a0, b0) + W_EXT * (mm(a1, b3) + mm(a2, b2) + mm(a3, b1));
        c1 += mm(a0, b1) + mm(a1, b0) + W_EXT * (mm(a2, b3) + mm(a3, b2));
        c2 += mm(a0, b2) + mm(a1, b1) + mm(a2, b0) + W_EXT * mm(a3, b3);
        c3 += mm(a0, b3) + mm(a1, b2) + mm(a2, b1) + mm(a3, b0);
        if ((j & (CHUNK - 1)) === CHUNK - 1) {
          c0 = red(c0); c1 = red(c1); c2 = red(c2); c3 = red(c3);
        }
      }
      const o = 4 * (lo + hi * sizeLo);
      W[o] = red(W[o]! + red(c0));
      W[o + 1] = red(W[o + 1]! + red(c1));
      W[o + 2] = red(W[o + 2]! + red(c2));
      W[o + 3] = red(W[o + 3]! + red(c3));
    }
  }
}

/** W[off ..] += t (ext vectors). */
function addInto(W: Uint32Array, off: number, t: Uint32Array): void {
  for (let i = 0; i < t.length; i++) {
    const x = W[off + i]! + t[i]!;
    W[off + i] = x >= P ? x - P : x;
  }
}

/**
 * Number of leading coordinates of z before a suffix of exact 0/1 values. Claims on one
 * tensor of a bundle have their block-selecting (high) coordinates Boolean, so eq(z, ·)
 * vanishes outside a 2^k block and costs 2^k instead of 2^n to expand.
 */
function denseVars(z: Uint32Array): number {
  let k = z.length >>> 2;
  while (k > 0) {
    const o = 4 * (k - 1);
    if (z[o + 1] !== 0 || z[o + 2] !== 0 || z[o + 3] !== 0 || (z[o] !== 0 && z[o] !== 1)) break;
    k--;
  }
  return k;
}

/**
 * W = Σ_j β^j eq(z_j, ·) over {0,1}^n. Claims whose high coordinates are Boolean (claims on
 * one tensor of a bundle) only fill their block; fully dense claims share the half-table
 * kernel above.
 */
function batchedEq(claims: readonly EvalClaim[], beta: Uint32Array, n: number): Uint32Array {
  const W = new Uint32Array(4 << n);
  const dense: EvalClaim[] = [];
  const denseScales: Uint32Array[] = [];
  let bp = E.one();
  for (const c of claims) {
    const k = denseVars(c.point);
    if (k >= n - 1) {
      dense.push(c);
      denseScales.push(bp);
    } else {
      let block = 0;
      for (let i = n - 1; i >= k; i--) block = 2 * block + c.point[4 * i]!;
      const t = new Uint32Array(4 << k);
      scaledEq(t, c.point.subarray(0, 4 * k), bp);
      addInto(W, 4 * block * 2 ** k, t);
    }
    bp = E.mul(bp, beta);
  }
  denseBatchedEq(W, dense, denseScales, n);
  return W;
}

const REDUCE_EVERY = 1 << 19;

/** g(0), g(2) of Σ v·W for a base table v (round 0). Returns 8 limbs. */
function roundPolyBase(v: Uint32Array, W: Uint32Array): Uint32Array {
  const half = v.length >>> 1;
  let a0 = 0, a1 = 0, a2 = 0, a3 = 0, b0 = 0, b1 = 0, b2 = 0, b3 = 0;
  for (let i = 0; i < half; i++) {
    const v0 = v[2 * i]!;
    let dv = 2 * v[2 * i + 1]! - v0; // 2v1 − v0 in (−p, 2p)
    dv = dv < 0 ? dv + P : dv >= P ? dv - P : dv;
    const w = 8 * i;
    a0 += F.mul(v0, W[w]!);
    a1 += F.mul(v0, W[w + 1]!);
    a2 += F.mul(v0, W[w + 2]!);
    a3 += F.mul(v0, W[w + 3]!);
    for (let k = 0; k < 4; k++) {
      let dw = 2 * W[w + 4 + k]! - W[w + k]!;
      dw = dw < 0 ? dw + P : dw >= P ? dw - P : dw;
      const m = F.mul(dv, dw);
      if (k === 0) b0 += m;
      else if (k === 1) b1 += m;
      else if (k === 2) b2 += m;
      else b3 += m;
    }
    if ((i & (REDUCE_EVERY - 1)) === REDUCE_EVERY - 1) {
      a0 = F.reduce(a0); a1 = F.reduce(a1); a2 = F.reduce(a2); a3 = F.reduce(a3);
      b0 = F.reduce(b0); b1 = F.reduce(b1); b2 = F.reduce(b2); b3 = F.reduce(b3);
    }
  }
  return Uint32Array.of(F.reduce(a0), F.reduce(a1), F.reduce(a2), F.reduce(a3), F.reduce(b0), F.reduce(b1), F.reduce(b2), F.reduce(b3));
}

/** g(0), g(2) of Σ v·W for ext tables. */
function roundPolyExt(v: Uint32Array, W: Uint32Array): Uint32Array {
  const half = v.length >>> 3;
  const acc = new Float64Array(8);
  const t = new Uint32Array(4);
  const dv = new Uint32Array(4);
  const dw = new Uint32Array(4);
  for (let i = 0; i < half; i++) {
    const o = 8 * i;
    extMul(t, 0, v, o, W, o);
    acc[0] += t[0]!; acc[1] += t[1]!; acc[2] += t[2]!; acc[3] += t[3]!;
    for (let k = 0; k < 4; k++) {
      let x = 2 * v[o + 4 + k]! - v[o + k]!;
      dv[k] = x < 0 ? x + P : x >= P ? x - P : x;
      x = 2 * W[o + 4 + k]! - W[o + k]!;
      dw[k] = x < 0 ? x + P : x >= P ? x - P : x;
    }
    extMul(t, 0, dv, 0, dw, 0);
    acc[4] += t[0]!; acc[5] += t[1]!; acc[6] += t[2]!; acc[7] += t[3]!;
    if ((i & (REDUCE_EVERY - 1)) === REDUCE_EVERY - 1) for (let k = 0; k < 8; k++) acc[k] = F.reduce(acc[k]!);
  }
  const out = new Uint32Array(8);
  for (let k = 0; k < 8; k++) out[k] = F.reduce(acc[k]!);
  return out;
}

/** out[i] = a[2i] + r·(a[2i+1] − a[2i]) for a base table a (the monomial-coefficient fold is the same formula with (c[2i], c[2i+1]) ↦ c[2i] + r·c[2i+1]; see foldCoeffs). */
function foldBaseTable(a: Uint32Array, r: Uint32Array): Uint32Array {
  return E.foldBaseVec(new Uint32Array(2 * a.length), a, r);
}

/** Monomial-coefficient fold binding x_0 = r: out[i] = c[2i] + r·c[2i+1]. Base or ext input. */
function foldCoeffs(c: Uint32Array, isBase: boolean, r: Uint32Array): Uint32Array {
  const t = new Uint32Array(4);
  if (isBase) {
    const half = c.length >>> 1;
    const out = new Uint32Array(4 * half);
    for (let i = 0; i < half; i++) {
      E.mulBaseAt(t, 0, r, 0, c[2 * i + 1]!);
      const s = t[0]! + c[2 * i]!;
      out[4 * i] = s >= P ? s - P : s;
      out[4 * i + 1] = t[1]!;
      out[4 * i + 2] = t[2]!;
      out[4 * i + 3] = t[3]!;
    }
    return out;
  }
  const half = c.length >>> 3;
  const out = new Uint32Array(4 * half);
  for (let i = 0; i < half; i++) {
    extMul(t, 0, c, 8 * i + 4, r, 0);
    for (let k = 0; k < 4; k++) {
      const x = c[8 * i + k]! + t[k]!;
      out[4 * i + k] = x >= P ? x - P : x;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------

/**
 * Proof-of-work with node:crypto: searches nonces for the transcript's PoW digest
 * SHA-256(0x04 ‖ state ‖ u32le(nonce)) (the format of `Transcript.checkPow`) ~4× faster
 * than `Transcript.grind`. The nonce found is then checked and absorbed by
 * `transcript.checkPow`; should the transcript's format ever differ, that check fails and
 * we fall back to `transcript.grind`, so the result is always what the verifier expects.
 */
export function grindPow(transcript: Transcript, bits: number): number {
  if (bits === 0) return 0;
  const hash = (nodeCrypto as { hash?: (alg: string, data: Uint8Array, enc: 'buffer') => Uint8Array }).hash;
  if (typeof hash !== 'function' || bits > 30) return transcript.grind(bits);
  const buf = new Uint8Array(37);
  buf[0] = 4;
  buf.set(transcript.digest(), 1);
  const fullBytes = bits >>> 3;
  const mask = (0xff00 >>> (bits & 7)) & 0xff;
  for (let nonce = 0; nonce < 2 ** 32; nonce++) {
    buf[33] = nonce & 0xff;
    buf[34] = (nonce >>> 8) & 0xff;
    buf[35] = (nonce >>> 16) & 0xff;
    buf[36] = nonce >>> 24;
    const d = hash('sha256', buf, 'buffer');
    let ok = true;
    for (let i = 0; i < fullBytes && ok; i++) ok = d[i] === 0;
    if (ok && mask !== 0) ok = (d[fullBytes]! & mask) === 0;
    if (ok) {
      if (transcript.checkPow(bits, nonce)) return nonce;
      break;
    }
  }
  return transcript.grind(bits);
}

/**
 * Proves all `claims` (evaluations of the committed polynomial at ext points) with one
 * opening. Absorbs the parameters, commitment and claims into `transcript` first; the
 * verifier must call `verifyOpening` on a transcript in the same state.
 *
 * Claims are not checked against the committed vector (a false claim yields a proof that
 * the verifier rejects).
 */
export function pcsOpen(
  state: PcsProverState,
  claims: readonly EvalClaim[],
  transcript: Transcript,
  params: PcsParams = state.params,
): PcsProof {
  if (!sameParams(params, state.params)) throw new PcsError('pcsOpen: parameters differ from those used to commit');
  checkPcsStatement(state.commitment, claims, params);
  const s = state.schedule;
  const n = state.numVars;
  const L = s.arities.length;
  const beta = absorbPcsStatement(transcript, state.commitment, claims, params);

  // W = Σ_j β^j eq(z_j, ·)
  let W: Uint32Array = batchedEq(claims, beta, n);

  let v: Uint32Array = state.values;
  let vIsBase = true;
  let coeffs: Uint32Array = state.coeffs;
  let cIsBase = true;
  const roundPolys = new Uint32Array(8 * s.folds);
  const layerRoots: Uint8Array[] = [];
  const codewords: Uint32Array[] = [state.codeword];
  const trees: MerkleTree[] = [state.tree];

  for (let l = 0; l < L; l++) {
    const a = s.arities[l]!;
    if (l > 0) transcript.absorbDigest(PCS_LABELS.layerRoot, trees[l]!.root);
    for (let j = 0; j < a; j++) {
      const i = s.starts[l]! + j;
      const msg = vIsBase ? roundPolyBase(v, W) : roundPolyExt(v, W);
      roundPolys.set(msg, 8 * i);
      transcript.absorbExt(PCS_LABELS.round, msg);
      const r = transcript.challengeExt(PCS_LABELS.fold);
      v = vIsBase ? foldBaseTable(v, r) : foldExtTable(v, v, r);
      vIsBase = false;
      W = foldExtTable(W, W, r);
      coeffs = foldCoeffs(coeffs, cIsBase, r);
      cIsBase = false;
    }
    if (l + 1 < L) {
      // Layer l+1 = encoding of the partially bound polynomial = FRI fold of layer l.
      const cw = ldeBitReversedExt(coeffs, params.logBlowup);
      const tree = MerkleTree.fromLimbs(cw, 4 << s.arities[l + 1]!);
      codewords.push(cw);
      trees.push(tree);
      layerRoots.push(tree.root);
    }
  }

  // Final polynomial: the monomial coefficients left after all folds (ext vector).
  const finalPoly = cIsBase ? E.liftVec(coeffs) : coeffs.slice();
  transcript.absorbExt(PCS_LABELS.final, finalPoly);
  const powNonce = grindPow(transcript, params.powBits);

  const logLeaves0 = s.logSizes[0]! - s.arities[0]!;
  let pos = transcript.challengeIndices(PCS_LABELS.queries, params.queries, logLeaves0);
  const openings: PcsLayerOpening[] = [];
  for (let l = 0; l < L; l++) {
    const a = s.arities[l]!;
    const leafOf = l === 0 ? pos : pos.map((p) => p >>> a);
    const unique = [...new Set(leafOf)].sort((x, y) => x - y);
    const leafLimbs = (l === 0 ? 1 : 4) << a;
    const cw = codewords[l]!;
    const values = new Uint32Array(unique.length * leafLimbs);
    unique.forEach((k, u) => values.set(cw.subarray(k * leafLimbs, (k + 1) * leafLimbs), u * leafLimbs));
    openings.push({ values, siblings: trees[l]!.openMulti(unique) });
    pos = leafOf;
  }
  return { roundPolys, layerRoots, finalPoly, powNonce, openings };
}
