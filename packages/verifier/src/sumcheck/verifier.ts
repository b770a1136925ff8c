/**
 * Sumcheck verifier for sums of products of multilinear polynomials.
 *
 * Statement: Σ_{x ∈ {0,1}^n} Σ_t c_t · Π_{k ∈ S_t} f_k(x) = claim, degree d ≤ 4 per variable.
 *
 * Transcript schedule (the prover in `@zkllm/core` follows it exactly):
 *   1. `absorbSumcheckTerms`: numTables, the number of terms, each term's factor list and
 *      coefficient (only in the full protocol, {@link verifySumcheck});
 *   2. numVars, degree, claim;
 *   3. per round: the d sent values s_i(0), s_i(2..d), then the challenge r_i is drawn;
 *   4. the final values f_k(r) (full protocol only), so later challenges depend on them.
 *
 * ⚠ WHAT THIS DOES NOT CHECK ⚠
 * {@link verifySumcheck} accepts the prover's final values f_k(r) after checking that they
 * are *consistent with the sum*. It does NOT know the tables: the caller MUST check every
 * returned `finalEvals[k]` against the committed / claimed polynomial f_k at `point`
 * (a PCS opening, the next GKR layer's claim, a public table evaluated by the verifier…).
 * Skipping that check makes the whole argument unsound — a prover can pick any final
 * values that satisfy the final equation.
 */
import { BabyBearExt4 } from '../field/babybear.js';
import type { Ext, QuarticExtension } from '../field/extension.js';
import type { Transcript } from '../transcript/transcript.js';
import { interpolateAt } from '../poly/univariate.js';
import {
  checkSumcheckShape,
  MAX_SUMCHECK_DEGREE,
  SumcheckError,
  type SumcheckProof,
  type SumcheckTerm,
} from './proof.js';

export interface SumcheckStatement {
  /** Number of variables n (tables have 2^n entries). */
  readonly numVars: number;
  /** Number of tables f_k; every factor index is < numTables. */
  readonly numTables: number;
  readonly terms: readonly SumcheckTerm[];
  /** The claimed sum (ext element). */
  readonly claim: Ext;
  /** Degree per variable; defaults to {@link sumcheckDegree}(terms). May exceed it, ≤ 4. */
  readonly degree?: number;
}

export interface SumcheckRoundsResult {
  /** The challenges r_0 … r_{n−1} as an ext vector (length 4n). */
  readonly point: Uint32Array;
  /** The claim that remains: Σ_t c_t Π f_k(point) must equal it. */
  readonly finalClaim: Ext;
}

export interface SumcheckResult {
  /** The challenges r_0 … r_{n−1} as an ext vector (length 4n). */
  readonly point: Uint32Array;
  /**
   * The prover's claimed f_k(point) for every table (ext vector, 4·numTables).
   * UNCHECKED against the tables — the caller must verify each one.
   */
  readonly finalEvals: Uint32Array;
}

/** Degree of the round polynomials: max(1, max_t |S_t|). */
export function sumcheckDegree(terms: readonly SumcheckTerm[]): number {
  let d = 1;
  for (const t of terms) d = Math.max(d, t.factors.length);
  return d;
}

function isCanonicalExt(E: QuarticExtension, a: Uint32Array, len: number): boolean {
  return a instanceof Uint32Array && a.length === len && E.isCanonical(a);
}

/**
 * Validates a statement and returns its degree. Throws {@link SumcheckError} on
 * degree > 4, bad indices, non-canonical coefficients or claim.
 */
export function checkSumcheckStatement(st: SumcheckStatement, E: QuarticExtension = BabyBearExt4): number {
  const need = sumcheckDegree(st.terms);
  if (need > MAX_SUMCHECK_DEGREE) {
    throw new SumcheckError(`a term has ${need} factors: degree > ${MAX_SUMCHECK_DEGREE} is not supported`);
  }
  const degree = st.degree ?? need;
  checkSumcheckShape(st.numVars, degree, st.numTables);
  if (degree < need) throw new SumcheckError(`stated degree ${degree} below the terms' degree ${need}`);
  if (st.terms.length === 0) throw new SumcheckError('statement has no terms');
  for (let j = 0; j < st.terms.length; j++) {
    const t = st.terms[j]!;
    if (!isCanonicalExt(E, t.coeff, 4)) throw new SumcheckError(`term ${j}: coefficient is not a canonical ext element`);
    for (const k of t.factors) {
      if (!Number.isInteger(k) || k < 0 || k >= st.numTables) {
        throw new SumcheckError(`term ${j}: factor index ${k} out of range [0, ${st.numTables})`);
      }
    }
  }
  if (!isCanonicalExt(E, st.claim, 4)) throw new SumcheckError('claim is not a canonical ext element');
  return degree;
}

/** Absorbs the statement's table count and terms (step 1 of the schedule). */
export function absorbSumcheckTerms(transcript: Transcript, numTables: number, terms: readonly SumcheckTerm[]): void {
  transcript.absorbU32('sumcheck/tables', numTables);
  transcript.absorbU32('sumcheck/terms', terms.length);
  for (const t of terms) {
    transcript.absorbFields('sumcheck/factors', Uint32Array.from(t.factors));
    transcript.absorbExt('sumcheck/coeff', t.coeff);
  }
}

/** Absorbs numVars, degree and claim (step 2 of the schedule). */
export function absorbSumcheckHeader(transcript: Transcript, numVars: number, degree: number, claim: Ext): void {
  transcript.absorbU32('sumcheck/vars', numVars);
  transcript.absorbU32('sumcheck/degree', degree);
  transcript.absorbExt('sumcheck/claim', claim);
}

/** Label of a round message and of a round challenge (shared with the prover). */
export const SUMCHECK_ROUND_LABEL = 'sumcheck/round';
export const SUMCHECK_CHALLENGE_LABEL = 'sumcheck/r';
export const SUMCHECK_FINAL_LABEL = 'sumcheck/final';

/**
 * Expands a round message [s(0), s(2), …, s(d)] into [s(0), s(1), …, s(d)] using
 * s(1) = claim − s(0). `out` is an ext vector of d+1 elements.
 */
export function expandRoundMessage(E: QuarticExtension, msg: Uint32Array, claim: Ext, out: Uint32Array): Uint32Array {
  out.set(msg.subarray(0, 4), 0);
  E.subAt(out, 4, claim, 0, msg, 0);
  out.set(msg.subarray(4), 8);
  return out;
}

/**
 * Round-only verifier, for protocols that check the final claim themselves.
 * Absorbs numVars, degree, claim, then each round message before its challenge.
 * Returns the challenge point and the claim left after the last round; the caller must
 * check that claim (e.g. against evaluations it can compute or obtain from a PCS).
 */
export function verifySumcheckRounds(
  transcript: Transcript,
  numVars: number,
  degree: number,
  claim: Ext,
  roundMessages: readonly Uint32Array[],
  E: QuarticExtension = BabyBearExt4,
): SumcheckRoundsResult {
  checkSumcheckShape(numVars, degree, 0);
  if (!isCanonicalExt(E, claim, 4)) throw new SumcheckError('claim is not a canonical ext element');
  if (roundMessages.length !== numVars) {
    throw new SumcheckError(`expected ${numVars} round messages, got ${roundMessages.length}`);
  }
  absorbSumcheckHeader(transcript, numVars, degree, claim);
  const point = new Uint32Array(4 * numVars);
  const evals = new Uint32Array(4 * (degree + 1));
  let cur: Ext = claim.slice();
  for (let i = 0; i < numVars; i++) {
    const msg = roundMessages[i]!;
    if (!isCanonicalExt(E, msg, 4 * degree)) {
      throw new SumcheckError(`round ${i}: message must be ${degree} canonical ext elements`);
    }
    transcript.absorbExt(SUMCHECK_ROUND_LABEL, msg);
    const r = transcript.challengeExt(SUMCHECK_CHALLENGE_LABEL);
    point.set(r, 4 * i);
    expandRoundMessage(E, msg, cur, evals);
    cur = interpolateAt(E, evals, r);
  }
  return { point, finalClaim: cur };
}

/** Σ_t c_t · Π_{k ∈ S_t} values[k] for an ext vector of per-table values. */
export function evalSumcheckTerms(E: QuarticExtension, terms: readonly SumcheckTerm[], values: Uint32Array): Ext {
  const acc = new Uint32Array(4);
  const prod = new Uint32Array(4);
  for (const t of terms) {
    prod.set(t.coeff.subarray(0, 4));
    for (const k of t.factors) E.mulAt(prod, 0, prod, 0, values, 4 * k);
    E.addAt(acc, 0, acc, 0, prod, 0);
  }
  return acc;
}

/**
 * Full sumcheck verifier. Checks every round, then that Σ_t c_t Π_k finalEvals[k] equals
 * the last round's claim, and absorbs the final values.
 *
 * ⚠ Returns `finalEvals` UNCHECKED against the tables: the caller MUST verify that
 * finalEvals[k] = f_k(point) for every k (PCS opening, next layer's claim, or direct
 * evaluation of a public table). See the module comment.
 */
export function verifySumcheck(
  statement: SumcheckStatement,
  proof: SumcheckProof,
  transcript: Transcript,
  E: QuarticExtension = BabyBearExt4,
): SumcheckResult {
  const degree = checkSumcheckStatement(statement, E);
  const { numVars, numTables } = statement;
  if (!isCanonicalExt(E, proof.finalEvals, 4 * numTables)) {
    throw new SumcheckError(`final values must be ${numTables} canonical ext elements`);
  }
  absorbSumcheckTerms(transcript, numTables, statement.terms);
  const { point, finalClaim } = verifySumcheckRounds(
    transcript,
    numVars,
    degree,
    statement.claim,
    proof.roundMessages,
    E,
  );
  transcript.absorbExt(SUMCHECK_FINAL_LABEL, proof.finalEvals);
  const expected = evalSumcheckTerms(E, statement.terms, proof.finalEvals);
  if (!E.equals(expected, finalClaim)) {
    throw new SumcheckError(
      numVars === 0
        ? 'claimed sum does not match the final values (0 variables)'
        : 'final check failed: Σ c_t Π f_k(r) differs from the last round claim',
    );
  }
  return { point, finalEvals: proof.finalEvals.slice() };
}
