/**
 * `zkllm generate --fhe`: greedy generation with every linear layer evaluated on
 * ciphertexts (docs/FHE.md). Without `--server` the FHE server runs in this process (a
 * demonstration of the split); with `--server URL` the prompt stays here and only
 * ciphertexts go to a `zkllmFhe()` endpoint. Every server step is proven and verified
 * before the text is printed — by one proof at the end (default) or one per forward step
 * (`--prove-every step`, slower: each verification has a fixed cost of seconds on the
 * bundled model); a rejected proof is an error (exit 1).
 */
import { UsageError } from '../args.js';
import { FheClient, LocalFheTransport, clientModel, type FheConnectOptions, type FheTransport } from '../../fhe/client.js';
import { HttpFheTransport } from '../../fhe/http-transport.js';
import { FheServer } from '../../fhe/server.js';
import { ZkModel } from '../../zkmodel.js';
import { progress, resolveModelDir } from './model-flags.js';

export interface FheGenerateFlags {
  readonly model?: string | undefined;
  readonly tokenizer?: string | undefined;
  readonly prompt: string;
  readonly maxTokens: number;
  readonly server?: string | undefined;
  readonly pin?: string | undefined;
  readonly proveEvery?: string | undefined;
  readonly json?: boolean | undefined;
}

export async function runFheGenerate(f: FheGenerateFlags): Promise<number> {
  if (f.pin !== undefined && !/^[0-9a-f]{64}$/.test(f.pin)) throw new UsageError('--pin must be the FHE commitment digest (64 lowercase hex digits)');
  if (f.pin !== undefined && f.server === undefined) throw new UsageError('--pin needs --server');
  const proveEvery = f.proveEvery ?? 'end';
  if (proveEvery !== 'step' && proveEvery !== 'end') throw new UsageError(`--prove-every must be step or end, got '${proveEvery}'`);
  const dir = resolveModelDir(f.model);
  progress(`loading ${dir}`);
  const model = ZkModel.load(dir, { ...(f.tokenizer !== undefined ? { tokenizerDir: f.tokenizer } : {}), cache: true });
  let promptTokens: number[];
  let n: number;
  try {
    promptTokens = model.promptTokens(f.prompt);
    n = model.room(promptTokens, f.maxTokens);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  let transport: FheTransport;
  let connectOpts: FheConnectOptions;
  if (f.server === undefined) {
    progress('encoding and committing the weights for the in-process FHE server');
    const server = new FheServer(model.quantized, { modelDigest: model.commit().digest });
    transport = new LocalFheTransport(server);
    connectOpts = { pin: server.commitmentJson().digest };
  } else {
    transport = new HttpFheTransport(f.server);
    // This CLI holds the weights (for the public parts), so it pins the model commitment
    // C_W they make: the server must serve a link proof that its encoded weights are C_W's
    // (and in range). --pin additionally pins the FHE commitment's own digest.
    progress('pinning the model commitment of the local weights; the server must prove its FHE weights are these');
    connectOpts = { model: model.parsedCommitment(), ...(f.pin !== undefined ? { pin: f.pin } : {}) };
  }
  const client = await FheClient.connect(transport, connectOpts);
  const pin = Buffer.from(client.commitment.digest).toString('hex');
  progress(`FHE commitment accepted: ${pin}${connectOpts.model ? ' (linked to C_W ' + model.commit().digest.slice(0, 16) + '…)' : ''}`);
  let res;
  try {
    progress(`generating ${n} tokens: linear layers on ciphertexts, proven and verified ${proveEvery === 'step' ? 'after each step' : 'at the end'}`);
    res = await client.generate(clientModel(model.quantized), promptTokens, {
      maxTokens: n,
      eosTokenId: model.eosTokenId,
      proveEvery,
      onToken: (t) => progress(`token ${JSON.stringify(model.decode([t]))}${proveEvery === 'step' ? ' (verified)' : ''}`),
    });
  } finally {
    await client.close().catch(() => {});
  }
  const text = model.decode(res.tokens);
  const layers = [...res.layers.values()];
  const bytesUp = layers.reduce((s, l) => s + l.bytesUp, 0);
  const bytesDown = layers.reduce((s, l) => s + l.bytesDown, 0);
  if (f.json) {
    const fhe = { server: f.server ?? 'in-process', commitment: pin, proofsVerified: res.proofsVerified, proofBytes: res.proofBytes, bytesUp, bytesDown, ms: Math.round(res.totalMs) };
    process.stdout.write(JSON.stringify({ text, promptTokens, tokens: res.tokens, stop: res.stoppedOnEos ? 'eos' : 'length', fhe }) + '\n');
  } else {
    process.stdout.write(f.prompt + text + '\n');
    progress(`verified ${res.proofsVerified} proofs (${res.proofBytes} bytes); sent ${bytesUp} bytes, received ${bytesDown} bytes of ciphertexts in ${(res.totalMs / 1000).toFixed(1)} s`);
  }
  return 0;
}
