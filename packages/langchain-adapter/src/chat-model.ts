/**
 * ZkChatModel: a LangChain chat model whose answers carry a proof that the committed
 * model produced them (greedy decoding), in `response_metadata.zkllm`.
 */
import { BaseChatModel, type BaseChatModelCallOptions, type BaseChatModelParams, type LangSmithParams } from '@langchain/core/language_models/chat_models';
import type { CallbackManagerForLLMRun } from '@langchain/core/callbacks/manager';
import { AIMessage, AIMessageChunk, type BaseMessage, type UsageMetadata } from '@langchain/core/messages';
import { ChatGenerationChunk, type ChatResult } from '@langchain/core/outputs';
import { ZkModel, type Generation } from '@zkllm/core';
import { toBase64Url, type ModelCommitment, type ModelCommitmentFile } from '@zkllm/verifier';
import { toChatMessages, ZkUnsupportedError } from './messages.js';
import { sha256Hex, ZKLLM_METADATA_VERSION, type ZkllmMetadata } from './metadata.js';
import { checkZkllmMetadata, pinCommitment } from './verify.js';

/** Proving-stage progress, called synchronously from inside the prover. */
export type ProveProgress = (stage: string, done: number, total: number) => void;

export interface ZkChatModelFields extends BaseChatModelParams {
  /** A loaded model or a model directory (default: the bundled tiny-moby model). */
  model?: ZkModel | string;
  /** Largest number of generated tokens per call (default 16). Proving time grows with it. */
  maxTokens?: number;
  /** Attach a proof to every answer (default true). */
  proof?: boolean;
  /** Verify each proof against the model's own commitment before returning it (default true). */
  verify?: boolean;
  /** Progress of the (synchronous) proving stages. */
  onProgress?: ProveProgress;
}

export interface ZkChatModelCallOptions extends BaseChatModelCallOptions {
  /** Overrides the model's `maxTokens` for this call. */
  maxTokens?: number;
  /** Overrides the model's `proof` for this call. */
  proof?: boolean;
}

// Options other chat models accept that a greedy proof cannot honour. Passing one is a
// mistake the caller should hear about rather than an answer that silently ignores it.
const UNSUPPORTED_OPTIONS = ['tools', 'tool_choice', 'functions', 'function_call', 'response_format', 'temperature', 'top_p', 'n', 'seed', 'logit_bias'] as const;

export const DEFAULT_MAX_TOKENS = 16;

/** Rejects call options a greedy proof cannot honour (shared by the local and remote models). */
export function checkCallOptions(options: Record<string, unknown>): void {
  const stop = options.stop;
  if (Array.isArray(stop) && stop.length > 0) {
    throw new ZkUnsupportedError('stop sequences are not supported: a proof covers the whole greedy generation up to EOS or maxTokens, so the answer cannot be cut short');
  }
  for (const key of UNSUPPORTED_OPTIONS) {
    const v = options[key];
    if (v !== undefined && !(key === 'tool_choice' && v === 'none') && !(Array.isArray(v) && v.length === 0)) {
      throw new ZkUnsupportedError(`call option "${key}" is not supported by ZkChatModel (zkLLM proves plain greedy text generation)`);
    }
  }
  const max = options.maxTokens;
  if (max !== undefined && (typeof max !== 'number' || !Number.isInteger(max) || max < 1)) throw new RangeError('maxTokens must be a positive integer');
}

function usage(g: Generation): UsageMetadata {
  return { input_tokens: g.promptTokens.length, output_tokens: g.tokens.length, total_tokens: g.promptTokens.length + g.tokens.length };
}

export class ZkChatModel extends BaseChatModel<ZkChatModelCallOptions> {
  static override lc_name(): string {
    return 'ZkChatModel';
  }

  readonly zkModel: ZkModel;
  maxTokens: number;
  proof: boolean;
  verify: boolean;
  onProgress: ProveProgress | undefined;
  private pinned: ModelCommitment | undefined;

  constructor(fields: ZkChatModelFields | ZkModel | string = {}) {
    const f: ZkChatModelFields = typeof fields === 'string' || fields instanceof ZkModel ? { model: fields } : fields;
    super(f);
    this.zkModel = f.model instanceof ZkModel ? f.model : ZkModel.load(f.model);
    this.maxTokens = f.maxTokens ?? DEFAULT_MAX_TOKENS;
    if (!Number.isInteger(this.maxTokens) || this.maxTokens < 1) throw new RangeError('maxTokens must be a positive integer');
    this.proof = f.proof ?? true;
    this.verify = f.verify ?? true;
    this.onProgress = f.onProgress;
  }

  _llmType(): string {
    return 'zkllm';
  }

  /** The model commitment answers are proven against (publish it; computed once). */
  commitment(): ModelCommitmentFile {
    return this.zkModel.commit();
  }

  private parsedCommitment(): ModelCommitment {
    this.pinned ??= pinCommitment(this.zkModel.parsedCommitment());
    return this.pinned;
  }

  override invocationParams(options?: this['ParsedCallOptions']): { model_digest: string; max_tokens: number; proof: boolean } {
    return {
      model_digest: this.commitment().digest,
      max_tokens: options?.maxTokens ?? this.maxTokens,
      proof: options?.proof ?? this.proof,
    };
  }

  override getLsParams(options: this['ParsedCallOptions']): LangSmithParams {
    return { ls_provider: 'zkllm', ls_model_name: `zkllm:${this.commitment().digest.slice(0, 16)}`, ls_model_type: 'chat', ls_max_tokens: options.maxTokens ?? this.maxTokens };
  }

  /** The `response_metadata.zkllm` record for a finished generation: proves and verifies it as configured. */
  private async attest(g: Generation, wantProof: boolean, signal: AbortSignal | undefined): Promise<ZkllmMetadata> {
    const base = { version: ZKLLM_METADATA_VERSION, modelDigest: this.commitment().digest, promptTokens: g.promptTokens, outputTokens: g.tokens, stop: g.stop } as const;
    if (!wantProof) return { ...base, verified: false };
    signal?.throwIfAborted();
    const bytes = g.proof ?? this.zkModel.prove(g, this.onProgress).proof;
    const meta: ZkllmMetadata = { ...base, proof: toBase64Url(bytes), proofDigest: await sha256Hex(bytes), verified: false };
    if (!this.verify) return meta;
    const check = await checkZkllmMetadata(meta, this.parsedCommitment(), {
      text: g.text,
      decode: (t) => this.zkModel.decode(t),
      promptTokens: g.promptTokens,
    });
    return { ...meta, verified: true, valid: check.valid, ...(check.reason !== undefined ? { reason: check.reason } : {}) };
  }

  private responseMetadata(g: Generation, zkllm: ZkllmMetadata): Record<string, unknown> {
    return { model_provider: 'zkllm', finish_reason: g.stop === 'eos' ? 'stop' : 'length', zkllm };
  }

  async _generate(messages: BaseMessage[], options: this['ParsedCallOptions'], runManager?: CallbackManagerForLLMRun): Promise<ChatResult> {
    checkCallOptions(options as Record<string, unknown>);
    const chat = toChatMessages(messages);
    options.signal?.throwIfAborted();
    const wantProof = options.proof ?? this.proof;
    const g = this.zkModel.generate({ messages: chat }, { maxTokens: options.maxTokens ?? this.maxTokens });
    await runManager?.handleCustomEvent('zkllm_proving', { tokens: g.tokens.length });
    const zkllm = await this.attest(g, wantProof, options.signal);
    const message = new AIMessage({ content: g.text, response_metadata: this.responseMetadata(g, zkllm), usage_metadata: usage(g) });
    return { generations: [{ text: g.text, message }] };
  }

  /**
   * Streams tokens as they are decoded, then proves the finished generation and sends the
   * proof on one final, empty chunk. Proving blocks the event loop, so it starts only
   * after the last token chunk has been handed out.
   */
  override async *_streamResponseChunks(messages: BaseMessage[], options: this['ParsedCallOptions'], runManager?: CallbackManagerForLLMRun): AsyncGenerator<ChatGenerationChunk> {
    checkCallOptions(options as Record<string, unknown>);
    const chat = toChatMessages(messages);
    const wantProof = options.proof ?? this.proof;
    const steps = this.zkModel.stream({ messages: chat }, { maxTokens: options.maxTokens ?? this.maxTokens, ...(options.signal ? { signal: options.signal } : {}) });
    let step = await steps.next();
    while (!step.done) {
      const { delta } = step.value;
      if (delta !== '') {
        const chunk = new ChatGenerationChunk({ text: delta, message: new AIMessageChunk({ content: delta }) });
        yield chunk;
        await runManager?.handleLLMNewToken(delta, undefined, undefined, undefined, undefined, { chunk });
      }
      step = await steps.next();
    }
    const g = step.value;
    if (wantProof) await runManager?.handleCustomEvent('zkllm_proving', { tokens: g.tokens.length });
    const zkllm = await this.attest(g, wantProof, options.signal);
    yield new ChatGenerationChunk({
      text: '',
      message: new AIMessageChunk({ content: '', response_metadata: this.responseMetadata(g, zkllm), usage_metadata: usage(g) }),
    });
  }
}
