/**
 * Bounded load on loopback: 50 concurrent chat requests against one prove worker with a
 * waiting line of 8. Every request gets either a signed answer with a Proof-Id or a
 * clean 429/503 with Retry-After. The server is then shut down with proofs still
 * queued and restarted on the same store: every Proof-Id it handed out is served
 * afterwards and verifies, signed by the same persisted key.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFixture } from '@zkllm/core';
import { verifyResponse, type ModelCommitmentFile } from '@zkllm/verifier';
import { afterAll, expect, it } from 'vitest';
// @ts-expect-error: plain ESM example without type declarations
import { startServer } from '../examples/express-server/server.mjs';

interface Srv {
  baseURL: string;
  zk: { info: { publicKey: string; digest: string }; stats(): { waiting: number; running: number } };
  close: (opts?: { drain?: boolean }) => Promise<void>;
}

const root = mkdtempSync(join(tmpdir(), 'zkllm-load-'));
const model = join(root, 'tiny');
const storeDir = join(root, 'store');
writeFixture('llama-l2c', model);
const servers: Srv[] = [];
afterAll(async () => {
  for (const s of servers) await s.close();
  rmSync(root, { recursive: true, force: true });
});

interface Answer {
  status: number;
  headers: Headers;
  body: Uint8Array;
}

it('50 concurrent requests: proofs or clean 429/503; nothing lost across a restart', async () => {
  const first = (await startServer({ port: 0, model, storeDir, proofMode: 'async', queue: { concurrency: 1, maxQueue: 8 } })) as Srv;
  servers.push(first);
  const info = (await (await fetch(`${first.baseURL}/zkllm/model`)).json()) as { id: string; commitment: ModelCommitmentFile; public_key: string };

  const answers: Answer[] = await Promise.all(
    Array.from({ length: 50 }, async (_, i) => {
      const res = await fetch(`${first.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: info.id, messages: [{ role: 'user', content: `the sea ${i}` }], max_tokens: 2 }),
      });
      return { status: res.status, headers: new Headers(res.headers), body: new Uint8Array(await res.arrayBuffer()) };
    }),
  );
  const ok = answers.filter((a) => a.status === 200);
  const refused = answers.filter((a) => a.status !== 200);
  expect(ok.length).toBeGreaterThanOrEqual(1);
  expect(ok.length).toBeLessThanOrEqual(9); // 1 proving + 8 waiting
  for (const a of ok) {
    for (const h of ['proof-id', 'link', 'content-digest', 'zkllm-model', 'signature-input', 'signature']) expect(a.headers.get(h), h).not.toBeNull();
  }
  for (const a of refused) {
    expect([429, 503]).toContain(a.status);
    expect(Number(a.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const e = JSON.parse(Buffer.from(a.body).toString()) as { error: { type: string; code: string; message: string } };
    expect(e.error.code).toBe(a.status === 429 ? 'queue_full' : 'shutting_down');
    expect(a.headers.get('proof-id')).toBeNull();
  }
  const ids = ok.map((a) => a.headers.get('proof-id')!);
  expect(new Set(ids).size).toBe(ids.length);

  // Shut down with proofs still queued; a request racing the shutdown gets a clean 503.
  const closing = first.close();
  const late = await fetch(`${first.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: info.id, messages: [{ role: 'user', content: 'late' }], max_tokens: 2 }),
  }).catch(() => undefined);
  if (late !== undefined) {
    expect(late.status).toBe(503);
    expect(((await late.json()) as { error: { code: string } }).error.code).toBe('shutting_down');
  }
  await closing;
  const onDisk = readdirSync(join(storeDir, 'proofs')).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5));
  expect(onDisk.sort()).toEqual([...ids].sort());

  // Restart on the same store (two workers now): pending proofs are proven again.
  const second = (await startServer({ port: 0, model, storeDir, queue: { concurrency: 2, maxQueue: 8 } })) as Srv;
  servers.push(second);
  expect(second.zk.info.publicKey).toBe(first.zk.info.publicKey);
  expect(second.zk.info.digest).toBe(first.zk.info.digest);
  for (const id of ids) {
    for (;;) {
      const res = await fetch(`${second.baseURL}/zkllm/proofs/${id}`);
      await res.arrayBuffer();
      expect([200, 202]).toContain(res.status);
      if (res.status === 200) break;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  // Each answer of the first server verifies against the proofs the second one serves.
  for (const a of ok) {
    const r = await verifyResponse({ status: a.status, headers: a.headers, body: a.body }, { commitment: info.commitment, publicKey: info.public_key, baseUrl: second.baseURL.replace(/\/v1$/, '') });
    expect(r.reason).toBeUndefined();
    expect(r.valid).toBe(true);
  }
}, 280_000);
