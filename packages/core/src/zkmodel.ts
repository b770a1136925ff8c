/**
 * The product API: load a model, commit to it once, generate text with a proof.
 *
 *   const model = ZkModel.load('models/tiny-moby');
 *   const commitment = model.commit();                 // publish commitment.digest
 *   const { text, proof } = model.generate('Call me Ishmael.', { maxTokens: 16, proof: true });
 *   verifyProof(proof, commitment)                     // in @zkllm/verifier
 */
import { parseModelCommitment, type ModelCommitment, type ModelCommitmentFile, type StopReason } from '@zkllm/verifier';
import { commitProvableCached, defaultCacheDir, type CommitCacheReport } from './generation/cache.js';
import type { CommittedModel } from './generation/commit.js';
import { commitProvable } from './generation/setup.js';
import { proveGeneration, type ProveTimings } from './generation/prover.js';
import { PROVERS } from './generation/registry.js';
import { bundledModelDir } from './model/bundled.js';
import { quantizeLoaded } from './model/eval.js';
import { loadModel, type LoadedModel, type LoadOptions } from './model/load.js';
import { generateGreedy } from './model/quant/forward.js';
import { renderChat, type ChatMessage } from './chat/template.js';
import type { QuantizedModel } from './model/quant/quantize.js';
import { settleDetachProtector } from './parallel/detach.js';

export interface GenerateOptions {
  /** Largest number of generated tokens (default 32; capped by the context window). */
  readonly maxTokens?: number;
  /** Attach a proof (default false). */
  readonly proof?: boolean;
  /** Progress of the proving stages (layers, lookups). */
  readonly onProgress?: (stage: string, done: number, total: number) => void;
}

export interface ZkModelLoadOptions extends LoadOptions {
  /**
   * On-disk cache of the weight commitment (see generation/cache.ts): a directory, `true`
   * for {@link defaultCacheDir}, `false` or absent for none. Entries are checked on load;
   * a corrupted or stale one is rebuilt.
   */
  readonly cache?: string | boolean;
}

/** A prompt: text (encoded with the model's BOS rule), chat messages, or token ids. */
export type Prompt = string | { readonly messages: readonly ChatMessage[] } | { readonly tokens: readonly number[] };

/** What a proof is made of: a finished greedy generation. */
export interface GenerationRecord {
  readonly promptTokens: readonly number[];
  readonly tokens: readonly number[];
  readonly stop: StopReason;
}

/** One step of {@link ZkModel.stream}: the new token and the text it adds. */
export interface StreamStep {
  readonly token: number;
  /** Text added by this token; empty while a multi-byte character is still incomplete. */
  readonly delta: string;
}

export interface Generation {
  readonly text: string;
  readonly promptTokens: number[];
  /** Generated token ids, ending with the EOS token when `stop` is `'eos'` (as the proof states them). */
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
  private readonly cacheDir: string | undefined;
  private report: CommitCacheReport | undefined;

  private constructor(loaded: LoadedModel, cacheDir: string | undefined) {
    this.loaded = loaded;
    this.quantized = quantizeLoaded(loaded);
    this.cacheDir = cacheDir;
  }

  /** Loads a Hugging Face directory or llama2.c checkpoint (default: the bundled model). */
  static load(path?: string, opts: ZkModelLoadOptions = {}): ZkModel {
    settleDetachProtector();
    const dir = path ?? bundledModelDir();
    if (dir === undefined) throw new Error('no model path given and no bundled model found');
    const { cache, ...load } = opts;
    const cacheDir = cache === true ? defaultCacheDir() : typeof cache === 'string' ? cache : undefined;
    return new ZkModel(loadModel(dir, load), cacheDir);
  }

  /** How the commitment was obtained from the on-disk cache (undefined without a cache, or before {@link commitment}). */
  get cacheReport(): CommitCacheReport | undefined {
    return this.report;
  }

  get eosTokenId(): number | undefined {
    return this.loaded.config.eosTokenId ?? undefined;
  }

  /**
   * Commits to the quantized weights and public parameters: computed once, then kept in
   * memory; with a cache directory, loaded from (or written to) disk.
   */
  commitment(): CommittedModel {
    if (this.committed === undefined) {
      const opts = { eosTokenId: this.eosTokenId, tokenizer: this.loaded.tokenizer.source };
      if (this.cacheDir === undefined) this.committed = commitProvable(this.quantized, opts);
      else {
        const { committed, report } = commitProvableCached(this.quantized, opts, { dir: this.cacheDir });
        this.committed = committed;
        this.report = report;
      }
    }
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

  /** The chat template's rendering of `messages` (the model's template, else plain newlines). */
  applyChatTemplate(messages: readonly ChatMessage[], opts: { addGenerationPrompt?: boolean } = {}): string {
    const tok = this.loaded.tokenizer;
    const name = (id: number | undefined): string | undefined => (id === undefined ? undefined : tok.decode([id], { skipSpecial: false }));
    return renderChat(messages, this.loaded.chatTemplate, {
      bosToken: name(tok.bosTokenId),
      eosToken: name(tok.eosTokenId),
      addGenerationPrompt: opts.addGenerationPrompt ?? true,
    });
  }

  /**
   * Prompt token ids. Text gets the tokenizer's BOS rule. A rendered chat template gets
   * it too unless the template already starts with the BOS token text, so the model
   * always sees the sequence start it was trained with.
   */
  promptTokens(prompt: Prompt): number[] {
    let ids: number[];
    if (typeof prompt === 'string') ids = this.encode(prompt);
    else if ('messages' in prompt) {
      const text = this.applyChatTemplate(prompt.messages);
      const tok = this.loaded.tokenizer;
      const bos = tok.bosTokenId === undefined ? undefined : tok.decode([tok.bosTokenId], { skipSpecial: false });
      ids = tok.encode(text, { addSpecial: !(bos !== undefined && bos !== '' && text.startsWith(bos)) });
    } else {
      const vocab = this.loaded.config.vocabSize;
      ids = [...prompt.tokens];
      for (const t of ids) if (!Number.isInteger(t) || t < 0 || t >= vocab) throw new RangeError(`prompt token ${t} is outside the vocabulary [0, ${vocab})`);
    }
    if (ids.length === 0) throw new RangeError('the prompt encodes to no tokens');
    return ids;
  }

  /** The number of tokens a generation may add after `promptTokens` (context window rule). */
  room(promptTokens: readonly number[], maxTokens?: number): number {
    const room = this.loaded.config.maxPositions - promptTokens.length;
    if (room <= 0) throw new RangeError(`the prompt is ${promptTokens.length} tokens; the context window is ${this.loaded.config.maxPositions}`);
    const n = Math.min(maxTokens ?? 32, room);
    if (!Number.isInteger(n) || n < 1) throw new RangeError('maxTokens must be a positive integer');
    return n;
  }

  generate(prompt: Prompt, opts: GenerateOptions = {}): Generation {
    const promptTokens = this.promptTokens(prompt);
    const maxTokens = this.room(promptTokens, opts.maxTokens);
    const t0 = performance.now();
    const { tokens, stoppedOnEos } = generateGreedy(this.quantized, promptTokens, { maxTokens, eosTokenId: this.eosTokenId });
    const stop: StopReason = stoppedOnEos ? 'eos' : 'length';
    const generateMs = performance.now() - t0;
    const text = this.decode(tokens);
    if (stoppedOnEos) tokens.push(this.eosTokenId!);
    if (!opts.proof) return { text, promptTokens, tokens, stop };
    const t1 = performance.now();
    const { proof, timings } = this.prove({ promptTokens, tokens, stop }, opts.onProgress);
    return { text, promptTokens, tokens, stop, proof, timings: { ...timings, generateMs, proveMs: performance.now() - t1 } };
  }

  /**
   * Greedy generation one token at a time, yielding to the event loop between tokens so a
   * server can stream. Returns the finished generation (without a proof: prove it with
   * {@link prove}, typically in a worker).
   */
  async *stream(prompt: Prompt, opts: { maxTokens?: number; signal?: AbortSignal } = {}): AsyncGenerator<StreamStep, Generation, void> {
    const promptTokens = this.promptTokens(prompt);
    const maxTokens = this.room(promptTokens, opts.maxTokens);
    const pending: number[] = [];
    const { tokens, stoppedOnEos } = generateGreedy(this.quantized, promptTokens, { maxTokens, eosTokenId: this.eosTokenId, onToken: (t) => pending.push(t) });
    // Greedy decoding of these models takes milliseconds per token, so decoding runs to
    // the end first and the steps are released with a yield between them.
    let shown = '';
    for (let i = 0; i < pending.length; i++) {
      if (opts.signal?.aborted) throw opts.signal.reason instanceof Error ? opts.signal.reason : new Error('aborted');
      const text = this.decode(tokens.slice(0, i + 1));
      // Hold back a trailing replacement character: the next token may complete it.
      const stable = text.endsWith('\uFFFD') && i + 1 < pending.length ? text.slice(0, -1) : text;
      const delta = stable.startsWith(shown) ? stable.slice(shown.length) : '';
      if (delta !== '') shown = stable;
      yield { token: pending[i]!, delta };
      await new Promise<void>((r) => setImmediate(r));
    }
    const text = this.decode(tokens);
    if (stoppedOnEos) tokens.push(this.eosTokenId!);
    return { text, promptTokens, tokens, stop: stoppedOnEos ? 'eos' : 'length' };
  }

  /** Proves a finished greedy generation against this model's commitment. */
  prove(g: GenerationRecord, onProgress?: GenerateOptions['onProgress']): { proof: Uint8Array; timings: ProveTimings } {
    const committed = this.commitment();
    const { bytes, timings } = proveGeneration(this.quantized, committed, PROVERS, { promptTokens: g.promptTokens, outputTokens: g.tokens, stop: g.stop }, onProgress);
    return { proof: bytes, timings };
  }
}
