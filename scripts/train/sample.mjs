#!/usr/bin/env node
// Loads an exported model directory (config.json, model.safetensors, tokenizer.json,
// tokenizer_config.json) back into the trainer's model, checks the tokenizer round-trips
// eval.txt, reports held-out loss on eval.txt and prints greedy generations.
//
//   node scripts/train/sample.mjs models/tiny-moby [--max-tokens 48] [prompt ...]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Tokenizer } from '@huggingface/tokenizers';
import { Llama } from './model.mjs';
import { readSafetensors } from './safetensors.mjs';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { 'max-tokens': { type: 'string', default: '48' } },
});
const dir = positionals[0] ?? 'models/tiny-moby';
const prompts = positionals.length > 1 ? positionals.slice(1) : ['Once upon a time', 'Call me Ishmael.', 'The whale', 'Captain Ahab'];
const maxNew = Number(values['max-tokens']);

const json = (f) => JSON.parse(readFileSync(join(dir, f), 'utf8'));
const config = json('config.json');
if (config.architectures?.[0] !== 'LlamaForCausalLM' || config.model_type !== 'llama') throw new Error('not a llama config');
const tok = new Tokenizer(json('tokenizer.json'), json('tokenizer_config.json'));
const cfg = {
  vocab: config.vocab_size,
  dim: config.hidden_size,
  layers: config.num_hidden_layers,
  heads: config.num_attention_heads,
  kvHeads: config.num_key_value_heads,
  hidden: config.intermediate_size,
  maxPos: config.max_position_embeddings,
  eps: config.rms_norm_eps,
  theta: config.rope_theta,
};
const model = new Llama(cfg);
const tensors = readSafetensors(readFileSync(join(dir, 'model.safetensors')));
for (const e of model.spec) {
  const t = tensors[e.name];
  if (!t) throw new Error(`missing tensor ${e.name}`);
  if (JSON.stringify(t.shape) !== JSON.stringify(e.shape)) throw new Error(`${e.name}: shape ${t.shape} != ${e.shape}`);
  model.p[e.name].set(t.data);
}
const extra = Object.keys(tensors).filter((n) => !model.p[n]);
if (extra.length) throw new Error(`unexpected tensors: ${extra}`);

// tokenizer round trip + BOS rule
const evalText = readFileSync(join(dir, 'eval.txt'), 'utf8');
const enc = tok.encode(evalText);
if (enc.ids[0] !== config.bos_token_id) throw new Error('tokenizer does not prepend BOS');
const back = tok.decode(enc.ids, { skip_special_tokens: true });
console.log(`tokenizer: eval.txt ${evalText.length} chars -> ${enc.ids.length} tokens; round trip ${back === evalText ? 'exact' : 'MISMATCH'}`);
if (back !== evalText) process.exitCode = 1;

// teacher-forced loss on eval.txt in windows of max_position_embeddings
const ids = enc.ids;
const T = cfg.maxPos;
let total = 0, count = 0;
for (let s = 0; s + 1 < ids.length; s += T) {
  const x = ids.slice(s, Math.min(s + T, ids.length - 1));
  const y = ids.slice(s + 1, s + 1 + x.length);
  total += model.forward(x, 1, x.length, y) * x.length;
  count += x.length;
  model.ws = null;
}
console.log(`eval.txt loss ${(total / count).toFixed(4)} nats/token (perplexity ${Math.exp(total / count).toFixed(2)}) over ${count} predictions`);

for (const p of prompts) {
  const seq = tok.encode(p).ids.slice();
  const n0 = seq.length;
  for (let i = 0; i < maxNew; i++) {
    const ctx = seq.slice(-T);
    const logits = model.forward(ctx, 1, ctx.length);
    model.ws = null;
    const o = (ctx.length - 1) * cfg.vocab;
    let best = 0;
    for (let j = 1; j < cfg.vocab; j++) if (logits[o + j] > logits[o + best]) best = j;
    if (best === config.eos_token_id) break;
    seq.push(best);
  }
  console.log(`${JSON.stringify(p)} -> ${JSON.stringify(p + tok.decode(seq.slice(n0), { skip_special_tokens: true }))}`);
}
