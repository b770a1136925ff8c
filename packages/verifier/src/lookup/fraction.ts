/**
 * Verifier of a fraction tree ("fractional sumcheck", the GKR form of logUp).
 *
 * Leaves are fractions p_i/q_i, i < 2^n. Node x of layer k (2^k nodes) adds its children
 * 2x and 2x+1 of layer k+1:  p = p₀q₁ + p₁q₀,  q = q₀q₁.  The root (P, Q) is sent; then,
 * from the root down, a claim (p̃_k(r), q̃_k(r)) = (a, b) is reduced to layer k+1 with one
 * sumcheck over x ∈ {0,1}^k of
 *
 *     eq(r, x)·[P₀(x)Q₁(x) + P₁(x)Q₀(x) + λ·Q₀(x)Q₁(x)]  =  a + λ·b
 *
 * (P₀(x) = p_{k+1}[2x] etc.), followed by a random μ that merges the two children claims
 * into one claim at (μ, ρ) — μ is the sibling bit, variable 0 of layer k+1. No inverse is
 * ever committed: the leaf claim is all that remains for the caller to check.
 */
import type { Ext, QuarticExtension } from '../field/extension.js';
import { eqEval } from '../poly/multilinear.js';
import type { SumcheckProof, SumcheckTerm } from '../sumcheck/proof.js';
import { verifySumcheck } from '../sumcheck/verifier.js';
import type { Transcript } from '../transcript/transcript.js';
import { LookupError } from './errors.js';

export interface FractionTreeProof {
  /** Root numerator and denominator: an ext vector of 2 elements (P, Q). */
  readonly root: Uint32Array;
  /** Layer k (k = 0 … n−1) is a sumcheck over k variables with 5 tables. */
  readonly layers: readonly SumcheckProof[];
}

export interface FractionLeafClaim {
  /** Point of dimension n (ext vector 4n). */
  readonly point: Uint32Array;
  /** Claimed p̃_leaves(point). */
  readonly p: Ext;
  /** Claimed q̃_leaves(point). */
  readonly q: Ext;
}

/** Table order in every layer sumcheck: eq, P₀, P₁, Q₀, Q₁. */
export const FRACTION_LAYER_TABLES = 5;

export function fractionLayerTerms(E: QuarticExtension, lambda: Ext): SumcheckTerm[] {
  return [
    { coeff: E.one(), factors: [0, 1, 4] },
    { coeff: E.one(), factors: [0, 2, 3] },
    { coeff: lambda, factors: [0, 3, 4] },
  ];
}

export function verifyFractionTree(
  E: QuarticExtension,
  numVars: number,
  proof: FractionTreeProof,
  transcript: Transcript,
): FractionLeafClaim {
  if (proof.layers.length !== numVars) throw new LookupError(`fraction tree: ${proof.layers.length} layers for ${numVars} variables`);
  let a = proof.root.slice(0, 4);
  let b = proof.root.slice(4, 8);
  let point = new Uint32Array(0);
  const t = new Uint32Array(4);
  for (let k = 0; k < numVars; k++) {
    const lambda = transcript.challengeExt('fraction/lambda');
    const claim = E.add(a, E.mul(lambda, b));
    const res = verifySumcheck(
      { numVars: k, numTables: FRACTION_LAYER_TABLES, terms: fractionLayerTerms(E, lambda), claim },
      proof.layers[k]!,
      transcript,
      E,
    );
    const ev = res.finalEvals;
    if (!E.equals(ev.subarray(0, 4), eqEval(E, point, res.point))) {
      throw new LookupError(`fraction tree layer ${k}: wrong eq evaluation`);
    }
    const mu = transcript.challengeExt('fraction/mu');
    // a = P₀ + μ(P₁ − P₀), b = Q₀ + μ(Q₁ − Q₀)
    E.subAt(t, 0, ev, 8, ev, 4);
    E.mulAt(t, 0, t, 0, mu, 0);
    a = new Uint32Array(4);
    E.addAt(a, 0, ev, 4, t, 0);
    E.subAt(t, 0, ev, 16, ev, 12);
    E.mulAt(t, 0, t, 0, mu, 0);
    b = new Uint32Array(4);
    E.addAt(b, 0, ev, 12, t, 0);
    const next = new Uint32Array(4 * (k + 1));
    next.set(mu, 0);
    next.set(res.point, 4);
    point = next;
  }
  return { point, p: a, q: b };
}
