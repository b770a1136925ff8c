import { intFlag, parseFlags, UsageError } from '../args.js';
import type { Command } from './command.js';
import { generateFloat } from '../../model/float.js';
import { quantizeLoaded } from '../../model/eval.js';
import { generateQuant } from '../../model/quant/forward.js';
import { loadForCli, progress } from './model-flags.js';
import { runFheGenerate } from './fhe-generate.js';

const FLAGS = {
  model: 'string',
  tokenizer: 'string',
  prompt: 'string',
  'max-tokens': 'string',
  float: 'boolean',
  fhe: 'boolean',
  server: 'string',
  pin: 'string',
  'prove-every': 'string',
  json: 'boolean',
} as const;

export const generate: Command = {
  name: 'generate',
  summary: 'Greedy generation with the quantized (provable) pass, the float reference with --float, or FHE split inference with --fhe.',
  usage: '[--model DIR|FILE.bin] [--tokenizer DIR] --prompt TEXT [--max-tokens N] [--float | --fhe [--server URL [--pin DIGEST]] [--prove-every step|end]] [--json]',
  async run(argv) {
    const f = parseFlags(argv, FLAGS);
    if (f.prompt === undefined) throw new UsageError('--prompt TEXT is required');
    const maxTokens = intFlag(f['max-tokens'], 'max-tokens', 32, 1, 4096);
    if ((f.server !== undefined || f.pin !== undefined || f['prove-every'] !== undefined) && !f.fhe) throw new UsageError('--server, --pin and --prove-every need --fhe');
    if (f.fhe && f.float) throw new UsageError('--fhe runs the quantized pass; it cannot be combined with --float');
    if (f.fhe) return runFheGenerate({ model: f.model, tokenizer: f.tokenizer, prompt: f.prompt, maxTokens, server: f.server, pin: f.pin, proveEvery: f['prove-every'], json: f.json });
    const model = loadForCli(f.model, f.tokenizer);
    const promptTokens = model.tokenizer.encode(f.prompt);
    if (promptTokens.length === 0) throw new UsageError('--prompt encodes to no tokens');
    const room = model.config.maxPositions - promptTokens.length;
    if (room <= 0) throw new UsageError(`prompt is ${promptTokens.length} tokens, the context window is ${model.config.maxPositions}`);
    const n = Math.min(maxTokens, room);
    const eos = model.config.eosTokenId;
    let tokens: number[];
    if (f.float) {
      progress(`generating ${n} tokens (float)`);
      tokens = generateFloat(model, promptTokens, { maxTokens: n, eosTokenId: eos });
    } else {
      progress('quantizing (calibration)');
      const q = quantizeLoaded(model);
      progress(`generating ${n} tokens (quantized)`);
      tokens = generateQuant(q, promptTokens, { maxTokens: n, eosTokenId: eos });
    }
    const text = model.tokenizer.decode(tokens);
    if (f.json) process.stdout.write(JSON.stringify({ text, promptTokens, tokens }) + '\n');
    else process.stdout.write(f.prompt + text + '\n');
    return 0;
  },
};
