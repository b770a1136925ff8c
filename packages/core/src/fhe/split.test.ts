import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeCiphertexts } from '@zkllm/verifier';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFixture } from '../model/fixtures.js';
import { generateGreedy } from '../model/quant/forward.js';
import { ZkModel } from '../zkmodel.js';
import { FheClient, LocalFheTransport, clientModel } from './client.js';
import { FheServer } from './server.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('split FHE inference', () => {
  it('bundled model: 8 greedy tokens equal the plaintext quantized path; one proof covers every call', async () => {
    const model = await ZkModel.load();
    const prompt = model.promptTokens('Once upon a time');
    const plain = generateGreedy(model.quantized, prompt, { maxTokens: 8 });
    const server = new FheServer(model.quantized, { modelDigest: model.commit().digest });
    const upstream: Uint8Array[] = [];
    const transport = new LocalFheTransport(server, (m) => {
      if (m.direction === 'up' && typeof m.bytes !== 'string') upstream.push(m.bytes);
    });
    const client = await FheClient.connect(transport, { pin: server.commitmentJson().digest });
    const progress: string[] = [];
    const res = await client.generate(clientModel(model.quantized), prompt, { maxTokens: 8, onProgress: (p) => progress.push(p.phase) });
    expect(res.tokens).toEqual(plain.tokens);
    expect(res.tokens.length).toBe(8);
    expect(res.proofsVerified).toBe(1);
    expect(progress).toContain('linear');
    expect(progress).toContain('verify');
    const layers = [...res.layers.keys()];
    expect(layers).toContain('L0.wq+L0.wk+L0.wv');
    expect(layers).toContain('lmHead');
    // Everything the server received is a well-formed list of ciphertexts.
    const N = server.params.polyDegree;
    for (const b of upstream) expect(decodeCiphertexts(b, N, 100_000).length).toBeGreaterThan(0);
  }, 120_000);

  it('GPT-2 fixture (LayerNorm, biases, GELU): tokens match, a proof per step verifies', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zkllm-fhe-'));
    dirs.push(dir);
    writeFixture('gpt2-small-odd', dir);
    const model = await ZkModel.load(dir);
    const prompt = [1, 5, 9, 2];
    const plain = generateGreedy(model.quantized, prompt, { maxTokens: 4 });
    const server = new FheServer(model.quantized);
    const client = await FheClient.connect(new LocalFheTransport(server));
    const res = await client.generate(clientModel(model.quantized), prompt, { maxTokens: 4, proveEvery: 'step' });
    expect(res.tokens).toEqual(plain.tokens);
    expect(res.proofsVerified).toBe(res.tokens.length);
  }, 120_000);
});
