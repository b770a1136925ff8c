/**
 * The kernel's demo statement: "the two halves a, b of the committed vector [a ‖ b]
 * satisfy ⟨a, b⟩ = c". It exercises the whole kernel end to end — commitment, transcript,
 * sumcheck, a batched two-point opening, the proof envelope — on a statement small enough
 * to check by hand.
 *
 * Protocol: absorb (root, n, c); sumcheck Σ_x a(x)·b(x) = c over n variables → point r and
 * claimed a(r), b(r); the committed vector has n+1 variables with the top one selecting
 * the half, so the claims are openings at (r, 0) and (r, 1), batched into one PCS proof.
 *
 * Wire format (after the envelope header): numVars u8 ‖ root (32 bytes) ‖ c (u32) ‖
 * sumcheck proof ‖ PCS proof. No trailing bytes.
 */
import { equalBytes } from '../codec/equal.js';
import { ByteReader, ByteWriter } from '../codec/bytes.js';
import { ProofFormatError } from '../codec/errors.js';
import { BabyBear, BabyBearExt4 } from '../field/babybear.js';
import type { Ext } from '../field/extension.js';
import { DEFAULT_PCS_PARAMS, type PcsParams } from '../pcs/config.js';
import { decodePcsProof, encodePcsProof, type PcsProof } from '../pcs/proof.js';
import { verifyOpening, type EvalClaim, type PcsCommitment } from '../pcs/verifier.js';
import { ProofKind, readHeader, writeHeader } from '../proof/envelope.js';
import { decodeSumcheckProof, encodeSumcheckProof, type SumcheckProof } from '../sumcheck/proof.js';
import { verifySumcheck } from '../sumcheck/verifier.js';
import { Transcript } from '../transcript/transcript.js';

const E = BabyBearExt4;
const F = BabyBear;

export const INNER_PRODUCT_DOMAIN = 'zkllm/inner-product/v1';
/** Largest supported half length 2^MAX_INNER_PRODUCT_VARS. */
export const MAX_INNER_PRODUCT_VARS = 24;

export interface InnerProductStatement {
  /** Commitment to [a ‖ b]; numVars = n + 1. */
  readonly commitment: PcsCommitment;
  /** n: a and b have 2^n entries each. */
  readonly numVars: number;
  /** The claimed inner product (canonical base-field element). */
  readonly value: number;
}

export interface InnerProductProof {
  readonly statement: InnerProductStatement;
  readonly sumcheck: SumcheckProof;
  readonly opening: PcsProof;
}

/** Absorbs the statement; shared by prover and verifier. */
export function innerProductTranscript(st: InnerProductStatement): Transcript {
  const t = new Transcript(INNER_PRODUCT_DOMAIN, E);
  t.absorbDigest('commitment', st.commitment.root);
  t.absorbU32('num-vars', st.numVars);
  t.absorbField('value', st.value);
  return t;
}

/** The two opening claims implied by the sumcheck's final values. */
export function innerProductClaims(point: Uint32Array, finalEvals: Uint32Array): EvalClaim[] {
  const n = point.length >>> 2;
  const at = (half: number) => {
    const z = new Uint32Array(4 * (n + 1));
    z.set(point);
    z[4 * n] = half;
    return z;
  };
  return [
    { point: at(0), value: finalEvals.slice(0, 4) },
    { point: at(1), value: finalEvals.slice(4, 8) },
  ];
}

export const innerProductTerms = (): Array<{ coeff: Ext; factors: number[] }> => [{ coeff: E.one(), factors: [0, 1] }];

export function encodeInnerProductProof(proof: InnerProductProof): Uint8Array {
  const w = new ByteWriter(64 * 1024);
  writeHeader(w, ProofKind.InnerProduct);
  w.u8(proof.statement.numVars).bytes(proof.statement.commitment.root).field(proof.statement.value);
  encodeSumcheckProof(w, proof.sumcheck);
  encodePcsProof(w, proof.opening);
  return w.finish();
}

export function decodeInnerProductProof(bytes: Uint8Array, params: PcsParams = DEFAULT_PCS_PARAMS): InnerProductProof {
  const r: ByteReader = readHeader(bytes, ProofKind.InnerProduct);
  const numVars = r.u8('numVars');
  if (numVars > MAX_INNER_PRODUCT_VARS) throw new ProofFormatError(`numVars ${numVars} exceeds ${MAX_INNER_PRODUCT_VARS}`);
  const root = r.digest('commitment root');
  const value = r.field(F, 'claimed inner product');
  const sumcheck = decodeSumcheckProof(r, numVars, 2, 2, F);
  const opening = decodePcsProof(r, numVars + 1, params);
  r.finish('inner-product proof');
  return { statement: { commitment: { root, numVars: numVars + 1 }, numVars, value }, sumcheck, opening };
}

export interface VerifyResult<S> {
  readonly valid: boolean;
  /** Why the proof was rejected (absent when valid). */
  readonly reason?: string;
  /** What the proof claims (present whenever the bytes decoded). */
  readonly statement?: S;
}

/**
 * Verifies an encoded inner-product proof. If `expectedRoot` is given the proof must be
 * about that commitment. Never throws on bad input: failures are `{ valid: false, reason }`.
 */
export function verifyInnerProductProof(
  bytes: Uint8Array,
  expectedRoot?: Uint8Array,
  params: PcsParams = DEFAULT_PCS_PARAMS,
): VerifyResult<InnerProductStatement> {
  let proof: InnerProductProof;
  try {
    proof = decodeInnerProductProof(bytes, params);
  } catch (e) {
    return { valid: false, reason: `malformed proof: ${(e as Error).message}` };
  }
  const st = proof.statement;
  try {
    if (expectedRoot && !equalBytes(expectedRoot, st.commitment.root)) {
      return { valid: false, reason: 'proof is about a different commitment', statement: st };
    }
    const t = innerProductTranscript(st);
    const { point, finalEvals } = verifySumcheck(
      { numVars: st.numVars, numTables: 2, terms: innerProductTerms(), claim: E.fromBase(st.value) },
      proof.sumcheck,
      t,
      E,
    );
    verifyOpening(st.commitment, innerProductClaims(point, finalEvals), proof.opening, t, params);
    return { valid: true, statement: st };
  } catch (e) {
    return { valid: false, reason: (e as Error).message, statement: st };
  }
}

