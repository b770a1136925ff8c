/**
 * The product API: load a model, commit to it once, generate text with a proof.
 *
 *   const model = ZkModel.load('models/tiny-moby');
 *   const commitment = model.commit();                 // publish commitment.digest
 *   const { text, proof } = model.generate('Call me Ishmael.', { maxTokens: 16, proof: true });
 *   verifyProof(proof, commitment)                     // in @zkllm/verifier
 */
import { parseModelCommitment, type ModelCommitment, type ModelCommitmentFile, type StopReason } from '@zkllm/verifier';
import type { CommittedModel } from './generation/commit.js';
import { commitProvable } from './generation/setup.js';
import { proveGeneration, type ProveTimings } from './generation/prover.js';
import { PROVERS } from './generation/registry.js';
import { bundledModelDir } from './model/bundled.js';
import { quantizeLoaded } from './model/eval.js';
import { loadModel, type LoadedModel, type LoadOptions } from './model/load.js';
import { generateQuant } from './model/quant/forward.js';
import type { QuantizedModel } from './model/quant/quantize.js';

export interface GenerateOptions {
  /** Largest number of generated tokens (default 32; capped by the context window). */
  readonly maxTokens?: number;
  /** Attach a proof (default false). */
  readonly proof?: boolean;
  /** Progress of the proving stages (layers, lookups). */
  readonly onProgress?: (stage: string, done: number, total: number) => void;
}

export interface Generation {
  readonly text: string;
  readonly promptTokens: number[];
  readonly tokens: number[];
  readonly stop: StopReason;
  /** The encoded proof, when requested. */
  readonly proof?: Uint8Array;
  readonly timings?: ProveTimings & { generateMs: number; proveMs: number };
}

export class ZkModel {
  readonly loaded: LoadedModel;
  readonly quantized: QuantizedModel;
  private committed: CommittedModel | undefined;

  private constructor(loaded: LoadedModel) {
    this.loaded = loaded;
    this.quantized = quantizeLoaded(loaded);
  }

  /** Loads a Hugging Face directory or llama2.c checkpoint (default: the bundled model). */
  static load(path?: string, opts: LoadOptions = {}): ZkModel {
    const dir = path ?? bundledModelDir();
    if (dir === undefined) throw new Error('no model path given and no bundled model found');
    return new ZkModel(loadModel(dir, opts));
  }

  get eosTokenId(): number | undefined {
    return this.loaded.config.eosTokenId ?? undefined;
  }

  /** Commits to the quantized weights and public parameters (computed once, then cached). */
  commitment(): CommittedModel {
    this.committed ??= commitProvable(this.quantized, this.eosTokenId);
    return this.committed;
  }

  /** The commitment file (`model.commit.json` contents). */
  commit(): ModelCommitmentFile {
    return this.commitment().file;
  }

  /** The parsed commitment, as a verifier holds it. */
  parsedCommitment(): ModelCommitment {
    return parseModelCommitment(this.commit());
  }

  /**
   * Uses an existing commitment file instead of recommitting, after checking that it
   * commits to exactly this model (same digest).
   */
  useCommitment(file: ModelCommitmentFile): void {
    const mine = this.commitment();
    if (mine.file.digest !== file.digest) throw new Error(`commitment ${file.digest} is not a commitment to this model (${mine.file.digest})`);
  }

  encode(text: string): number[] {
    return this.loaded.tokenizer.encode(text);
  }

  decode(tokens: readonly number[]): string {
    return this.loaded.tokenizer.decode([...tokens]);
  }

  generate(prompt: string, opts: GenerateOptions = {}): Generation {
    const promptTokens = this.encode(prompt);
    if (promptTokens.length === 0) throw new RangeError('the prompt encodes to no tokens');
    const room = this.loaded.config.maxPositions - promptTokens.length;
    if (room <= 0) throw new RangeError(`the prompt is ${promptTokens.length} tokens; the context window is ${this.loaded.config.maxPositions}`);
    const maxTokens = Math.min(opts.maxTokens ?? 32, room);
    if (!Number.isInteger(maxTokens) || maxTokens < 1) throw new RangeError('maxTokens must be a positive integer');
    const t0 = performance.now();
    const eos = this.eosTokenId;
    const tokens = generateQuant(this.quantized, promptTokens, { maxTokens, eosTokenId: eos });
    const stop: StopReason = eos !== undefined && tokens[tokens.length - 1] === eos ? 'eos' : 'length';
    const generateMs = performance.now() - t0;
    const text = this.decode(tokens);
    if (!opts.proof) return { text, promptTokens, tokens, stop };
    const committed = this.commitment();
    const t1 = performance.now();
    const { bytes, timings } = proveGeneration(this.quantized, committed, PROVERS, { promptTokens, outputTokens: tokens, stop }, opts.onProgress);
    return { text, promptTokens, tokens, stop, proof: bytes, timings: { ...timings, generateMs, proveMs: performance.now() - t1 } };
  }
}
