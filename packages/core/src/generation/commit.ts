/**
 * `zkllm commit`: commits to every quantized weight of a model (one PCS bundle) and
 * writes the public parameters next to it (see the verifier's generation/commitment.ts).
 */
import {
  BabyBear,
  DEFAULT_PCS_PARAMS,
  bundleLayout,
  makeCommitmentFile,
  type Json,
  type ModelCommitmentFile,
  type PcsParams,
} from '@zkllm/verifier';
import type { QuantizedModel } from '../model/index.js';
import { linearsByName } from '../model/index.js';
import { packBundle, type IntTensorData } from '../layers/bundle.js';
import { pcsCommit, type PcsProverState } from '../pcs/index.js';

/** Every committed weight tensor, keyed by its claim id `w:<name>` (names as in the trace). */
export function modelWeightTensors(model: QuantizedModel): Map<string, IntTensorData> {
  const c = model.config;
  const out = new Map<string, IntTensorData>();
  out.set('w:embed', { shape: [c.vocabSize, c.hiddenSize], data: model.embed });
  if (model.posEmbed) out.set('w:posEmbed', { shape: [c.maxPositions, c.hiddenSize], data: model.posEmbed });
  for (const [name, lin] of linearsByName(model)) {
    out.set(`w:${name}`, { shape: [lin.rows, lin.cols], data: lin.w });
    if (lin.bias) out.set(`w:${name}.bias`, { shape: [lin.rows], data: lin.bias });
  }
  return out;
}

/**
 * Everything public about the quantized model, as canonical-JSON-ready data: the weights'
 * integer values are left out (they are committed), everything else (config, scales,
 * requant specs, lookup tables, RoPE tables) is kept.
 */
export function publicModelParams(model: QuantizedModel): Json {
  const strip = (v: unknown, key: string, depth: number): Json | undefined => {
    if (depth > 32) throw new RangeError('public params nested too deep');
    if (v === undefined) return undefined;
    if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
    if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
    if (v instanceof Map) {
      const o: Record<string, Json> = {};
      for (const [k, x] of v) {
        const s = strip(x, String(k), depth + 1);
        if (s !== undefined) o[String(k)] = s;
      }
      return o;
    }
    if (ArrayBuffer.isView(v)) {
      // Committed weight data is replaced by nothing; other typed arrays are public tables.
      if (key === 'w' || key === 'embed' || key === 'posEmbed' || key === 'bias') return undefined;
      return Array.from(v as unknown as ArrayLike<number>);
    }
    if (Array.isArray(v)) return v.map((x) => strip(x, key, depth + 1) ?? null);
    if (typeof v === 'object') {
      const o: Record<string, Json> = {};
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        const s = strip(x, k, depth + 1);
        if (s !== undefined) o[k] = s;
      }
      return o;
    }
    return undefined;
  };
  return strip(model, '', 0) ?? null;
}

export interface CommittedModel {
  readonly file: ModelCommitmentFile;
  /** The prover's copy of the weight commitment (codeword + Merkle tree). */
  readonly state: PcsProverState;
  /** Padded field tables of every weight tensor (views into the committed vector). */
  readonly tables: Map<string, Uint32Array>;
}

export function commitModel(model: QuantizedModel, params: Json = publicModelParams(model), pcs: PcsParams = DEFAULT_PCS_PARAMS): CommittedModel {
  const tensors = modelWeightTensors(model);
  const refs = [...tensors].map(([id, t]) => ({ id, shape: t.shape }));
  const layout = bundleLayout(refs);
  const { vector, tables } = packBundle(BabyBear, layout, tensors);
  const { commitment, state } = pcsCommit(vector, pcs);
  return { file: makeCommitmentFile(commitment, refs, params), state, tables };
}
