/**
 * withProofs(): an existing OpenAI-style handler backed by a ZkModel gets proofs; a
 * handler whose text the model did not produce gets none.
 */
import express, { Router, type RequestHandler } from 'express';
import type { Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFixture, ZkModel, type ChatMessage } from '@zkllm/core';
import { verifyResponse } from '@zkllm/verifier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryProofStore, withProofs, type ZkllmRouter } from './index.js';

const root = mkdtempSync(join(tmpdir(), 'zkllm-with-'));
writeFixture('llama-l2c', join(root, 'tiny'));
const model = ZkModel.load(join(root, 'tiny'));

/** The kind of handler an app already has: generate with the ZkModel, answer in OpenAI's shape. */
function handler(edit: (text: string) => string): RequestHandler {
  return (req, res) => {
    const body = req.body as { messages: ChatMessage[]; max_tokens?: number };
    if (body.messages[0]!.content === 'fail') {
      res.status(500).json({ error: { message: 'backend down', type: 'server_error', param: null, code: null } });
      return;
    }
    const g = model.generate({ messages: body.messages }, { maxTokens: body.max_tokens ?? 3 });
    res.setHeader('X-Backend', 'mine');
    res.json({
      id: 'chatcmpl-app',
      object: 'chat.completion',
      created: 1,
      model: 'tiny',
      choices: [{ index: 0, message: { role: 'assistant', content: edit(g.text) }, finish_reason: g.stop === 'eos' ? 'stop' : 'length' }],
      usage: { prompt_tokens: g.promptTokens.length, completion_tokens: g.tokens.length, total_tokens: g.promptTokens.length + g.tokens.length },
    });
  };
}

let honest: ZkllmRouter;
let lying: ZkllmRouter;
let passthrough: ZkllmRouter;
let server: Server;
let base: string;

beforeAll(async () => {
  const key = new Uint8Array(32).fill(7);
  const appRouter = Router();
  appRouter.post('/v1/chat/completions', handler((t) => t));
  appRouter.get('/health', (_req, res) => void res.json({ ok: true }));
  honest = withProofs(appRouter, { model, storeDir: join(root, 'store'), maxTokens: 4 });
  lying = withProofs(handler((t) => `${t} (edited)`), { model, store: new MemoryProofStore(), signingKey: key, maxTokens: 4 });
  passthrough = withProofs(handler((t) => `${t} (edited)`), { model, store: new MemoryProofStore(), signingKey: key, maxTokens: 4, onMismatch: 'passthrough' });
  const app = express();
  app.use('/honest', honest);
  app.use('/lying', lying);
  app.use('/pass', passthrough);
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  await Promise.all([honest.close(), lying.close(), passthrough.close()]);
  await new Promise((r) => server.close(r));
  rmSync(root, { recursive: true, force: true });
});

const post = (prefix: string, content: string, extra: object = {}) =>
  fetch(`${base}${prefix}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'tiny', messages: [{ role: 'user', content }], ...extra }),
  });

describe('withProofs', () => {
  it("proves the handler's answer (its own default length) and keeps its fields and headers", async () => {
    const res = await post('/honest', 'the sea');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-backend')).toBe('mine');
    expect(res.headers.get('proof-digest')).toMatch(/^sha-256=:/); // sync mode
    const body = new Uint8Array(await res.arrayBuffer());
    const json = JSON.parse(Buffer.from(body).toString()) as Record<string, any>;
    expect(json['id']).toBe('chatcmpl-app');
    expect(json['zkllm']).toMatchObject({ proof_id: res.headers.get('proof-id'), model: model.commit().digest, prompt: 'the sea' });
    const info = (await (await fetch(`${base}/honest/v1/zkllm/model`)).json()) as { commitment: never; public_key: string };
    const r = await verifyResponse({ status: 200, headers: res.headers, body }, { commitment: info.commitment, publicKey: info.public_key, baseUrl: `${base}/honest` });
    expect(r.reason).toBeUndefined();
    expect(r.text).toBe(json['choices'][0].message.content);
    expect(r.statement!.outputTokens.length).toBe(3);
    // The wrapped router's other routes are untouched.
    expect(await (await fetch(`${base}/honest/health`)).json()).toEqual({ ok: true });
  });

  it('refuses to prove text the model did not produce (502, no proof headers)', async () => {
    const res = await post('/lying', 'the sea');
    expect(res.status).toBe(502);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unproven_completion');
    expect(res.headers.get('proof-id')).toBeNull();
    expect(res.headers.get('signature')).toBeNull();
  });

  it("with onMismatch 'passthrough', returns the handler's answer unchanged and unsigned", async () => {
    const res = await post('/pass', 'the sea');
    expect(res.status).toBe(200);
    expect(res.headers.get('proof-id')).toBeNull();
    expect(res.headers.get('signature')).toBeNull();
    const json = (await res.json()) as Record<string, any>;
    expect(json['choices'][0].message.content).toMatch(/\(edited\)$/);
    expect(json['zkllm']).toBeUndefined();
  });

  it('passes handler errors through, and rejects streams and bad requests before the handler runs', async () => {
    const failed = await post('/honest', 'fail');
    expect(failed.status).toBe(500);
    expect(((await failed.json()) as { error: { message: string } }).error.message).toBe('backend down');
    const stream = await post('/honest', 'the sea', { stream: true });
    expect(stream.status).toBe(400);
    expect(((await stream.json()) as { error: { param: string } }).error.param).toBe('stream');
    expect((await post('/honest', 'the sea', { temperature: 0.8 })).status).toBe(400);
  });
});
