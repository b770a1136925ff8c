/**
 * Deterministic tiny models for tests and examples. Nothing here is downloaded: weights
 * come from a seeded PRNG and the tokenizer is a byte-level BPE built in code, so every
 * test run regenerates bit-identical fixtures into a temporary directory.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelConfig } from './config.js';
import { toHfTensors } from './load.js';
import { writeSafetensors } from './safetensors.js';
import type { LayerWeights, ModelWeights } from './weights.js';

/** mulberry32: tiny, fast, and good enough for reproducible test weights. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function gaussian(rand: () => number): () => number {
  return () => {
    const u = Math.max(rand(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  };
}

export interface FixtureSpec {
  readonly family: 'llama' | 'gpt2';
  readonly vocabSize: number;
  readonly hiddenSize: number;
  readonly intermediateSize: number;
  readonly numLayers: number;
  readonly numHeads: number;
  readonly numKvHeads: number;
  readonly headDim: number;
  readonly maxPositions: number;
  readonly tied: boolean;
  readonly seed: number;
  /**
   * `random`: N(0, 1/fan_in) weights, near-uniform next-token distributions (a stress
   * test for quantization: many near-ties). `structured`: large-norm embeddings and a
   * tied head, so each position has a clear winner the layers perturb but rarely erase,
   * like a trained model's confident predictions.
   */
  readonly style: 'random' | 'structured';
}

/** Awkward shapes on purpose: odd hidden sizes, GQA (2 query heads per KV head), vocab not a power of two. */
export const FIXTURES = {
  /** hidden 37 ≠ heads·head_dim 32, GQA 4/2, untied head. */
  'llama-gqa-odd': {
    family: 'llama', vocabSize: 263, hiddenSize: 37, intermediateSize: 71, numLayers: 2,
    numHeads: 4, numKvHeads: 2, headDim: 8, maxPositions: 96, tied: false, seed: 1, style: 'random',
  },
  /** llama2.c-compatible (hidden = heads·head_dim), GQA 6/3, tied head. */
  'llama-l2c': {
    family: 'llama', vocabSize: 261, hiddenSize: 36, intermediateSize: 59, numLayers: 2,
    numHeads: 6, numKvHeads: 3, headDim: 6, maxPositions: 96, tied: true, seed: 2, style: 'random',
  },
  'llama-structured': {
    family: 'llama', vocabSize: 277, hiddenSize: 45, intermediateSize: 97, numLayers: 2,
    numHeads: 6, numKvHeads: 3, headDim: 10, maxPositions: 128, tied: true, seed: 3, style: 'structured',
  },
  /** GPT-2: odd n_inner, 3 heads of 10, tied head, learned positions. */
  'gpt2-small-odd': {
    family: 'gpt2', vocabSize: 262, hiddenSize: 30, intermediateSize: 67, numLayers: 2,
    numHeads: 3, numKvHeads: 3, headDim: 10, maxPositions: 128, tied: true, seed: 4, style: 'random',
  },
  'gpt2-structured': {
    family: 'gpt2', vocabSize: 271, hiddenSize: 42, intermediateSize: 113, numLayers: 2,
    numHeads: 3, numKvHeads: 3, headDim: 14, maxPositions: 128, tied: true, seed: 5, style: 'structured',
  },
} as const satisfies Record<string, FixtureSpec>;

export type FixtureName = keyof typeof FIXTURES;

export function fixtureConfig(s: FixtureSpec): ModelConfig {
  return {
    family: s.family,
    architecture: s.family === 'llama' ? 'LlamaForCausalLM' : 'GPT2LMHeadModel',
    vocabSize: s.vocabSize,
    hiddenSize: s.hiddenSize,
    intermediateSize: s.intermediateSize,
    numLayers: s.numLayers,
    numHeads: s.numHeads,
    numKvHeads: s.numKvHeads,
    headDim: s.headDim,
    maxPositions: s.maxPositions,
    normEps: 1e-5,
    ropeTheta: 10000,
    tiedEmbeddings: s.tied,
    bosTokenId: 1,
    eosTokenId: 2,
  };
}

export function makeFixtureWeights(s: FixtureSpec): ModelWeights {
  const g = gaussian(prng(s.seed));
  const mat = (rows: number, cols: number, std: number): Float32Array => {
    const a = new Float32Array(rows * cols);
    for (let i = 0; i < a.length; i++) a[i] = g() * std;
    return a;
  };
  const vec = (n: number, mean: number, std: number): Float32Array => {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = mean + g() * std;
    return a;
  };
  const d = s.hiddenSize;
  const ff = s.intermediateSize;
  const q = s.numHeads * s.headDim;
  const kv = s.numKvHeads * s.headDim;
  const structured = s.style === 'structured';
  // Structured models: residual branches are damped so the token identity carried by
  // the embedding dominates, as the skip path does in trained small models.
  const branch = structured ? 0.35 : 1;
  const embed = mat(s.vocabSize, d, structured ? 0.4 : 1 / Math.sqrt(d));
  const gpt = s.family === 'gpt2';
  const layers: LayerWeights[] = [];
  for (let l = 0; l < s.numLayers; l++) {
    layers.push({
      attnNorm: vec(d, 1, 0.1),
      attnNormBias: gpt ? vec(d, 0, 0.05) : undefined,
      wq: mat(q, d, 1 / Math.sqrt(d)),
      wk: mat(kv, d, 1 / Math.sqrt(d)),
      wv: mat(kv, d, 1 / Math.sqrt(d)),
      wo: mat(d, q, branch / Math.sqrt(q)),
      bq: gpt ? vec(q, 0, 0.05) : undefined,
      bk: gpt ? vec(kv, 0, 0.05) : undefined,
      bv: gpt ? vec(kv, 0, 0.05) : undefined,
      bo: gpt ? vec(d, 0, 0.02) : undefined,
      ffnNorm: vec(d, 1, 0.1),
      ffnNormBias: gpt ? vec(d, 0, 0.05) : undefined,
      wGate: gpt ? undefined : mat(ff, d, 1 / Math.sqrt(d)),
      wUp: mat(ff, d, 1 / Math.sqrt(d)),
      wDown: mat(d, ff, branch / Math.sqrt(ff)),
      bUp: gpt ? vec(ff, 0, 0.05) : undefined,
      bDown: gpt ? vec(d, 0, 0.02) : undefined,
    });
  }
  const finalNorm = vec(d, 1, 0.1);
  const lmHead = s.tied ? embed : mat(s.vocabSize, d, 1 / Math.sqrt(d));
  return {
    embed,
    posEmbed: gpt ? mat(s.maxPositions, d, structured ? 0.3 : 0.1) : undefined,
    layers,
    finalNorm,
    finalNormBias: gpt ? vec(d, 0, 0.02) : undefined,
    lmHead,
  };
}

/** GPT-2's reversible byte → printable-unicode map used by byte-level BPE. */
function bytesToUnicode(): string[] {
  const bs: number[] = [];
  for (let i = 33; i <= 126; i++) bs.push(i);
  for (let i = 161; i <= 172; i++) bs.push(i);
  for (let i = 174; i <= 255; i++) bs.push(i);
  const cs = bs.slice();
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + n++);
    }
  }
  const out: string[] = new Array<string>(256);
  bs.forEach((b, i) => (out[b] = String.fromCharCode(cs[i]!)));
  return out;
}

/**
 * A valid byte-level BPE `tokenizer.json` with exactly `vocabSize` ids: 3 specials
 * (<unk>, <s>, </s>), 256 byte tokens, then merges of frequent English letter pairs.
 * `addBos` selects the LLaMA rule (prepend <s>) or the GPT-2 rule (no BOS).
 */
export function byteLevelTokenizer(vocabSize: number, addBos: boolean): { tokenizer: object; config: object } {
  if (vocabSize < 259) throw new RangeError('byte-level tokenizer needs vocab ≥ 259');
  const b2u = bytesToUnicode();
  const vocab: Record<string, number> = { '<unk>': 0, '<s>': 1, '</s>': 2 };
  for (let b = 0; b < 256; b++) vocab[b2u[b]!] = 3 + b;
  const merges: [string, string][] = [];
  const letters = ' etaonihsrdlucmwfgypbvk';
  const sp = b2u[32]!;
  outer: for (const a of letters) {
    for (const c of letters) {
      if (259 + merges.length >= vocabSize) break outer;
      if (c === ' ') continue;
      const l = a === ' ' ? sp : a;
      const tok = l + c;
      if (vocab[tok] !== undefined) continue;
      vocab[tok] = 259 + merges.length;
      merges.push([l, c]);
    }
  }
  const special = (id: number, content: string): object => ({
    id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true,
  });
  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [special(0, '<unk>'), special(1, '<s>'), special(2, '</s>')],
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: addBos
      ? {
          type: 'TemplateProcessing',
          single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
          pair: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }],
          special_tokens: { '<s>': { id: '<s>', ids: [1], tokens: ['<s>'] } },
        }
      : { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null,
      fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab, merges,
    },
  };
  const config = {
    tokenizer_class: addBos ? 'LlamaTokenizerFast' : 'GPT2TokenizerFast',
    bos_token: '<s>',
    eos_token: '</s>',
    unk_token: '<unk>',
    add_bos_token: addBos,
    add_eos_token: false,
    model_max_length: 1024,
    clean_up_tokenization_spaces: false,
  };
  return { tokenizer, config };
}

export function hfConfigJson(c: ModelConfig): object {
  if (c.family === 'llama') {
    return {
      architectures: ['LlamaForCausalLM'], model_type: 'llama', vocab_size: c.vocabSize, hidden_size: c.hiddenSize,
      intermediate_size: c.intermediateSize, num_hidden_layers: c.numLayers, num_attention_heads: c.numHeads,
      num_key_value_heads: c.numKvHeads, head_dim: c.headDim, max_position_embeddings: c.maxPositions,
      rms_norm_eps: c.normEps, rope_theta: c.ropeTheta, tie_word_embeddings: c.tiedEmbeddings, hidden_act: 'silu',
      bos_token_id: c.bosTokenId ?? 1, eos_token_id: c.eosTokenId ?? 2, torch_dtype: 'float32',
    };
  }
  return {
    architectures: ['GPT2LMHeadModel'], model_type: 'gpt2', vocab_size: c.vocabSize, n_embd: c.hiddenSize,
    n_inner: c.intermediateSize, n_layer: c.numLayers, n_head: c.numHeads, n_positions: c.maxPositions,
    layer_norm_epsilon: c.normEps, activation_function: 'gelu_new', bos_token_id: c.bosTokenId ?? 1,
    eos_token_id: c.eosTokenId ?? 2, tie_word_embeddings: true,
  };
}

/** Held-out English used as `eval.txt` for fixtures. */
export const FIXTURE_EVAL_TEXT =
  'Once upon a time there was a little girl who lived near the sea. Every morning she walked to the shore and ' +
  'looked for shells. One day she found a big shell that sang a song when she held it to her ear. She ran home ' +
  'to show her mother, and they listened to the song together until the sun went down.';

/** Writes an HF model directory (config, safetensors, tokenizer, eval text). */
export function writeHfModelDir(dir: string, config: ModelConfig, weights: ModelWeights, opts: { evalText?: string } = {}): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify(hfConfigJson(config), null, 2));
  writeFileSync(join(dir, 'model.safetensors'), writeSafetensors(toHfTensors(config, weights), { format: 'pt' }));
  writeTokenizer(dir, Math.min(config.vocabSize, 300), config.family === 'llama');
  writeFileSync(join(dir, 'eval.txt'), opts.evalText ?? FIXTURE_EVAL_TEXT);
}

export function writeTokenizer(dir: string, vocabSize: number, addBos: boolean): void {
  mkdirSync(dir, { recursive: true });
  const t = byteLevelTokenizer(vocabSize, addBos);
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(t.tokenizer));
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify(t.config, null, 2));
}

/** Generates fixture `name` into `dir` and returns its config and weights. */
export function writeFixture(name: FixtureName, dir: string): { config: ModelConfig; weights: ModelWeights } {
  const spec = FIXTURES[name];
  const config = fixtureConfig(spec);
  const weights = makeFixtureWeights(spec);
  writeHfModelDir(dir, config, weights);
  return { config, weights };
}
