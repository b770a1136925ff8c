/**
 * Headless Chromium for browser tests (Debian's /usr/bin/chromium driven by
 * playwright-core). `.ci/run` installs it in CI, where a missing browser must fail the
 * test rather than skip it; on a developer machine without it the tests skip and say so.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const IN_CI = process.env['CI'] === 'true';
export const HAVE_CHROMIUM = existsSync(CHROMIUM_PATH);
/** True when the browser tests should run (always in CI, so a missing browser fails there). */
export const RUN_BROWSER_TESTS = HAVE_CHROMIUM || IN_CI;

if (!RUN_BROWSER_TESTS) {
  console.warn(`browser tests skipped: ${CHROMIUM_PATH} not found (apt-get install chromium, or run in CI where it is required)`);
}

export async function launchChromium(): Promise<Browser> {
  if (!HAVE_CHROMIUM) throw new Error(`${CHROMIUM_PATH} is missing: .ci/run installs the Debian chromium package before the tests`);
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
