/**
 * `zkllm commit`: commits to every quantized weight of a model (one PCS bundle) and
 * writes the public parameters next to it (see the verifier's generation/commitment.ts).
 */
import {
  BabyBear,
  bundleLayout,
  makeCommitmentFile,
  pcsParamsFor,
  type Json,
  type ModelCommitmentFile,
  type PcsParams,
} from '@zkllm/verifier';
import { committedTensors, publicQuantParams, type QuantizedModel } from '../model/index.js';
import { packBundle, type IntTensorData } from '../layers/bundle.js';
import { pcsCommit, type PcsProverState } from '../pcs/index.js';

/** Every committed weight tensor, keyed by its claim id `w:<name>` (names as in the trace). */
export function modelWeightTensors(model: QuantizedModel): Map<string, IntTensorData> {
  return new Map(committedTensors(model).map((t) => [`w:${t.name}`, { shape: t.shape, data: t.data }]));
}

export interface CommittedModel {
  readonly file: ModelCommitmentFile;
  /** The prover's copy of the weight commitment (codeword + Merkle tree). */
  readonly state: PcsProverState;
  /** Padded field tables of every weight tensor (views into the committed vector). */
  readonly tables: Map<string, Uint32Array>;
}

export function commitModel(
  model: QuantizedModel,
  params: Json = publicQuantParams(model) as Json,
  pcs?: PcsParams,
): CommittedModel {
  const tensors = modelWeightTensors(model);
  const refs = [...tensors].map(([id, t]) => ({ id, shape: t.shape }));
  const layout = bundleLayout(refs);
  // Proofs open the weights with pcsParamsFor(numVars); other parameters are for tests of
  // this function only (a proof against such a commitment fails in pcsOpen).
  const p = pcs ?? pcsParamsFor(layout.numVars);
  // The Reed–Solomon codeword needs a 2-adic domain of 2^(numVars + logBlowup) points.
  const maxVars = BabyBear.twoAdicity - p.logBlowup;
  if (layout.numVars > maxVars) {
    const big = [...tensors].sort((a, b) => b[1].data.length - a[1].data.length).slice(0, 2).map(([id, t]) => `${id} ${t.shape.join('×')}`);
    throw new RangeError(
      `the model's weights pad to 2^${layout.numVars} field elements (each axis rounded up to a power of two; largest: ${big.join(', ')}); ` +
        `one commitment holds at most 2^${maxVars} at rate 2^-${p.logBlowup} over BabyBear (2-adicity ${BabyBear.twoAdicity})`,
    );
  }
  const { vector, tables } = packBundle(BabyBear, layout, tensors);
  const { commitment, state } = pcsCommit(vector, p);
  return { file: makeCommitmentFile(commitment, refs, params), state, tables };
}
