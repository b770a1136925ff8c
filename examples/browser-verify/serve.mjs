#!/usr/bin/env node
// One command to try browser verification: serves the page, the browser build of
// @zkllm/verifier (built in memory from the sources with Vite) and a zkLLM chat API
// (@zkllm/express, bundled model, sync proofs) on the same origin. Run after `npm run build`:
//
//   node examples/browser-verify/serve.mjs      # open the printed URL
//
// Environment: PORT (default 8788, 0 = any free port), HOST (default 127.0.0.1),
// ZKLLM_MODEL (model directory), ZKLLM_STORE (proof store and key, default ./.zkllm).
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import express from 'express';
import { zkllm } from '@zkllm/express';
import { buildBrowserBundle } from '../../packages/verifier/scripts/build-browser.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));

/**
 * Starts the example and resolves once it listens: `{ url, server, zk, close }`.
 * Options: `port`, `host`, plus any option of `zkllm()` (model, storeDir, maxTokens, ...).
 */
export async function startBrowserVerify({ port = 8788, host = '127.0.0.1', ...options } = {}) {
  const { code } = await buildBrowserBundle({ write: false });
  const app = express();
  app.disable('x-powered-by');
  const file = (name, type) => (_req, res) => res.type(type).send(readFileSync(here + name));
  app.get('/', file('index.html', 'html'));
  app.get('/app.js', file('app.js', 'text/javascript'));
  app.get('/zkllm-verifier.js', (_req, res) => res.type('text/javascript').send(code));
  const zk = zkllm({ proofMode: 'sync', ...options });
  app.use(zk);
  const server = await new Promise((resolve, reject) => {
    const s = app.listen(port, host, (err) => (err ? reject(err) : resolve(s)));
  });
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${server.address().port}`;
  let closing;
  const close = () =>
    (closing ??= (async () => {
      await zk.close();
      await new Promise((resolve) => server.close(() => resolve()));
    })());
  return { url, server, zk, close };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const env = process.env;
  const srv = await startBrowserVerify({
    port: env.PORT === undefined || env.PORT === '' ? 8788 : Number(env.PORT),
    host: env.HOST ?? '127.0.0.1',
    ...(env.ZKLLM_MODEL ? { model: env.ZKLLM_MODEL } : {}),
    storeDir: env.ZKLLM_STORE ?? '.zkllm',
  });
  const { digest, publicKey } = srv.zk.info;
  console.log(`open ${srv.url}/?digest=${digest}&key=${publicKey}`);
  console.log('(the query pins the model digest and server key; drop it to see trust-on-first-use)');
  const stop = () => srv.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
