import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { AIMessage, AIMessageChunk, HumanMessage, type BaseMessage } from '@langchain/core/messages';
import { ChatGenerationChunk, type ChatResult, type LLMResult } from '@langchain/core/outputs';
import { writeFixture, ZkModel } from '@zkllm/core';
import { fromBase64Url, toBase64Url } from '@zkllm/verifier';
import { ZkChatModel } from './chat-model.js';
import { ZkVerificationError, ZkVerifyCallbackHandler, type ZkVerification } from './callback.js';
import { sha256Hex, type ZkllmMetadata } from './metadata.js';

/**
 * A chat model that answers with a fixed message: here it stands for a dishonest or
 * broken producer, handing the handler a genuine proof with altered metadata.
 */
class ReplayChatModel extends BaseChatModel {
  constructor(private readonly answer: AIMessage) {
    super({});
  }
  _llmType(): string {
    return 'replay';
  }
  async _generate(): Promise<ChatResult> {
    return { generations: [{ text: this.answer.text, message: this.answer }] };
  }
  override async *_streamResponseChunks(): AsyncGenerator<ChatGenerationChunk> {
    yield new ChatGenerationChunk({ text: this.answer.text, message: new AIMessageChunk({ content: this.answer.text }) });
    yield new ChatGenerationChunk({ text: '', message: new AIMessageChunk({ content: '', response_metadata: this.answer.response_metadata }) });
  }
}

const PROMPT = 'Call me Ishmael.';
const root = mkdtempSync(join(tmpdir(), 'zkllm-lc-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let zk: ZkModel;
let genuine: AIMessage;
let meta: ZkllmMetadata;
let handler: ZkVerifyCallbackHandler;

beforeAll(async () => {
  zk = ZkModel.load();
  handler = new ZkVerifyCallbackHandler({ commitment: JSON.parse(JSON.stringify(zk.commit())), tokenizer: zk });
  // verify: false, so the handler is the only thing checking this proof.
  const model = new ZkChatModel({ model: zk, maxTokens: 2, verify: false });
  genuine = await model.invoke(PROMPT, { callbacks: [handler] });
  meta = genuine.response_metadata.zkllm as ZkllmMetadata;
});

function withMeta(patch: Partial<Record<keyof ZkllmMetadata, unknown>>, text = genuine.text): AIMessage {
  return new AIMessage({ content: text, response_metadata: { ...genuine.response_metadata, zkllm: { ...meta, ...patch } } });
}

/** Runs one answer through a real LangChain call with a fresh handler and returns its verdict. */
async function verdict(answer: AIMessage, opts: { tokenizer?: boolean; prompt?: string } = {}): Promise<ZkVerification> {
  const h = new ZkVerifyCallbackHandler({ commitment: zk.commit(), onInvalid: 'record', ...(opts.tokenizer === false ? {} : { tokenizer: zk }) });
  await new ReplayChatModel(answer).invoke(opts.prompt ?? PROMPT, { callbacks: [h] });
  expect(h.results).toHaveLength(1);
  return h.results[0]!;
}

describe('ZkVerifyCallbackHandler', () => {
  test('accepts a genuine ZkChatModel answer and records what the proof states', () => {
    expect(meta.verified).toBe(false);
    expect(handler.allValid).toBe(true);
    const [r] = handler.results;
    expect(r).toMatchObject({ valid: true, text: genuine.text, proofDigest: meta.proofDigest });
    expect(r!.statement!.outputTokens).toEqual(meta.outputTokens);
    expect(r!.statement!.promptTokens).toEqual(zk.promptTokens({ messages: [{ role: 'user', content: PROMPT }] }));
  });

  test('a flipped proof byte is caught', async () => {
    const bytes = fromBase64Url(meta.proof!);
    bytes[Math.floor(bytes.length / 2)]! ^= 1;
    const v = await verdict(withMeta({ proof: toBase64Url(bytes), proofDigest: await sha256Hex(bytes) }));
    expect(v.valid).toBe(false);
    expect(v.reason).toMatch(/invalid proof/);
  });

  test('a proof digest that does not match the proof is caught', async () => {
    expect((await verdict(withMeta({ proofDigest: '00'.repeat(32) }))).reason).toMatch(/proofDigest does not match/);
  });

  test('altered token lists are caught', async () => {
    expect((await verdict(withMeta({ outputTokens: [...meta.outputTokens!.slice(0, -1), 7] }))).reason).toMatch(/outputTokens differ/);
    expect((await verdict(withMeta({ promptTokens: [1, 2, 3] }))).reason).toMatch(/promptTokens differ/);
    expect((await verdict(withMeta({ stop: meta.stop === 'eos' ? 'length' : 'eos' }))).reason).toMatch(/stop differs/);
  });

  test('altered text and another prompt are caught, with or without the tokenizer', async () => {
    expect((await verdict(withMeta({}, genuine.text + ' and more')))).toMatchObject({ valid: false, reason: expect.stringMatching(/not the decoding/) });
    expect((await verdict(withMeta({}), { prompt: 'Something else entirely.' })).reason).toMatch(/different prompt/);
    // Without the tokenizer, the commitment's token table still binds text and prompt.
    expect((await verdict(withMeta({}, 'any text'), { tokenizer: false })).reason).toMatch(/not the decoding/);
    expect((await verdict(withMeta({}), { tokenizer: false, prompt: 'Something else entirely.' })).reason).toMatch(/message is missing from the proven prompt/);
    expect(await verdict(withMeta({}), { tokenizer: false })).toMatchObject({ valid: true, textChecked: true });
  });

  test('a claimed model other than the pinned one, missing proofs and flagged answers are rejected', async () => {
    expect((await verdict(withMeta({ modelDigest: 'ab'.repeat(32) }))).reason).toMatch(/claims model/);
    expect((await verdict(withMeta({ proof: undefined, proofDigest: undefined }))).reason).toBe('no proof attached');
    expect((await verdict(new AIMessage('no metadata at all'))).reason).toMatch(/no zkLLM proof metadata/);
    expect((await verdict(withMeta({ verified: true, valid: false, reason: 'signature mismatch' }))).reason).toMatch(/flagged.*signature mismatch/);
    expect((await verdict(withMeta({ proof: '!!!' }))).reason).toMatch(/base64url/);
    expect((await verdict(withMeta({ version: 9 }))).reason).toMatch(/version 9/);
  });

  test('a genuine proof checked against another model commitment is rejected', async () => {
    const dir = join(root, 'other');
    writeFixture('llama-gqa-odd', dir);
    const other = ZkModel.load(dir).commit();
    const h = new ZkVerifyCallbackHandler({ commitment: other, onInvalid: 'record' });
    await new ReplayChatModel(genuine).invoke(PROMPT, { callbacks: [h] });
    expect(h.results[0]!.reason).toMatch(/pinned model is/);
    expect(() => new ZkVerifyCallbackHandler({ commitment: zk.commit(), digest: other.digest })).toThrow(/pinned digest/);
  });

  test('onInvalid: throw rejects the LangChain call (invoke and stream); a callback receives the verdict', async () => {
    const bad = withMeta({ outputTokens: [0] });
    const strict = new ZkVerifyCallbackHandler({ commitment: zk.commit() });
    await expect(new ReplayChatModel(bad).invoke(PROMPT, { callbacks: [strict] })).rejects.toThrow(ZkVerificationError);
    const stream = async (): Promise<void> => {
      for await (const _ of await new ReplayChatModel(bad).stream(PROMPT, { callbacks: [strict] }));
    };
    await expect(stream()).rejects.toThrow(/zkLLM proof rejected: zkllm.outputTokens differ/);
    expect(strict.results.map((r) => r.valid)).toEqual([false, false]);

    const seen: ZkVerification[] = [];
    const notify = new ZkVerifyCallbackHandler({ commitment: zk.commit(), onInvalid: (v) => void seen.push(v) });
    const out = await new ReplayChatModel(bad).invoke(PROMPT, { callbacks: [notify] });
    expect(out.text).toBe(genuine.text);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.reason).toMatch(/outputTokens differ/);
  });

  test('a genuine answer passes through a stream with the handler', async () => {
    const h = new ZkVerifyCallbackHandler({ commitment: zk.commit(), tokenizer: zk });
    let merged: AIMessageChunk | undefined;
    for await (const c of await new ReplayChatModel(genuine).stream([new HumanMessage(PROMPT)] as BaseMessage[], { callbacks: [h] })) merged = merged ? merged.concat(c) : c;
    expect(merged!.text).toBe(genuine.text);
    expect(h.allValid).toBe(true);
  });

  test('handleLLMEnd can also be driven directly with an LLMResult', async () => {
    const h = new ZkVerifyCallbackHandler({ commitment: zk.commit(), onInvalid: 'record', requireProof: false });
    const result: LLMResult = { generations: [[{ text: 'plain', message: new AIMessage('plain') } as never], [{ text: genuine.text, message: genuine } as never]] };
    await h.handleLLMEnd(result, 'run-1');
    expect(h.results.map((r) => r.valid)).toEqual([true, true]);
  });
});
