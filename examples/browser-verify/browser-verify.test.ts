/**
 * Smoke test of the browser example in headless Chromium: the page served by serve.mjs
 * (a tiny fixture model, to keep proving short) gets a VALID verdict for a genuine
 * answer and INVALID once it tampers with a streamed answer.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFixture } from '@zkllm/core';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, RUN_BROWSER_TESTS } from '../../packages/verifier/test-support/chromium.js';
// @ts-expect-error: plain ESM example without type declarations
import { startBrowserVerify } from './serve.mjs';

const dir = mkdtempSync(join(tmpdir(), 'zkllm-browser-example-'));
let srv: { url: string; zk: { info: { digest: string; publicKey: string } }; close: () => Promise<void> };
let browser: Browser;

describe.skipIf(!RUN_BROWSER_TESTS)('examples/browser-verify', { timeout: 120_000 }, () => {
  beforeAll(async () => {
    writeFixture('llama-l2c', join(dir, 'tiny'));
    srv = await startBrowserVerify({ port: 0, model: join(dir, 'tiny'), storeDir: join(dir, 'store'), maxTokens: 4 });
    browser = await launchChromium();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await srv?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function verdict(page: Page): Promise<{ verdict: string; text: string; detail: string }> {
    await page.click('#go');
    await page.waitForFunction(() => document.body.dataset['state'] === 'done', undefined, { timeout: 100_000 });
    return page.evaluate(() => ({ verdict: document.getElementById('verdict')!.textContent!, text: document.getElementById('text')!.textContent!, detail: document.getElementById('detail')!.textContent! }));
  }

  it('verifies an answer in the page, and rejects a tampered stream', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const { digest, publicKey } = srv.zk.info;
    await page.goto(`${srv.url}/?digest=${digest}&key=${publicKey}`);
    await page.waitForFunction(() => document.body.dataset['state'] === 'ready');
    await page.fill('#prompt', 'a ship');
    await page.fill('#max-tokens', '2');
    const ok = await verdict(page);
    expect(ok.verdict, ok.detail).toBe('VALID');
    expect(ok.detail).toMatch(/^proof [A-Za-z0-9_-]{22} for model/);
    expect(ok.detail).not.toMatch(/not pinned/);
    await page.check('#stream');
    await page.check('#tamper');
    const bad = await verdict(page);
    expect(bad.verdict).toBe('INVALID');
    expect(bad.text).toBe('');
    expect(bad.detail).toMatch(/content_digest does not match/);
    expect(errors).toEqual([]);
  });
});
