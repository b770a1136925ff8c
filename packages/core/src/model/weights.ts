/**
 * In-memory float weights in one canonical layout for both families:
 * every linear map is stored row-major as [out, in] (PyTorch `nn.Linear` layout, so
 * GPT-2's Conv1D [in, out] matrices are transposed on load), and LLaMA q/k rows are in
 * HF's half-split RoPE order (llama2.c's interleaved rows are permuted on load).
 */
import type { ModelConfig } from './config.js';

export interface LayerWeights {
  readonly attnNorm: Float32Array;
  readonly attnNormBias: Float32Array | undefined;
  readonly wq: Float32Array;
  readonly wk: Float32Array;
  readonly wv: Float32Array;
  readonly wo: Float32Array;
  readonly bq: Float32Array | undefined;
  readonly bk: Float32Array | undefined;
  readonly bv: Float32Array | undefined;
  readonly bo: Float32Array | undefined;
  readonly ffnNorm: Float32Array;
  readonly ffnNormBias: Float32Array | undefined;
  /** SwiGLU gate (LLaMA only). */
  readonly wGate: Float32Array | undefined;
  readonly wUp: Float32Array;
  readonly wDown: Float32Array;
  readonly bUp: Float32Array | undefined;
  readonly bDown: Float32Array | undefined;
}

export interface ModelWeights {
  /** [vocab, hidden] */
  readonly embed: Float32Array;
  /** [maxPositions, hidden] learned positions (GPT-2 only). */
  readonly posEmbed: Float32Array | undefined;
  readonly layers: readonly LayerWeights[];
  readonly finalNorm: Float32Array;
  readonly finalNormBias: Float32Array | undefined;
  /** [vocab, hidden]; the same array as `embed` when the head is tied. */
  readonly lmHead: Float32Array;
}

/** Expected element counts, used to reject shape mismatches with a clear message. */
export function expectedShapes(c: ModelConfig): Record<string, number[]> {
  const d = c.hiddenSize;
  const q = c.numHeads * c.headDim;
  const kv = c.numKvHeads * c.headDim;
  return {
    embed: [c.vocabSize, d],
    wq: [q, d],
    wk: [kv, d],
    wv: [kv, d],
    wo: [d, q],
    wGate: [c.intermediateSize, d],
    wUp: [c.intermediateSize, d],
    wDown: [d, c.intermediateSize],
    norm: [d],
    lmHead: [c.vocabSize, d],
  };
}
