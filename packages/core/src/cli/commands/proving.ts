/** `zkllm commit`, `zkllm prove`, `zkllm verify`: the proof workflow on files. */
import { readFileSync, writeFileSync } from 'node:fs';
import { MAX_PROOF_BYTES, committedTokenTable, decodeWithTable, parseModelCommitment, verifyProof, type ModelCommitmentFile } from '@zkllm/verifier';
import { intFlag, parseFlags, UsageError } from '../args.js';
import { loadModel } from '../../model/load.js';
import { ZkModel } from '../../zkmodel.js';
import type { Command } from './command.js';
import { progress, resolveModelDir } from './model-flags.js';

function readJson(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new Error(`${what} ${path} is not valid JSON`);
  }
}

interface ModelFlags {
  readonly model?: string;
  readonly tokenizer?: string;
  readonly cache?: string;
  readonly 'no-cache'?: boolean;
}

/** The commitment cache is on by default for the CLI (`--cache DIR` elsewhere, `--no-cache` off). */
function loadZk(f: ModelFlags): ZkModel {
  if (f.cache !== undefined && f['no-cache']) throw new UsageError('--cache and --no-cache exclude each other');
  const dir = resolveModelDir(f.model);
  progress(`loading and quantizing ${dir}`);
  return ZkModel.load(dir, { ...(f.tokenizer !== undefined ? { tokenizerDir: f.tokenizer } : {}), cache: f['no-cache'] ? false : (f.cache ?? true) });
}

/** Commits (or loads the cached commitment) with a progress line saying which. */
function commitWithReport(model: ZkModel): { file: ModelCommitmentFile; ms: number; cache: string } {
  const t0 = performance.now();
  const file = model.commit();
  const ms = performance.now() - t0;
  const r = model.cacheReport;
  const cache = r === undefined ? 'off' : r.status;
  if (r !== undefined) {
    const what = r.status === 'hit' ? `loaded from cache ${r.path}` : `committed; ${r.written ? `cached at ${r.path}` : 'not cached'}`;
    progress(`commitment ${what} (${Math.round(ms)} ms)${r.reason !== undefined ? ` — ${r.reason}` : ''}`);
  }
  return { file, ms, cache };
}

const CACHE_FLAGS = { cache: 'string', 'no-cache': 'boolean' } as const;
const CACHE_USAGE = '[--cache DIR | --no-cache]';

export const commit: Command = {
  name: 'commit',
  summary: 'Commit to a model’s quantized weights and public parameters (writes model.commit.json).',
  usage: `[--model DIR] [--tokenizer DIR] --out FILE ${CACHE_USAGE} [--json]`,
  async run(argv) {
    const f = parseFlags(argv, { model: 'string', tokenizer: 'string', out: 'string', json: 'boolean', ...CACHE_FLAGS });
    if (f.out === undefined) throw new UsageError('--out FILE is required');
    const model = loadZk(f);
    progress('committing (weights, public parameters, circuit template)');
    const { file, ms, cache } = commitWithReport(model);
    writeFileSync(f.out, JSON.stringify(file) + '\n');
    const summary = { digest: file.digest, out: f.out, weightsNumVars: file.weights.numVars, tensors: file.weights.tensors.length, commitMs: Math.round(ms), cache };
    process.stdout.write(f.json ? JSON.stringify(summary) + '\n' : `model commitment ${file.digest}\nwritten to ${f.out} (${summary.tensors} weight tensors, ${summary.commitMs} ms)\n`);
    return 0;
  },
};

export const prove: Command = {
  name: 'prove',
  summary: 'Generate greedily and prove the generation (writes the proof bytes).',
  usage: `[--model DIR] [--tokenizer DIR] --prompt TEXT [--max-tokens N] --out FILE [--commitment FILE] ${CACHE_USAGE} [--json]`,
  async run(argv) {
    const f = parseFlags(argv, {
      model: 'string',
      tokenizer: 'string',
      prompt: 'string',
      'max-tokens': 'string',
      out: 'string',
      commitment: 'string',
      json: 'boolean',
      ...CACHE_FLAGS,
    });
    if (f.prompt === undefined) throw new UsageError('--prompt TEXT is required');
    if (f.out === undefined) throw new UsageError('--out FILE is required');
    const maxTokens = intFlag(f['max-tokens'], 'max-tokens', 16, 1, 4096);
    const model = loadZk(f);
    commitWithReport(model);
    if (f.commitment !== undefined) {
      const c = parseModelCommitment(readJson(f.commitment, 'commitment'));
      model.useCommitment(c.file as ModelCommitmentFile);
    }
    progress('proving');
    let last = '';
    const g = model.generate(f.prompt, {
      maxTokens,
      proof: true,
      onProgress: (stage, done, total) => {
        const pct = `${stage} ${Math.floor((100 * done) / total)}%`;
        if (pct !== last && (done === total || done % Math.max(1, Math.floor(total / 10)) === 0)) progress((last = pct));
      },
    });
    writeFileSync(f.out, g.proof!);
    const report = {
      text: g.text,
      promptTokens: g.promptTokens,
      tokens: g.tokens,
      stop: g.stop,
      proofBytes: g.proof!.length,
      proveMs: Math.round(g.timings!.proveMs),
      commitment: model.commit().digest,
      out: f.out,
    };
    process.stdout.write(f.json ? JSON.stringify(report) + '\n' : `${f.prompt}${g.text}\nproof: ${f.out} (${report.proofBytes} bytes, ${report.proveMs} ms)\n`);
    return 0;
  },
};

export const verify: Command = {
  name: 'verify',
  summary: 'Verify a generation proof against a commitment file; exit 0 only when valid.',
  usage: '--proof FILE --commitment FILE [--digest HEX] [--tokenizer DIR] [--json]',
  async run(argv) {
    const f = parseFlags(argv, { proof: 'string', commitment: 'string', digest: 'string', tokenizer: 'string', json: 'boolean' });
    if (f.proof === undefined) throw new UsageError('--proof FILE is required');
    if (f.commitment === undefined) throw new UsageError('--commitment FILE is required');
    if (f.digest !== undefined && !/^[0-9a-fA-F]{64}$/.test(f.digest)) throw new UsageError('--digest must be 64 hex characters');
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(f.proof);
    } catch (e) {
      throw new Error(`cannot read proof ${f.proof}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    if (bytes.length > MAX_PROOF_BYTES) throw new Error(`proof ${f.proof} is larger than ${MAX_PROOF_BYTES} bytes`);
    const commitment = readJson(f.commitment, 'commitment');
    const t0 = performance.now();
    const r = verifyProof(bytes, commitment, f.digest !== undefined ? { expectedDigest: f.digest.toLowerCase() } : {});
    const ms = performance.now() - t0;
    let text: string | undefined;
    if (r.valid && r.statement) {
      // The commitment's token table (bound by the digest just checked) decodes the output;
      // a commitment without one falls back to a local tokenizer, if there is one.
      const table = committedTokenTable((commitment as ModelCommitmentFile).params);
      if (table !== null && f.tokenizer === undefined) text = decodeWithTable(table, r.statement.outputTokens);
      else {
        try {
          const dir = f.tokenizer ?? resolveModelDir(undefined);
          text = loadModel(dir).tokenizer.decode([...r.statement.outputTokens]);
        } catch {
          text = undefined;
        }
      }
    }
    const report = {
      valid: r.valid,
      reason: r.reason ?? null,
      verifyMs: Math.round(ms),
      promptTokens: r.statement?.promptTokens ?? null,
      outputTokens: r.statement?.outputTokens ?? null,
      stop: r.statement?.stop ?? null,
      text: text ?? null,
    };
    if (f.json) process.stdout.write(JSON.stringify(report) + '\n');
    else if (r.valid) process.stdout.write(`VALID (${report.verifyMs} ms)\n${text ?? `tokens: ${report.outputTokens!.join(' ')}`}\n`);
    else process.stdout.write(`INVALID: ${r.reason}\n`);
    return r.valid ? 0 : 1;
  },
};
