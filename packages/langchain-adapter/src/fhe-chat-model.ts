/**
 * ZkFheChatModel: the `fhe: true` path of @zkllm/langchain. A LangChain chat model whose
 * prompt never leaves the process in the clear: it runs FHE split inference against a
 * remote `zkllmFhe()` server (@zkllm/express) — the non-linear parts here, the linear
 * layers on the server over BFV ciphertexts — and verifies the server's proof of every
 * step against the FHE commitment the application pinned before a token is handed out.
 *
 * It needs the model's public parts (tokenizer, chat template, embedding table, norm and
 * requantization parameters): `model` is loaded locally and its linear weights are
 * stripped before use (`clientModel`), so they play no part in the answer.
 * See docs/FHE.md and docs/PRIVACY.md for what the server learns (sizes and timing).
 */
import { BaseChatModel, type BaseChatModelCallOptions, type BaseChatModelParams, type LangSmithParams } from '@langchain/core/language_models/chat_models';
import type { CallbackManagerForLLMRun } from '@langchain/core/callbacks/manager';
import { AIMessage, AIMessageChunk, type BaseMessage, type UsageMetadata } from '@langchain/core/messages';
import { ChatGenerationChunk, type ChatResult } from '@langchain/core/outputs';
import { FheClient, HttpFheTransport, ZkModel, clientModel, type FheGenerateResult, type FheTransport, type HttpFheTransportOptions, type QuantizedModel } from '@zkllm/core';
import { checkCallOptions, DEFAULT_MAX_TOKENS } from './chat-model.js';
import { toChatMessages } from './messages.js';
import { ZKLLM_METADATA_VERSION, type ZkllmMetadata } from './metadata.js';
import { pinCommitment, type CommitmentInput } from './verify.js';
import type { ModelCommitment } from '@zkllm/verifier';

const hex = (b: Uint8Array): string => b.reduce((s, x) => s + x.toString(16).padStart(2, '0'), '');

export interface ZkFheChatModelFields extends BaseChatModelParams {
  /** Where the `zkllmFhe()` router is mounted, e.g. `http://127.0.0.1:3000`. */
  baseUrl?: string;
  /** Any other transport instead of `baseUrl` (e.g. `LocalFheTransport` in-process). */
  transport?: FheTransport;
  /** The pinned FHE commitment digest (hex), published by the server's operator. */
  pin?: string;
  /**
   * The pinned model commitment C_W (`model.commit.json` contents or parsed). The server
   * must then serve a link proof that its encoded weights are C_W's weights (and in
   * range), checked at connect. At least one of `pin` and `commitment` is required.
   */
  commitment?: CommitmentInput;
  /** The model's public parts: a ZkModel or model directory (default: the bundled model). */
  model?: ZkModel | string;
  /** Largest number of generated tokens per call (default 16). */
  maxTokens?: number;
  /**
   * `'step'` (default): a proof per forward step, verified before the step's token is
   * returned or streamed. `'end'`: one proof for the whole answer (cheaper, but streamed
   * tokens are then unverified until the last chunk).
   */
  proveEvery?: 'step' | 'end';
  /** HTTP options (fetch, headers, limits) for `baseUrl`. */
  http?: HttpFheTransportOptions;
}

export interface ZkFheChatModelCallOptions extends BaseChatModelCallOptions {
  maxTokens?: number;
}

/** `response_metadata.zkllm` of an FHE answer: no generation proof, the server's FHE proofs checked here. */
export type ZkFheMetadata = ZkllmMetadata & {
  readonly fhe: {
    /** The FHE commitment every server proof was verified against (the pinned one, or the one linked to C_W). */
    readonly commitment: string;
    /** True when the server's link proof to the pinned model commitment C_W was checked. */
    readonly linked: boolean;
    readonly proofsVerified: number;
    readonly proofBytes: number;
    readonly bytesUp: number;
    readonly bytesDown: number;
  };
};

export class ZkFheChatModel extends BaseChatModel<ZkFheChatModelCallOptions> {
  static override lc_name(): string {
    return 'ZkFheChatModel';
  }

  readonly zkModel: ZkModel;
  readonly pin: string | undefined;
  readonly modelCommitment: ModelCommitment | undefined;
  maxTokens: number;
  proveEvery: 'step' | 'end';
  private readonly transport: FheTransport;
  private client: QuantizedModel | undefined;

  constructor(fields: ZkFheChatModelFields) {
    super(fields);
    if (fields.pin === undefined && fields.commitment === undefined) throw new TypeError('pin the server: pass pin (the FHE commitment digest) and/or commitment (the model commitment C_W), obtained out of band');
    if (fields.pin !== undefined && (typeof fields.pin !== 'string' || !/^[0-9a-f]{64}$/.test(fields.pin))) throw new TypeError('pin must be the FHE commitment digest (64 lowercase hex digits), obtained out of band');
    this.pin = fields.pin;
    this.modelCommitment = fields.commitment === undefined ? undefined : pinCommitment(fields.commitment);
    if (fields.transport !== undefined) this.transport = fields.transport;
    else if (typeof fields.baseUrl === 'string' && fields.baseUrl !== '') this.transport = new HttpFheTransport(fields.baseUrl, fields.http);
    else throw new TypeError('pass baseUrl (a zkllmFhe() server) or transport');
    this.zkModel = fields.model instanceof ZkModel ? fields.model : ZkModel.load(fields.model);
    this.maxTokens = fields.maxTokens ?? DEFAULT_MAX_TOKENS;
    if (!Number.isInteger(this.maxTokens) || this.maxTokens < 1) throw new RangeError('maxTokens must be a positive integer');
    this.proveEvery = fields.proveEvery ?? 'step';
    if (this.proveEvery !== 'step' && this.proveEvery !== 'end') throw new TypeError(`proveEvery must be 'step' or 'end'`);
  }

  _llmType(): string {
    return 'zkllm-fhe';
  }

  override invocationParams(options?: this['ParsedCallOptions']): { fhe_commitment?: string; model_commitment?: string; max_tokens: number } {
    return {
      ...(this.pin !== undefined ? { fhe_commitment: this.pin } : {}),
      ...(this.modelCommitment !== undefined ? { model_commitment: this.modelCommitment.file.digest } : {}),
      max_tokens: options?.maxTokens ?? this.maxTokens,
    };
  }

  override getLsParams(options: this['ParsedCallOptions']): LangSmithParams {
    return { ls_provider: 'zkllm', ls_model_name: `zkllm-fhe:${(this.pin ?? this.modelCommitment?.file.digest ?? '').slice(0, 16)}`, ls_model_type: 'chat', ls_max_tokens: options.maxTokens ?? this.maxTokens };
  }

  /** The weight-free copy the client computes with. */
  private clientModel(): QuantizedModel {
    this.client ??= clientModel(this.zkModel.quantized);
    return this.client;
  }

  /**
   * One FHE generation in its own session (fresh keys, fresh server session: sessions
   * hold per-answer call logs that a proof must cover in order).
   */
  private async run(messages: BaseMessage[], options: this['ParsedCallOptions'], onToken?: (t: number) => void): Promise<{ res: FheGenerateResult; promptTokens: number[]; meta: ZkFheMetadata }> {
    checkCallOptions(options as Record<string, unknown>);
    const chat = toChatMessages(messages);
    options.signal?.throwIfAborted();
    const promptTokens = this.zkModel.promptTokens({ messages: chat });
    const maxTokens = this.zkModel.room(promptTokens, options.maxTokens ?? this.maxTokens);
    const client = await FheClient.connect(this.transport, {
      ...(this.pin !== undefined ? { pin: this.pin } : {}),
      ...(this.modelCommitment !== undefined ? { model: this.modelCommitment } : {}),
    });
    let res: FheGenerateResult;
    try {
      res = await client.generate(this.clientModel(), promptTokens, {
        maxTokens,
        eosTokenId: this.zkModel.eosTokenId,
        proveEvery: this.proveEvery,
        onToken: (t) => {
          options.signal?.throwIfAborted();
          onToken?.(t);
        },
      });
    } finally {
      await client.close().catch(() => {});
    }
    const layers = [...res.layers.values()];
    const outputTokens = res.stoppedOnEos ? [...res.tokens, this.zkModel.eosTokenId!] : res.tokens;
    const meta: ZkFheMetadata = {
      version: ZKLLM_METADATA_VERSION,
      modelDigest: hex(client.commitment.modelDigest),
      promptTokens,
      outputTokens,
      stop: res.stoppedOnEos ? 'eos' : 'length',
      // FheClient.generate throws unless every proof verified.
      verified: true,
      valid: true,
      fhe: {
        commitment: hex(client.commitment.digest),
        linked: this.modelCommitment !== undefined,
        proofsVerified: res.proofsVerified,
        proofBytes: res.proofBytes,
        bytesUp: layers.reduce((s, l) => s + l.bytesUp, 0),
        bytesDown: layers.reduce((s, l) => s + l.bytesDown, 0),
      },
    };
    return { res, promptTokens, meta };
  }

  private static usage(promptTokens: readonly number[], tokens: readonly number[]): UsageMetadata {
    return { input_tokens: promptTokens.length, output_tokens: tokens.length, total_tokens: promptTokens.length + tokens.length };
  }

  async _generate(messages: BaseMessage[], options: this['ParsedCallOptions']): Promise<ChatResult> {
    const { res, promptTokens, meta } = await this.run(messages, options);
    const text = this.zkModel.decode(res.tokens);
    const message = new AIMessage({
      content: text,
      response_metadata: { model_provider: 'zkllm', finish_reason: res.stoppedOnEos ? 'stop' : 'length', zkllm: meta },
      usage_metadata: ZkFheChatModel.usage(promptTokens, res.tokens),
    });
    return { generations: [{ text, message }] };
  }

  private async *emit(delta: string, runManager?: CallbackManagerForLLMRun): AsyncGenerator<ChatGenerationChunk> {
    const chunk = new ChatGenerationChunk({ text: delta, message: new AIMessageChunk({ content: delta }) });
    yield chunk;
    await runManager?.handleLLMNewToken(delta, undefined, undefined, undefined, undefined, { chunk });
  }

  /**
   * Streams each token once the proof of the step that produced it has verified (with
   * `proveEvery: 'step'`); the metadata comes on a final empty chunk, as for ZkChatModel.
   */
  override async *_streamResponseChunks(messages: BaseMessage[], options: this['ParsedCallOptions'], runManager?: CallbackManagerForLLMRun): AsyncGenerator<ChatGenerationChunk> {
    const queue: number[] = [];
    let wake: (() => void) | undefined;
    let finished = false;
    const done = this.run(messages, options, (t) => {
      queue.push(t);
      wake?.();
    }).finally(() => {
      finished = true;
      wake?.();
    });
    // Surface a failure only through the awaited `done` below, not as an unhandled rejection.
    done.catch(() => {});
    const emitted: number[] = [];
    let textSoFar = '';
    while (!finished || queue.length > 0) {
      if (queue.length === 0) {
        await new Promise<void>((r) => (wake = r));
        wake = undefined;
        continue;
      }
      emitted.push(queue.shift()!);
      // Decoding the whole prefix keeps multi-token characters intact.
      const text = this.zkModel.decode(emitted);
      // A character split over tokens decodes to U+FFFD until its last byte arrives.
      if (text.endsWith('\uFFFD') || !text.startsWith(textSoFar)) continue;
      const delta = text.slice(textSoFar.length);
      textSoFar = text;
      if (delta === '') continue;
      yield* this.emit(delta, runManager);
    }
    const { res, promptTokens, meta } = await done;
    const rest = this.zkModel.decode(res.tokens).slice(textSoFar.length);
    if (rest !== '') yield* this.emit(rest, runManager);
    yield new ChatGenerationChunk({
      text: '',
      message: new AIMessageChunk({
        content: '',
        response_metadata: { model_provider: 'zkllm', finish_reason: res.stoppedOnEos ? 'stop' : 'length', zkllm: meta },
        usage_metadata: ZkFheChatModel.usage(promptTokens, res.tokens),
      }),
    });
  }
}
