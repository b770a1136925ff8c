import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync, writeFileSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES, writeFixture, writeTokenizer, fixtureConfig, makeFixtureWeights, writeHfModelDir } from './fixtures.js';
import { loadModel, toHfTensors } from './load.js';
import { writeLlama2c, readLlama2c, halfSplitToInterleaved } from './llama2c.js';
import { floatLogits, generateFloat } from './float.js';
import { writeSafetensors } from './safetensors.js';

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'zkllm-load-'));
  return () => rmSync(root, { recursive: true, force: true });
});

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('loaders', () => {
  it('llama2.c .bin (interleaved RoPE) and HF dir (half-split) give the same logits', () => {
    for (const tied of [true, false]) {
      const spec = { ...FIXTURES['llama-l2c'], tied };
      const config = fixtureConfig(spec);
      const weights = makeFixtureWeights(spec);
      const hfDir = join(root, `l2c-hf-${tied}`);
      writeHfModelDir(hfDir, config, weights);
      const binDir = join(root, `l2c-bin-${tied}`);
      mkdirSync(binDir);
      writeFileSync(join(binDir, 'model.bin'), writeLlama2c(config, weights));
      writeTokenizer(binDir, config.vocabSize, true);
      const hf = loadModel(hfDir);
      const l2c = loadModel(join(binDir, 'model.bin'));
      expect(l2c.format).toBe('llama2c');
      expect(l2c.config.tiedEmbeddings).toBe(tied);
      const toks = hf.tokenizer.encode('the sea sang a song');
      expect(toks[0]).toBe(1);
      const a = floatLogits(hf, toks);
      const b = floatLogits(l2c, toks);
      expect(maxAbsDiff(a, b)).toBeLessThan(1e-4);
    }
  });

  it('the llama2.c q/k permutation matters: skipping it changes the logits', () => {
    const spec = FIXTURES['llama-l2c'];
    const config = fixtureConfig(spec);
    const weights = makeFixtureWeights(spec);
    const back = readLlama2c(writeLlama2c(config, weights));
    expect(maxAbsDiff(back.weights.layers[0]!.wq, weights.layers[0]!.wq)).toBe(0);
    const hd = config.headDim;
    const d = config.hiddenSize;
    const unpermuted = {
      config,
      weights: {
        ...weights,
        layers: weights.layers.map((L) => ({
          ...L,
          wq: halfSplitToInterleaved(L.wq, config.numHeads, hd, d),
          wk: halfSplitToInterleaved(L.wk, config.numKvHeads, hd, d),
        })),
      },
    };
    const toks = [1, 50, 60, 70, 80, 90];
    expect(maxAbsDiff(floatLogits({ config, weights }, toks), floatLogits(unpermuted, toks))).toBeGreaterThan(1e-3);
  });

  it('loads F16 and BF16 checkpoints (logits close to F32)', () => {
    const spec = FIXTURES['llama-gqa-odd'];
    const config = fixtureConfig(spec);
    const weights = makeFixtureWeights(spec);
    const f32Dir = join(root, 'dt-f32');
    writeHfModelDir(f32Dir, config, weights);
    const toks = [1, 40, 50, 60, 70];
    const ref = floatLogits(loadModel(f32Dir), toks);
    for (const [dtype, tol] of [['F16', 0.02], ['BF16', 0.2]] as const) {
      const dir = join(root, `dt-${dtype}`);
      writeHfModelDir(dir, config, weights);
      const tensors = Object.fromEntries(Object.entries(toHfTensors(config, weights)).map(([k, v]) => [k, { ...v, dtype }]));
      writeFileSync(join(dir, 'model.safetensors'), writeSafetensors(tensors));
      const got = floatLogits(loadModel(dir), toks);
      expect(maxAbsDiff(ref, got)).toBeLessThan(tol);
      expect(maxAbsDiff(ref, got)).toBeGreaterThan(0);
    }
  });

  it('rejects malformed llama2.c checkpoints clearly', () => {
    const spec = FIXTURES['llama-l2c'];
    const bin = writeLlama2c(fixtureConfig(spec), makeFixtureWeights(spec));
    expect(() => readLlama2c(bin.subarray(0, bin.length - 4))).toThrow(/size mismatch/);
    const v1 = bin.slice();
    new DataView(v1.buffer).setUint32(0, 0x616b3432, true);
    expect(() => readLlama2c(v1)).toThrow(/magic 'ak42'/);
    const bad = bin.slice();
    new DataView(bad.buffer).setInt32(12, 5, true); // n_heads 5 does not divide dim 36
    expect(() => readLlama2c(bad)).toThrow(/not a multiple of n_heads/);
    const dir = join(root, 'l2c-no-tok');
    mkdirSync(dir);
    writeFileSync(join(dir, 'model.bin'), bin);
    expect(() => loadModel(join(dir, 'model.bin'))).toThrow(/needs a tokenizer directory/);
  });

  it('loads GQA/odd-size LLaMA and GPT-2 fixtures and generates greedily', () => {
    for (const name of ['llama-gqa-odd', 'gpt2-small-odd'] as const) {
      const dir = join(root, name);
      writeFixture(name, dir);
      const m = loadModel(dir);
      expect(m.config.vocabSize).toBe(FIXTURES[name].vocabSize);
      const prompt = m.tokenizer.encode('Once upon a time');
      const out = generateFloat(m, prompt, { maxTokens: 5 });
      expect(out.length).toBeLessThanOrEqual(5);
      for (const t of out) expect(t).toBeLessThan(m.config.vocabSize);
      const logits = floatLogits(m, prompt);
      expect(logits.every((x) => Number.isFinite(x))).toBe(true);
    }
  });

  it('rejects unsupported architectures, missing files and shape mismatches clearly', () => {
    const dir = join(root, 'bad');
    writeFixture('llama-gqa-odd', dir);
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ architectures: ['MistralForCausalLM'] }));
    expect(() => loadModel(dir)).toThrow(/unsupported architecture 'MistralForCausalLM'/);
    expect(() => loadModel(join(root, 'nope'))).toThrow(/does not exist/);
    const dir2 = join(root, 'bad2');
    writeFixture('llama-gqa-odd', dir2);
    rmSync(join(dir2, 'tokenizer.json'));
    expect(() => loadModel(dir2)).toThrow(/missing tokenizer.json/);
    const dir3 = join(root, 'bad3');
    const spec = FIXTURES['llama-gqa-odd'];
    writeHfModelDir(dir3, fixtureConfig(spec), makeFixtureWeights(spec));
    writeFileSync(
      join(dir3, 'model.safetensors'),
      writeSafetensors({ 'model.embed_tokens.weight': { dtype: 'F32', shape: [3, 2], data: new Float32Array(6) } }),
    );
    expect(() => loadModel(dir3)).toThrow(/tensor 'model.embed_tokens.weight' has shape \[3, 2\], expected \[263, 37\]/);
    rmSync(join(dir3, 'model.safetensors'));
    expect(() => loadModel(dir3)).toThrow(/missing model.safetensors/);
  });
});
