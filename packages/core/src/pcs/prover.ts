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
  validatePcsParams,
  type EvalClaim,
  type FoldSchedule,
  type PcsCommitment,
  type PcsLayerOpening,
  type PcsParams,
  type PcsProof,
  type Transcript,
} from '@zkllm/verifier';
import { MerkleTree } from '../merkle/tree.js';
import { ldeBitReversed, ldeBitReversedExt, mobius } from './lde.js';

const F = BabyBear;
const E = BabyBearExt4;
const P = F.p;

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
 * W += scale · eq(z, ·) (ext table of 2^n entries), using `scratch` of the same size.
 * One ext multiplication per entry: t·(1 − z_k) = t − t·z_k.
 */
function addScaledEq(W: Uint32Array, z: Uint32Array, scale: Uint32Array, scratch: Uint32Array): void {
  const n = z.length >>> 2;
  const t = scratch;
  t.set(scale.subarray(0, 4), 0);
  for (let k = 0; k < n; k++) {
    const size = 1 << k;
    for (let j = 0; j < size; j++) {
      const lo = 4 * j;
      const hi = 4 * (j + size);
      E.mulAt(t, hi, t, lo, z, 4 * k);
      E.subAt(t, lo, t, lo, t, hi);
    }
  }
  F.addVec(W, W, t.subarray(0, W.length));
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
    E.mulAt(t, 0, v, o, W, o);
    acc[0] += t[0]!; acc[1] += t[1]!; acc[2] += t[2]!; acc[3] += t[3]!;
    for (let k = 0; k < 4; k++) {
      let x = 2 * v[o + 4 + k]! - v[o + k]!;
      dv[k] = x < 0 ? x + P : x >= P ? x - P : x;
      x = 2 * W[o + 4 + k]! - W[o + k]!;
      dw[k] = x < 0 ? x + P : x >= P ? x - P : x;
    }
    E.mulAt(t, 0, dv, 0, dw, 0);
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
    E.mulAt(t, 0, c, 8 * i + 4, r, 0);
    E.addAt(out, 4 * i, c, 8 * i, t, 0);
  }
  return out;
}

// ---------------------------------------------------------------------------------------

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
  let W: Uint32Array = new Uint32Array(4 << n);
  {
    const scratch = new Uint32Array(4 << n);
    let bp = E.one();
    for (const c of claims) {
      addScaledEq(W, c.point, bp, scratch);
      bp = E.mul(bp, beta);
    }
  }

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
      v = vIsBase ? foldBaseTable(v, r) : E.foldVec(v, v, r).subarray(0, v.length >>> 1);
      vIsBase = false;
      W = E.foldVec(W, W, r).subarray(0, W.length >>> 1);
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
  const powNonce = transcript.grind(params.powBits);

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
