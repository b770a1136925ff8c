#!/usr/bin/env node
// Serves the bundled model (or ZKLLM_MODEL) as an OpenAI-compatible chat API with
// proofs. One command from the repository root (builds, then serves):
//
//   npm run serve                                      # prints http://127.0.0.1:8787/v1
//
// or, once built, `node examples/express-server/server.mjs`.
//
// Environment: PORT (default 8787, 0 = any free port), HOST (default 127.0.0.1),
// ZKLLM_MODEL (model directory), ZKLLM_STORE (proof store and key, default ./.zkllm),
// ZKLLM_PROOF_MODE (sync | async), ZKLLM_MAX_QUEUE, ZKLLM_CONCURRENCY.
import express from 'express';
import { pathToFileURL } from 'node:url';

const { zkllm } = await import('@zkllm/express').catch((e) => {
  // From a checkout the package resolves to dist/, which `npm run build` creates.
  if (e?.code === 'ERR_MODULE_NOT_FOUND') throw new Error(`@zkllm/express is not built (${e.message}); run \`npm run build\` first, or \`npm run serve\``);
  throw e;
});

/**
 * Starts the server and resolves once it listens. Every option of `zkllm()` may be
 * passed, plus `port` and `host`. Returns `{ url, baseURL, server, zk, close }`.
 */
export async function startServer({ port = 8787, host = '127.0.0.1', ...options } = {}) {
  const app = express();
  app.disable('x-powered-by');
  const zk = zkllm(options);
  app.use(zk);
  app.use((_req, res) => res.status(404).json({ error: { message: 'not found', type: 'not_found_error', param: null, code: 'not_found' } }));
  const server = await new Promise((resolve, reject) => {
    const s = app.listen(port, host, (err) => (err ? reject(err) : resolve(s)));
  });
  const { port: actual } = server.address();
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${actual}`;
  let closing;
  const close = (opts) =>
    (closing ??= (async () => {
      await zk.close(opts);
      await new Promise((resolve) => server.close(() => resolve()));
    })());
  return { url, baseURL: `${url}/v1`, server, zk, close };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const env = process.env;
  const num = (v) => (v === undefined || v === '' ? undefined : Number(v));
  const srv = await startServer({
    port: num(env.PORT) ?? 8787,
    host: env.HOST ?? '127.0.0.1',
    ...(env.ZKLLM_MODEL ? { model: env.ZKLLM_MODEL } : {}),
    storeDir: env.ZKLLM_STORE ?? '.zkllm',
    proofMode: env.ZKLLM_PROOF_MODE === 'async' ? 'async' : 'sync',
    queue: { concurrency: num(env.ZKLLM_CONCURRENCY), maxQueue: num(env.ZKLLM_MAX_QUEUE) },
  });
  const { modelName, digest, publicKey } = srv.zk.info;
  console.log(`zkLLM server: ${srv.baseURL}  (model ${modelName}, commitment ${digest.slice(0, 16)}…, key ${publicKey})`);
  const stop = () => {
    console.log('shutting down; queued proofs stay pending and are proven on the next start');
    srv.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
