/**
 * The router over HTTP (loopback): validation errors, queue limits, signed headers on
 * every proven response, proof polling, shutdown. Async proof mode keeps the proving
 * off the request path, so the test proves only two generations.
 */
import express from 'express';
import type { Server } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFixture } from '@zkllm/core';
import { contentDigest, verifyResponse } from '@zkllm/verifier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zkllm, type ZkllmRouter } from './index.js';
import { newProofId } from './store.js';

const root = mkdtempSync(join(tmpdir(), 'zkllm-router-'));
writeFixture('llama-l2c', join(root, 'tiny'));
let zk: ZkllmRouter;
let server: Server;
let base: string;
let info: { commitment: object; public_key: string; digest: string };

/** Left by an earlier server that served another model: cannot be proven by this one. */
const orphan = newProofId();

beforeAll(async () => {
  mkdirSync(join(root, 'store', 'proofs'), { recursive: true });
  const now = Date.now();
  writeFileSync(
    join(root, 'store', 'proofs', `${orphan}.json`),
    JSON.stringify({ id: orphan, status: 'pending', model: 'cd'.repeat(32), promptTokens: [1, 2], tokens: [3], stop: 'length', createdAt: now, updatedAt: now }),
  );
  zk = zkllm({ model: join(root, 'tiny'), storeDir: join(root, 'store'), proofMode: 'async', queue: { concurrency: 1, maxQueue: 0 }, maxTokens: 4, bodyLimit: '8kb' });
  const app = express();
  app.use('/api', zk);
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}/api`;
  info = (await (await fetch(`${base}/v1/zkllm/model`)).json()) as typeof info;
});
afterAll(async () => {
  await zk.close();
  await new Promise((r) => server.close(r));
  rmSync(root, { recursive: true, force: true });
});

const chat = (body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  fetch(`${base}/v1/chat/completions`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
const req = (content: string, extra: object = {}) => ({ model: 'tiny', messages: [{ role: 'user', content }], max_tokens: 2, ...extra });

async function expectError(res: Response, status: number, code?: string): Promise<void> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/application\/json/);
  const body = (await res.json()) as { error: Record<string, unknown> };
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
  if (code !== undefined) expect(body.error['code']).toBe(code);
  expect(res.headers.get('proof-id')).toBeNull();
  expect(res.headers.get('signature')).toBeNull();
}

/** Proofs are 100s of KB: headers stay small and never carry proof bytes in any encoding. */
function expectNoProofInHeaders(headers: Headers, proof: Uint8Array): void {
  const probe = proof.subarray(64, 112);
  const forms = [Buffer.from(probe).toString('base64').slice(4, 40), Buffer.from(probe).toString('base64url').slice(4, 40), Buffer.from(probe).toString('hex').slice(0, 40)];
  let total = 0;
  for (const [k, v] of headers) {
    total += k.length + v.length;
    expect(v.length, k).toBeLessThan(1024);
    for (const f of forms) expect(v.includes(f), k).toBe(false);
  }
  expect(total).toBeLessThan(4096);
}

describe('model resource', () => {
  it('publishes the commitment, key and protocol version', async () => {
    expect(info).toMatchObject({ object: 'zkllm.model', id: 'tiny', alg: 'ed25519', digest: zk.info.digest, public_key: zk.info.publicKey });
    expect((await (await fetch(`${base}/v1/models`)).json()) as object).toMatchObject({ object: 'list', data: [{ id: 'tiny' }] });
  });
});

describe('request errors', () => {
  it('answers malformed requests with OpenAI-shaped 4xx errors', async () => {
    await expectError(await chat('{"model": "tiny", '), 400, 'invalid_json');
    await expectError(await chat(req('hi'), { 'content-type': 'text/plain' }), 415, 'unsupported_media_type');
    await expectError(await chat(JSON.stringify(req('hi')), {}), 415, 'unsupported_media_type');
    await expectError(await chat(req('x'.repeat(9000))), 413, 'request_too_large');
    await expectError(await chat(req('hi', { model: 'gpt-4o' })), 404, 'model_not_found');
    await expectError(await chat({ model: 'tiny' }), 400);
    await expectError(await chat(req('hi', { max_tokens: 5 })), 400);
    await expectError(await chat(req('hi', { temperature: 1 })), 400, 'unsupported_value');
    await expectError(await chat(req('hi', { n: 3 })), 400, 'unsupported_value');
    await expectError(await chat(req('ab '.repeat(60), { max_tokens: 4 })), 400, 'context_length_exceeded');
    await expectError(await fetch(`${base}/v1/zkllm/proofs/..%2F..%2Fetc`), 404, 'proof_not_found');
    await expectError(await fetch(`${base}/v1/zkllm/proofs/AAAAAAAAAAAAAAAAAAAAAA`), 404, 'proof_not_found');
  });
});

describe('stored proofs', () => {
  it("marks a pending proof of a model this server does not serve as failed on start", async () => {
    await zk.ready;
    const res = await fetch(`${base}/v1/zkllm/proofs/${orphan}`);
    await expectError(res, 500, 'proof_failed');
  });

  it('reports a corrupted record instead of serving it', async () => {
    const id = newProofId();
    writeFileSync(join(root, 'store', 'proofs', `${id}.json`), '{"id":');
    await expectError(await fetch(`${base}/v1/zkllm/proofs/${id}`), 500, 'proof_corrupted');
  });
});

describe('proven responses (async mode)', () => {
  it('signs a JSON answer, refuses a second job with 429 while the queue is full (a repeat shares the proof), serves the proof after 202s', async () => {
    const res = await chat(req('the sea'));
    expect(res.status).toBe(200);
    const body = new Uint8Array(await res.arrayBuffer());
    const id = res.headers.get('proof-id')!;
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(res.headers.get('link')).toBe(`</api/v1/zkllm/proofs/${id}>; rel="proof"`);
    expect(res.headers.get('content-digest')).toBe(contentDigest(body));
    expect(res.headers.get('zkllm-model')).toBe(info.digest);
    expect(res.headers.get('proof-digest')).toBeNull(); // async: the proof did not exist yet
    expect(res.headers.get('signature-input')).toMatch(/^zkllm=\("@status" "content-digest" "proof-id" "zkllm-model"\);created=\d+;keyid="[^"]+";alg="ed25519"$/);
    expect(res.headers.get('signature')).toMatch(/^zkllm=:[A-Za-z0-9+/]+=*:$/);
    expect(res.headers.get('access-control-expose-headers')).toMatch(/Proof-Id.*Signature-Input, Signature/);
    const json = JSON.parse(Buffer.from(body).toString('utf8')) as Record<string, any>;
    expect(json).toMatchObject({ object: 'chat.completion', model: 'tiny', zkllm: { proof_id: id, proof_url: `/api/v1/zkllm/proofs/${id}`, model: info.digest, prompt: 'the sea' } });
    expect(json['choices'][0].message.role).toBe('assistant');
    expect(json['usage'].completion_tokens).toBeGreaterThanOrEqual(1);
    expect(json['usage'].total_tokens).toBe(json['usage'].prompt_tokens + json['usage'].completion_tokens);

    // One worker, no waiting line: the next request is turned away until this proof is done.
    const busy = await chat(req('a ship'));
    expect(Number(busy.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    await expectError(busy, 429, 'queue_full');
    // A repeat of the same request states the same generation: it shares the running
    // proof instead of queueing, under its own Proof-Id.
    const repeat = await chat(req('the sea'));
    expect(repeat.status).toBe(200);
    const repeatBody = new Uint8Array(await repeat.arrayBuffer());
    expect(repeat.headers.get('proof-id')).not.toBe(id);
    expect(zk.stats()).toMatchObject({ running: 1, waiting: 0 });

    // The worker is proving right now, and the server still answers: proving is off its thread.
    expect(zk.stats().running).toBe(1);
    const pending = await fetch(`${base}/v1/zkllm/proofs/${id}`);
    expect(pending.status).toBe(202);
    expect(Number(pending.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await pending.json()).toEqual({ object: 'zkllm.proof', id, status: 'pending' });

    // verifyResponse polls the Link until the proof is ready, then checks everything.
    const r = await verifyResponse({ status: 200, headers: res.headers, body }, { commitment: info.commitment as never, publicKey: info.public_key, baseUrl: base });
    expect(r.reason).toBeUndefined();
    expect(r.valid).toBe(true);
    expect(r.text).toBe(json['choices'][0].message.content);

    const r2 = await verifyResponse({ status: 200, headers: repeat.headers, body: repeatBody }, { commitment: info.commitment as never, publicKey: info.public_key, baseUrl: base });
    expect(r2.reason).toBeUndefined();
    expect(r2.proofId).toBe(repeat.headers.get('proof-id'));

    const proofRes = await fetch(`${base}/v1/zkllm/proofs/${id}`);
    expect(proofRes.status).toBe(200);
    expect(proofRes.headers.get('content-type')).toBe('application/octet-stream');
    const proof = new Uint8Array(await proofRes.arrayBuffer());
    expect(proofRes.headers.get('proof-digest')).toBe(contentDigest(proof));
    expect(proofRes.headers.get('signature-input')).toMatch(/"proof-digest"/);
    expectNoProofInHeaders(res.headers, proof);
    expectNoProofInHeaders(proofRes.headers, proof);
  });

  it('streams chunks, then a signed proof frame and [DONE]; the stream verifies', async () => {
    const res = await chat(req('a ship', { stream: true, stream_options: { include_usage: true } }));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const id = res.headers.get('proof-id')!;
    const text = await res.text();
    const events = text.split('\n\n').filter((e) => e !== '');
    expect(events.at(-1)).toBe('data: [DONE]');
    const proofEvent = events.at(-2)!;
    expect(proofEvent.startsWith('event: proof\ndata: ')).toBe(true);
    const frame = JSON.parse(proofEvent.slice('event: proof\ndata: '.length)) as Record<string, unknown>;
    expect(frame).toMatchObject({ proof_id: id, model: info.digest, prompt: 'a ship', choices: [] });
    expect(frame['proof_digest']).toBeUndefined();
    const chunks = events.slice(0, -2).map((e) => JSON.parse(e.slice('data: '.length)) as Record<string, any>);
    expect(chunks.every((c) => c['object'] === 'chat.completion.chunk' && c['id'] === `chatcmpl-${id}`)).toBe(true);
    expect(chunks.at(-1)!['usage'].completion_tokens).toBeGreaterThanOrEqual(1);
    const content = chunks.map((c) => c['choices'][0]?.delta?.content ?? '').join('');
    expect(frame['content_digest']).toBe(contentDigest(content));
    const r = await verifyResponse({ status: 200, headers: res.headers, body: text }, { commitment: info.commitment as never, publicKey: info.public_key, baseUrl: base });
    expect(r.reason).toBeUndefined();
    expect(r.text).toBe(content);
  });

  it('answers 503 once closed, and keeps serving stored proofs', async () => {
    await zk.close();
    const res = await chat(req('the sea'));
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    await expectError(res, 503, 'shutting_down');
    expect((await fetch(`${base}/v1/zkllm/model`)).status).toBe(200);
  });
});
