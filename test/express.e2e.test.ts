/**
 * End to end over loopback: the example server (examples/express-server) with a small
 * fixture model, called by the official `openai` client and by plain fetch, JSON and
 * streaming. Every answer is checked with @zkllm/verifier's verifyResponse, and tampered
 * bodies, proofs, keys and commitments are each rejected.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { writeFixture, ZkModel } from '@zkllm/core';
import { encodeKey, generateSigningKey, verifyResponse, type ModelCommitmentFile } from '@zkllm/verifier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: plain ESM example without type declarations
import { startServer } from '../examples/express-server/server.mjs';

interface Srv {
  url: string;
  baseURL: string;
  close: () => Promise<void>;
}
interface ModelInfo {
  id: string;
  digest: string;
  commitment: ModelCommitmentFile;
  public_key: string;
}

const root = mkdtempSync(join(tmpdir(), 'zkllm-express-e2e-'));
writeFixture('llama-structured', join(root, 'structured'));
let srv: Srv;
let info: ModelInfo;
/** Raw copies of what the OpenAI client received, for verification. */
const seen: Response[] = [];
let client: OpenAI;

beforeAll(async () => {
  srv = (await startServer({ port: 0, model: join(root, 'structured'), storeDir: join(root, 'store'), maxTokens: 4 })) as Srv;
  info = (await (await fetch(`${srv.baseURL}/zkllm/model`)).json()) as ModelInfo;
  client = new OpenAI({
    baseURL: srv.baseURL,
    apiKey: 'unused',
    maxRetries: 0,
    fetch: async (url: string | URL | Request, init?: RequestInit) => {
      const res = await fetch(url, init);
      seen.push(res.clone());
      return res;
    },
  });
});
afterAll(async () => {
  await srv?.close();
  rmSync(root, { recursive: true, force: true });
});

const pinned = () => ({ commitment: info.commitment, publicKey: info.public_key });
const messages = [{ role: 'user' as const, content: 'the whale' }];

async function post(body: object): Promise<Response> {
  return fetch(`${srv.baseURL}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: info.id, messages, max_tokens: 2, ...body }) });
}

/** A fetch Response captured as bytes, so the same message can be verified and tampered with. */
interface Captured {
  status: number;
  headers: Headers;
  body: Uint8Array;
  url: string;
}
async function capture(res: Response): Promise<Captured> {
  return { status: res.status, headers: new Headers(res.headers), body: new Uint8Array(await res.arrayBuffer()), url: res.url };
}
const check = (c: Captured, opts: object = {}) => verifyResponse({ status: c.status, headers: c.headers, body: c.body, url: c.url }, { ...pinned(), ...opts });

let json: Captured;
let stream: Captured;

describe('official openai client', () => {
  it('chat.completions.create: the answer it parsed is the verified, proven text', async () => {
    const completion = await client.chat.completions.create({ model: info.id, messages, max_tokens: 2 });
    const content = completion.choices[0]!.message.content!;
    expect(completion.usage!.completion_tokens).toBeGreaterThanOrEqual(1);
    const r = await verifyResponse(seen.at(-1)!, pinned());
    expect(r.reason).toBeUndefined();
    expect(r.valid).toBe(true);
    expect(r.text).toBe(content);
    expect(r.prompt).toBe('the whale');
  });

  it('stream: chunks parse as usual and their concatenation is the verified text', async () => {
    const s = await client.chat.completions.create({ model: info.id, messages: [{ role: 'user', content: 'a ship' }], max_tokens: 2, stream: true });
    let content = '';
    const objects = new Set<string>();
    for await (const chunk of s) {
      objects.add(chunk.object);
      content += chunk.choices[0]?.delta?.content ?? '';
    }
    // The SDK also hands over the proof frame's data; it is shaped not to break this loop.
    expect([...objects].sort()).toEqual(['chat.completion.chunk', 'zkllm.proof']);
    const r = await verifyResponse(seen.at(-1)!, pinned());
    expect(r.reason).toBeUndefined();
    expect(r.text).toBe(content);
    expect(r.kind).toBe('stream');
  });
});

describe('plain fetch', () => {
  beforeAll(async () => {
    json = await capture(await post({}));
    stream = await capture(await post({ stream: true, messages: [{ role: 'user', content: 'the sea' }] }));
  });

  it('JSON and streamed answers verify (sync mode: Proof-Digest signed)', async () => {
    expect(json.headers.get('proof-digest')).toMatch(/^sha-256=:/);
    const r = await check(json, { messages: ['the whale'] });
    expect(r.reason).toBeUndefined();
    expect(r.valid).toBe(true);
    expect(r.text).toBe((JSON.parse(Buffer.from(json.body).toString()) as { choices: { message: { content: string } }[] }).choices[0]!.message.content);
    const s = await check(stream);
    expect(s.reason).toBeUndefined();
    expect(s.valid).toBe(true);
  });

  it('rejects a tampered body', async () => {
    const text = Buffer.from(json.body).toString();
    const parsed = JSON.parse(text) as { choices: { message: { content: string } }[] };
    parsed.choices[0]!.message.content += ' (not what the model said)';
    const r = await check({ ...json, body: new Uint8Array(Buffer.from(JSON.stringify(parsed))) });
    expect(r.valid).toBe(false);
    expect(r.reason).toMatch(/Content-Digest/);
    // In a stream, changing one delta breaks the signed content digest of the proof frame.
    const sse = Buffer.from(stream.body).toString();
    const first = sse.match(/"delta":\{"content":"([^"]+)"/)!;
    const bad = sse.replace(first[0], `"delta":{"content":"${first[1]}!"`);
    const rs = await check({ ...stream, body: new Uint8Array(Buffer.from(bad)) });
    expect(rs.valid).toBe(false);
    expect(rs.reason).toMatch(/content_digest/);
  });

  it('rejects a tampered proof, and a valid proof of another answer', async () => {
    const id = json.headers.get('proof-id')!;
    const proof = new Uint8Array(await (await fetch(`${srv.baseURL}/zkllm/proofs/${id}`)).arrayBuffer());
    const flipped = proof.slice();
    flipped[flipped.length >> 1]! ^= 1;
    const r1 = await check(json, { proof: flipped });
    expect(r1.valid).toBe(false);
    expect(r1.reason).toMatch(/Proof-Digest/);
    // A server (or proxy) serving altered bytes under the original headers is caught too.
    const lying = async (url: string) => {
      const res = await fetch(url);
      const h = new Headers(res.headers);
      return new Response(url.includes(id) ? flipped : new Uint8Array(await res.arrayBuffer()), { status: res.status, headers: h });
    };
    const r2 = await check(json, { fetch: lying });
    expect(r2.valid).toBe(false);
    expect(r2.reason).toMatch(/Proof-Digest|Content-Digest/);
    const streamId = JSON.parse(/event: proof\ndata: (.*)\n/.exec(Buffer.from(stream.body).toString())![1]!).proof_id as string;
    const other = new Uint8Array(await (await fetch(`${srv.baseURL}/zkllm/proofs/${streamId}`)).arrayBuffer());
    const r3 = await check(json, { proof: other });
    expect(r3.valid).toBe(false);
  });

  it('rejects a wrong server key', async () => {
    const r = await check(json, { publicKey: encodeKey(generateSigningKey().publicKey) });
    expect(r.valid).toBe(false);
    expect(r.reason).toMatch(/key/i);
    const s = await check(stream, { publicKey: encodeKey(generateSigningKey().publicKey) });
    expect(s.valid).toBe(false);
  });

  it('rejects a pinned commitment of another model', async () => {
    writeFixture('llama-l2c', join(root, 'other'));
    const other = ZkModel.load(join(root, 'other')).commit();
    expect(other.digest).not.toBe(info.digest);
    const r = await check(json, { commitment: other });
    expect(r.valid).toBe(false);
    expect(r.reason).toMatch(/not the pinned model/);
    const s = await check(stream, { commitment: other });
    expect(s.valid).toBe(false);
  });
});
