#!/usr/bin/env node
// Private inference with FHE, server and client in one command: a clinic's client sends
// a patient record through FHE split inference to a zkLLM FHE server on loopback. The
// record never leaves the client in the clear: the client runs the non-linear parts of
// the model itself and sends only BFV ciphertexts; the server evaluates its private
// linear layers on them, proves every step against the FHE commitment the client pinned,
// and logs what it saw — ids, layer names and sizes. Run after `npm run build`:
//
//   node examples/private-fhe/main.mjs [--max-tokens N] [--record TEXT] [--prove-every step|end]
//
// The bundled model is a tiny model trained on Moby-Dick, so the "answer" continues the
// record in Melville's words; the point is the data flow, which is the same for any model.
import express from 'express';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

// From a checkout both packages resolve to dist/, which `npm run build` creates.
const notBuilt = (name) => (e) => {
  if (e?.code === 'ERR_MODULE_NOT_FOUND') throw new Error(`${name} is not built (${e.message}); run \`npm run build\` first`);
  throw e;
};
const { FheClient, HttpFheTransport, ZkModel, clientModel } = await import('@zkllm/core').catch(notBuilt('@zkllm/core'));
const { zkllmFhe } = await import('@zkllm/express').catch(notBuilt('@zkllm/express'));

export const PATIENT_RECORD = 'Patient Ahab, 58. Lost leg. Glucose 212. Diagnosis:';

/** Starts the FHE server (the model's linear weights stay here). Resolves once it listens. */
export async function startFheServer({ model, port = 0, host = '127.0.0.1', log }) {
  const app = express();
  app.disable('x-powered-by');
  const fhe = zkllmFhe({ model, log });
  app.use(fhe);
  const server = await new Promise((resolve, reject) => {
    const s = app.listen(port, host, (err) => (err ? reject(err) : resolve(s)));
  });
  // FHE clients spend seconds encrypting and decrypting between requests: keep their
  // connections open for longer than that.
  server.keepAliveTimeout = 600_000;
  const url = `http://${host}:${server.address().port}`;
  const close = async () => {
    fhe.close();
    const closed = new Promise((resolve) => server.close(() => resolve()));
    // Idle keep-alive connections would otherwise hold the server open for minutes.
    server.closeAllConnections();
    await closed;
  };
  return { url, fhe, server, close };
}

/**
 * The client side: holds the model's public parts only (linear weights stripped), pins
 * the FHE commitment, and generates with every server step proven and verified.
 */
export async function askPrivately({ url, pin, model, record, maxTokens, proveEvery = 'end', onToken }) {
  const client = await FheClient.connect(new HttpFheTransport(url), { pin });
  try {
    const prompt = model.promptTokens(record);
    const result = await client.generate(clientModel(model.quantized), prompt, {
      maxTokens: model.room(prompt, maxTokens),
      eosTokenId: model.eosTokenId,
      proveEvery,
      onToken,
    });
    return { text: model.decode(result.tokens), result };
  } finally {
    await client.close();
  }
}

const mb = (n) => `${(n / 2 ** 20).toFixed(2)} MiB`;

/** One server log entry as a line: everything the server knows about the request. */
export function formatLogEntry(e) {
  switch (e.event) {
    case 'evaluate':
      return `evaluate ${e.session} ${e.linears.join('+')} tokens=${e.tokens} digits=${e.digits}: in ${e.ciphertextsIn} ciphertexts (${mb(e.bytesIn)}), out ${e.ciphertextsOut} (${mb(e.bytesOut)}), ${e.ms} ms`;
    case 'proof':
      return `proof    ${e.session} covers ${e.calls} calls: ${e.bytes} bytes, ${e.ms} ms`;
    case 'session.open':
      return `session  ${e.session} opened (${e.sessions} open)`;
    case 'session.close':
      return `session  ${e.session} closed (${e.reason})`;
    default:
      return `error    ${e.session ?? '-'} ${e.status} ${e.code}: ${e.message}`;
  }
}

/**
 * Runs the whole story; `print` receives the report lines. `proveEvery: 'end'` (default)
 * verifies one proof of every server step before the answer is shown; `'step'` verifies a
 * proof per forward step (about 3× slower on the bundled model: each proof's
 * verification has a fixed cost of a few seconds). Returns what a test checks.
 */
export async function runPrivateFhe({ maxTokens = 8, record = PATIENT_RECORD, proveEvery = 'end', print = console.log } = {}) {
  const model = ZkModel.load();
  const serverLog = [];
  print('server: encoding and committing the model weights for FHE evaluation…');
  const srv = await startFheServer({ model, log: (e) => serverLog.push(formatLogEntry(e)) });
  try {
    // In a deployment the operator publishes this digest; the client pins it out of band.
    const pin = srv.fhe.info.digest;
    print(`server: ${srv.url}  FHE commitment ${pin} (model ${srv.fhe.info.modelDigest.slice(0, 16)}…)`);
    print(`client: private record (never leaves the client in the clear): ${JSON.stringify(record)}`);
    const t0 = performance.now();
    const { text, result } = await askPrivately({ url: srv.url, pin, model, record, maxTokens, proveEvery });
    const seconds = (performance.now() - t0) / 1000;
    const layers = [...result.layers.values()];
    const up = layers.reduce((s, l) => s + l.bytesUp, 0);
    const down = layers.reduce((s, l) => s + l.bytesDown, 0);
    print(`client: answer (${result.tokens.length} tokens, ${result.proofsVerified} server proofs verified): ${JSON.stringify(text)}`);
    print(`client: ${seconds.toFixed(1)} s, sent ${mb(up)} and received ${mb(down)} of ciphertexts, ${result.proofBytes} proof bytes`);
    print('server log (everything the server saw):');
    for (const line of serverLog) print(`  ${line}`);
    // A word with letters must not appear anywhere in the log; a number must not appear as a
    // number of its own (the log is full of byte counts, timings and hex session ids, so the
    // record's 212 inside 79212 or 'a2127f0c' is a coincidence, not a leak).
    const split = (t) => t.split(/[^A-Za-z0-9]+/);
    const words = split(record).filter((w) => w.length >= 3);
    const logWords = new Set(serverLog.flatMap(split));
    const leaked = words.filter((w) => (/^[0-9]+$/.test(w) ? logWords.has(w) : serverLog.some((l) => l.includes(w))));
    print(leaked.length === 0 ? 'check: no word of the record appears in the server log' : `check FAILED: the server log contains ${leaked.join(', ')}`);
    return { answer: text, tokens: result.tokens, proofsVerified: result.proofsVerified, serverLog, leaked, pin };
  } finally {
    await srv.close();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { 'max-tokens': { type: 'string' }, record: { type: 'string' }, 'prove-every': { type: 'string' } } });
  const proveEvery = values['prove-every'] ?? 'end';
  if (proveEvery !== 'step' && proveEvery !== 'end') {
    console.error('private-fhe: --prove-every must be step or end');
    process.exit(2);
  }
  const maxTokens = values['max-tokens'] === undefined ? 8 : Number(values['max-tokens']);
  if (!Number.isInteger(maxTokens) || maxTokens < 1) {
    console.error('private-fhe: --max-tokens must be a positive integer');
    process.exit(2);
  }
  try {
    const r = await runPrivateFhe({ maxTokens, proveEvery, ...(values.record ? { record: values.record } : {}) });
    process.exitCode = r.leaked.length === 0 ? 0 : 1;
  } catch (e) {
    console.error(`private-fhe: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  }
}
