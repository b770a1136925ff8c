/**
 * The ESM browser build in a real headless Chromium: a page on loopback imports
 * dist-style `zkllm-verifier.js` (built here in memory from the sources), asks the test
 * server for chat completions, and verifies them — JSON and SSE — with the bundled
 * model's real proof. Tampered answers must be rejected in the browser too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium, RUN_BROWSER_TESTS } from '../../test-support/chromium.js';
import { jsonResponse, makeExchange, proofResource, route, sseResponse, startServer, type ProvenExchange, type TestServer } from '../../test-support/exchange.js';
import { buildBrowserBundle } from '../../scripts/build-browser.mjs';
import { encodeKey } from './keys.js';

const MESSAGES = [{ role: 'user', content: 'Call me Ishmael.' }];
let ex: ProvenExchange;
let server: TestServer;
let browser: Browser | undefined;

/** Runs in the page: everything the browser does, using only the bundle and fetch. */
const PAGE_SCRIPT = `async ({ digest, publicKey, messages }) => {
  const lib = await import('/zkllm-verifier.js');
  const info = await (await fetch('/v1/zkllm/model')).json();
  const commitment = lib.parseModelCommitment(info.commitment, digest);
  const out = { env: { process: typeof process, Buffer: typeof Buffer, require: typeof require } };
  for (const path of ['/v1/chat/completions', '/stream/v1/chat/completions', '/tampered/v1/chat/completions', '/tampered-stream/v1/chat/completions']) {
    const stream = path.includes('stream');
    const res = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: info.id, messages, max_tokens: 2, stream }) });
    const r = await lib.verifyResponse(res, { commitment, publicKey, messages });
    out[path] = { valid: r.valid, reason: r.reason ?? null, text: r.text ?? null, kind: r.kind ?? null };
  }
  return out;
}`;

describe.skipIf(!RUN_BROWSER_TESTS)('verifier in headless Chromium', { timeout: 120_000 }, () => {
  beforeAll(async () => {
    const { code } = await buildBrowserBundle({ write: false, minify: true });
    ex = makeExchange(MESSAGES, 2);
    const info = { object: 'zkllm.model', id: 'tiny-moby', digest: ex.commitment.digest, commitment: ex.commitment, public_key: encodeKey(ex.key.publicKey), key_id: ex.key.keyId, alg: 'ed25519' };
    const tampered = () => {
      const w = jsonResponse(ex);
      return { ...w, body: w.body.replace(JSON.stringify(ex.text), JSON.stringify(ex.text + ' and more')) };
    };
    const tamperedStream = () => {
      const w = sseResponse(ex, { pieces: [ex.text] });
      return { ...w, body: w.body.replace(`"content":${JSON.stringify(ex.text)}`, '"content":"something else"') };
    };
    server = await startServer([
      route('GET', '/', () => ({ status: 200, headers: { 'Content-Type': 'text/html' }, body: '<!doctype html><title>zkllm browser test</title>' })),
      route('GET', '/zkllm-verifier.js', () => ({ status: 200, headers: { 'Content-Type': 'text/javascript' }, body: code })),
      route('GET', '/v1/zkllm/model', () => ({ status: 200, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(info) })),
      route('POST', '/v1/chat/completions', () => jsonResponse(ex)),
      route('POST', '/stream/v1/chat/completions', () => sseResponse(ex)),
      route('POST', '/tampered/v1/chat/completions', tampered),
      route('POST', '/tampered-stream/v1/chat/completions', tamperedStream),
      route('GET', `/v1/zkllm/proofs/${ex.proofId}`, () => proofResource(ex)),
    ]);
    browser = await launchChromium();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('verifies genuine JSON and SSE responses and rejects tampered ones', async () => {
    const page = await browser!.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.url + '/');
    const out = (await page.evaluate(`(${PAGE_SCRIPT})(${JSON.stringify({ digest: ex.commitment.digest, publicKey: encodeKey(ex.key.publicKey), messages: MESSAGES })})`)) as Record<
      string,
      { valid: boolean; reason: string | null; text: string | null; kind: string | null }
    > & { env: Record<string, string> };
    expect(errors).toEqual([]);
    expect(out.env).toEqual({ process: 'undefined', Buffer: 'undefined', require: 'undefined' });
    expect(out['/v1/chat/completions']).toEqual({ valid: true, reason: null, text: ex.text, kind: 'json' });
    expect(out['/stream/v1/chat/completions']).toEqual({ valid: true, reason: null, text: ex.text, kind: 'stream' });
    expect(out['/tampered/v1/chat/completions']).toMatchObject({ valid: false, reason: 'Content-Digest does not match the bytes', text: null });
    expect(out['/tampered-stream/v1/chat/completions']).toMatchObject({ valid: false, reason: 'proof frame content_digest does not match the bytes', text: null });
    expect(server.log).toContain(`GET /v1/zkllm/proofs/${ex.proofId}`);
    await page.close();
  });
});
