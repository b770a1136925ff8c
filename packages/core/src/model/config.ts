/**
 * Architecture-neutral model configuration. Both HF `config.json` files and llama2.c
 * headers are normalised into this shape so the forward passes see one description.
 */

export type ModelFamily = 'llama' | 'gpt2';

export interface ModelConfig {
  readonly family: ModelFamily;
  /** Name as written in `config.json` (`LlamaForCausalLM`, `GPT2LMHeadModel`, or `llama2.c`). */
  readonly architecture: string;
  readonly vocabSize: number;
  readonly hiddenSize: number;
  readonly intermediateSize: number;
  readonly numLayers: number;
  readonly numHeads: number;
  readonly numKvHeads: number;
  readonly headDim: number;
  readonly maxPositions: number;
  readonly normEps: number;
  /** RoPE base (LLaMA only). */
  readonly ropeTheta: number;
  readonly tiedEmbeddings: boolean;
  readonly bosTokenId: number | undefined;
  readonly eosTokenId: number | undefined;
}

export class ModelFormatError extends Error {
  override name = 'ModelFormatError';
}

function num(json: Record<string, unknown>, key: string, def?: number): number {
  const v = json[key];
  if (v === undefined || v === null) {
    if (def !== undefined) return def;
    throw new ModelFormatError(`config.json: missing '${key}'`);
  }
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ModelFormatError(`config.json: '${key}' must be a number`);
  return v;
}

function posInt(json: Record<string, unknown>, key: string, def?: number): number {
  const v = num(json, key, def);
  if (!Number.isSafeInteger(v) || v <= 0) throw new ModelFormatError(`config.json: '${key}' must be a positive integer, got ${v}`);
  return v;
}

function optTokenId(json: Record<string, unknown>, key: string): number | undefined {
  const v = json[key];
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  if (Array.isArray(v) && typeof v[0] === 'number') return v[0];
  return undefined;
}

export const SUPPORTED_ARCHITECTURES = ['LlamaForCausalLM', 'GPT2LMHeadModel'] as const;

/** Validates a parsed `config.json` and normalises it. */
export function parseHfConfig(raw: unknown): ModelConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ModelFormatError('config.json is not a JSON object');
  const json = raw as Record<string, unknown>;
  const archs = json['architectures'];
  const arch = Array.isArray(archs) && typeof archs[0] === 'string' ? archs[0] : typeof json['model_type'] === 'string' ? String(json['model_type']) : undefined;
  if (arch === 'LlamaForCausalLM' || (arch === 'llama' && json['architectures'] === undefined)) {
    const hidden = posInt(json, 'hidden_size');
    const heads = posInt(json, 'num_attention_heads');
    const kvHeads = posInt(json, 'num_key_value_heads', heads);
    const headDim = posInt(json, 'head_dim', Math.floor(hidden / heads));
    if (heads % kvHeads !== 0) throw new ModelFormatError(`config.json: num_attention_heads ${heads} is not a multiple of num_key_value_heads ${kvHeads}`);
    if (headDim % 2 !== 0) throw new ModelFormatError(`config.json: head_dim ${headDim} must be even for RoPE`);
    const act = json['hidden_act'] ?? 'silu';
    if (act !== 'silu') throw new ModelFormatError(`config.json: unsupported hidden_act '${String(act)}' for LlamaForCausalLM (only silu)`);
    if (json['attention_bias'] === true || json['mlp_bias'] === true) throw new ModelFormatError('config.json: LLaMA attention/MLP biases are not supported');
    const rs = json['rope_scaling'];
    if (rs !== undefined && rs !== null) throw new ModelFormatError('config.json: rope_scaling is not supported');
    return {
      family: 'llama',
      architecture: 'LlamaForCausalLM',
      vocabSize: posInt(json, 'vocab_size'),
      hiddenSize: hidden,
      intermediateSize: posInt(json, 'intermediate_size'),
      numLayers: posInt(json, 'num_hidden_layers'),
      numHeads: heads,
      numKvHeads: kvHeads,
      headDim,
      maxPositions: posInt(json, 'max_position_embeddings', 2048),
      normEps: num(json, 'rms_norm_eps', 1e-6),
      ropeTheta: num(json, 'rope_theta', 10000),
      tiedEmbeddings: json['tie_word_embeddings'] === true,
      bosTokenId: optTokenId(json, 'bos_token_id'),
      eosTokenId: optTokenId(json, 'eos_token_id'),
    };
  }
  if (arch === 'GPT2LMHeadModel' || (arch === 'gpt2' && json['architectures'] === undefined)) {
    const hidden = posInt(json, 'n_embd');
    const heads = posInt(json, 'n_head');
    if (hidden % heads !== 0) throw new ModelFormatError(`config.json: n_embd ${hidden} is not a multiple of n_head ${heads}`);
    const act = json['activation_function'] ?? 'gelu_new';
    if (act !== 'gelu_new' && act !== 'gelu_pytorch_tanh') {
      throw new ModelFormatError(`config.json: unsupported activation_function '${String(act)}' for GPT2LMHeadModel (only gelu_new)`);
    }
    return {
      family: 'gpt2',
      architecture: 'GPT2LMHeadModel',
      vocabSize: posInt(json, 'vocab_size'),
      hiddenSize: hidden,
      intermediateSize: posInt(json, 'n_inner', 4 * hidden),
      numLayers: posInt(json, 'n_layer'),
      numHeads: heads,
      numKvHeads: heads,
      headDim: hidden / heads,
      maxPositions: posInt(json, 'n_positions', posInt(json, 'n_ctx', 1024)),
      normEps: num(json, 'layer_norm_epsilon', 1e-5),
      ropeTheta: 0,
      tiedEmbeddings: true,
      bosTokenId: optTokenId(json, 'bos_token_id'),
      eosTokenId: optTokenId(json, 'eos_token_id'),
    };
  }
  throw new ModelFormatError(
    `unsupported architecture '${arch ?? '(none)'}' (supported: ${SUPPORTED_ARCHITECTURES.join(', ')}, and llama2.c .bin files)`,
  );
}

export function parameterCount(c: ModelConfig): number {
  const d = c.hiddenSize;
  const q = c.numHeads * c.headDim;
  const kv = c.numKvHeads * c.headDim;
  if (c.family === 'llama') {
    const perLayer = 2 * d + d * q + 2 * d * kv + q * d + 3 * d * c.intermediateSize;
    return c.vocabSize * d * (c.tiedEmbeddings ? 1 : 2) + c.numLayers * perLayer + d;
  }
  const perLayer = 4 * d + d * 3 * d + 3 * d + d * d + d + 2 * d * c.intermediateSize + c.intermediateSize + d;
  return c.vocabSize * d + c.maxPositions * d + c.numLayers * perLayer + 2 * d;
}
