/**
 * `fhe` bench section: FHE-wrapped generation on the bundled model next to the plaintext
 * quantized path — latency, bytes on the wire per generated token, proof size and
 * verification time, and the noise budget left after the widest linear layer.
 */
import { decodeCiphertexts, encodeCiphertexts } from '@zkllm/verifier';
import { FheClient, LocalFheTransport, clientModel } from '../fhe/client.js';
import { SealSession } from '../fhe/seal.js';
import { FheServer } from '../fhe/server.js';
import { generateGreedy } from '../model/quant/forward.js';
import { ZkModel } from '../zkmodel.js';

export async function benchFhe(opts: { quick: boolean }): Promise<unknown> {
  const maxTokens = opts.quick ? 4 : 8;
  const model = await ZkModel.load();
  const prompt = model.promptTokens('Once upon a time');
  const tp = performance.now();
  const plain = generateGreedy(model.quantized, prompt, { maxTokens });
  const plainMs = performance.now() - tp;
  const tc = performance.now();
  const committed = model.commitment();
  const commitMs = performance.now() - tc;
  const ts = performance.now();
  const server = new FheServer(model.quantized, { model: committed });
  const setupMs = performance.now() - ts;
  let linkBytes = 0;
  let up = 0;
  let down = 0;
  const transport = new LocalFheTransport(server, (m) => {
    const n = typeof m.bytes === 'string' ? m.bytes.length : m.bytes.length;
    if (m.kind === 'link') linkBytes += n;
    else if (m.direction === 'up') up += n;
    else down += n;
  });
  const tl = performance.now();
  const client = await FheClient.connect(transport, { pin: server.commitmentJson().digest, model: model.parsedCommitment() });
  // Includes SEAL key generation; the link verification is most of it.
  const connectMs = performance.now() - tl;
  const res = await client.generate(clientModel(model.quantized), prompt, { maxTokens, proveEvery: 'end' });
  const layers: Record<string, unknown> = {};
  let encryptMs = 0;
  let decryptMs = 0;
  for (const [k, v] of res.layers) {
    layers[k] = { ...v, encryptMs: Math.round(v.encryptMs), serverMs: Math.round(v.serverMs), decryptMs: Math.round(v.decryptMs) };
    encryptMs += v.encryptMs;
    decryptMs += v.decryptMs;
  }
  // Noise left after the widest-input linear with inputs at the activation bound.
  const seal = await SealSession.create(server.params);
  const down0 = model.quantized.layers[0]!.down;
  const A = model.quantized.bounds.act;
  const x = Int32Array.from({ length: down0.cols }, (_, i) => (i % 2 ? A : -A));
  const l = server.commitment.layout.byName.get(down0.name)!;
  const sid = server.openSession();
  const out = server.evaluate(sid, { linears: [down0.name], tokens: 1, digits: 1, inputs: encodeCiphertexts([seal.encrypt(x.subarray(0, l.chunk))], server.params.polyDegree) });
  const budgets = decodeCiphertexts(out.outputs[0]!, server.params.polyDegree, 100).map((c) => seal.noiseBudget(c));
  return {
    params: server.params.name,
    tokens: res.tokens.length,
    sameTokensAsPlain: JSON.stringify(res.tokens) === JSON.stringify(plain.tokens),
    plainQuantizedMs: Math.round(plainMs),
    modelCommitMs: Math.round(commitMs),
    serverSetupMs: Math.round(setupMs),
    linkProveTimings: server.stats.link,
    linkProofBytes: linkBytes,
    clientConnectWithLinkMs: Math.round(connectMs),
    fheTotalMs: Math.round(res.totalMs),
    clientEncryptMs: Math.round(encryptMs),
    clientDecryptMs: Math.round(decryptMs),
    serverEvaluateMs: Math.round(server.stats.evaluateMs),
    serverProveMs: Math.round(server.stats.proveMs),
    proofTimings: server.stats.lastProof,
    clientVerifyMs: Math.round(res.verifyMs),
    proofBytes: res.proofBytes,
    bytesUpPerStep: Math.round(up / (res.tokens.length)),
    bytesDownPerStep: Math.round((down - res.proofBytes) / res.tokens.length),
    promptTokens: prompt.length,
    noiseBudgetBitsAfterWidestLinear: Math.min(...budgets),
    layers,
  };
}
