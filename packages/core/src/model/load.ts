/**
 * Model loading from a local directory (HF layout) or a llama2.c `.bin` file. Nothing
 * is fetched over the network.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ModelConfig } from './config.js';
import { ModelFormatError, parseHfConfig } from './config.js';
import type { FloatModel } from './float.js';
import { readLlama2c } from './llama2c.js';
import { readSafetensors, type SafetensorsInput, type SafetensorsTensor } from './safetensors.js';
import { loadTokenizer, type TextTokenizer } from './tokenizer.js';
import type { LayerWeights, ModelWeights } from './weights.js';

export interface LoadedModel extends FloatModel {
  readonly config: ModelConfig;
  readonly weights: ModelWeights;
  readonly tokenizer: TextTokenizer;
  /** Directory holding the model (for a `.bin` file, its parent directory). */
  readonly dir: string;
  readonly format: 'hf' | 'llama2c';
  readonly generationConfig: Readonly<Record<string, unknown>> | undefined;
  readonly chatTemplate: string | undefined;
}

export interface LoadOptions {
  /** Tokenizer directory for llama2.c checkpoints (defaults to the checkpoint's directory). */
  readonly tokenizerDir?: string;
}

function readJsonFile(path: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch (e) {
    throw new ModelFormatError(`${what} at ${path} is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
}

export function loadModel(path: string, opts: LoadOptions = {}): LoadedModel {
  if (!existsSync(path)) throw new ModelFormatError(`model path ${path} does not exist`);
  const isDir = statSync(path).isDirectory();
  if (!isDir) {
    if (!path.endsWith('.bin')) throw new ModelFormatError(`${path} is neither a model directory nor a llama2.c .bin file`);
    return loadLlama2cModel(path, opts.tokenizerDir ?? dirname(path));
  }
  const st = join(path, 'model.safetensors');
  if (!existsSync(st)) {
    const bin = join(path, 'model.bin');
    if (existsSync(bin)) return loadLlama2cModel(bin, opts.tokenizerDir ?? path);
    if (existsSync(join(path, 'model.safetensors.index.json'))) {
      throw new ModelFormatError(`sharded checkpoints (model.safetensors.index.json) are not supported: ${path}`);
    }
    throw new ModelFormatError(`missing model.safetensors in ${path}`);
  }
  const cfgPath = join(path, 'config.json');
  if (!existsSync(cfgPath)) throw new ModelFormatError(`missing config.json in ${path}`);
  const config = parseHfConfig(readJsonFile(cfgPath, 'config.json'));
  const file = readSafetensors(readFileSync(st));
  const weights = hfWeights(config, file.tensors);
  const tokenizer = loadTokenizer(opts.tokenizerDir ?? path);
  checkVocab(config, tokenizer);
  const gcPath = join(path, 'generation_config.json');
  const gc = existsSync(gcPath) ? readJsonFile(gcPath, 'generation_config.json') : undefined;
  const generationConfig = typeof gc === 'object' && gc !== null && !Array.isArray(gc) ? (gc as Record<string, unknown>) : undefined;
  return withTokenIds({ config, weights, tokenizer, dir: path, format: 'hf', generationConfig, chatTemplate: tokenizer.chatTemplate });
}

function withTokenIds(m: LoadedModel): LoadedModel {
  const gcEos = m.generationConfig?.['eos_token_id'];
  const eos = m.config.eosTokenId ?? (typeof gcEos === 'number' ? gcEos : undefined) ?? m.tokenizer.eosTokenId;
  const bos = m.config.bosTokenId ?? m.tokenizer.bosTokenId;
  return { ...m, config: { ...m.config, eosTokenId: eos, bosTokenId: bos } };
}

function checkVocab(config: ModelConfig, tok: TextTokenizer): void {
  if (tok.vocabSize > config.vocabSize) {
    throw new ModelFormatError(`tokenizer has ids up to ${tok.vocabSize - 1} but the model's vocab_size is ${config.vocabSize}`);
  }
}

function loadLlama2cModel(bin: string, tokDir: string): LoadedModel {
  if (!existsSync(join(tokDir, 'tokenizer.json'))) {
    throw new ModelFormatError(`llama2.c checkpoint ${bin} needs a tokenizer directory with tokenizer.json (none in ${tokDir})`);
  }
  const { config, weights } = readLlama2c(readFileSync(bin));
  const tokenizer = loadTokenizer(tokDir);
  checkVocab(config, tokenizer);
  return withTokenIds({
    config,
    weights,
    tokenizer,
    dir: dirname(bin),
    format: 'llama2c',
    generationConfig: undefined,
    chatTemplate: tokenizer.chatTemplate,
  });
}

/** Maps HF tensor names onto the canonical layout, checking every shape. */
export function hfWeights(c: ModelConfig, tensors: ReadonlyMap<string, SafetensorsTensor>): ModelWeights {
  const used = new Set<string>();
  const get = (names: readonly string[], shape: readonly number[], optional = false): Float32Array | undefined => {
    for (const n of names) {
      const t = tensors.get(n);
      if (!t) continue;
      if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
        throw new ModelFormatError(`tensor '${n}' has shape [${t.shape.join(', ')}], expected [${shape.join(', ')}]`);
      }
      used.add(n);
      return t.data;
    }
    if (optional) return undefined;
    throw new ModelFormatError(`missing tensor '${names[0]}' in model.safetensors`);
  };
  const req = (names: readonly string[], shape: readonly number[]): Float32Array => get(names, shape)!;
  const d = c.hiddenSize;
  const V = c.vocabSize;
  const ff = c.intermediateSize;
  if (c.family === 'llama') {
    const q = c.numHeads * c.headDim;
    const kv = c.numKvHeads * c.headDim;
    const embed = req(['model.embed_tokens.weight'], [V, d]);
    const layers: LayerWeights[] = [];
    for (let l = 0; l < c.numLayers; l++) {
      const p = `model.layers.${l}.`;
      layers.push({
        attnNorm: req([p + 'input_layernorm.weight'], [d]),
        attnNormBias: undefined,
        wq: req([p + 'self_attn.q_proj.weight'], [q, d]),
        wk: req([p + 'self_attn.k_proj.weight'], [kv, d]),
        wv: req([p + 'self_attn.v_proj.weight'], [kv, d]),
        wo: req([p + 'self_attn.o_proj.weight'], [d, q]),
        bq: undefined,
        bk: undefined,
        bv: undefined,
        bo: undefined,
        ffnNorm: req([p + 'post_attention_layernorm.weight'], [d]),
        ffnNormBias: undefined,
        wGate: req([p + 'mlp.gate_proj.weight'], [ff, d]),
        wUp: req([p + 'mlp.up_proj.weight'], [ff, d]),
        wDown: req([p + 'mlp.down_proj.weight'], [d, ff]),
        bUp: undefined,
        bDown: undefined,
      });
    }
    const finalNorm = req(['model.norm.weight'], [d]);
    const head = get(['lm_head.weight'], [V, d], c.tiedEmbeddings);
    return { embed, posEmbed: undefined, layers, finalNorm, finalNormBias: undefined, lmHead: c.tiedEmbeddings || !head ? embed : head };
  }
  // GPT-2 checkpoints exist with and without the 'transformer.' prefix.
  const pre = tensors.has('transformer.wte.weight') ? 'transformer.' : '';
  const embed = req([pre + 'wte.weight'], [V, d]);
  const posEmbed = req([pre + 'wpe.weight'], [c.maxPositions, d]);
  const layers: LayerWeights[] = [];
  for (let l = 0; l < c.numLayers; l++) {
    const p = `${pre}h.${l}.`;
    const cAttn = transpose(req([p + 'attn.c_attn.weight'], [d, 3 * d]), d, 3 * d);
    const bAttn = req([p + 'attn.c_attn.bias'], [3 * d]);
    layers.push({
      attnNorm: req([p + 'ln_1.weight'], [d]),
      attnNormBias: req([p + 'ln_1.bias'], [d]),
      wq: cAttn.slice(0, d * d),
      wk: cAttn.slice(d * d, 2 * d * d),
      wv: cAttn.slice(2 * d * d, 3 * d * d),
      wo: transpose(req([p + 'attn.c_proj.weight'], [d, d]), d, d),
      bq: bAttn.slice(0, d),
      bk: bAttn.slice(d, 2 * d),
      bv: bAttn.slice(2 * d, 3 * d),
      bo: req([p + 'attn.c_proj.bias'], [d]),
      ffnNorm: req([p + 'ln_2.weight'], [d]),
      ffnNormBias: req([p + 'ln_2.bias'], [d]),
      wGate: undefined,
      wUp: transpose(req([p + 'mlp.c_fc.weight'], [d, ff]), d, ff),
      wDown: transpose(req([p + 'mlp.c_proj.weight'], [ff, d]), ff, d),
      bUp: req([p + 'mlp.c_fc.bias'], [ff]),
      bDown: req([p + 'mlp.c_proj.bias'], [d]),
    });
  }
  const finalNorm = req([pre + 'ln_f.weight'], [d]);
  const finalNormBias = req([pre + 'ln_f.bias'], [d]);
  get(['lm_head.weight'], [V, d], true); // tied: validated but unused
  return { embed, posEmbed, layers, finalNorm, finalNormBias, lmHead: embed };
}

/** [rows, cols] → [cols, rows]. */
export function transpose(w: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = w[r * cols + c]!;
  return out;
}

/** Inverse of `hfWeights`: HF tensor names and layouts for a model (used to write fixtures). */
export function toHfTensors(c: ModelConfig, w: ModelWeights): Record<string, SafetensorsInput> {
  const out: Record<string, SafetensorsInput> = {};
  const put = (name: string, shape: number[], data: Float32Array): void => {
    out[name] = { dtype: 'F32', shape, data };
  };
  const d = c.hiddenSize;
  const ff = c.intermediateSize;
  if (c.family === 'llama') {
    const q = c.numHeads * c.headDim;
    const kv = c.numKvHeads * c.headDim;
    put('model.embed_tokens.weight', [c.vocabSize, d], w.embed);
    w.layers.forEach((L, l) => {
      const p = `model.layers.${l}.`;
      put(p + 'input_layernorm.weight', [d], L.attnNorm);
      put(p + 'self_attn.q_proj.weight', [q, d], L.wq);
      put(p + 'self_attn.k_proj.weight', [kv, d], L.wk);
      put(p + 'self_attn.v_proj.weight', [kv, d], L.wv);
      put(p + 'self_attn.o_proj.weight', [d, q], L.wo);
      put(p + 'post_attention_layernorm.weight', [d], L.ffnNorm);
      put(p + 'mlp.gate_proj.weight', [ff, d], L.wGate!);
      put(p + 'mlp.up_proj.weight', [ff, d], L.wUp);
      put(p + 'mlp.down_proj.weight', [d, ff], L.wDown);
    });
    put('model.norm.weight', [d], w.finalNorm);
    if (w.lmHead !== w.embed) put('lm_head.weight', [c.vocabSize, d], w.lmHead);
    return out;
  }
  put('transformer.wte.weight', [c.vocabSize, d], w.embed);
  put('transformer.wpe.weight', [c.maxPositions, d], w.posEmbed!);
  w.layers.forEach((L, l) => {
    const p = `transformer.h.${l}.`;
    const qkv = new Float32Array(3 * d * d);
    qkv.set(L.wq, 0);
    qkv.set(L.wk, d * d);
    qkv.set(L.wv, 2 * d * d);
    const bqkv = new Float32Array(3 * d);
    bqkv.set(L.bq!, 0);
    bqkv.set(L.bk!, d);
    bqkv.set(L.bv!, 2 * d);
    put(p + 'ln_1.weight', [d], L.attnNorm);
    put(p + 'ln_1.bias', [d], L.attnNormBias!);
    put(p + 'attn.c_attn.weight', [d, 3 * d], transpose(qkv, 3 * d, d));
    put(p + 'attn.c_attn.bias', [3 * d], bqkv);
    put(p + 'attn.c_proj.weight', [d, d], transpose(L.wo, d, d));
    put(p + 'attn.c_proj.bias', [d], L.bo!);
    put(p + 'ln_2.weight', [d], L.ffnNorm);
    put(p + 'ln_2.bias', [d], L.ffnNormBias!);
    put(p + 'mlp.c_fc.weight', [d, ff], transpose(L.wUp, ff, d));
    put(p + 'mlp.c_fc.bias', [ff], L.bUp!);
    put(p + 'mlp.c_proj.weight', [ff, d], transpose(L.wDown, d, ff));
    put(p + 'mlp.c_proj.bias', [d], L.bDown!);
  });
  put('transformer.ln_f.weight', [d], w.finalNorm);
  put('transformer.ln_f.bias', [d], w.finalNormBias!);
  return out;
}
