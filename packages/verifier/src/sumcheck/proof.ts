/**
 * Sumcheck message types and their binary codec.
 *
 * Statement proven (see `verifier.ts`):
 *
 *     Σ_{x ∈ {0,1}^n}  Σ_t c_t · Π_{k ∈ S_t} f_k(x)  =  claim
 *
 * for multilinear f_k given by evaluation tables, extension-field coefficients c_t and
 * degree d = max(1, max_t |S_t|) ≤ 4 per variable.
 *
 * Prover messages, in transcript order:
 * - round i (i = 0 … n−1): the round polynomial s_i at 0, 2, 3, …, d — `d` extension
 *   elements. s_i(1) is not sent: the verifier derives it from s_i(0) + s_i(1) = claim.
 * - after the last round: f_k(r) for every table k (extension elements), where
 *   r = (r_0, …, r_{n−1}) are the round challenges.
 *
 * Encoding: the n·d round values then the numTables final values, each 16 bytes
 * (4 canonical limbs, little-endian), no header and no lengths — every size comes from
 * the caller's statement, never from the bytes. Size: 16·(n·d + numTables) bytes.
 */
import type { PrimeField } from '../field/prime.js';
import { BabyBear } from '../field/babybear.js';
import type { Ext } from '../field/extension.js';
import type { ByteReader, ByteWriter } from '../codec/bytes.js';
import { ProofFormatError } from '../codec/errors.js';

/** Largest supported degree per variable. */
export const MAX_SUMCHECK_DEGREE = 4;
/** Largest supported number of variables (tables of 2^40 entries are far beyond reach). */
export const MAX_SUMCHECK_VARS = 40;
/** Largest number of tables in one sumcheck (a sanity bound for decoders). */
export const MAX_SUMCHECK_TABLES = 1 << 16;

/** Raised by the sumcheck verifier (and by the prover on malformed input) with a precise reason. */
export class SumcheckError extends Error {
  override name = 'SumcheckError';
}

/** One term c · Π_{k ∈ factors} f_k. A table index may repeat (f_k² etc.). */
export interface SumcheckTerm {
  /** Coefficient in the extension field (4 canonical limbs). */
  readonly coeff: Ext;
  /** Indices into the statement's tables; length ≤ 4. Empty means the constant c. */
  readonly factors: readonly number[];
}

export interface SumcheckProof {
  /** One ext vector per round: s_i(0), s_i(2), …, s_i(d) — length 4·d each. */
  readonly roundMessages: readonly Uint32Array[];
  /** f_k(r) for every table k, as an ext vector of length 4·numTables. */
  readonly finalEvals: Uint32Array;
}

/** Encoded size in bytes of a proof for the given statement shape. */
export function sumcheckProofBytes(numVars: number, degree: number, numTables: number): number {
  return 16 * (numVars * degree + numTables);
}

/**
 * Writes a proof. Round messages must all have the same length (4·degree) — the decoder
 * reads the shape from the statement, so a ragged proof would not round-trip.
 */
export function encodeSumcheckProof(writer: ByteWriter, proof: SumcheckProof): void {
  const msgs = proof.roundMessages;
  const len = msgs.length > 0 ? msgs[0]!.length : 0;
  for (const m of msgs) {
    if (m.length !== len || len % 4 !== 0) throw new ProofFormatError('sumcheck proof: ragged round messages');
    writer.exts(m);
  }
  if (proof.finalEvals.length % 4 !== 0) throw new ProofFormatError('sumcheck proof: final values not an ext vector');
  writer.exts(proof.finalEvals);
}

/**
 * Reads a proof whose shape is fixed by the caller's statement: `numVars` rounds of
 * `degree` ext elements, then `numTables` ext elements. Every limb must be canonical.
 * Does not call `reader.finish()` — the sumcheck is usually embedded in a larger proof.
 */
export function decodeSumcheckProof(
  reader: ByteReader,
  numVars: number,
  degree: number,
  numTables: number,
  field: PrimeField = BabyBear,
): SumcheckProof {
  checkShape(numVars, degree, numTables);
  const need = sumcheckProofBytes(numVars, degree, numTables);
  if (need > reader.remaining) {
    throw new ProofFormatError(`truncated: sumcheck proof needs ${need} bytes, ${reader.remaining} left`);
  }
  const roundMessages: Uint32Array[] = [];
  for (let i = 0; i < numVars; i++) roundMessages.push(reader.exts(field, degree, `sumcheck round ${i}`));
  const finalEvals = reader.exts(field, numTables, 'sumcheck final values');
  return { roundMessages, finalEvals };
}

function checkShape(numVars: number, degree: number, numTables: number): void {
  if (!Number.isInteger(numVars) || numVars < 0 || numVars > MAX_SUMCHECK_VARS) {
    throw new SumcheckError(`numVars ${numVars} out of range [0, ${MAX_SUMCHECK_VARS}]`);
  }
  if (!Number.isInteger(degree) || degree < 1 || degree > MAX_SUMCHECK_DEGREE) {
    throw new SumcheckError(`degree ${degree} out of range [1, ${MAX_SUMCHECK_DEGREE}]`);
  }
  if (!Number.isInteger(numTables) || numTables < 0 || numTables > MAX_SUMCHECK_TABLES) {
    throw new SumcheckError(`numTables ${numTables} out of range [0, ${MAX_SUMCHECK_TABLES}]`);
  }
}

export { checkShape as checkSumcheckShape };
