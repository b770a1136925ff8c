/**
 * Smoke test of the verify client against the example server (bundled model, sync
 * proofs): the answer verifies against pinned digest and key; a wrong pinned digest is
 * refused. (Tampering and wrong keys are covered by test/express.e2e.test.ts.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
// @ts-expect-error: plain ESM examples without type declarations
import { startServer } from '../express-server/server.mjs';
// @ts-expect-error: plain ESM examples without type declarations
import { verifiedChat } from './client.mjs';

const dir = mkdtempSync(join(tmpdir(), 'zkllm-example-client-'));
let srv: { baseURL: string; zk: { info: { digest: string; publicKey: string } }; close: () => Promise<void> };
beforeAll(async () => {
  srv = await startServer({ port: 0, storeDir: dir });
});
afterAll(async () => {
  await srv.close();
  rmSync(dir, { recursive: true, force: true });
});

it('gets a verified answer from the example server', async () => {
  const pin = { digest: srv.zk.info.digest, publicKey: srv.zk.info.publicKey };
  const r = await verifiedChat({ baseURL: srv.baseURL, prompt: 'Call me Ishmael.', maxTokens: 2, pin });
  expect(r.reason).toBeUndefined();
  expect(r.valid).toBe(true);
  expect(r.prompt).toContain('Call me Ishmael.');
  expect(typeof r.text).toBe('string');
  expect(r.pinned.trustOnFirstUse).toBe(false);
  // A server serving another model than the pinned one is refused before anything is sent.
  await expect(verifiedChat({ baseURL: srv.baseURL, prompt: 'x', pin: { digest: '00'.repeat(32) } })).rejects.toThrow(/not the pinned/);
});
