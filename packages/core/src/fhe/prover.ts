/**
 * Prover of the homomorphic linear-layer statement (`@zkllm/verifier` fhe/statement.ts and
 * fhe/verifier.ts describe the protocol; this file follows the verifier step by step).
 */
import {
  BabyBear,
  BabyBearExt4,
  DEFAULT_PCS_PARAMS,
  FHE_DIGITS,
  FHE_INTS_PER_SEGMENT,
  FHE_LABELS,
  digitOf,
  encodeFheProof,
  fheClaim,
  fheCombine,
  fheReduce,
  fheTerms,
  type FheCall,
  type FheCommitment,
  type PcsParams,
} from '@zkllm/verifier';
import { pcsOpen, type PcsProverState } from '../pcs/index.js';
import { proveSumcheck } from '../sumcheck/index.js';

export interface FheProofTimings {
  reduceMs: number;
  sumcheckMs: number;
  openMs: number;
}

/** Proves that `calls` were evaluated with the committed weights; returns the encoded proof. */
export function proveFheCalls(
  commitment: FheCommitment,
  pcsState: PcsProverState,
  signed: Int32Array,
  committed: Uint32Array,
  calls: readonly FheCall[],
  params: PcsParams = DEFAULT_PCS_PARAMS,
): { bytes: Uint8Array; timings: FheProofTimings } {
  const t0 = performance.now();
  const red = fheReduce(commitment, calls);
  const UK = red.U[1]!;
  const ints = new Uint32Array(red.segments.length * FHE_INTS_PER_SEGMENT);
  red.segments.forEach((seg, si) => {
    for (let e = 0; e < 4; e++) {
      for (let d = 0; d < FHE_DIGITS; d++) {
        let s = 0;
        for (let x = seg.start; x < seg.start + seg.size; x++) {
          const w = signed[x]!;
          if (w !== 0) s += w * digitOf(UK, x, e, d);
        }
        ints[si * FHE_INTS_PER_SEGMENT + e * FHE_DIGITS + d] = BabyBear.fromInt(s);
      }
    }
  });
  const t = red.transcript;
  t.absorbFields(FHE_LABELS.ints, ints);
  const lambda = t.challengeExt(FHE_LABELS.lambda);
  const { V, powers } = fheCombine(red, lambda);
  const claim = fheClaim(red, powers, ints);
  const t1 = performance.now();
  const sc = proveSumcheck(
    {
      numVars: commitment.layout.numVars,
      tables: [
        { kind: 'base', data: committed },
        { kind: 'ext', data: V },
      ],
      terms: fheTerms(),
      claim,
    },
    t,
    { ext: BabyBearExt4 },
  );
  const t2 = performance.now();
  const opening = pcsOpen(pcsState, [{ point: sc.point, value: sc.finalEvals.slice(0, 4) }], t, params);
  const t3 = performance.now();
  return { bytes: encodeFheProof({ ints, sumcheck: sc.proof, opening }), timings: { reduceMs: t1 - t0, sumcheckMs: t2 - t1, openMs: t3 - t2 } };
}
