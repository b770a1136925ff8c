/**
 * Verifier of fraction trees ("fractional sumcheck", the GKR form of logUp), one tree or a
 * batch of trees proven together.
 *
 * Leaves are fractions p_i/q_i, i < 2^n. Node x of layer k (2^k nodes) adds its children
 * 2x and 2x+1 of layer k+1:  p = p₀q₁ + p₁q₀,  q = q₀q₁.  The roots (P, Q) are sent (and
 * bound into the transcript by the caller); then, from the roots down, the claims
 * (p̃_k(r), q̃_k(r)) = (a_j, b_j) of every tree j with more than k layers are reduced to
 * layer k+1 with ONE sumcheck over x ∈ {0,1}^k of
 *
 *     eq(r, x)·Σ_j λ^{2j}·[P₀ʲ(x)Q₁ʲ(x) + P₁ʲ(x)Q₀ʲ(x)] + λ^{2j+1}·Q₀ʲ(x)Q₁ʲ(x)  =  Σ_j λ^{2j}a_j + λ^{2j+1}b_j
 *
 * (P₀ʲ(x) = p_{k+1}[2x] of tree j etc.; j runs over the participating trees in order).
 * Trees are aligned by their root, so at layer k every participating tree has exactly k
 * variables, they all share the point r, the sumcheck challenges ρ and μ: a tree of depth d
 * takes part in layers 0 … d−1 and its leaf claim lives at the shared point of layer d.
 *
 * After the rounds only P₀ʲ(ρ), P₁ʲ(ρ), Q₀ʲ(ρ), Q₁ʲ(ρ) are sent for each participating
 * tree (eq(r, ρ) is computed by the verifier, never sent) and absorbed before μ is drawn;
 * the verifier checks that eq(r, ρ)·Σ_j (terms of tree j) equals the last round claim.
 * A random μ then merges each tree's two children claims into one claim at (μ, ρ) — μ is
 * the sibling bit, variable 0 of layer k+1:  a_j = P₀ʲ + μ(P₁ʲ − P₀ʲ), b_j = Q₀ʲ + μ(Q₁ʲ − Q₀ʲ).
 *
 * Soundness: if some tree's claim (a_j, b_j) is false, the λ-combined claim is false except
 * with probability ≤ (2J−1)/|F⁴| over λ (a nonzero polynomial of degree < 2J in λ, J trees);
 * the sumcheck then fails except with probability ≤ 3k/|F⁴|; and two different
 * (P₀, P₁) or (Q₀, Q₁) pairs agree on the μ-line at ≤ 1 point. The P/Q values are absorbed
 * before μ, so μ cannot be anticipated. No inverse is ever committed: the leaf claims are
 * all that remains for the caller to check (against the leaves it knows or can open).
 */
import type { Ext, QuarticExtension } from '../field/extension.js';
import { eqEval } from '../poly/multilinear.js';
import type { SumcheckTerm } from '../sumcheck/proof.js';
import { verifySumcheckRounds } from '../sumcheck/verifier.js';
import type { Transcript } from '../transcript/transcript.js';
import { LookupError } from './errors.js';

/** Round polynomials of a fraction layer have degree 3 (eq · P · Q). */
export const FRACTION_DEGREE = 3;

/** One layer of a (batched) fraction-tree proof. */
export interface FractionLayerProof {
  /** k round messages of {@link FRACTION_DEGREE} ext elements each. */
  readonly roundMessages: readonly Uint32Array[];
  /** For each participating tree in order: P₀, P₁, Q₀, Q₁ at the round point (ext vector, 16 per tree). */
  readonly evals: Uint32Array;
}

export interface FractionTreeProof {
  /** Root numerator and denominator: an ext vector of 2 elements (P, Q). */
  readonly root: Uint32Array;
  /** Layer k (k = 0 … n−1) is a sumcheck over k variables. */
  readonly layers: readonly FractionLayerProof[];
}

export interface FractionBatchProof {
  /** For each tree in order, its root (P, Q): an ext vector of 2 elements per tree. */
  readonly roots: Uint32Array;
  /** Layer k (k = 0 … max depth − 1), shared by every tree of depth > k. */
  readonly layers: readonly FractionLayerProof[];
}

export interface FractionLeafClaim {
  /** Point of dimension n (ext vector 4n). */
  readonly point: Uint32Array;
  /** Claimed p̃_leaves(point). */
  readonly p: Ext;
  /** Claimed q̃_leaves(point). */
  readonly q: Ext;
}

/** Largest number of trees in one batch (a decoder bound). */
export const MAX_FRACTION_TREES = 1 << 12;

/**
 * Sumcheck terms of one layer for `count` participating trees, over the tables
 * eq, then P₀, P₁, Q₀, Q₁ of each tree (table 1 + 4j + {0,1,2,3}).
 */
export function fractionLayerTerms(E: QuarticExtension, lambda: Ext, count = 1): SumcheckTerm[] {
  const terms: SumcheckTerm[] = [];
  let pow = E.one();
  for (let j = 0; j < count; j++) {
    const b = 1 + 4 * j;
    const next = E.mul(pow, lambda);
    terms.push({ coeff: pow, factors: [0, b, b + 3] });
    terms.push({ coeff: pow, factors: [0, b + 1, b + 2] });
    terms.push({ coeff: next, factors: [0, b + 2, b + 3] });
    pow = E.mul(next, lambda);
  }
  return terms;
}

/** Σ_j λ^{2j}·a_j + λ^{2j+1}·b_j (shared by prover and verifier). */
export function fractionBatchClaim(E: QuarticExtension, lambda: Ext, claims: ReadonlyArray<{ a: Ext; b: Ext }>): Ext {
  const acc = E.zero();
  for (let j = claims.length - 1; j >= 0; j--) {
    E.mulAt(acc, 0, acc, 0, lambda, 0);
    E.addAt(acc, 0, acc, 0, claims[j]!.b, 0);
    E.mulAt(acc, 0, acc, 0, lambda, 0);
    E.addAt(acc, 0, acc, 0, claims[j]!.a, 0);
  }
  return acc;
}

/** Binds the batch shape (tree depths) before the first λ (shared by prover and verifier). */
export function absorbFractionDepths(transcript: Transcript, depths: readonly number[]): void {
  transcript.absorbU32('fraction/trees', depths.length);
  transcript.absorbFields('fraction/depths', Uint32Array.from(depths));
}

export function checkFractionDepths(depths: readonly number[]): number {
  if (depths.length === 0 || depths.length > MAX_FRACTION_TREES) throw new LookupError(`fraction batch of ${depths.length} trees`);
  let max = 0;
  for (const d of depths) {
    if (!Number.isInteger(d) || d < 0 || d > 40) throw new LookupError(`fraction tree: bad depth ${d}`);
    max = Math.max(max, d);
  }
  return max;
}

/** Number of trees of depth > k. */
export function fractionLayerWidth(depths: readonly number[], k: number): number {
  let c = 0;
  for (const d of depths) if (d > k) c++;
  return c;
}

/**
 * Verifies a batch of fraction trees of the given depths. The caller MUST have bound the
 * roots into the transcript (and checked whatever it needs about them) before calling, and
 * MUST check every returned leaf claim.
 */
export function verifyFractionTrees(
  E: QuarticExtension,
  depths: readonly number[],
  proof: FractionBatchProof,
  transcript: Transcript,
): FractionLeafClaim[] {
  const maxDepth = checkFractionDepths(depths);
  const T = depths.length;
  if (!(proof.roots instanceof Uint32Array) || proof.roots.length !== 8 * T || !E.isCanonical(proof.roots)) {
    throw new LookupError(`fraction batch: roots must be ${2 * T} canonical ext elements`);
  }
  if (proof.layers.length !== maxDepth) throw new LookupError(`fraction batch: ${proof.layers.length} layers for depth ${maxDepth}`);
  absorbFractionDepths(transcript, depths);
  const a: Ext[] = [];
  const b: Ext[] = [];
  const leaves: FractionLeafClaim[] = new Array(T);
  for (let i = 0; i < T; i++) {
    a.push(proof.roots.slice(8 * i, 8 * i + 4));
    b.push(proof.roots.slice(8 * i + 4, 8 * i + 8));
    if (depths[i] === 0) leaves[i] = { point: new Uint32Array(0), p: a[i]!, q: b[i]! };
  }
  let point = new Uint32Array(0);
  const t = new Uint32Array(4);
  for (let k = 0; k < maxDepth; k++) {
    const layer = proof.layers[k]!;
    const active: number[] = [];
    for (let i = 0; i < T; i++) if (depths[i]! > k) active.push(i);
    const ev = layer.evals;
    if (!(ev instanceof Uint32Array) || ev.length !== 16 * active.length || !E.isCanonical(ev)) {
      throw new LookupError(`fraction layer ${k}: values must be ${4 * active.length} canonical ext elements`);
    }
    const lambda = transcript.challengeExt('fraction/lambda');
    const claim = fractionBatchClaim(E, lambda, active.map((i) => ({ a: a[i]!, b: b[i]! })));
    let res;
    try {
      res = verifySumcheckRounds(transcript, k, FRACTION_DEGREE, claim, layer.roundMessages, E);
    } catch (e) {
      throw new LookupError(`fraction layer ${k}: ${(e as Error).message}`);
    }
    transcript.absorbExt('fraction/evals', ev);
    // Σ_j λ^{2j}(P₀Q₁ + P₁Q₀) + λ^{2j+1}Q₀Q₁, by Horner from the last tree.
    const acc = E.zero();
    for (let j = active.length - 1; j >= 0; j--) {
      const o = 16 * j;
      E.mulAt(acc, 0, acc, 0, lambda, 0);
      E.mulAt(t, 0, ev, o + 8, ev, o + 12);
      E.addAt(acc, 0, acc, 0, t, 0);
      E.mulAt(acc, 0, acc, 0, lambda, 0);
      E.mulAt(t, 0, ev, o, ev, o + 12);
      E.addAt(acc, 0, acc, 0, t, 0);
      E.mulAt(t, 0, ev, o + 4, ev, o + 8);
      E.addAt(acc, 0, acc, 0, t, 0);
    }
    if (!E.equals(E.mul(eqEval(E, point, res.point), acc), res.finalClaim)) {
      throw new LookupError(`fraction layer ${k}: final check failed (layer values do not match the last round claim)`);
    }
    const mu = transcript.challengeExt('fraction/mu');
    const next = new Uint32Array(4 * (k + 1));
    next.set(mu, 0);
    next.set(res.point, 4);
    point = next;
    active.forEach((i, j) => {
      const o = 16 * j;
      // a = P₀ + μ(P₁ − P₀), b = Q₀ + μ(Q₁ − Q₀)
      const na = new Uint32Array(4);
      E.subAt(t, 0, ev, o + 4, ev, o);
      E.mulAt(t, 0, t, 0, mu, 0);
      E.addAt(na, 0, ev, o, t, 0);
      const nb = new Uint32Array(4);
      E.subAt(t, 0, ev, o + 12, ev, o + 8);
      E.mulAt(t, 0, t, 0, mu, 0);
      E.addAt(nb, 0, ev, o + 8, t, 0);
      a[i] = na;
      b[i] = nb;
      if (depths[i] === k + 1) leaves[i] = { point, p: na, q: nb };
    });
  }
  return leaves;
}

/** One tree: {@link verifyFractionTrees} with a batch of one. */
export function verifyFractionTree(
  E: QuarticExtension,
  numVars: number,
  proof: FractionTreeProof,
  transcript: Transcript,
): FractionLeafClaim {
  if (proof.layers.length !== numVars) throw new LookupError(`fraction tree: ${proof.layers.length} layers for ${numVars} variables`);
  return verifyFractionTrees(E, [numVars], { roots: proof.root, layers: proof.layers }, transcript)[0]!;
}
