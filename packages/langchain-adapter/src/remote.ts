/**
 * ZkRemoteChatModel: a LangChain chat model for a remote zkLLM server (OpenAI-compatible
 * `POST /v1/chat/completions`, e.g. @zkllm/express). Every answer, JSON or streamed, is
 * checked with `verifyResponse` against a commitment and server key the application pins:
 * the server's Ed25519 signature over the body and proof digests, the proof against the
 * committed model, the answer text against the proven tokens, and the sent messages
 * against the proven prompt.
 */
import { BaseChatModel, type BaseChatModelCallOptions, type BaseChatModelParams, type LangSmithParams } from '@langchain/core/language_models/chat_models';
import type { CallbackManagerForLLMRun } from '@langchain/core/callbacks/manager';
import { AIMessage, AIMessageChunk, type BaseMessage, type UsageMetadata } from '@langchain/core/messages';
import { ChatGenerationChunk, type ChatResult } from '@langchain/core/outputs';
import {
  CHAT_COMPLETIONS_PATH,
  MODEL_PATH,
  parseModelCommitment,
  parseSse,
  toBase64Url,
  verifyResponse,
  type HttpMessageLike,
  type ModelCommitment,
  type ModelCommitmentFile,
  type VerifyResponseResult,
} from '@zkllm/verifier';
import { checkCallOptions } from './chat-model.js';
import { toChatMessages, type ChatRole } from './messages.js';
import { sha256Hex, ZKLLM_METADATA_VERSION, type ZkllmMetadata } from './metadata.js';
import { pinCommitment } from './verify.js';

type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

export interface ZkRemoteChatModelFields extends BaseChatModelParams {
  /** Where the server's routes are mounted, e.g. `http://127.0.0.1:3000` (an OpenAI-style `.../v1` is accepted too). */
  baseUrl: string;
  /** The pinned model commitment (`model.commit.json` contents). */
  commitment?: ModelCommitmentFile | ModelCommitment;
  /**
   * The pinned commitment digest (hex). Alone, the commitment is fetched from the server's
   * `GET /v1/zkllm/model` once and accepted only if it has this digest.
   */
  digest?: string;
  /** The pinned server signing key: Ed25519, base64url (as `public_key` of `/v1/zkllm/model`) or 32 bytes. */
  publicKey: string | Uint8Array;
  /**
   * An answer that fails verification: `'throw'` (default) rejects the call with a
   * {@link ZkRemoteVerificationError}; `'flag'` returns it with
   * `response_metadata.zkllm.valid === false` and the reason.
   */
  onInvalid?: 'throw' | 'flag';
  /** The `model` field sent to the server (default: the `id` its `GET /v1/zkllm/model` reports). */
  model?: string;
  /** `max_tokens` per call (default: the server's default). */
  maxTokens?: number;
  /** Extra request headers (e.g. authorization). */
  headers?: Record<string, string>;
  /** Fetch implementation (default `globalThis.fetch`). */
  fetch?: Fetch;
  /** How long to wait for a proof the server is still proving, ms (default 300 000). */
  proofTimeoutMs?: number;
  /** Copy the proof bytes into `response_metadata.zkllm.proof` (default true). */
  includeProof?: boolean;
}

export interface ZkRemoteChatModelCallOptions extends BaseChatModelCallOptions {
  maxTokens?: number;
}

/** The server's answer did not verify (only with `onInvalid: 'throw'`). */
export class ZkRemoteVerificationError extends Error {
  override name = 'ZkRemoteVerificationError';
  readonly reason: string;
  readonly proofId: string | undefined;
  constructor(reason: string, proofId?: string) {
    super(`zkLLM server answer rejected: ${reason}`);
    this.reason = reason;
    this.proofId = proofId;
  }
}

/** The server answered with an HTTP error (nothing to verify). */
export class ZkRemoteHttpError extends Error {
  override name = 'ZkRemoteHttpError';
  readonly status: number;
  constructor(status: number, message: string) {
    super(`zkLLM server answered ${status}: ${message}`);
    this.status = status;
  }
}

function errorMessage(body: string): string {
  try {
    const j = JSON.parse(body) as { error?: { message?: unknown } };
    if (typeof j.error?.message === 'string') return j.error.message;
  } catch {
    // Not JSON: fall through to the raw text.
  }
  return body.slice(0, 300) || '(empty body)';
}

function headerRecord(h: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  h.forEach((v, k) => (out[k] = v));
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Text of a JSON completion, read only to show it in a flagged (unverified) answer. */
function unverifiedText(body: string): string {
  try {
    const j: unknown = JSON.parse(body);
    const c = isRecord(j) && Array.isArray(j.choices) && isRecord(j.choices[0]) && isRecord(j.choices[0].message) ? j.choices[0].message.content : undefined;
    return typeof c === 'string' ? c : '';
  } catch {
    return '';
  }
}

export class ZkRemoteChatModel extends BaseChatModel<ZkRemoteChatModelCallOptions> {
  static override lc_name(): string {
    return 'ZkRemoteChatModel';
  }

  readonly baseUrl: string;
  readonly publicKey: string | Uint8Array;
  onInvalid: 'throw' | 'flag';
  model: string | undefined;
  maxTokens: number | undefined;
  includeProof: boolean;
  proofTimeoutMs: number | undefined;
  private readonly headers: Record<string, string>;
  private readonly fetchFn: Fetch;
  private readonly pinnedDigest: string | undefined;
  private pinned: ModelCommitment | undefined;
  private info: Promise<Record<string, unknown>> | undefined;

  constructor(fields: ZkRemoteChatModelFields) {
    super(fields);
    if (typeof fields.baseUrl !== 'string' || fields.baseUrl === '') throw new TypeError('baseUrl is required');
    // OpenAI clients are configured with `.../v1`; the contract's paths include it already.
    this.baseUrl = fields.baseUrl.replace(/\/+$/, '').replace(/\/v1$/, '');
    if (fields.publicKey === undefined) throw new TypeError('publicKey is required: pin the server key (public_key of GET /v1/zkllm/model, obtained out of band)');
    this.publicKey = fields.publicKey;
    if (fields.commitment === undefined && fields.digest === undefined) throw new TypeError('pin the model: pass commitment or digest');
    if (fields.digest !== undefined && !/^[0-9a-fA-F]{64}$/.test(fields.digest)) throw new TypeError('digest must be 64 hex characters');
    this.pinnedDigest = fields.digest?.toLowerCase();
    if (fields.commitment !== undefined) this.pinned = pinCommitment(fields.commitment, this.pinnedDigest);
    this.onInvalid = fields.onInvalid ?? 'throw';
    if (this.onInvalid !== 'throw' && this.onInvalid !== 'flag') throw new TypeError(`onInvalid must be 'throw' or 'flag'`);
    this.model = fields.model;
    this.maxTokens = fields.maxTokens;
    this.includeProof = fields.includeProof ?? true;
    this.proofTimeoutMs = fields.proofTimeoutMs;
    this.headers = { ...fields.headers };
    const f = fields.fetch ?? globalThis.fetch;
    if (typeof f !== 'function') throw new TypeError('no fetch available: pass fetch');
    this.fetchFn = (input, init) => f(input, init);
  }

  _llmType(): string {
    return 'zkllm-remote';
  }

  override invocationParams(options?: this['ParsedCallOptions']): { model?: string; max_tokens?: number } {
    const max = options?.maxTokens ?? this.maxTokens;
    return { ...(this.model !== undefined ? { model: this.model } : {}), ...(max !== undefined ? { max_tokens: max } : {}) };
  }

  override getLsParams(options: this['ParsedCallOptions']): LangSmithParams {
    const max = options.maxTokens ?? this.maxTokens;
    return { ls_provider: 'zkllm', ls_model_type: 'chat', ...(this.model !== undefined ? { ls_model_name: this.model } : {}), ...(max !== undefined ? { ls_max_tokens: max } : {}) };
  }

  /** GET /v1/zkllm/model: the server's commitment, key and model name (not trusted: checked against the pins). */
  private async serverInfo(signal?: AbortSignal): Promise<Record<string, unknown>> {
    this.info ??= (async () => {
      const res = await this.fetchFn(this.baseUrl + MODEL_PATH, { headers: { accept: 'application/json', ...this.headers }, ...(signal ? { signal } : {}) });
      const body = await res.text();
      if (res.status !== 200) throw new ZkRemoteHttpError(res.status, errorMessage(body));
      let info: unknown;
      try {
        info = JSON.parse(body);
      } catch {
        throw new Error(`${MODEL_PATH} did not return JSON`);
      }
      if (!isRecord(info)) throw new Error(`${MODEL_PATH} did not return a JSON object`);
      return info;
    })();
    try {
      return await this.info;
    } catch (e) {
      this.info = undefined;
      throw e;
    }
  }

  /** The pinned commitment (fetched from the server and digest-checked when only a digest was pinned). */
  async commitment(signal?: AbortSignal): Promise<ModelCommitment> {
    if (this.pinned !== undefined) return this.pinned;
    const info = await this.serverInfo(signal);
    try {
      this.pinned = parseModelCommitment(info.commitment, this.pinnedDigest);
    } catch (e) {
      throw new ZkRemoteVerificationError(`the server's model commitment is not the pinned one: ${(e as Error).message}`);
    }
    return this.pinned;
  }

  /** The `model` to request: the configured one, else the name the server reports. */
  private async modelName(signal?: AbortSignal): Promise<string> {
    if (this.model !== undefined) return this.model;
    const id = (await this.serverInfo(signal)).id;
    if (typeof id !== 'string' || id === '') throw new Error(`${MODEL_PATH} names no model id: pass model`);
    return id;
  }

  private async post(messages: BaseMessage[], options: this['ParsedCallOptions'], stream: boolean): Promise<{ res: Response; sent: Array<{ role: ChatRole; content: string }> }> {
    checkCallOptions(options as Record<string, unknown>);
    const sent = toChatMessages(messages);
    const max = options.maxTokens ?? this.maxTokens;
    const body = {
      model: await this.modelName(options.signal ?? undefined),
      messages: sent,
      ...(max !== undefined ? { max_tokens: max } : {}),
      stream,
    };
    const res = await this.fetchFn(this.baseUrl + CHAT_COMPLETIONS_PATH, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: stream ? 'text/event-stream' : 'application/json', ...this.headers },
      body: JSON.stringify(body),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (res.status !== 200) throw new ZkRemoteHttpError(res.status, errorMessage(await res.text()));
    return { res, sent };
  }

  /**
   * Runs verifyResponse on a fully read response, fetching the proof through a fetch that
   * keeps a copy of the bytes so they can go into the metadata.
   */
  private async check(message: HttpMessageLike, sent: ReadonlyArray<{ content: string }>, commitment: ModelCommitment, signal: AbortSignal | undefined): Promise<{ r: VerifyResponseResult; proof?: Uint8Array }> {
    let proof: Uint8Array | undefined;
    const r = await verifyResponse(message, {
      commitment,
      publicKey: this.publicKey,
      baseUrl: this.baseUrl + '/',
      messages: sent.map((m) => m.content),
      fetch: async (url, init) => {
        const res = await this.fetchFn(url, { ...init, headers: { ...this.headers, ...init?.headers } });
        if (res.status !== 200) return res;
        const bytes = new Uint8Array(await res.arrayBuffer());
        proof = bytes;
        return new Response(bytes, { status: res.status, headers: res.headers });
      },
      ...(this.proofTimeoutMs !== undefined ? { proofTimeoutMs: this.proofTimeoutMs } : {}),
      ...(signal ? { signal } : {}),
    });
    return proof === undefined ? { r } : { r, proof };
  }

  /** The zkllm record for a verdict; throws for an invalid answer unless flagging. */
  private async verdictMetadata(r: VerifyResponseResult, proof: Uint8Array | undefined, commitment: ModelCommitment): Promise<ZkllmMetadata> {
    const modelDigest = commitment.file.digest;
    const proofId = r.proofId !== undefined ? { proofId: r.proofId } : {};
    if (!r.valid) {
      if (this.onInvalid === 'throw') throw new ZkRemoteVerificationError(r.reason ?? 'invalid', r.proofId);
      return { version: ZKLLM_METADATA_VERSION, modelDigest, verified: true, valid: false, reason: r.reason ?? 'invalid', ...proofId };
    }
    const st = r.statement!;
    return {
      version: ZKLLM_METADATA_VERSION,
      modelDigest,
      ...(proof !== undefined && this.includeProof ? { proof: toBase64Url(proof), proofDigest: await sha256Hex(proof) } : {}),
      promptTokens: [...st.promptTokens],
      outputTokens: [...st.outputTokens],
      stop: st.stop,
      verified: true,
      valid: true,
      ...proofId,
    };
  }

  private static usage(meta: ZkllmMetadata): UsageMetadata | undefined {
    if (meta.promptTokens === undefined || meta.outputTokens === undefined) return undefined;
    const input = meta.promptTokens.length;
    const output = meta.outputTokens.length;
    return { input_tokens: input, output_tokens: output, total_tokens: input + output };
  }

  private static responseMetadata(meta: ZkllmMetadata): Record<string, unknown> {
    return { model_provider: 'zkllm', ...(meta.stop !== undefined ? { finish_reason: meta.stop === 'eos' ? 'stop' : 'length' } : {}), zkllm: meta };
  }

  async _generate(messages: BaseMessage[], options: this['ParsedCallOptions']): Promise<ChatResult> {
    const commitment = await this.commitment(options.signal);
    const { res, sent } = await this.post(messages, options, false);
    const body = new Uint8Array(await res.arrayBuffer());
    const { r, proof } = await this.check({ status: res.status, headers: headerRecord(res.headers), body, url: res.url || this.baseUrl + CHAT_COMPLETIONS_PATH }, sent, commitment, options.signal);
    const meta = await this.verdictMetadata(r, proof, commitment);
    // A flagged answer still shows the server's text, so the caller can see what was rejected.
    const text = r.valid ? r.text! : unverifiedText(new TextDecoder().decode(body));
    const usage = ZkRemoteChatModel.usage(meta);
    const message = new AIMessage({ content: text, response_metadata: ZkRemoteChatModel.responseMetadata(meta), ...(usage ? { usage_metadata: usage } : {}) });
    return { generations: [{ text, message }] };
  }

  /**
   * Streams the server's tokens as they arrive; the verdict (and proof) comes on a final
   * empty chunk once the stream's proof frame has been checked. Tokens are shown before
   * they are verified: with `onInvalid: 'throw'` the stream then rejects at its end.
   */
  override async *_streamResponseChunks(messages: BaseMessage[], options: this['ParsedCallOptions'], runManager?: CallbackManagerForLLMRun): AsyncGenerator<ChatGenerationChunk> {
    const commitment = await this.commitment(options.signal);
    const { res, sent } = await this.post(messages, options, true);
    if (res.body === null) throw new Error('the server sent an empty stream');
    const decoder = new TextDecoder('utf-8', { fatal: true });
    let raw = '';
    let pending = '';
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      const text = done ? decoder.decode() : decoder.decode(value, { stream: true });
      raw += text;
      pending += text;
      // Hand out complete events only; the partial tail waits for more bytes.
      const cut = Math.max(pending.lastIndexOf('\n\n'), pending.lastIndexOf('\r\n\r\n'));
      if (cut >= 0) {
        const complete = pending.slice(0, cut) + '\n\n';
        pending = pending.slice(cut).replace(/^(\r?\n)+/, '');
        for (const delta of contentDeltas(complete)) {
          const chunk = new ChatGenerationChunk({ text: delta, message: new AIMessageChunk({ content: delta }) });
          yield chunk;
          await runManager?.handleLLMNewToken(delta, undefined, undefined, undefined, undefined, { chunk });
        }
      }
      if (done) break;
    }
    const { r, proof } = await this.check({ status: res.status, headers: headerRecord(res.headers), body: raw, url: res.url || this.baseUrl + CHAT_COMPLETIONS_PATH }, sent, commitment, options.signal);
    const meta = await this.verdictMetadata(r, proof, commitment);
    const usage = ZkRemoteChatModel.usage(meta);
    yield new ChatGenerationChunk({
      text: '',
      message: new AIMessageChunk({ content: '', response_metadata: ZkRemoteChatModel.responseMetadata(meta), ...(usage ? { usage_metadata: usage } : {}) }),
    });
  }
}

/** Assistant content pieces in complete SSE events (verification re-reads the whole stream later). */
function contentDeltas(events: string): string[] {
  const out: string[] = [];
  let parsed;
  try {
    parsed = parseSse(events);
  } catch {
    return out;
  }
  for (const ev of parsed) {
    if (ev.event !== 'message' || ev.data === '[DONE]') continue;
    try {
      const j: unknown = JSON.parse(ev.data);
      const c = isRecord(j) && Array.isArray(j.choices) && isRecord(j.choices[0]) && isRecord(j.choices[0].delta) ? j.choices[0].delta.content : undefined;
      if (typeof c === 'string' && c !== '') out.push(c);
    } catch {
      // Malformed chunks are reported by the verification at the end of the stream.
    }
  }
  return out;
}
