/**
 * ZkRemoteChatModel against a real @zkllm/express server on loopback, behind a small
 * man-in-the-middle proxy. Genuine answers (JSON and streamed) verify; the proxy then
 * replays the recorded genuine responses, altered or not, so every attack below costs
 * no extra proof: changed content, a changed stream delta, a genuine answer replayed for
 * another question, and clients pinning the wrong commitment or the wrong server key.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AIMessageChunk, HumanMessage } from '@langchain/core/messages';
import { writeFixture, ZkModel } from '@zkllm/core';
import { zkllm, type ZkllmRouter } from '@zkllm/express';
import { generateSigningKey, encodeKey, verifyProof, type ModelCommitmentFile } from '@zkllm/verifier';
import { proofBytes, readZkllmMetadata, ZkRemoteChatModel, ZkRemoteVerificationError, ZkVerifyCallbackHandler, type ZkRemoteChatModelFields } from '@zkllm/langchain';

interface Recorded {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

const HOP = new Set(['connection', 'transfer-encoding', 'keep-alive', 'content-length']);

/** Forwards to the upstream server, recording chat answers; or replays a recorded answer through `replay`. */
class Proxy {
  server!: Server;
  url = '';
  readonly recorded: Recorded[] = [];
  replay: (() => Recorded) | undefined;

  constructor(private readonly upstream: string) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      if (req.method === 'POST' && req.url === '/v1/chat/completions' && this.replay !== undefined) {
        req.resume();
        const r = this.replay();
        const headers = Object.fromEntries(Object.entries(r.headers).filter(([k]) => !HOP.has(k)));
        res.writeHead(r.status, { ...headers, 'content-length': String(r.body.length) });
        res.end(r.body);
        return;
      }
      const up = request(this.upstream + req.url, { method: req.method, headers: { ...req.headers, host: new URL(this.upstream).host } }, (ur) => {
        const headers = Object.fromEntries(Object.entries(ur.headers).filter(([k]) => !HOP.has(k)));
        res.writeHead(ur.statusCode ?? 502, headers as Record<string, string>);
        const parts: Buffer[] = [];
        ur.on('data', (d: Buffer) => {
          parts.push(d);
          res.write(d);
        });
        ur.on('end', () => {
          res.end();
          if (req.url === '/v1/chat/completions') this.recorded.push({ status: ur.statusCode ?? 0, headers: ur.headers, body: Buffer.concat(parts) });
        });
      });
      req.pipe(up);
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
}

const QUESTION = 'Call me Ishmael.';
const root = mkdtempSync(join(tmpdir(), 'zkllm-lc-remote-'));
let router: ZkllmRouter;
let upstream: Server;
let proxy: Proxy;
let pin: { commitment: ModelCommitmentFile; digest: string; publicKey: string };

beforeAll(async () => {
  const zk = ZkModel.load();
  router = zkllm({ model: zk, storeDir: join(root, 'store'), proofMode: 'sync', maxTokens: 8 });
  await router.ready;
  const app = express();
  app.use(router);
  upstream = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  proxy = new Proxy(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`);
  await proxy.start();
  // Pinned out of band in a real deployment; here read from the server itself.
  const info = (await (await fetch(`${proxy.url}/v1/zkllm/model`)).json()) as { commitment: ModelCommitmentFile; digest: string; public_key: string };
  pin = { commitment: info.commitment, digest: info.digest, publicKey: info.public_key };
});

afterAll(async () => {
  await router?.close();
  // Keep-alive connections from fetch and the proxy would otherwise hold close() open.
  upstream?.closeAllConnections();
  proxy?.server.closeAllConnections();
  await new Promise((r) => upstream?.close(r));
  await new Promise((r) => proxy?.server.close(r));
  rmSync(root, { recursive: true, force: true });
});

function remote(extra: Partial<ZkRemoteChatModelFields> = {}): ZkRemoteChatModel {
  return new ZkRemoteChatModel({ baseUrl: proxy.url, commitment: pin.commitment, publicKey: pin.publicKey, maxTokens: 3, ...extra });
}

/** The recorded genuine JSON answer (first) and stream (second), with an edit. */
function replayOf(kind: 'json' | 'stream', edit: (body: string) => string = (b) => b): () => Recorded {
  return () => {
    const r = proxy.recorded.find((x) => String(x.headers['content-type']).startsWith(kind === 'json' ? 'application/json' : 'text/event-stream'))!;
    return { ...r, body: Buffer.from(edit(r.body.toString('utf8'))) };
  };
}

describe('ZkRemoteChatModel against @zkllm/express', () => {
  let genuineText = '';

  test('a genuine JSON answer verifies, carries its proof, and passes the callback handler', async () => {
    const handler = new ZkVerifyCallbackHandler({ commitment: pin.commitment });
    const msg = await remote({ digest: pin.digest }).invoke([new HumanMessage(QUESTION)], { callbacks: [handler] });
    const meta = readZkllmMetadata(msg.response_metadata)!;
    expect(meta).toMatchObject({ verified: true, valid: true, modelDigest: pin.digest });
    expect(meta.proofId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(verifyProof(proofBytes(meta)!, pin.commitment).valid).toBe(true);
    expect(msg.usage_metadata).toMatchObject({ output_tokens: meta.outputTokens!.length, input_tokens: meta.promptTokens!.length });
    expect(typeof msg.content).toBe('string');
    genuineText = msg.content as string;
    expect(handler.results).toHaveLength(1);
    expect(handler.results[0]).toMatchObject({ valid: true, textChecked: true, proofId: meta.proofId });
  });

  test('a genuine stream arrives token by token and ends with a verified proof', async () => {
    const chunks: AIMessageChunk[] = [];
    for await (const c of await remote().stream(QUESTION)) chunks.push(c);
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks.slice(0, -1)) expect(c.response_metadata.zkllm).toBeUndefined();
    const merged = chunks.reduce((a, b) => a.concat(b));
    expect(merged.content).toBe(genuineText);
    expect(readZkllmMetadata(merged.response_metadata)).toMatchObject({ verified: true, valid: true });
  });

  test('an altered JSON answer is rejected (throw) or flagged (flag)', async () => {
    proxy.replay = replayOf('json', (b) => {
      const j = JSON.parse(b) as { choices: Array<{ message: { content: string } }> };
      j.choices[0]!.message.content = 'Call me anything you like.';
      return JSON.stringify(j);
    });
    const err = await remote().invoke(QUESTION).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ZkRemoteVerificationError);
    expect((err as Error).message).toMatch(/Content-Digest/);
    const flagged = await remote({ onInvalid: 'flag' }).invoke(QUESTION);
    expect(flagged.content).toBe('Call me anything you like.');
    expect(readZkllmMetadata(flagged.response_metadata)).toMatchObject({ verified: true, valid: false, reason: expect.stringMatching(/Content-Digest/) });
    expect(readZkllmMetadata(flagged.response_metadata)!.proof).toBeUndefined();
    // A verifying handler downstream refuses the flagged answer too.
    const handler = new ZkVerifyCallbackHandler({ commitment: pin.commitment, onInvalid: 'record' });
    await remote({ onInvalid: 'flag' }).invoke(QUESTION, { callbacks: [handler] });
    expect(handler.results[0]!.reason).toMatch(/flagged/);
  });

  test('an altered stream delta is rejected at the end of the stream', async () => {
    proxy.replay = replayOf('stream', (b) => b.replace(/"content":"([^"]+)"/, '"content":"XX$1"'));
    const run = async (m: ZkRemoteChatModel): Promise<AIMessageChunk> => {
      let merged: AIMessageChunk | undefined;
      for await (const c of await m.stream(QUESTION)) merged = merged ? merged.concat(c) : c;
      return merged!;
    };
    await expect(run(remote())).rejects.toThrow(/content_digest/);
    const flagged = await run(remote({ onInvalid: 'flag' }));
    expect(flagged.content).toMatch(/^XX/);
    expect(readZkllmMetadata(flagged.response_metadata)).toMatchObject({ valid: false });
  });

  test('a genuine answer replayed for another question is rejected', async () => {
    proxy.replay = replayOf('json');
    // Unaltered, the replay still verifies for the question it answered...
    expect(readZkllmMetadata((await remote().invoke(QUESTION)).response_metadata)!.valid).toBe(true);
    // ...but not as the answer to a different one.
    await expect(remote().invoke('What is the whale?')).rejects.toThrow(/does not appear .* in the proven prompt/);
  });

  test('clients pinning another commitment or another server key reject genuine answers', async () => {
    proxy.replay = replayOf('json');
    writeFixture('llama-gqa-odd', join(root, 'other'));
    const other = ZkModel.load(join(root, 'other')).commit();
    await expect(remote({ commitment: other }).invoke(QUESTION)).rejects.toThrow(/not the pinned model/);
    await expect(remote({ commitment: undefined, digest: other.digest }).invoke(QUESTION)).rejects.toThrow(/commitment is not the pinned one/);
    expect(() => remote({ commitment: pin.commitment, digest: other.digest })).toThrow(/pinned digest/);
    const stranger = encodeKey(generateSigningKey().publicKey);
    const err = await remote({ publicKey: stranger, onInvalid: 'flag' }).invoke(QUESTION);
    expect(readZkllmMetadata(err.response_metadata)).toMatchObject({ valid: false, reason: expect.stringMatching(/signature|key/i) });
  });
});
