/**
 * ZkFheChatModel on a small fixture model with the FHE server in-process
 * (LocalFheTransport: the same bytes an HTTP transport carries; the HTTP path itself is
 * covered by test/fhe.e2e.test.ts and @zkllm/express's fhe tests).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AIMessageChunk, HumanMessage, SystemMessage } from '@langchain/core/messages';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FheServer, FheVerificationError, HttpFheTransport, LocalFheTransport, ZkModel, generateQuant, writeFixture, type FheEvalRequest, type FheTransport } from '@zkllm/core';
import { readZkllmMetadata } from './metadata.js';
import { ZkFheChatModel, type ZkFheMetadata } from './fhe-chat-model.js';

const dir = mkdtempSync(join(tmpdir(), 'zkllm-lc-fhe-'));
let model: ZkModel;
let server: FheServer;
let pin: string;

beforeAll(() => {
  writeFixture('llama-gqa-odd', dir);
  model = ZkModel.load(dir);
  server = new FheServer(model.quantized);
  pin = server.commitmentJson().digest;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const messages = [new SystemMessage('Be brief.'), new HumanMessage('Ahab?')];

describe('ZkFheChatModel', () => {
  it('invoke: the plaintext path answer, every step verified, metadata in response_metadata.zkllm', async () => {
    const chat = new ZkFheChatModel({ transport: new LocalFheTransport(server), pin, model, maxTokens: 2 });
    const msg = await chat.invoke(messages);
    const prompt = model.promptTokens({ messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Ahab?' }] });
    const tokens = generateQuant(model.quantized, prompt, { maxTokens: 2, eosTokenId: model.eosTokenId });
    expect(msg.content).toBe(model.decode(tokens));
    const meta = msg.response_metadata['zkllm'] as ZkFheMetadata;
    expect(meta).toMatchObject({ verified: true, valid: true, promptTokens: prompt, outputTokens: tokens });
    expect(meta.fhe.commitment).toBe(pin);
    expect(meta.fhe.proofsVerified).toBe(tokens.length);
    expect(meta.fhe.bytesUp).toBeGreaterThan(0);
    // The shared reader accepts it (an FHE answer carries no generation proof).
    expect(readZkllmMetadata(msg.response_metadata)?.proof).toBeUndefined();
    expect(msg.usage_metadata).toEqual({ input_tokens: prompt.length, output_tokens: tokens.length, total_tokens: prompt.length + tokens.length });
  });

  it('stream: verified token chunks, metadata on the final chunk only', async () => {
    const chat = new ZkFheChatModel({ transport: new LocalFheTransport(server), pin, model, maxTokens: 2 });
    let merged: AIMessageChunk | undefined;
    let withMeta = 0;
    for await (const c of await chat.stream(messages)) {
      if (c.response_metadata['zkllm'] !== undefined) withMeta++;
      merged = merged === undefined ? c : merged.concat(c);
    }
    expect(withMeta).toBe(1);
    const meta = merged!.response_metadata['zkllm'] as ZkFheMetadata;
    expect(merged!.content).toBe(model.decode(meta.outputTokens!));
    expect(meta.fhe.proofsVerified).toBe(2);
  });

  it('rejects a server whose answers do not verify, a wrong pin, and unsupported options', async () => {
    // A transport that alters one coefficient of one evaluation answer.
    const local = new LocalFheTransport(server);
    let n = 0;
    const tampering: FheTransport = {
      commitment: () => local.commitment(),
      openSession: () => local.openSession(),
      prove: (s) => local.prove(s),
      closeSession: (s) => local.closeSession(s),
      evaluate: async (s: string, req: FheEvalRequest) => {
        const res = await local.evaluate(s, req);
        if (n++ !== 1) return res;
        const out = Uint8Array.from(res.outputs[0]!);
        out[out.length - 3]! ^= 1;
        return { outputs: [out, ...res.outputs.slice(1)] };
      },
    };
    const bad = new ZkFheChatModel({ transport: tampering, pin, model, maxTokens: 1 });
    await expect(bad.invoke(messages)).rejects.toThrow(FheVerificationError);
    const wrongPin = new ZkFheChatModel({ transport: new LocalFheTransport(server), pin: '0'.repeat(64), model, maxTokens: 1 });
    await expect(wrongPin.invoke(messages)).rejects.toThrow(/not the pinned one/);
    const chat = new ZkFheChatModel({ transport: new LocalFheTransport(server), pin, model, maxTokens: 1 });
    await expect(chat.invoke(messages, { stop: ['\n'] })).rejects.toThrow(/stop sequences/);
    expect(() => new ZkFheChatModel({ pin, model })).toThrow(/baseUrl/);
    expect(() => new ZkFheChatModel({ baseUrl: 'http://127.0.0.1:1', pin: 'nope', model })).toThrow(/pin/);
    expect(new ZkFheChatModel({ baseUrl: 'http://127.0.0.1:1/v1', pin, model })._llmType()).toBe('zkllm-fhe');
    expect(new HttpFheTransport('http://127.0.0.1:1/v1').baseUrl).toBe('http://127.0.0.1:1');
    expect(() => new ZkFheChatModel({ baseUrl: 'http://127.0.0.1:1', model })).toThrow(/pin the server/);
  });

  it('pinning the model commitment C_W: a linked server is accepted, a server without a link proof is not', async () => {
    const linked = new FheServer(model.quantized, { model: model.commitment() });
    const chat = new ZkFheChatModel({ transport: new LocalFheTransport(linked), commitment: model.commit(), model, maxTokens: 1 });
    const msg = await chat.invoke(messages);
    const meta = msg.response_metadata['zkllm'] as ZkFheMetadata;
    expect(meta.fhe).toMatchObject({ linked: true, commitment: linked.commitmentJson().digest, proofsVerified: 1 });
    expect(meta.modelDigest).toBe(model.commit().digest);
    // A server with other weights that names C_W but cannot show a link (a verified link is a
    // property of the (FHE commitment, C_W) pair, so it must be another commitment), and one
    // naming no model: both refused before any ciphertext is sent.
    const w = Int8Array.from(model.quantized.lmHead.w);
    w[7] = w[7] === 100 ? 99 : 100;
    const other = { ...model.quantized, lmHead: { ...model.quantized.lmHead, w } };
    const named = new FheServer(other, { modelDigest: model.commit().digest });
    const unlinked = new ZkFheChatModel({ transport: new LocalFheTransport(named), commitment: model.commit(), model, maxTokens: 1 });
    await expect(unlinked.invoke(messages)).rejects.toThrow(/no link proof/);
    const anonymous = new ZkFheChatModel({ transport: new LocalFheTransport(server), commitment: model.commit(), model, maxTokens: 1 });
    await expect(anonymous.invoke(messages)).rejects.toThrow(FheVerificationError);
  });
});
