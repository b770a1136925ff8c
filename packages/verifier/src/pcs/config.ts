/**
 * Parameters of the multilinear PCS (Basefold: FRI over Reed–Solomon codes interleaved
 * with a sumcheck) and the security level they give.
 *
 * See docs/SECURITY.md for the protocol and the derivation of every term below.
 */
import { BabyBear } from '../field/babybear.js';

export interface PcsParams {
  /** log2 of the inverse code rate: codewords are 2^logBlowup times longer than the message. */
  logBlowup: number;
  /**
   * Variables folded per committed layer. A Merkle leaf holds the 2^logFoldArity codeword
   * values that fold into one value of the next layer, so one opened leaf serves that many
   * folding rounds.
   */
  logFoldArity: number;
  /**
   * Variables folded per committed layer after the first (default: logFoldArity). Layers
   * after the first hold extension-field values (16 bytes each), so their opened leaves
   * dominate the proof; smaller leaves there cost a few more Merkle siblings but far fewer
   * opened values. Layer 0's leaves (and so the commitment root) do not depend on it.
   */
  logFoldArityFolded?: number;
  /** Number of FRI queries (each checks every layer). */
  queries: number;
  /** Proof-of-work bits ground before the query indices are drawn. */
  powBits: number;
  /**
   * Proof-of-work bits ground before each folding challenge (default 0). A cheating prover
   * can redraw a folding challenge by changing any message absorbed before it (the round
   * polynomial, a layer root); each redraw then costs 2^foldPowBits hashes, which lifts
   * the size-dependent folding term Σ n_i/|E| by foldPowBits bits (docs/SECURITY.md §3).
   */
  foldPowBits?: number;
  /** Folding stops when the polynomial has 2^finalLogSize coefficients; they are sent in clear. */
  finalLogSize: number;
}

/**
 * Default parameters: rate 1/4, 64 values per Merkle leaf of the committed layer (6
 * variables folded), 16 per leaf of the folded layers (4 variables), 45 queries, 14 bits of
 * grinding before the queries and 8 before every folding challenge, 64 final coefficients.
 *
 * For 2^20 committed values (see {@link pcsSecurityBits} and docs/SECURITY.md):
 * ≈ 103 bits conjectured (45·2 + 14 = 104 query bits, 101.6 + 8 bits folding term), ≈ 44
 * bits proven in the unique-decoding regime, ≈ 55 bits proven up to the Johnson bound.
 * The folding grinding keeps the conjectured level ≥ 100 bits up to 2^25 committed values
 * (folding term 123.6 − 27 + 8 = 104.6 bits at N = 2^27); without it the level fell below
 * 100 bits from 2^22 values on. It costs ~2^8 hashes per folding round (< 1 ms) and 4
 * bytes per round. 14 rather than 16 query-grinding bits plus one query: ~80 ms less
 * grinding per generation proof for ~1.5 KB more per opening.
 * Chosen by measurement at 2^20: rate 1/4 rather than 1/8 halves commit time (encoding +
 * hashing dominate) for ~15 more queries; 64-value leaves rather than 32 cut the Merkle
 * hashing of the commitment in half (≈ 15 % less commit time) for ≈ 10 % larger proofs;
 * 16-value leaves in the folded (extension-field) layers: 83 KB → 59 KB at 2^20.
 */
export const DEFAULT_PCS_PARAMS: Readonly<PcsParams> = Object.freeze({
  logBlowup: 2,
  logFoldArity: 6,
  logFoldArityFolded: 4,
  queries: 45,
  powBits: 14,
  foldPowBits: 8,
  finalLogSize: 6,
});

/**
 * Rate-1/2 parameters for vectors too large for {@link DEFAULT_PCS_PARAMS}: at rate 1/4 a
 * 2^26-element vector (stories15M's weights, long-context witnesses) needs a 2^28-point
 * codeword, one more doubling than BabyBear's 2-adicity (27) allows; at rate 1/2 it fits.
 * Each query then gives 1 conjectured bit instead of 2, so 88 queries and 16 grinding bits
 * give 88·1 + 16 = 104 query bits, the default's level. The folding term is
 * 123.6 − 27 + 8 = 104.6 bits at N = 2^27 with the default's 8 folding-grinding bits.
 * Everything else is the default's.
 */
export const LARGE_PCS_PARAMS: Readonly<PcsParams> = Object.freeze({
  ...DEFAULT_PCS_PARAMS,
  logBlowup: 1,
  queries: 88,
  powBits: 16,
});

/**
 * The parameters every commitment of a generation proof (weights, witness) and of the FHE
 * link's weight opening uses for a `numVars`-variable vector: {@link DEFAULT_PCS_PARAMS}
 * whenever its codeword fits BabyBear's 2-adic domain, else {@link LARGE_PCS_PARAMS}.
 * A pure function of numVars, which both sides know before any PCS message, so prover and
 * verifier agree without the proof format naming the parameters, and every vector that
 * fits at rate 1/4 is committed and opened exactly as before. Above 2^26 elements neither
 * rate fits; the rate-1/2 set is returned and {@link validatePcsParams} rejects it there.
 */
export function pcsParamsFor(numVars: number): Readonly<PcsParams> {
  return numVars + DEFAULT_PCS_PARAMS.logBlowup <= BabyBear.twoAdicity ? DEFAULT_PCS_PARAMS : LARGE_PCS_PARAMS;
}

/** Hard limits enforced on parameters (they also bound every count in a decoded proof). */
export const PCS_LIMITS = Object.freeze({
  maxLogBlowup: 8,
  maxLogFoldArity: 8,
  maxQueries: 256,
  maxPowBits: 30,
  /** Ground once per folding round, so kept small. */
  maxFoldPowBits: 16,
  maxFinalLogSize: 16,
  /** The codeword length 2^(numVars + logBlowup) needs a root of unity of that order. */
  maxLogCodeword: BabyBear.twoAdicity,
  /** Claims batched into one opening. */
  maxClaims: 1 << 16,
});

/** Raised for invalid parameters, malformed claims and every verification failure. */
export class PcsError extends Error {
  override name = 'PcsError';
}

function checkInt(x: unknown, lo: number, hi: number, what: string): void {
  if (typeof x !== 'number' || !Number.isInteger(x) || x < lo || x > hi) {
    throw new PcsError(`${what} = ${String(x)} must be an integer in [${lo}, ${hi}]`);
  }
}

/** Throws {@link PcsError} unless the parameters (and numVars, when given) are supported. */
export function validatePcsParams(params: PcsParams, numVars?: number): void {
  checkInt(params.logBlowup, 1, PCS_LIMITS.maxLogBlowup, 'logBlowup');
  checkInt(params.logFoldArity, 1, PCS_LIMITS.maxLogFoldArity, 'logFoldArity');
  checkInt(foldedArity(params), 1, PCS_LIMITS.maxLogFoldArity, 'logFoldArityFolded');
  checkInt(params.queries, 1, PCS_LIMITS.maxQueries, 'queries');
  checkInt(params.powBits, 0, PCS_LIMITS.maxPowBits, 'powBits');
  checkInt(foldPowBitsOf(params), 0, PCS_LIMITS.maxFoldPowBits, 'foldPowBits');
  checkInt(params.finalLogSize, 0, PCS_LIMITS.maxFinalLogSize, 'finalLogSize');
  if (numVars !== undefined) {
    checkInt(numVars, 0, PCS_LIMITS.maxLogCodeword - params.logBlowup, 'numVars');
  }
}

/** Proof-of-work bits before each folding challenge (0 when unset). */
export function foldPowBitsOf(params: PcsParams): number {
  return params.foldPowBits ?? 0;
}

/** Variables folded per committed layer after the first. */
export function foldedArity(params: PcsParams): number {
  return params.logFoldArityFolded ?? params.logFoldArity;
}

/**
 * How a polynomial in `numVars` variables is folded. Layer 0 is the committed codeword;
 * layer l has 2^logSizes[l] values and folds `arities[l]` variables (its Merkle leaves hold
 * 2^arities[l] values), starting with sumcheck round `starts[l]`. After the last layer the
 * polynomial has 2^finalVars coefficients, sent in clear.
 */
export interface FoldSchedule {
  numVars: number;
  /** Total folding (= sumcheck) rounds. */
  folds: number;
  finalVars: number;
  arities: number[];
  starts: number[];
  logSizes: number[];
  /** log2 of the final codeword length (finalVars + logBlowup). */
  finalLogSize: number;
}

/**
 * The folding schedule, a function of numVars and the parameters only (so the commitment's
 * leaf layout is fixed before any claim is known). Layer 0 folds logFoldArity variables,
 * later layers logFoldArityFolded, except the last, which folds the remainder. With numVars ≤ finalLogSize there is no
 * folding: one layer of single-value leaves checked directly against the final polynomial.
 */
export function foldSchedule(numVars: number, params: PcsParams): FoldSchedule {
  validatePcsParams(params, numVars);
  const finalVars = Math.min(params.finalLogSize, numVars);
  const folds = numVars - finalVars;
  const arities: number[] = [];
  const starts: number[] = [];
  const logSizes: number[] = [];
  let logSize = numVars + params.logBlowup;
  if (folds === 0) {
    arities.push(0);
    starts.push(0);
    logSizes.push(logSize);
  } else {
    for (let done = 0; done < folds; ) {
      const a = Math.min(done === 0 ? params.logFoldArity : foldedArity(params), folds - done);
      arities.push(a);
      starts.push(done);
      logSizes.push(logSize);
      done += a;
      logSize -= a;
    }
  }
  return { numVars, folds, finalVars, arities, starts, logSizes, finalLogSize: finalVars + params.logBlowup };
}

/** Security estimate of one parameter set; all figures in bits (−log2 of an error probability). */
export interface PcsSecurity {
  /** Overall, under the "up to capacity" list-decoding conjecture for RS codes (+ grinding). */
  conjecturedBits: number;
  /** Overall, proven, with the proximity parameter in the unique-decoding regime δ < (1−ρ)/2. */
  provenUniqueDecodingBits: number;
  /** Overall, proven, with δ up to the Johnson bound 1 − √ρ·(1 + 1/2m), best m. */
  provenJohnsonBits: number;
  /** The individual terms (bits); the totals are union bounds over them. */
  terms: {
    extensionFieldBits: number;
    batchingBits: number;
    sumcheckBits: number;
    foldingUniqueDecodingBits: number;
    foldingJohnsonBits: number;
    queryConjecturedBits: number;
    queryUniqueDecodingBits: number;
    queryJohnsonBits: number;
  };
}

const log2 = Math.log2;

/** Union bound in bits: −log2(Σ 2^−b_i). */
export function combineBits(bits: readonly number[]): number {
  const m = Math.min(...bits);
  let s = 0;
  for (const b of bits) s += 2 ** (m - b);
  return m - log2(s);
}

/**
 * Soundness of one opening of a `numVars`-variable committed vector with `numClaims`
 * batched claims. Terms (|E| = p^4 ≈ 2^123.6, ρ = 2^−logBlowup, N = 2^(numVars+logBlowup)):
 *
 * - batching the claims with powers of β: (numClaims − 1)/|E|;
 * - sumcheck: 2 per round (degree-2 round polynomials) × folds rounds / |E|;
 * - folding (commit phase), one binary fold per round, each a random point on the line
 *   u_e + r·u_o between two words of the half-length code of length n_i:
 *     unique decoding (proximity gaps of BCIKS20, unique-decoding regime): Σ n_i / |E|;
 *     Johnson (BCIKS20, Johnson regime for lines): Σ (m+½)^7·n_i² / (3ρ^{3/2}|E|);
 *     conjectured: taken equal to the unique-decoding term;
 *   grinding foldPowBits before each folding challenge adds foldPowBits to each of them
 *   (a redraw of that challenge costs 2^foldPowBits hashes);
 * - queries (+ grinding): a word δ-far from the code passes one query with probability
 *   ≤ 1 − δ: conjectured δ → 1 − ρ ("up to capacity", ethSTARK/Plonky3 convention:
 *   logBlowup bits per query); unique decoding δ = (1−ρ)/2; Johnson δ = 1 − √ρ(1 + 1/2m).
 *   Grinding adds powBits to the query term only.
 */
export function pcsSecurityBits(params: PcsParams, numVars = 20, numClaims = 64): PcsSecurity {
  const sched = foldSchedule(numVars, params);
  const extBits = 4 * log2(BabyBear.p);
  const rho = 2 ** -params.logBlowup;
  const batchingBits = numClaims > 1 ? extBits - log2(numClaims - 1) : Infinity;
  const sumcheckBits = sched.folds > 0 ? extBits - log2(2 * sched.folds) : Infinity;
  // Code lengths of the half-size codes folded into, round by round.
  const halfLens: number[] = [];
  for (let i = 0; i < sched.folds; i++) halfLens.push(2 ** (numVars + params.logBlowup - 1 - i));
  const sumN = halfLens.reduce((a, b) => a + b, 0);
  const sumN2 = halfLens.reduce((a, b) => a + b * b, 0);
  const foldPow = foldPowBitsOf(params);
  const foldingUniqueDecodingBits = sched.folds > 0 ? extBits - log2(sumN) + foldPow : Infinity;
  const queryConjecturedBits = params.queries * params.logBlowup + params.powBits;
  const queryUniqueDecodingBits = -params.queries * log2((1 + rho) / 2) + params.powBits;
  // Johnson regime: pick the m that maximises the weaker of the two terms.
  let best = { fold: 0, query: 0, total: -Infinity };
  for (let m = 3; m <= 256; m++) {
    const fold = sched.folds > 0 ? extBits - (7 * log2(m + 0.5) + log2(sumN2) - log2(3 * rho ** 1.5)) + foldPow : Infinity;
    const query = -params.queries * log2(Math.sqrt(rho) * (1 + 1 / (2 * m))) + params.powBits;
    const total = combineBits([fold, query]);
    if (total > best.total) best = { fold, query, total };
  }
  const common = [batchingBits, sumcheckBits];
  return {
    conjecturedBits: combineBits([...common, foldingUniqueDecodingBits, queryConjecturedBits]),
    provenUniqueDecodingBits: combineBits([...common, foldingUniqueDecodingBits, queryUniqueDecodingBits]),
    provenJohnsonBits: combineBits([...common, best.fold, best.query]),
    terms: {
      extensionFieldBits: extBits,
      batchingBits,
      sumcheckBits,
      foldingUniqueDecodingBits,
      foldingJohnsonBits: best.fold,
      queryConjecturedBits,
      queryUniqueDecodingBits,
      queryJohnsonBits: best.query,
    },
  };
}
