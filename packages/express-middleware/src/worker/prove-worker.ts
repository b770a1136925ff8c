/**
 * Worker-thread entry: loads the model from its directory, checks it commits to the
 * digest the server publishes, then proves generations one at a time. Proving blocks
 * for tens of seconds, which is why it lives here and not on the server's thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ZkModel } from '@zkllm/core';
import type { FromWorker, ToWorker, WorkerInit } from './protocol.js';

const port = parentPort;
if (port === null) throw new Error('prove-worker must run in a worker thread');
const post = (m: FromWorker, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);

const init = workerData as WorkerInit;
let model: ZkModel;
try {
  model = ZkModel.load(init.modelPath, init.tokenizerDir === undefined ? {} : { tokenizerDir: init.tokenizerDir });
  const digest = model.commit().digest;
  if (digest !== init.digest) throw new Error(`the model at ${init.modelPath} commits to ${digest}, not to the served ${init.digest}`);
  post({ type: 'ready' });
} catch (e) {
  post({ type: 'fatal', message: e instanceof Error ? e.message : String(e) });
  process.exit(1);
}

port.on('message', (m: ToWorker) => {
  if (m.type !== 'prove') return;
  try {
    const { proof } = model.prove({ promptTokens: m.promptTokens, tokens: m.tokens, stop: m.stop });
    // Transfer a buffer that holds exactly the proof (the encoder may return a view).
    const own = proof.byteOffset === 0 && proof.byteLength === proof.buffer.byteLength && proof.buffer instanceof ArrayBuffer ? proof : proof.slice();
    post({ type: 'done', job: m.job, proof: own }, [own.buffer as ArrayBuffer]);
  } catch (e) {
    post({ type: 'failed', job: m.job, message: e instanceof Error ? e.message : String(e) });
  }
});
