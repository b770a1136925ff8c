/**
 * ZkRemoteChatModel's client behaviour against a hand-written loopback server that
 * speaks the protocol badly: HTTP errors, unproven answers, a foreign commitment. The
 * genuine path (a real @zkllm/express server, real proofs) is test/langchain-remote.e2e.test.ts.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ZkModel } from '@zkllm/core';
import { encodeKey, generateSigningKey, type ModelCommitmentFile } from '@zkllm/verifier';
import { readZkllmMetadata } from './metadata.js';
import { ZkRemoteChatModel, ZkRemoteHttpError, ZkRemoteVerificationError } from './remote.js';

let commitment: ModelCommitmentFile;
let server: Server;
let base = '';
const publicKey = encodeKey(generateSigningKey().publicKey);
const requests: Array<{ method: string; url: string; body: string }> = [];
let chatReply: { status: number; body: string } = { status: 200, body: '' };
let served: ModelCommitmentFile;

beforeAll(async () => {
  commitment = ZkModel.load().commit();
  served = commitment;
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', body });
      if (req.url === '/v1/zkllm/model') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: 'tiny-moby', digest: served.digest, commitment: served, public_key: publicKey }));
      } else if (req.url === '/v1/chat/completions') {
        res.writeHead(chatReply.status, { 'content-type': 'application/json' });
        res.end(chatReply.body);
      } else {
        res.writeHead(404).end();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const completion = JSON.stringify({ id: 'x', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'trust me' }, finish_reason: 'stop' }] });

describe('ZkRemoteChatModel', () => {
  test('requires pins and a base URL; accepts an OpenAI-style .../v1 base', () => {
    expect(() => new ZkRemoteChatModel({ baseUrl: base, publicKey } as never)).toThrow(/pin the model/);
    expect(() => new ZkRemoteChatModel({ baseUrl: base, commitment } as never)).toThrow(/publicKey is required/);
    expect(() => new ZkRemoteChatModel({ baseUrl: '', commitment, publicKey })).toThrow(/baseUrl/);
    expect(() => new ZkRemoteChatModel({ baseUrl: base, digest: 'abc', publicKey })).toThrow(/64 hex/);
    expect(() => new ZkRemoteChatModel({ baseUrl: base, commitment, publicKey, onInvalid: 'ignore' as never })).toThrow(/onInvalid/);
    expect(new ZkRemoteChatModel({ baseUrl: `${base}/v1/`, commitment, publicKey }).baseUrl).toBe(base);
  });

  test('sends an OpenAI chat request with the server-reported model name', async () => {
    chatReply = { status: 200, body: completion };
    requests.length = 0;
    await new ZkRemoteChatModel({ baseUrl: base, commitment, publicKey, maxTokens: 3, onInvalid: 'flag' }).invoke([
      ['system', 'Be brief.'],
      ['human', 'Hi'],
    ]);
    const post = requests.find((r) => r.method === 'POST')!;
    expect(post.url).toBe('/v1/chat/completions');
    expect(JSON.parse(post.body)).toEqual({
      model: 'tiny-moby',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
      ],
      max_tokens: 3,
      stream: false,
    });
  });

  test('an HTTP error becomes ZkRemoteHttpError with the server message', async () => {
    chatReply = { status: 429, body: JSON.stringify({ error: { message: 'queue full', type: 'rate_limit_error' } }) };
    const err = await new ZkRemoteChatModel({ baseUrl: base, commitment, publicKey }).invoke('Hi').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ZkRemoteHttpError);
    expect(err).toMatchObject({ status: 429, message: expect.stringMatching(/429: queue full/) });
  });

  test('an answer without proof headers is rejected, or flagged with its unverified text', async () => {
    chatReply = { status: 200, body: completion };
    await expect(new ZkRemoteChatModel({ baseUrl: base, commitment, publicKey }).invoke('Hi')).rejects.toThrow(ZkRemoteVerificationError);
    await expect(new ZkRemoteChatModel({ baseUrl: base, commitment, publicKey }).invoke('Hi')).rejects.toThrow(/Proof-Id/);
    const flagged = await new ZkRemoteChatModel({ baseUrl: base, commitment, publicKey, onInvalid: 'flag' }).invoke('Hi');
    expect(flagged.content).toBe('trust me');
    expect(readZkllmMetadata(flagged.response_metadata)).toMatchObject({ verified: true, valid: false, modelDigest: commitment.digest, reason: expect.stringMatching(/Proof-Id/) });
    expect(flagged.usage_metadata).toBeUndefined();
  });

  test('with only a digest pinned, a server serving another commitment is refused before any chat request', async () => {
    served = { ...commitment, paramsHash: '00'.repeat(32) };
    requests.length = 0;
    try {
      await expect(new ZkRemoteChatModel({ baseUrl: base, digest: commitment.digest, publicKey }).invoke('Hi')).rejects.toThrow(/commitment is not the pinned one/);
      expect(requests.map((r) => r.url)).toEqual(['/v1/zkllm/model']);
    } finally {
      served = commitment;
    }
  });

  test('call options a proof cannot honour are refused before any request', async () => {
    requests.length = 0;
    const m = new ZkRemoteChatModel({ baseUrl: base, commitment, publicKey });
    await expect(m.invoke('Hi', { stop: ['.'] })).rejects.toThrow(/stop sequences/);
    expect(requests.filter((r) => r.method === 'POST')).toHaveLength(0);
  });
});
