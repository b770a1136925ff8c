/**
 * Prover of the FHE ↔ C_W link (`@zkllm/verifier` fhe/link.ts describes the protocol; this
 * file follows the verifier step by step). Run once when the server sets up.
 */
import {
  BabyBear,
  BabyBearExt4,
  DEFAULT_PCS_PARAMS,
  FHE_LINK_LABELS,
  FheError,
  encodeFheLinkProof,
  evalMleBase,
  fheLinkFactor,
  fheBiasClaims,
  fheBiasRange,
  fheRangeClaim,
  fheRangeSegments,
  fheRangeTable,
  fheLinkTerms,
  fheLinkTranscript,
  parseModelCommitment,
  pcsParamsFor,
  type EvalClaim,
  type FheCommitment,
  type LookupProof,
  type PcsParams,
  type Transcript,
} from '@zkllm/verifier';
import type { CommittedModel } from '../generation/commit.js';
import { lookupMultiplicities, proveLookup } from '../lookup/index.js';
import { pcsOpen, type PcsProverState } from '../pcs/index.js';
import { proveSumcheck, sumOverHypercube } from '../sumcheck/index.js';

export interface FheLinkTimings {
  factorMs: number;
  sumcheckMs: number;
  rangeMs: number;
  openMs: number;
}

/**
 * Proves that the FHE commitment's encoded vector is the placement of `model`'s committed
 * weights. `params` are the FHE commitment's; the weights are opened with
 * `pcsParamsFor(n_W)`, as in generation proofs.
 */
export function proveFheLink(
  fhe: FheCommitment,
  encodedState: PcsProverState,
  model: CommittedModel,
  params: PcsParams = DEFAULT_PCS_PARAMS,
): { bytes: Uint8Array; timings: FheLinkTimings } {
  const t0 = performance.now();
  const cw = parseModelCommitment(model.file);
  const { transcript: t, point: r } = fheLinkTranscript(fhe, cw);
  const value = evalMleBase(BabyBearExt4, encodedState.values, r);
  t.absorbExt(FHE_LINK_LABELS.value, value);
  const m = fheLinkFactor(fhe, cw.layout, r);
  // A server built from other weights than C_W's cannot make this proof; say so plainly
  // instead of failing inside the sumcheck.
  const tables = [
    { kind: 'base' as const, data: model.state.values },
    { kind: 'ext' as const, data: m },
  ];
  if (!BabyBearExt4.equals(sumOverHypercube(tables, fheLinkTerms(), BabyBearExt4), value)) {
    throw new FheError("the encoded weights are not the placement of the model commitment's weights");
  }
  const t1 = performance.now();
  const sc = proveSumcheck(
    {
      numVars: cw.weights.numVars,
      tables,
      terms: fheLinkTerms(),
      claim: value,
    },
    t,
    { ext: BabyBearExt4 },
  );
  const t2 = performance.now();
  const segs = fheRangeSegments(fhe.layout);
  const table = fheRangeTable();
  const segments = segs.map((x) => ({ shape: [2 ** x.logSize], columns: [encodedState.values.subarray(x.offset, x.offset + 2 ** x.logSize)] }));
  let multiplicities: Uint32Array;
  try {
    multiplicities = lookupMultiplicities(table, segments);
  } catch (e) {
    throw new FheError(`an encoded weight is outside [−128, 128): ${(e as Error).message}`);
  }
  t.absorbFields(FHE_LINK_LABELS.multiplicities, multiplicities);
  const { proof: range, claims } = proveLookup(BabyBearExt4, table, segments, multiplicities, t);
  const encodedClaims: EvalClaim[] = [{ point: r, value }, ...segs.map((seg, i) => fheRangeClaim(fhe.layout.numVars, seg, claims.segments[i]!.point, claims.segments[i]!.values))];
  const biasPart = proveFheBiasRange(fhe, encodedState.values, t, encodedClaims);
  const t3a = performance.now();
  const encodedOpening = pcsOpen(encodedState, encodedClaims, t, params);
  const weightOpening = pcsOpen(model.state, [{ point: sc.point, value: sc.finalEvals.slice(0, 4) }], t, pcsParamsFor(cw.weights.numVars));
  const t3 = performance.now();
  return {
    bytes: encodeFheLinkProof({ value, sumcheck: sc.proof, multiplicities, range, ...biasPart, encodedOpening, weightOpening }),
    timings: { factorMs: t1 - t0, sumcheckMs: t2 - t1, rangeMs: t3a - t2, openMs: t3 - t3a },
  };
}

/**
 * The bias range part (after the weight range part, on the same transcript): appends its
 * claims on E to `encodedClaims` and returns its proof fields ({} without biases).
 */
export function proveFheBiasRange(
  fhe: FheCommitment,
  encoded: Uint32Array,
  t: Transcript,
  encodedClaims: EvalClaim[],
): { biasMultiplicities?: Uint32Array; biasRange?: LookupProof } {
  const bias = fheBiasRange(fhe);
  if (!bias) return {};
  const B = BabyBear.fromInt(bias.bound);
  const bSegments = bias.pieces.flatMap((x) => {
    const b = encoded.subarray(x.offset, x.offset + 2 ** x.logSize);
    return [
      { shape: [2 ** x.logSize], columns: [b.map((v) => BabyBear.add(v, B))] },
      { shape: [2 ** x.logSize], columns: [b.map((v) => BabyBear.sub(B, v))] },
    ];
  });
  let dense: Uint32Array;
  try {
    dense = lookupMultiplicities(bias.table, bSegments);
  } catch (e) {
    throw new FheError(`an encoded bias exceeds maxBias ${bias.bound}: ${(e as Error).message}`);
  }
  const pairs: number[] = [];
  dense.forEach((c, i) => {
    if (c !== 0) pairs.push(i, c);
  });
  const biasMultiplicities = Uint32Array.from(pairs);
  t.absorbFields(FHE_LINK_LABELS.biasMultiplicities, biasMultiplicities);
  const bl = proveLookup(BabyBearExt4, bias.table, bSegments, dense, t);
  encodedClaims.push(...fheBiasClaims(fhe.layout.numVars, bias, bl.claims.segments));
  return { biasMultiplicities, biasRange: bl.proof };
}
