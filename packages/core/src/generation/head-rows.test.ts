import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { instantiateCircuit, parseModelCommitment, verifyGenerationProof, type ArgmaxSpec, type MatmulSpec, type RowsSpec } from '@zkllm/verifier';
import { afterAll, describe, expect, it } from 'vitest';
import { generateQuant, loadModel, quantizeLoaded, writeFixture } from '../model/index.js';
import { PROVERS, buildCircuitTemplate, commitProvable, proveGeneration } from './index.js';

const root = mkdtempSync(join(tmpdir(), 'zkllm-head-rows-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('committed circuit: the model head runs on the statement rows only', () => {
  const dir = join(root, 'gpt2');
  writeFixture('gpt2-small-odd', dir);
  const model = quantizeLoaded(loadModel(dir));
  const template = buildCircuitTemplate(model, PROVERS);

  it('selects rows P − 1 … P + R − 2 before the lm head; argmax reads rows 0 … R − 1 of the selection', () => {
    for (const [P, R] of [
      [4, 3],
      [1, 1],
      [9, 6],
    ] as const) {
      const tokens = Array.from({ length: P + R }, (_, i) => (i * 37 + 5) % model.config.vocabSize);
      const ops = instantiateCircuit(template, { tokens, promptLength: P, generated: R });
      const at = ops.findIndex((o) => o.kind === 'rows');
      expect(at).toBeGreaterThan(0);
      const sel = ops[at]!.spec as RowsSpec;
      expect(Array.from(sel.rows)).toEqual(Array.from({ length: R }, (_, k) => P - 1 + k));
      expect(sel.input.shape).toEqual([P + R, model.config.hiddenSize]);
      expect(sel.out.shape).toEqual([R, model.config.hiddenSize]);
      // The selection feeds the head: lm head, logits requant, argmax, all on R rows.
      expect(ops.slice(at + 1).map((o) => o.kind)).toEqual(['matmul', 'requant', 'argmax']);
      const head = ops[at + 1]!.spec as MatmulSpec;
      expect(head.input.id).toBe(sel.out.id);
      expect(head.out.shape).toEqual([R, model.config.vocabSize]);
      const am = ops[at + 3]!.spec as ArgmaxSpec;
      expect(Array.from(am.rows)).toEqual(Array.from({ length: R }, (_, k) => k));
      expect(Array.from(am.tokens)).toEqual(tokens.slice(P));
      expect(am.input.shape).toEqual([R, model.config.vocabSize]);
    }
  });

  it('EOS stop: the EOS row is one of the selected rows and its argmax is proven', () => {
    const prompt = [5, 77, 130];
    const out = generateQuant(model, prompt, { maxTokens: 4 });
    // EOS := the first output token that did not occur before it, so greedy decoding with
    // this EOS stops exactly there.
    const k = out.findIndex((t, i) => i > 0 && !out.slice(0, i).includes(t));
    expect(k).toBeGreaterThan(0);
    const eos = out[k]!;
    const committed = commitProvable(model, { eosTokenId: eos });
    const commitment = parseModelCommitment(JSON.parse(JSON.stringify(committed.file)));
    const outputTokens = out.slice(0, k + 1);
    const { bytes } = proveGeneration(model, committed, PROVERS, { promptTokens: prompt, outputTokens, stop: 'eos' });
    const r = verifyGenerationProof(bytes, commitment);
    expect(r.reason).toBeUndefined();
    expect(r.statement?.outputTokens).toEqual(outputTokens);
    // An EOS that the model does not produce at that position has no proof: the EOS row's
    // argmax is part of the circuit.
    const other = (eos + 1) % model.config.vocabSize;
    const wrong = commitProvable(model, { eosTokenId: other });
    expect(() =>
      proveGeneration(model, wrong, PROVERS, { promptTokens: prompt, outputTokens: [...out.slice(0, k), other], stop: 'eos' }),
    ).toThrow(/range check of t\d+\.diff/);
  });

  it('refuses to prove an empty output (nothing to select)', () => {
    const committed = commitProvable(model);
    expect(() => proveGeneration(model, committed, PROVERS, { promptTokens: [1, 2], outputTokens: [], stop: 'length' })).toThrow(/at least one output token/);
  });
});
