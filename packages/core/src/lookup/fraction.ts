/**
 * Prover of a fraction tree (see the verifier's lookup/fraction.ts for the protocol).
 * Layers are built bottom-up once; the proof walks them top-down, one sumcheck per layer
 * shared by every tree of the batch that has that layer.
 */
import {
  FRACTION_DEGREE,
  SUMCHECK_CHALLENGE_LABEL,
  SUMCHECK_ROUND_LABEL,
  absorbFractionDepths,
  absorbSumcheckHeader,
  checkFractionDepths,
  eqTable,
  fractionBatchClaim,
  fractionLayerTerms,
  type Ext,
  type FractionBatchProof,
  type FractionLayerProof,
  type FractionLeafClaim,
  type FractionTreeProof,
  type QuarticExtension,
  type Transcript,
} from '@zkllm/verifier';
import { proveSumcheckRounds, type MleTable } from '../sumcheck/index.js';
import { parallelFor, proverThreads, sharedF64, sharedU32, sharedU32Views, toShared } from '../parallel/pool.js';
import { FRACTION_KERNELS } from './fraction-kernel-source.js';
import { expandEqTable, foldFractionTable, fractionParents, fractionParentsBaseP, fractionRoundSums } from './fraction-kernel.js';
import { FractionArena, fractionArenaOf, fractionScratchWords, runSumCalls, type SumCall } from './fraction-simd.js';
import { simdKernels } from '../pcs/wasm-asm.js';

/** True when every ext element of v has zero limbs 1–3 (a base-field vector). */
function isBaseVector(v: Uint32Array): boolean {
  for (let i = 0; i < v.length; i += 4) if ((v[i + 1]! | v[i + 2]! | v[i + 3]!) !== 0) return false;
  return true;
}

/** Below this many pairs per thread a kernel call stays on the calling thread. */
const MIN_RANGE = 1 << 13;

/** All layers: index k holds (p, q) ext vectors of 2^k fractions; index n is the leaves. */
export function buildFractionLayers(E: QuarticExtension, p: Uint32Array, q: Uint32Array): Array<[Uint32Array, Uint32Array]> {
  const leaves = p.length >>> 2;
  const n = 31 - Math.clz32(leaves);
  if (leaves >= SIMD_MIN_LEAVES) {
    const layers = buildLayersSimd(E, p, q, n);
    if (layers) return layers;
  }
  const layers: Array<[Uint32Array, Uint32Array]> = new Array(n + 1);
  layers[n] = [toShared(p), toShared(q)];
  const F = E.base;
  for (let k = n - 1; k >= 0; k--) {
    const [cp, cq] = layers[k + 1]!;
    const size = 1 << k;
    // Shared memory: the layer's sumcheck later splits its rounds across threads.
    const np = sharedU32(4 * size);
    const nq = sharedU32(4 * size);
    // p = p₀q₁ + p₁q₀, q = q₀q₁ (the leaves' numerators are often base-field values)
    const baseP = k === n - 1 && isBaseVector(cp);
    parallelFor(FRACTION_KERNELS, baseP ? 'fractionParentsBaseP' : 'fractionParents', size, MIN_RANGE, (_, a, b) => [cp, cq, np, nq, F.p, F.invP, E.w, a, b], (x) =>
      (baseP ? fractionParentsBaseP : fractionParents)(...(x as Parameters<typeof fractionParents>)),
    );
    layers[k] = [np, nq];
  }
  return layers;
}

/**
 * Trees from this many leaves get their own wasm arena (layers built and proven by the SIMD
 * kernels); smaller ones stay with the JS kernels, not worth a memory of their own.
 */
export const SIMD_MIN_LEAVES = 1 << 10;

/**
 * {@link buildFractionLayers} in a {@link FractionArena} sized for the layers and the
 * scratch of their sumchecks, or null without one (then the JS kernels build them).
 */
function buildLayersSimd(E: QuarticExtension, p: Uint32Array, q: Uint32Array, n: number): Array<[Uint32Array, Uint32Array]> | null {
  return fractionLayersInArena(E, n, 0, (_, lp, lq) => {
    lp.set(p);
    lq.set(q);
    return true;
  });
}

/**
 * The layers of a tree of 2^n leaves in a new {@link FractionArena}, the leaves written in
 * place by `write` (which may stage up to `stagingWords` words in the arena and must release
 * them; false: it could not, no tree). `baseP` says the leaves' numerators are base-field
 * values (checked when not given). Null without an arena.
 */
export function fractionLayersInArena(
  E: QuarticExtension,
  n: number,
  stagingWords: number,
  write: (arena: FractionArena, lp: Uint32Array, lq: Uint32Array) => boolean,
  baseP?: boolean,
): Array<[Uint32Array, Uint32Array]> | null {
  const tree = fractionLeavesInArena(E, n, stagingWords, write, baseP);
  if (!tree) return null;
  buildParentLayers([tree]);
  return tree.layers;
}

/** Leaf layers (their p vectors) in arenas whose numerators have zero limbs 1–3: the sumcheck's SIMD kernels exploit it. */
const baseNumerators = new WeakSet<Uint32Array>();

/** A tree in its arena whose leaves are written and whose upper layers are still to build. */
export interface ArenaTree {
  readonly arena: FractionArena;
  readonly layers: Array<[Uint32Array, Uint32Array]>;
  readonly baseP: boolean;
}

/** {@link fractionLayersInArena} up to the leaves: the upper layers are allocated, not built (see {@link buildParentLayers}). */
export function fractionLeavesInArena(
  E: QuarticExtension,
  n: number,
  stagingWords: number,
  write: (arena: FractionArena, lp: Uint32Array, lq: Uint32Array) => boolean,
  baseP?: boolean,
): ArenaTree | null {
  const leaves = 2 ** n;
  const arena = FractionArena.create(E.base, E.w, 8 * leaves + 8 * (leaves - 1) + Math.max(fractionScratchWords(n), stagingWords));
  if (!arena) return null;
  const layers: Array<[Uint32Array, Uint32Array]> = new Array(n + 1);
  for (let k = n; k >= 0; k--) layers[k] = [arena.tryAlloc(4 << k)!, arena.tryAlloc(4 << k)!];
  const [lp, lq] = layers[n]!;
  if (!write(arena, lp, lq)) return null;
  const base = n > 0 && (baseP ?? isBaseVector(lp));
  if (base) baseNumerators.add(lp);
  return { arena, layers, baseP: base };
}

/**
 * Builds the upper layers of trees from their leaves, level by level over all trees at once:
 * the equal-sized layers of different trees (arenas) run side by side on the threads.
 */
export function buildParentLayers(trees: readonly ArenaTree[]): void {
  const depth = (t: ArenaTree) => t.layers.length - 1;
  const top = Math.max(0, ...trees.map(depth));
  for (let k = top - 1; k >= 0; k--) {
    const calls: SumCall[] = [];
    for (const t of trees) {
      const n = depth(t);
      if (n <= k) continue;
      const [cp, cq] = t.layers[k + 1]!;
      const [np, nq] = t.layers[k]!;
      calls.push(t.arena.parentsCall(cp, cq, np, nq, 1 << k, k === n - 1 && t.baseP));
    }
    runSumCalls(calls);
  }
}

function deinterleave(v: Uint32Array, size: number): [Uint32Array, Uint32Array] {
  const even = new Uint32Array(4 * size);
  const odd = new Uint32Array(4 * size);
  // Plain limb copies: subarray views per entry dominated this loop in profiles.
  for (let x = 0, i = 0; x < size; x++, i += 4) {
    const s = 8 * x;
    even[i] = v[s]!;
    even[i + 1] = v[s + 1]!;
    even[i + 2] = v[s + 2]!;
    even[i + 3] = v[s + 3]!;
    odd[i] = v[s + 4]!;
    odd[i + 1] = v[s + 5]!;
    odd[i + 2] = v[s + 6]!;
    odd[i + 3] = v[s + 7]!;
  }
  return [even, odd];
}

/** 'generic' proves every layer with the generic sumcheck prover (tests compare the two). */
export type FractionKernel = 'auto' | 'generic';

interface LayerResult {
  readonly roundMessages: Uint32Array[];
  /** The round challenges ρ (ext vector, 4k). */
  readonly point: Uint32Array;
  /** P₀, P₁, Q₀, Q₁ of each tree at ρ (16 limbs per tree). */
  readonly evals: Uint32Array;
}

function hasZero(point: Uint32Array): boolean {
  for (let i = 0; i < point.length; i += 4) if ((point[i]! | point[i + 1]! | point[i + 2]! | point[i + 3]!) === 0) return true;
  return false;
}

/** The layer as a generic sumcheck over eq and each tree's P₀, P₁, Q₀, Q₁ tables. */
function genericLayer(
  E: QuarticExtension,
  k: number,
  point: Uint32Array,
  children: ReadonlyArray<[Uint32Array, Uint32Array]>,
  lambda: Ext,
  claim: Ext,
  transcript: Transcript,
): LayerResult {
  const size = 1 << k;
  const tables: MleTable[] = [{ kind: 'ext', data: eqTable(E, point) }];
  for (const [cp, cq] of children) {
    const [p0, p1] = deinterleave(cp, size);
    const [q0, q1] = deinterleave(cq, size);
    tables.push({ kind: 'ext', data: p0 }, { kind: 'ext', data: p1 }, { kind: 'ext', data: q0 }, { kind: 'ext', data: q1 });
  }
  const res = proveSumcheckRounds(
    { numVars: k, tables, terms: fractionLayerTerms(E, lambda, children.length), claim, degree: FRACTION_DEGREE },
    transcript,
    { ext: E },
  );
  return { roundMessages: res.roundMessages, point: res.point, evals: res.finalEvals.slice(4) };
}

/**
 * The same sumcheck, with the eq factor split off (Gruen): with r the layer's point and
 * c_0 … c_{i−1} the challenges so far, round i's polynomial is
 *
 *     s_i(t) = pre_i · eq(r_i, t) · h_i(t),   pre_i = Π_{j<i} eq(r_j, c_j),
 *     h_i(t) = Σ_{x'} eq(r_{>i}, x') · Σ_trees λ^{2j} F_j(t, x')   (degree 2 in t),
 *
 * so the kernel evaluates only h_i(0) and h_i's leading coefficient, over eq tables of the
 * remaining variables (never folded), and h_i(1) follows from the running claim
 * s_i(0) + s_i(1). Needs every r_i ≠ 0 (the caller falls back to {@link genericLayer}
 * otherwise, which happens with probability ≈ k/|E|). The messages are the same
 * polynomials as the generic prover's, so proofs are byte-identical.
 */
function fastLayer(
  E: QuarticExtension,
  k: number,
  point: Uint32Array,
  children: ReadonlyArray<[Uint32Array, Uint32Array]>,
  lambda: Ext,
  claim: Ext,
  transcript: Transcript,
  parents?: ReadonlyArray<[Uint32Array, Uint32Array]>,
): LayerResult {
  const F = E.base;
  const p = F.p, invP = F.invP, w = E.w;
  const T = children.length;
  absorbSumcheckHeader(transcript, k, FRACTION_DEGREE, claim);
  if (k === 0) {
    const evals = new Uint32Array(16 * T);
    children.forEach(([cp, cq], j) => {
      evals.set(cp.subarray(0, 8), 16 * j);
      evals.set(cq.subarray(0, 8), 16 * j + 8);
    });
    return { roundMessages: [], point: new Uint32Array(0), evals };
  }
  // Trees built in a wasm arena run their kernels there (SIMD), with their eq tables and
  // fold buffers in the same arena; the others (and any tree whose arena is full) in JS.
  // Both produce the same canonical values.
  const marks = new Map<FractionArena, number>();
  const eqsIn = new Map<FractionArena, Uint32Array[] | null>();
  const eqWords = 4 * ((1 << k) - 1);
  /** Views of eq tables of every round in one block of `arena` (not yet filled), or null if it is full. */
  const eqBlock = (arena: FractionArena): Uint32Array[] | null => {
    if (!marks.has(arena)) marks.set(arena, arena.mark());
    const block = arena.tryAlloc(eqWords);
    if (!block) return null;
    const views: Uint32Array[] = new Array(k);
    for (let i = k - 1, at = 0; i >= 0; i--) {
      const len = 4 << (k - 1 - i);
      views[i] = block.subarray(at, at + len);
      at += len;
    }
    return views;
  };
  const arenaOf = children.map(([cp, cq]) => {
    const a = fractionArenaOf(cp);
    return simdKernels.enabled && a && a === fractionArenaOf(cq) ? a : undefined;
  });
  // eqs[i] = eq(r_{i+1..k−1}, ·): the weights of round i's pairs.
  // Built from the top variable down, each table one expansion of the next.
  let eqs: Uint32Array[] | null = null;
  const first = arenaOf.find((a) => a !== undefined);
  if (first) {
    eqs = eqBlock(first);
    eqsIn.set(first, eqs);
    if (eqs) {
      eqs[k - 1]!.set(E.one());
      for (let i = k - 2; i >= 0; i--) {
        eqs[i]!.set(eqs[i + 1]!);
        first.expandEq(eqs[i]!, 1 << (k - 2 - i), point.subarray(4 * (i + 1), 4 * (i + 2)));
      }
    }
  }
  if (!eqs) {
    eqs = new Array(k);
    eqs[k - 1] = toShared(E.one());
    for (let i = k - 2; i >= 0; i--) {
      const size = 1 << (k - 2 - i);
      const v = sharedU32(8 * size);
      v.set(eqs[i + 1]!);
      expandEqTable(v, size, point.subarray(4 * (i + 1), 4 * (i + 2)), p, invP, w);
      eqs[i] = v;
    }
  }
  const master = eqs;
  /** The eq tables in `arena` (copied there once), or null when it has no room. */
  const eqsOf = (arena: FractionArena): Uint32Array[] | null => {
    if (!eqsIn.has(arena)) {
      const views = eqBlock(arena);
      if (views) views.forEach((v, i) => v.set(master[i]!));
      eqsIn.set(arena, views);
    }
    return eqsIn.get(arena)!;
  };
  const half0 = 1 << (k - 1);
  /** Per tree: its arena, eq tables and two sets of fold buffers there; null for JS trees. */
  const simd = children.map((_, j) => {
    const arena = arenaOf[j];
    if (!arena) return null;
    const teqs = eqsOf(arena);
    const a = arena.tryAlloc(16 * half0);
    const b = a && arena.tryAlloc(4 * Math.max(4, 2 * half0));
    if (!teqs || !b) return null;
    const views = (block: Uint32Array, len: number) => [0, 1, 2, 3].map((m) => block.subarray(m * len, (m + 1) * len));
    const up = parents?.[j];
    const inArena = up && fractionArenaOf(up[0]) === arena && fractionArenaOf(up[1]) === arena;
    return { arena, eqs: teqs, scratch: [views(a!, 4 * half0), views(b, Math.max(4, 2 * half0))], parents: inArena ? up : undefined, baseP: baseNumerators.has(children[j]![0]) };
  });
  try {
    return fastRounds(E, k, point, children, lambda, claim, transcript, eqs, simd);
  } finally {
    for (const [arena, mark] of marks) arena.release(mark);
  }
}

/** Tree j's SIMD resources for one layer (see {@link fastLayer}). */
interface SimdTree {
  readonly arena: FractionArena;
  readonly eqs: Uint32Array[];
  /** Two sets of four fold buffers (rounds alternate between them). */
  readonly scratch: Uint32Array[][];
  /** The layer the children build (round 0 reads its value at 0 there), when in the same arena. */
  readonly parents: readonly [Uint32Array, Uint32Array] | undefined;
  /** The children are leaves with base-field numerators (round 0 and its fold use that). */
  readonly baseP: boolean;
}

/** The rounds of {@link fastLayer}, given the eq tables of every round. */
function fastRounds(
  E: QuarticExtension,
  k: number,
  point: Uint32Array,
  children: ReadonlyArray<[Uint32Array, Uint32Array]>,
  lambda: Ext,
  claim: Ext,
  transcript: Transcript,
  eqs: Uint32Array[],
  simd: ReadonlyArray<SimdTree | null>,
): LayerResult {
  const F = E.base;
  const p = F.p, invP = F.invP, w = E.w;
  const T = children.length;
  // λ^{2j} per tree.
  const lam2 = E.mul(lambda, lambda);
  const weights: Ext[] = [E.one()];
  for (let j = 1; j < T; j++) weights.push(E.mul(weights[j - 1]!, lam2));
  // Round 0 reads the child layers in place (interleaved siblings); the first fold writes
  // four plain tables per tree.
  const tabs: Uint32Array[][] = children.map(([cp, cq]) => [cp, cp, cq, cq]);
  let o1 = 1, stride = 4, gap = 2;
  const acc = sharedF64(8 * proverThreads());
  const lam = toShared(lambda);
  const scratch: Uint32Array[][][] = [];
  let sums = new Uint32Array(8);
  const fresh = sums;
  // SIMD trees fold each round and sum the next in one pass: their sums arrive a round early.
  const ahead = simd.map((st) => (st ? new Uint32Array(8) : null));
  const roundMessages: Uint32Array[] = [];
  const rho = new Uint32Array(4 * k);
  let pre: Ext = E.one();
  let running: Ext = claim.slice();
  const H0 = new Uint32Array(4), HL = new Uint32Array(4), t4 = new Uint32Array(4);
  for (let i = 0; i < k; i++) {
    const half = 1 << (k - 1 - i);
    H0.fill(0);
    HL.fill(0);
    if (i === 0) {
      // Round 0 of every SIMD tree at once (small ones side by side on the threads).
      const calls: SumCall[] = [];
      simd.forEach((st, j) => {
        const [P0, P1, Q0, Q1] = tabs[j]!;
        if (st) calls.push(st.arena.roundSumsCall(P0!, P1!, Q0!, Q1!, o1, stride, gap, half, st.eqs[0]!, lam, ahead[j]!, undefined, st.parents, st.baseP && st.parents !== undefined));
      });
      runSumCalls(calls);
    }
    for (let j = 0; j < T; j++) {
      const [P0, P1, Q0, Q1] = tabs[j]!;
      const st = simd[j];
      sums = fresh;
      if (st) sums = ahead[j]!;
      else {
        const used = parallelFor(
          FRACTION_KERNELS,
          'fractionRoundSums',
          half,
          MIN_RANGE,
          (slot, a, b) => [P0!, P1!, Q0!, Q1!, 0, o1, stride, gap, eqs[i]!, lam, acc.subarray(8 * slot, 8 * slot + 8), p, invP, w, a, b],
          (x) => fractionRoundSums(...(x as Parameters<typeof fractionRoundSums>)),
        );
        // Each slot's sums are canonical: add them up (< 2^36) and reduce once.
        for (let l = 0; l < 8; l++) {
          let v = 0;
          for (let slot = 0; slot < used; slot++) v += acc[8 * slot + l]!;
          sums[l] = F.reduce(v);
        }
      }
      const lw = weights[j]!;
      E.mulAt(t4, 0, sums, 0, lw, 0);
      E.addAt(H0, 0, H0, 0, t4, 0);
      E.mulAt(t4, 0, sums, 4, lw, 0);
      E.addAt(HL, 0, HL, 0, t4, 0);
    }
    const r = point.subarray(4 * i, 4 * i + 4);
    const oneMinusR = E.sub(E.one(), r);
    const slope = E.sub(r, oneMinusR); // eq(r, t) = (1 − r) + t·(2r − 1)
    const eqAt = (t: Ext): Ext => E.add(oneMinusR, E.mul(t, slope));
    let msg: Uint32Array;
    let h: (t: Ext) => Ext;
    if (E.isZero(pre)) {
      // Every later round polynomial is 0: so is the running claim.
      msg = new Uint32Array(12);
      h = () => E.zero();
    } else {
      // running = pre·[(1 − r)·h(0) + r·h(1)]  ⇒  h(1); then h(t) = h(0) + c₁t + HL·t².
      const h1 = E.mul(E.sub(E.mul(running, E.inv(pre)), E.mul(oneMinusR, H0)), E.inv(r));
      const c1 = E.sub(E.sub(h1, H0), HL);
      const h0 = H0.slice(), hl = HL.slice();
      h = (t: Ext) => E.add(h0, E.mul(t, E.add(c1, E.mul(t, hl))));
      const s = (t: Ext) => E.mul(pre, E.mul(eqAt(t), h(t)));
      msg = new Uint32Array(12);
      msg.set(s(E.zero()), 0);
      msg.set(s(E.fromBase(2)), 4);
      msg.set(s(E.fromBase(3)), 8);
    }
    roundMessages.push(msg);
    transcript.absorbExt(SUMCHECK_ROUND_LABEL, msg);
    const c = toShared(transcript.challengeExt(SUMCHECK_CHALLENGE_LABEL));
    rho.set(c, 4 * i);
    const eqc = eqAt(c);
    running = E.mul(pre, E.mul(eqc, h(c)));
    pre = E.mul(pre, eqc);
    // Fold every table with c out of place (ranges of an in-place fold would overlap
    // across threads), alternating between two scratch buffers per table: round 1 writes
    // `half` entries into A, round 2 half as many into B, round 3 into A again (A was read
    // completely in round 2), … — two allocations per table per layer instead of one per
    // round. Round 0 reads the interleaved children: P₀/Q₀ are the even siblings (offset 0),
    // P₁/Q₁ the odd ones (offset 1).
    if (i === 0) for (let j = 0; j < T; j++) scratch.push(simd[j]?.scratch ?? [sharedU32Views(4, 4 * half), sharedU32Views(4, Math.max(4, 2 * half))]);
    const folds: SumCall[] = [];
    for (let j = 0; j < T; j++) {
      const t = tabs[j]!;
      const buffers = scratch[j]![i & 1]!;
      const st = simd[j];
      if (st) {
        // All four tables in one pass (round 0: one read of each interleaved child), and
        // the next round's sums from the folded values while they are at hand.
        const dst = buffers.map((b) => b.subarray(0, 4 * half));
        const bases = stride === 4 ? [0, 1, 0, 1] : [0, 0, 0, 0];
        if (i + 1 < k) folds.push(st.arena.foldRoundCall(t, bases, stride, gap, dst, half >>> 1, c, st.eqs[i + 1]!, lam, ahead[j]!, undefined, i === 0 && st.baseP));
        else st.arena.fold(t, bases, stride, gap, dst, half, c);
        for (let m = 0; m < 4; m++) t[m] = dst[m]!;
        continue;
      }
      for (let m = 0; m < 4; m++) {
        const src = t[m]!;
        const dst = buffers[m]!.subarray(0, 4 * half);
        const base = stride === 4 ? m & 1 : 0;
        parallelFor(FRACTION_KERNELS, 'foldFractionTable', half, MIN_RANGE, (_, a, b) => [src, base, stride, gap, dst, c, p, invP, w, a, b], (x) =>
          foldFractionTable(...(x as Parameters<typeof foldFractionTable>)),
        );
        t[m] = dst;
      }
    }
    runSumCalls(folds);
    o1 = 0;
    stride = 2;
    gap = 1;
  }
  const evals = new Uint32Array(16 * T);
  tabs.forEach((t, j) => t.forEach((tab, m) => evals.set(tab.subarray(0, 4), 16 * j + 4 * m)));
  return { roundMessages, point: rho, evals };
}

/**
 * Proves a batch of fraction trees (each given by {@link buildFractionLayers}), following
 * `verifyFractionTrees` exactly. The caller must have absorbed the roots already.
 */
export function proveFractionTrees(
  E: QuarticExtension,
  trees: ReadonlyArray<Array<[Uint32Array, Uint32Array]>>,
  transcript: Transcript,
  kernel: FractionKernel = 'auto',
): { proof: FractionBatchProof; leaves: FractionLeafClaim[] } {
  const depths = trees.map((l) => l.length - 1);
  const maxDepth = checkFractionDepths(depths);
  const T = trees.length;
  absorbFractionDepths(transcript, depths);
  const roots = new Uint32Array(8 * T);
  const a: Ext[] = [];
  const b: Ext[] = [];
  const leaves: FractionLeafClaim[] = new Array(T);
  trees.forEach((layers, i) => {
    roots.set(layers[0]![0].subarray(0, 4), 8 * i);
    roots.set(layers[0]![1].subarray(0, 4), 8 * i + 4);
    a.push(roots.slice(8 * i, 8 * i + 4));
    b.push(roots.slice(8 * i + 4, 8 * i + 8));
    if (depths[i] === 0) leaves[i] = { point: new Uint32Array(0), p: a[i]!, q: b[i]! };
  });
  const out: FractionLayerProof[] = [];
  let point = new Uint32Array(0);
  for (let k = 0; k < maxDepth; k++) {
    const active: number[] = [];
    for (let i = 0; i < T; i++) if (depths[i]! > k) active.push(i);
    const lambda = transcript.challengeExt('fraction/lambda');
    const claim = fractionBatchClaim(E, lambda, active.map((i) => ({ a: a[i]!, b: b[i]! })));
    const children = active.map((i) => trees[i]![k + 1]!);
    const parents = active.map((i) => trees[i]![k]!);
    const res = kernel === 'generic' || hasZero(point) ? genericLayer(E, k, point, children, lambda, claim, transcript) : fastLayer(E, k, point, children, lambda, claim, transcript, parents);
    const ev = res.evals;
    transcript.absorbExt('fraction/evals', ev);
    out.push({ roundMessages: res.roundMessages, evals: ev });
    const mu = transcript.challengeExt('fraction/mu');
    const next = new Uint32Array(4 * (k + 1));
    next.set(mu, 0);
    next.set(res.point, 4);
    point = next;
    active.forEach((i, j) => {
      const o = 16 * j;
      const P0 = ev.subarray(o, o + 4);
      const P1 = ev.subarray(o + 4, o + 8);
      const Q0 = ev.subarray(o + 8, o + 12);
      const Q1 = ev.subarray(o + 12, o + 16);
      a[i] = E.add(P0, E.mul(mu, E.sub(P1, P0)));
      b[i] = E.add(Q0, E.mul(mu, E.sub(Q1, Q0)));
      if (depths[i] === k + 1) leaves[i] = { point, p: a[i]!, q: b[i]! };
    });
  }
  return { proof: { roots, layers: out }, leaves };
}

/** One tree: {@link proveFractionTrees} with a batch of one. */
export function proveFractionTree(
  E: QuarticExtension,
  layers: Array<[Uint32Array, Uint32Array]>,
  transcript: Transcript,
): { proof: FractionTreeProof; leaf: FractionLeafClaim } {
  const { proof, leaves } = proveFractionTrees(E, [layers], transcript);
  return { proof: { root: proof.roots, layers: proof.layers }, leaf: leaves[0]! };
}
