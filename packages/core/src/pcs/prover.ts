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
 *
 * Performance: the heavy loops run as wasm SIMD kernels — Möbius, LDE and twist in
 * ntt-simd.ts, folds / eq tables / round sums in ext-simd.ts (on tables in a per-opening
 * wasm arena), Merkle hashing in merkle/sha256-simd.ts — with the straight-line JS kernels
 * of kernels.ts / lde.ts as the fallback (`simdKernels.enabled = false` in tests). Both
 * paths keep every value canonical, so the proof bytes do not depend on the path taken.
 *
 * Threads: with helper threads (parallel/pool.ts) the large SIMD kernels run over shared
 * wasm memories and are split across them — the LDE blocks of the commit, Merkle subtrees,
 * the opening's round sums and folds, and its block eq claims (grouped so that claims adding
 * into the same entries stay on one thread). Each split only changes which thread computes
 * an entry or in which order canonical values are added, so the proof bytes are the same for
 * any thread count (threads.test.ts).
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
  foldPowBitsOf,
  validatePcsParams,
  type EvalClaim,
  type FoldSchedule,
  type PcsCommitment,
  type PcsLayerOpening,
  type PcsParams,
  type PcsProof,
  type Transcript,
} from '@zkllm/verifier';
import { grindPowSimd } from './grind-simd.js';
import { MerkleTree } from '../merkle/tree.js';
import {
  addInto,
  foldBaseTableBy,
  foldCoeffsBaseBy,
  foldCoeffsExtBy,
  foldExtTableBy,
  roundPolyBaseInto,
  roundPolyExtInto,
  scaledEqTable,
} from './kernels.js';
import { ExtArena, type EqBlockClaim } from './ext-simd.js';
import { ldeBitReversedExt, mobiusLde } from './lde.js';
import { recycleBuffer } from './wasm-asm.js';

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
    foldPowBitsOf(a) === foldPowBitsOf(b) &&
    a.finalLogSize === b.finalLogSize
  );
}

/** States given up by {@link pcsRelease}: their memory may already serve other work. */
const released = new WeakSet<PcsProverState>();

/**
 * Gives a commitment's working memory (the codeword and coefficients, when they live in a
 * shared wasm memory) back for reuse by later commitments and openings: a fresh memory
 * costs its first touch (~0.4 ms per MB; ~100 MB per 32-token witness). For a state that
 * will not be opened again (a proof's witness commitment once its openings are written);
 * pcsOpen refuses it afterwards. The state's own arrays must not be read after this either.
 */
export function pcsRelease(state: PcsProverState): void {
  if (released.has(state)) return;
  released.add(state);
  // coeffs and codeword are views of one memory when commitLde made them.
  recycleBuffer(state.codeword);
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
  const { coeffs, codeword } = mobiusLde(vals, params.logBlowup);
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
 * W = Σ_j β^j eq(z_j, ·) over {0,1}^n. One claim: a single eq expansion. Several claims:
 * split each point into low/high halves, eq(z, b) = eq(z_lo, b_lo)·eq(z_hi, b_hi), expand
 * the 2·2^(n/2)-entry half tables per claim, then form every entry as
 * Σ_j (β^j eq_lo,j[b_lo])·eq_hi,j[b_hi] with the sum over claims accumulated unreduced
 * (one reduction per limb per entry instead of per product, no full-size scratch table).
 */
function denseBatchedEq(W: Uint32Array, claims: readonly EvalClaim[], scales: readonly Uint32Array[], n: number, arena: ExtArena | null): void {
  const m = claims.length;
  if (m === 0) return;
  if (m === 1 && arena && n >= 1) {
    arena.addScaledEq(W, arena.alloc(4 << (n - 1)), claims[0]!.point, scales[0]!);
    return;
  }
  if (m === 1) {
    const t = new Uint32Array(4 << n);
    scaledEqTable(t, claims[0]!.point, scales[0]!);
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
    scaledEqTable(tmpLo, z.subarray(0, 4 * nLo), scales[j]!);
    scaledEqTable(tmpHi, z.subarray(4 * nLo), one);
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
function batchedEq(claims: readonly EvalClaim[], beta: Uint32Array, n: number, arena: ExtArena | null): Uint32Array {
  const W = arena ? arena.alloc(4 << n) : new Uint32Array(4 << n);
  // Claims add into W (read, then write) from several threads, and the first round reads
  // all of it: fault its pages in by plain stores first.
  arena?.prefault(W);
  const dense: EvalClaim[] = [];
  const denseScales: Uint32Array[] = [];
  const blockVars = claims.map((c) => denseVars(c.point));
  const maxBlock = blockVars.reduce((m, k) => (k < n - 1 ? Math.max(m, k) : m), -1);
  const scratch = maxBlock < 0 || arena ? null : new Uint32Array(4 << maxBlock);
  const blocks: EqBlockClaim[] = [];
  let bp = E.one();
  claims.forEach((c, j) => {
    const k = blockVars[j]!;
    if (k >= n - 1) {
      dense.push(c);
      denseScales.push(bp);
    } else {
      let block = 0;
      for (let i = n - 1; i >= k; i--) block = 2 * block + c.point[4 * i]!;
      const dst = W.subarray(4 * block * 2 ** k, 4 * (block + 1) * 2 ** k);
      if (arena) {
        blocks.push({ dst, z: c.point.subarray(0, 4 * k), scale: bp });
      } else {
        const t = scratch!.subarray(0, 4 << k);
        scaledEqTable(t, c.point.subarray(0, 4 * k), bp);
        addInto(dst, 0, t);
      }
    }
    bp = E.mul(bp, beta);
  });
  // Claims add into disjoint or overlapping blocks in any order (canonical sums).
  if (arena) arena.addScaledEqMany(blocks);
  denseBatchedEq(W, dense, denseScales, n, arena);
  return W;
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
  if (released.has(state)) throw new PcsError('pcsOpen: the commitment state was released (pcsRelease)');
  if (!sameParams(params, state.params)) throw new PcsError('pcsOpen: parameters differ from those used to commit');
  checkPcsStatement(state.commitment, claims, params);
  const s = state.schedule;
  const n = state.numVars;
  const L = s.arities.length;
  const beta = absorbPcsStatement(transcript, state.commitment, claims, params);

  // W = Σ_j β^j eq(z_j, ·)
  // Wasm SIMD arena for the tables folded by fixed challenges: W (4·2^n words; its upper
  // half takes v's first fold), v's base table staged (2^n; it later holds the base
  // coefficients for layer 0's multi-fold), layer 0's folded coefficients (≤ 2^n), the block
  // eq scratch (≤ 2^n: blocks have at most n − 2 variables) and a single dense claim's
  // (2·2^n). Pages are only touched when used. null falls back to the JS kernels. Its views
  // die with this call. With helper threads the arena is shared with them and holds their
  // scratch too.
  const arena = ExtArena.open(F, E.w, 9 * 2 ** n + 1024 + (n >= 16 ? ExtArena.primeWords() : 0), ExtArena.parallelScratchWords(n, claims.length));
  // Large openings: get the kernels out of the baseline tier before the first rounds.
  if (n >= 16) arena?.prime();
  let W: Uint32Array = batchedEq(claims, beta, n, arena);

  let v: Uint32Array = arena ? arena.stage(state.values) : state.values;
  // With the arena, layer 0's base coefficients are folded once at the end of the layer
  // (multiFoldBase: the same values as a fold per round, without the 2^n-entry ext table of
  // the first fold), staged into the base table of v, which is dead after the first round.
  const baseStage = arena ? v : null;
  const layer0Rs: Uint32Array[] = [];
  let vIsBase = true;
  let coeffs: Uint32Array = state.coeffs;
  let cIsBase = true;
  const roundPolys = new Uint32Array(8 * s.folds);
  const foldNonces = new Uint32Array(s.folds);
  const foldPow = foldPowBitsOf(params);
  const layerRoots: Uint8Array[] = [];
  const codewords: Uint32Array[] = [state.codeword];
  const trees: MerkleTree[] = [state.tree];

  for (let l = 0; l < L; l++) {
    const a = s.arities[l]!;
    if (l > 0) transcript.absorbDigest(PCS_LABELS.layerRoot, trees[l]!.root);
    for (let j = 0; j < a; j++) {
      const i = s.starts[l]! + j;
      const msg = roundPolys.subarray(8 * i, 8 * i + 8);
      const pairs = W.length >>> 3;
      if (arena && arena.roundPoly(msg, v, vIsBase, W, pairs)) {
        // computed by the SIMD kernel
      } else if (vIsBase) roundPolyBaseInto(msg, v, W, pairs);
      else roundPolyExtInto(msg, v, W, pairs);
      transcript.absorbExt(PCS_LABELS.round, msg);
      foldNonces[i] = grindPowSimd(transcript, foldPow);
      const r = transcript.challengeExt(PCS_LABELS.fold);
      // W folds in place into its lower half. v's first fold writes a fresh ext table (the
      // state's base table is kept): in the arena, into W's upper half, dead from now on;
      // later folds are in place into the lower half.
      const wHalf = W.length >>> 3;
      if (arena) arena.fold(W, W, wHalf, r, false);
      else foldExtTableBy(W, W, wHalf, r);
      const wUpper = W.subarray(4 * wHalf, 8 * wHalf);
      W = W.subarray(0, 4 * wHalf);
      if (vIsBase) {
        const half = v.length >>> 1;
        if (arena) {
          const nv = 4 * half === wUpper.length ? wUpper : arena.alloc(4 * half);
          arena.foldBase(nv, v, half, r, false);
          v = nv;
        } else {
          const nv = new Uint32Array(4 * half);
          foldBaseTableBy(nv, v, half, r);
          v = nv;
        }
      } else {
        const half = v.length >>> 3;
        if (arena) arena.fold(v, v, half, r, false);
        else foldExtTableBy(v, v, half, r);
        v = v.subarray(0, 4 * half);
      }
      vIsBase = false;
      if (cIsBase && baseStage) {
        layer0Rs.push(r);
        if (j === a - 1) {
          baseStage.set(coeffs);
          const count = coeffs.length >>> a;
          const nc = arena!.alloc(4 * count);
          arena!.multiFoldBase(nc, baseStage, count, layer0Rs);
          coeffs = nc;
          cIsBase = false;
        }
      } else if (cIsBase) {
        const half = coeffs.length >>> 1;
        const nc = new Uint32Array(4 * half);
        foldCoeffsBaseBy(nc, coeffs, half, r);
        coeffs = nc;
        cIsBase = false;
      } else {
        const half = coeffs.length >>> 3;
        if (arena) arena.fold(coeffs, coeffs, half, r, true);
        else foldCoeffsExtBy(coeffs, coeffs, half, r);
        coeffs = coeffs.subarray(0, 4 * half);
      }
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
  const powNonce = grindPowSimd(transcript, params.powBits);

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
  // Every view of the arena is dead (the proof holds copies): its memory serves the next opening.
  arena?.release();
  return { roundPolys, foldNonces, layerRoots, finalPoly, powNonce, openings };
}
