import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseModelCommitment, verifyGenerationProof } from '@zkllm/verifier';
import { afterAll, describe, expect, it } from 'vitest';
import { generateQuant, loadModel, quantizeLoaded, writeFixture } from '../model/index.js';
import { proverThreads, setProverThreads } from '../parallel/pool.js';
import { PROVERS, commitProvable, proveGeneration } from './index.js';

const root = mkdtempSync(join(tmpdir(), 'zkllm-gen-threads-'));
const before = proverThreads();
afterAll(() => {
  setProverThreads(before);
  rmSync(root, { recursive: true, force: true });
});

describe('generation proof on 1 and 2 threads', () => {
  it('has the same bytes (witness commitment, layers, lookups, openings), and verifies', () => {
    const dir = join(root, 'llama');
    writeFixture('llama-l2c', dir);
    const loaded = loadModel(dir);
    const model = quantizeLoaded(loaded);
    const committed = commitProvable(model);
    const prompt = loaded.tokenizer.encode('the sea and the ship');
    const output = generateQuant(model, prompt, { maxTokens: 3 });
    const prove = (threads: number) => {
      setProverThreads(threads);
      return proveGeneration(model, committed, PROVERS, { promptTokens: prompt, outputTokens: output, stop: 'length' });
    };
    const one = prove(1);
    const two = prove(2);
    expect(Buffer.from(two.bytes).equals(Buffer.from(one.bytes))).toBe(true);
    const r = verifyGenerationProof(two.bytes, parseModelCommitment(JSON.parse(JSON.stringify(committed.file))));
    expect(r.reason).toBeUndefined();
    expect(r.valid).toBe(true);
  });
});
