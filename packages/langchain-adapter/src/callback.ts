/**
 * ZkVerifyCallbackHandler: verifies the proof behind every chat-model answer a LangChain
 * run produces, whichever zkLLM model produced it (local ZkChatModel or a remote server's
 * client), against a commitment the application pins.
 */
import { BaseCallbackHandler } from '@langchain/core/callbacks/base';
import type { BaseMessage } from '@langchain/core/messages';
import type { LLMResult } from '@langchain/core/outputs';
import type { GenerationStatement, ModelCommitment } from '@zkllm/verifier';
import type { ChatMessage } from '@zkllm/core';
import { toChatMessages } from './messages.js';
import { readZkllmMetadata, ZkMetadataError } from './metadata.js';
import { checkZkllmMetadata, pinCommitment, type CommitmentInput } from './verify.js';

/** One checked answer. */
export interface ZkVerification {
  readonly runId: string;
  readonly valid: boolean;
  readonly reason?: string;
  /** The answer's text. */
  readonly text: string;
  /** What the proof states, when it decoded. */
  readonly statement?: GenerationStatement;
  readonly proofDigest?: string;
  readonly proofId?: string;
  /** Whether the text was compared with the proven output (false only when nothing could decode tokens). */
  readonly textChecked?: boolean;
}

/** Raised (from the LangChain call) for an answer whose proof does not check out. */
export class ZkVerificationError extends Error {
  override name = 'ZkVerificationError';
  readonly verification: ZkVerification;
  constructor(v: ZkVerification) {
    super(`zkLLM proof rejected: ${v.reason ?? 'invalid'}`);
    this.verification = v;
  }
}

/** Tokenizer and chat template of the committed model (a ZkModel has both). */
export interface ZkTokenizer {
  decode(tokens: readonly number[]): string;
  promptTokens(prompt: { messages: readonly ChatMessage[] }): number[];
}

export interface ZkVerifyCallbackHandlerOptions {
  /** The commitment answers must be proven against. */
  commitment: CommitmentInput;
  /** Also pin the commitment's digest (hex): construction fails if the file has another. */
  digest?: string;
  /**
   * What to do with an invalid answer: `'throw'` (default) makes the LangChain call reject
   * with a {@link ZkVerificationError}; `'record'` only records it in `results`; a function
   * is called with the verification (and may itself throw to abort the call).
   */
  onInvalid?: 'throw' | 'record' | ((v: ZkVerification) => void | Promise<void>);
  /** Treat answers without `response_metadata.zkllm` as invalid (default true). */
  requireProof?: boolean;
  /**
   * The committed model's tokenizer and chat template, e.g. the ZkModel itself. With it,
   * the proof's prompt tokens must be exactly the tokens of the run's messages under the
   * chat template. Without it, the answer text is decoded with the token table the
   * commitment binds and each message's content must appear, in order, in the proven
   * prompt (a weaker check: it cannot see what the template added around them).
   */
  tokenizer?: ZkTokenizer;
}

export class ZkVerifyCallbackHandler extends BaseCallbackHandler {
  name = 'ZkVerifyCallbackHandler';
  /** Every answer checked so far, in completion order. */
  readonly results: ZkVerification[] = [];
  private readonly commitment: ModelCommitment;
  private readonly onInvalid: NonNullable<ZkVerifyCallbackHandlerOptions['onInvalid']>;
  private readonly requireProof: boolean;
  private readonly tokenizer: ZkTokenizer | undefined;
  private readonly prompts = new Map<string, BaseMessage[][]>();

  constructor(opts: ZkVerifyCallbackHandlerOptions) {
    const onInvalid = opts.onInvalid ?? 'throw';
    // Results must be recorded, and errors raised, before the model call returns.
    super({ raiseError: onInvalid !== 'record', _awaitHandler: true });
    this.awaitHandlers = true;
    this.commitment = pinCommitment(opts.commitment, opts.digest);
    this.onInvalid = onInvalid;
    this.requireProof = opts.requireProof ?? true;
    this.tokenizer = opts.tokenizer;
  }

  /** True when every answer seen so far was valid (and at least one was seen). */
  get allValid(): boolean {
    return this.results.length > 0 && this.results.every((r) => r.valid);
  }

  override handleChatModelStart(_llm: unknown, messages: BaseMessage[][], runId: string): void {
    this.prompts.set(runId, messages);
  }

  override handleLLMError(_err: unknown, runId: string): void {
    this.prompts.delete(runId);
  }

  override async handleLLMEnd(output: LLMResult, runId: string): Promise<void> {
    const prompts = this.prompts.get(runId);
    this.prompts.delete(runId);
    for (const [i, gens] of output.generations.entries()) {
      for (const gen of gens) {
        const v = await this.check(runId, gen, prompts?.[i]);
        this.results.push(v);
        if (!v.valid) await this.reject(v);
      }
    }
  }

  private async check(runId: string, gen: LLMResult['generations'][number][number], prompt: BaseMessage[] | undefined): Promise<ZkVerification> {
    const message = (gen as { message?: BaseMessage }).message;
    const text = gen.text;
    const fail = (reason: string, extra: Partial<ZkVerification> = {}): ZkVerification => ({ runId, valid: false, reason, text, ...extra });
    let meta;
    try {
      meta = readZkllmMetadata(message?.response_metadata);
    } catch (e) {
      if (e instanceof ZkMetadataError) return fail(e.message);
      throw e;
    }
    if (meta === undefined) return this.requireProof ? fail('the answer has no zkLLM proof metadata') : { runId, valid: true, text };
    const ids = { ...(meta.proofDigest !== undefined ? { proofDigest: meta.proofDigest } : {}), ...(meta.proofId !== undefined ? { proofId: meta.proofId } : {}) };
    if (meta.verified && meta.valid === false) return fail(`the model flagged this answer: ${meta.reason ?? 'invalid'}`, ids);
    let promptCheck: { promptTokens: number[] } | { promptContents: string[] } | Record<string, never> = {};
    if (prompt !== undefined) {
      try {
        const chat = toChatMessages(prompt);
        promptCheck = this.tokenizer !== undefined ? { promptTokens: this.tokenizer.promptTokens({ messages: chat }) } : { promptContents: chat.map((m) => m.content) };
      } catch (e) {
        return fail(`cannot read the run's prompt: ${(e as Error).message}`, ids);
      }
    }
    const c = await checkZkllmMetadata(meta, this.commitment, {
      text,
      ...(this.tokenizer !== undefined ? { decode: (t: readonly number[]) => this.tokenizer!.decode(t) } : {}),
      ...promptCheck,
    });
    const st = c.statement !== undefined ? { statement: c.statement } : {};
    return c.valid ? { runId, valid: true, text, ...ids, ...st, textChecked: c.textChecked ?? false } : fail(c.reason ?? 'invalid', { ...ids, ...st });
  }

  private async reject(v: ZkVerification): Promise<void> {
    if (this.onInvalid === 'record') return;
    if (this.onInvalid === 'throw') throw new ZkVerificationError(v);
    await this.onInvalid(v);
  }
}
