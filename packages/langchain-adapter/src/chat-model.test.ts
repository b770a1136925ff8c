import { beforeAll, describe, expect, test } from 'vitest';
import { BaseCallbackHandler } from '@langchain/core/callbacks/base';
import { AIMessageChunk, HumanMessage, SystemMessage, mapChatMessagesToStoredMessages, mapStoredMessagesToChatMessages } from '@langchain/core/messages';
import { bundledModelDir, ZkModel } from '@zkllm/core';
import { verifyProof } from '@zkllm/verifier';
import { ZkChatModel } from './chat-model.js';
import { ZkUnsupportedError } from './messages.js';
import { proofBytes, readZkllmMetadata, type ZkllmMetadata } from './metadata.js';
import { checkZkllmMetadata, pinCommitment } from './verify.js';

const PROMPT = [new SystemMessage('Answer in the voice of the book.'), new HumanMessage('Call me Ishmael.')];

let zk: ZkModel;
beforeAll(() => {
  zk = ZkModel.load();
});

class CustomEvents extends BaseCallbackHandler {
  name = 'CustomEvents';
  readonly seen: string[] = [];
  constructor() {
    super({ _awaitHandler: true });
  }
  override handleCustomEvent(eventName: string): void {
    this.seen.push(eventName);
  }
}

describe('ZkChatModel streaming with a proof', () => {
  const chunks: AIMessageChunk[] = [];
  const stages = new Set<string>();
  const events = new CustomEvents();

  beforeAll(async () => {
    const model = new ZkChatModel({ model: zk, maxTokens: 3, onProgress: (stage) => stages.add(stage) });
    for await (const c of await model.stream(PROMPT, { callbacks: [events] })) chunks.push(c);
  });

  test('tokens come first, the proof only on the final empty chunk', () => {
    expect(chunks.length).toBeGreaterThan(1);
    const last = chunks.at(-1)!;
    expect(last.content).toBe('');
    for (const c of chunks.slice(0, -1)) {
      expect(c.content).not.toBe('');
      expect(c.response_metadata.zkllm).toBeUndefined();
      expect(c.usage_metadata).toBeUndefined();
    }
    const meta = readZkllmMetadata(last.response_metadata)!;
    expect(meta).toMatchObject({ verified: true, valid: true, modelDigest: zk.commit().digest });
    expect(meta.outputTokens).toHaveLength(last.usage_metadata!.output_tokens);
    expect(last.usage_metadata).toMatchObject({ input_tokens: meta.promptTokens!.length, total_tokens: meta.promptTokens!.length + meta.outputTokens!.length });
    expect(events.seen).toContain('zkllm_proving');
    expect(stages.size).toBeGreaterThan(0);
  });

  test('the merged stream keeps the proof intact and it verifies independently', () => {
    const merged = chunks.reduce((a, b) => a.concat(b));
    const meta = readZkllmMetadata(merged.response_metadata)!;
    expect(meta).toEqual(readZkllmMetadata(chunks.at(-1)!.response_metadata));
    const r = verifyProof(proofBytes(meta)!, zk.commit(), { expectedDigest: zk.commit().digest });
    expect(r.valid).toBe(true);
    expect(r.statement!.outputTokens).toEqual(meta.outputTokens);
    expect(r.statement!.promptTokens).toEqual(zk.promptTokens({ messages: [{ role: 'system', content: 'Answer in the voice of the book.' }, { role: 'user', content: 'Call me Ishmael.' }] }));
    expect(merged.content).toBe(zk.decode(meta.stop === 'eos' ? meta.outputTokens!.slice(0, -1) : meta.outputTokens!));
  });

  test('the proof survives serializing the message and still binds text and prompt', async () => {
    const merged = chunks.reduce((a, b) => a.concat(b));
    const [restored] = mapStoredMessagesToChatMessages(JSON.parse(JSON.stringify(mapChatMessagesToStoredMessages([merged]))));
    const meta = readZkllmMetadata(restored!.response_metadata)!;
    const pinned = pinCommitment(zk.commit());
    const text = restored!.content as string;
    const promptTokens = meta.promptTokens!;
    expect(await checkZkllmMetadata(meta, pinned, { text, decode: (t) => zk.decode(t), promptTokens })).toMatchObject({ valid: true });
    // The same record no longer checks out against other text or another prompt.
    expect((await checkZkllmMetadata(meta, pinned, { text: text + '!', decode: (t) => zk.decode(t) })).reason).toMatch(/not the decoding/);
    expect((await checkZkllmMetadata(meta, pinned, { promptTokens: [...promptTokens, 5] })).reason).toMatch(/different prompt/);
  });

  test('invoke without a proof gives the same greedy answer and says it is unverified', async () => {
    const model = new ZkChatModel({ model: zk, maxTokens: 3, proof: false });
    const msg = await model.invoke(PROMPT);
    const streamed = readZkllmMetadata(chunks.at(-1)!.response_metadata)!;
    expect(msg.content).toBe(chunks.map((c) => c.content).join(''));
    const meta: ZkllmMetadata = readZkllmMetadata(msg.response_metadata)!;
    expect(meta).toMatchObject({ verified: false, outputTokens: streamed.outputTokens, promptTokens: streamed.promptTokens });
    expect(meta.proof).toBeUndefined();
    expect(msg.usage_metadata).toMatchObject(chunks.at(-1)!.usage_metadata!);
  });
});

describe('ZkChatModel without proofs', () => {
  test('batch answers each input as invoke does', async () => {
    const model = new ZkChatModel({ model: zk, maxTokens: 2, proof: false });
    const inputs = ['Call me Ishmael.', 'The whale'];
    const out = await model.batch(inputs);
    const one = await Promise.all(inputs.map((i) => model.invoke(i)));
    expect(out.map((m) => m.content)).toEqual(one.map((m) => m.content));
    expect(out.map((m) => readZkllmMetadata(m.response_metadata)!.promptTokens)).toEqual(inputs.map((i) => zk.promptTokens({ messages: [{ role: 'user', content: i }] })));
  });

  test('per-call maxTokens overrides the default', async () => {
    const model = new ZkChatModel({ model: zk, maxTokens: 4, proof: false });
    const msg = await model.invoke('Call me Ishmael.', { maxTokens: 1 });
    expect(msg.usage_metadata!.output_tokens).toBe(1);
  });

  test('a model directory works as the constructor argument', async () => {
    const model = new ZkChatModel(bundledModelDir()!);
    expect(model.commitment().digest).toBe(zk.commit().digest);
  });

  test('rejects call options a greedy proof cannot honour', async () => {
    const model = new ZkChatModel({ model: zk, maxTokens: 2, proof: false });
    await expect(model.invoke('x', { stop: ['\n'] })).rejects.toThrow(/stop sequences are not supported/);
    await expect(model.invoke('x', { tools: [{ type: 'function', function: { name: 'f', parameters: {} } }] } as never)).rejects.toThrow(ZkUnsupportedError);
    await expect(model.invoke('x', { maxTokens: 0 })).rejects.toThrow(/maxTokens/);
    await expect(model.invoke([new HumanMessage({ content: [{ type: 'image_url', image_url: 'data:,' }] })])).rejects.toThrow(/image_url/);
    expect(() => new ZkChatModel({ model: zk, maxTokens: 1.5 })).toThrow(/maxTokens/);
  });

  test('an aborted stream stops with the abort reason', async () => {
    const model = new ZkChatModel({ model: zk, maxTokens: 8, proof: false });
    const ctrl = new AbortController();
    const got: string[] = [];
    await expect(
      (async () => {
        for await (const c of await model.stream('Call me Ishmael.', { signal: ctrl.signal })) {
          got.push(c.content as string);
          ctrl.abort(new Error('user cancelled'));
        }
      })(),
    ).rejects.toThrow(/cancelled|abort/i);
    expect(got).toHaveLength(1);
  });
});
