import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseModelCommitment, verifyGenerationProof } from '@zkllm/verifier';
import { afterAll, describe, expect, it } from 'vitest';
import { generateQuant, loadModel, quantizeLoaded, writeFixture } from '../model/index.js';
import { PROVERS, commitProvable, proveGeneration } from './index.js';

const root = mkdtempSync(join(tmpdir(), 'zkllm-gen-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('generation proof (GPT-2 fixture)', () => {
  const dir = join(root, 'gpt2');
  writeFixture('gpt2-small-odd', dir);
  const loaded = loadModel(dir);
  const model = quantizeLoaded(loaded);
  const committed = commitProvable(model);
  const commitment = parseModelCommitment(JSON.parse(JSON.stringify(committed.file)));
  const prompt = loaded.tokenizer.encode('the sea');
  const output = generateQuant(model, prompt, { maxTokens: 3 });
  const { bytes } = proveGeneration(model, committed, PROVERS, { promptTokens: prompt, outputTokens: output, stop: 'length' });

  it('verifies and states what it proves', () => {
    const r = verifyGenerationProof(bytes, commitment);
    expect(r.reason).toBeUndefined();
    expect(r.valid).toBe(true);
    expect(r.statement?.outputTokens).toEqual(output);
    expect(r.statement?.promptTokens).toEqual(prompt);
  });
});

describe('generation proof rejections (GPT-2 fixture)', () => {
  const dir = join(root, 'gpt2-r');
  writeFixture('gpt2-small-odd', dir);
  const loaded = loadModel(dir);
  const model = quantizeLoaded(loaded);
  const committed = commitProvable(model);
  const commitment = parseModelCommitment(JSON.parse(JSON.stringify(committed.file)));
  const prompt = loaded.tokenizer.encode('a ship');
  const output = generateQuant(model, prompt, { maxTokens: 2 });
  const prove = (out: number[], pr = prompt) => proveGeneration(model, committed, PROVERS, { promptTokens: pr, outputTokens: out, stop: 'length' }).bytes;
  const bytes = prove(output);
  const statementOffset = 7 + 32 + 2; // header, digest, decoding, stop

  it('rejects a changed output token in the statement', () => {
    const t = bytes.slice();
    // varuint prompt count, prompt tokens, then output count and tokens: find the last output token byte.
    let off = statementOffset;
    const readVar = () => {
      let x = 0;
      let s = 1;
      for (;;) {
        const b = t[off++]!;
        x += (b & 0x7f) * s;
        if (!(b & 0x80)) return x;
        s *= 128;
      }
    };
    const np = readVar();
    for (let i = 0; i < np; i++) readVar();
    readVar();
    t[off] = (t[off]! ^ 1) & 0x7f;
    const r = verifyGenerationProof(t, commitment);
    expect(r.valid).toBe(false);
  });

  it('rejects a changed prompt token in the statement', () => {
    const t = bytes.slice();
    t[statementOffset + 1] = (t[statementOffset + 1]! ^ 2) & 0x7f;
    expect(verifyGenerationProof(t, commitment).valid).toBe(false);
  });

  it('a non-argmax (sampled) token cannot be proven', () => {
    const wrong = [...output];
    wrong[0] = (wrong[0]! + 1) % model.config.vocabSize;
    expect(() => prove(wrong)).toThrow();
  });

  it('rejects a proof made with other weights against the original commitment', () => {
    const other = quantizeLoaded(loaded);
    other.lmHead.w[0] = other.lmHead.w[0]! === 127 ? 126 : other.lmHead.w[0]! + 1;
    const otherCommitted = commitProvable(other);
    const out2 = generateQuant(other, prompt, { maxTokens: 2 });
    const b = proveGeneration(other, otherCommitted, PROVERS, { promptTokens: prompt, outputTokens: out2, stop: 'length' }).bytes;
    expect(verifyGenerationProof(b, parseModelCommitment(JSON.parse(JSON.stringify(otherCommitted.file)))).valid).toBe(true);
    const r = verifyGenerationProof(b, commitment);
    expect(r.valid).toBe(false);
    expect(r.reason).toMatch(/different model commitment/);
    // Even with the digest swapped in, the weight opening fails.
    const forged = b.slice();
    forged.set(commitment.digest, 7);
    expect(verifyGenerationProof(forged, commitment).valid).toBe(false);
  });

  it('rejects flipped bytes across the whole proof, truncation and extension', () => {
    // ~40 positions spread over every section (statement, witness root, layer messages,
    // lookups, the two openings); each verification is a full check.
    const step = Math.max(1, Math.floor(bytes.length / 40));
    for (let i = 0; i < bytes.length; i += step) {
      const t = bytes.slice();
      t[i]! ^= 1 << (i % 8);
      expect(verifyGenerationProof(t, commitment).valid, `flip at ${i}/${bytes.length}`).toBe(false);
    }
    expect(verifyGenerationProof(bytes.subarray(0, bytes.length - 1), commitment).valid).toBe(false);
    expect(verifyGenerationProof(new Uint8Array([...bytes, 0]), commitment).reason).toMatch(/trailing/);
  });
});

import { BabyBear, BabyBearExt4, bundleLayout, deriveWitnessRefs, groupLookups, rangeTable, routeClaims } from '@zkllm/verifier';

describe('claim routing', () => {
  const witness = bundleLayout([{ id: 't1', shape: [3, 5] }, { id: 'm:range', shape: [16] }]);
  const weights = [{ id: 'w:embed', shape: [4, 4] }];
  const claim = (tensor: string, shape: number[], vars: number) => ({ tensor, shape, point: new Uint32Array(4 * vars), value: BabyBearExt4.one() });

  it('sends multiplicities and trace tensors to the witness, w: ids to the weights', () => {
    const r = routeClaims([claim('t1', [3, 5], 5), claim('m:range', [16], 4), claim('w:embed', [4, 4], 4)], witness, weights);
    expect(r.witness).toHaveLength(2);
    expect(r.weights).toHaveLength(1);
  });

  it('rejects claims on uncommitted tensors (e.g. a missing multiplicity vector) and shape mismatches', () => {
    expect(() => routeClaims([claim('m:silu', [16], 4)], witness, weights)).toThrow(/not committed/);
    expect(() => routeClaims([claim('t1', [4, 5], 5)], witness, weights)).toThrow(/committed as/);
    expect(() => routeClaims([claim('w:lmHead', [4, 4], 4)], witness, weights)).toThrow(/not committed/);
  });

  it('derives the witness layout from claims and lookups: every claimed or looked-up tensor, sorted, no weights', () => {
    const table = rangeTable(BabyBear, 0, 4);
    const groups = groupLookups([{ table, columns: ['t2.rem'], shape: [3] }]);
    const refs = deriveWitnessRefs([claim('t9', [3, 5], 5), claim('w:embed', [4, 4], 4), claim('t9', [3, 5], 5), claim('t10', [2], 1)], groups);
    expect(refs).toEqual([
      { id: 'm:range[0,16)', shape: [16] },
      { id: 't10', shape: [2] },
      { id: 't2.rem', shape: [3] },
      { id: 't9', shape: [3, 5] },
    ]);
  });

  it('rejects a tensor used with two shapes and a claim without a shape', () => {
    expect(() => deriveWitnessRefs([claim('t9', [3, 5], 5), claim('t9', [5, 3], 5)], [])).toThrow(/shapes/);
    expect(() => deriveWitnessRefs([{ tensor: 't9', point: new Uint32Array(0), value: BabyBearExt4.one() }], [])).toThrow(/no shape/);
  });
});
