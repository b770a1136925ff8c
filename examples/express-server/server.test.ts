/**
 * Smoke test of the example server as shipped: the bundled model, a file store in a
 * temporary directory, one signed chat answer (async mode, so the test does not wait
 * for the proof) and a clean shutdown that leaves the proof pending for the next start.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
// @ts-expect-error: plain ESM example without type declarations
import { startServer } from './server.mjs';

const dir = mkdtempSync(join(tmpdir(), 'zkllm-example-server-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('serves the bundled model with signed answers and shuts down cleanly', async () => {
  const srv = await startServer({ port: 0, storeDir: dir, proofMode: 'async' });
  try {
    expect(srv.baseURL).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    const info = await (await fetch(`${srv.baseURL}/zkllm/model`)).json();
    expect(info).toMatchObject({ object: 'zkllm.model', id: 'tiny-moby', alg: 'ed25519' });
    const res = await fetch(`${srv.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'tiny-moby', messages: [{ role: 'user', content: 'Call me Ishmael.' }], max_tokens: 2 }),
    });
    expect(res.status).toBe(200);
    for (const h of ['proof-id', 'link', 'content-digest', 'zkllm-model', 'signature-input', 'signature']) expect(res.headers.get(h), h).not.toBeNull();
    const body = await res.json();
    expect(body.choices[0].message.content.length).toBeGreaterThan(0);
    expect((await fetch(`${srv.url}/nope`)).status).toBe(404);
  } finally {
    await srv.close();
  }
  // The key file is private, and the unproven job is on disk for the next start.
  expect(statSync(join(dir, 'signing-key.json')).mode & 0o077).toBe(0);
  expect(readdirSync(join(dir, 'proofs')).filter((f) => f.endsWith('.json')).length).toBe(1);
});
