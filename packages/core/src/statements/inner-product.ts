/** Prover of the kernel demo statement ⟨a, b⟩ = c (see the verifier's statements/inner-product.ts). */
import {
  BabyBear,
  BabyBearExt4,
  DEFAULT_PCS_PARAMS,
  encodeInnerProductProof,
  innerProductClaims,
  innerProductTerms,
  innerProductTranscript,
  type InnerProductStatement,
  type PcsParams,
} from '@zkllm/verifier';
import { pcsCommit, pcsOpen } from '../pcs/index.js';
import { proveSumcheck } from '../sumcheck/index.js';

export interface InnerProductTimings {
  commitMs: number;
  sumcheckMs: number;
  openMs: number;
}

/** Commits to [a ‖ b], proves ⟨a, b⟩ = c, returns the encoded proof and the statement. */
export function proveInnerProduct(
  a: Uint32Array,
  b: Uint32Array,
  params: PcsParams = DEFAULT_PCS_PARAMS,
): { bytes: Uint8Array; statement: InnerProductStatement; timings: InnerProductTimings } {
  if (a.length !== b.length || a.length === 0 || (a.length & (a.length - 1)) !== 0) {
    throw new RangeError('a and b must have the same power-of-two length');
  }
  const n = Math.log2(a.length);
  const t0 = performance.now();
  const joined = new Uint32Array(2 * a.length);
  joined.set(a);
  joined.set(b, a.length);
  const { commitment, state } = pcsCommit(joined, params);
  const t1 = performance.now();
  const statement: InnerProductStatement = { commitment, numVars: n, value: BabyBear.innerProduct(a, b) };
  const transcript = innerProductTranscript(statement);
  const sc = proveSumcheck(
    {
      numVars: n,
      tables: [
        { kind: 'base', data: a },
        { kind: 'base', data: b },
      ],
      terms: innerProductTerms(),
      claim: BabyBearExt4.fromBase(statement.value),
    },
    transcript,
  );
  const t2 = performance.now();
  const opening = pcsOpen(state, innerProductClaims(sc.point, sc.finalEvals), transcript, params);
  const t3 = performance.now();
  const bytes = encodeInnerProductProof({ statement, sumcheck: sc.proof, opening });
  return { bytes, statement, timings: { commitMs: t1 - t0, sumcheckMs: t2 - t1, openMs: t3 - t2 } };
}
