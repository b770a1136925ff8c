import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommitmentError, DEFAULT_PCS_PARAMS, instantiateCircuit, parseModelCommitment, specToJson, type Json } from '@zkllm/verifier';
import { afterAll, describe, expect, it } from 'vitest';
import { loadModel, quantizeLoaded, writeFixture } from '../model/index.js';
import { PROVERS, buildCircuitTemplate, commitModel, commitProvable, compactTemplate, modelWeightTensors } from './index.js';
import { publicQuantParams } from '../model/index.js';

const root = mkdtempSync(join(tmpdir(), 'zkllm-commit-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('model commitment', () => {
  const dir = join(root, 'llama');
  writeFixture('llama-gqa-odd', dir);
  const model = quantizeLoaded(loadModel(dir));
  const committed = commitModel(model);
  const json = JSON.parse(JSON.stringify(committed.file)) as unknown;

  it('commits every weight tensor and round-trips through JSON', () => {
    const ids = [...modelWeightTensors(model).keys()];
    expect(ids).toContain('w:embed');
    expect(committed.file.weights.tensors.map((t) => t.id).sort()).toEqual(ids.sort());
    const parsed = parseModelCommitment(json, committed.file.digest);
    expect(parsed.layout.numVars).toBe(committed.file.weights.numVars);
    // Deterministic: the same model commits to the same digest.
    expect(commitModel(model).file.digest).toBe(committed.file.digest);
  });

  it('refuses a weight bundle larger than the 2-adic domain allows, naming the largest tensors', () => {
    // At rate 2^-(27 - numVars + 1) the codeword would need 2^28 points: one more than BabyBear has.
    const logBlowup = 27 - committed.file.weights.numVars + 1;
    expect(() => commitModel(model, undefined, { ...DEFAULT_PCS_PARAMS, logBlowup })).toThrow(/pad to 2\^\d+ field elements .*w:\S+ \d+×\d+.*at most 2\^/);
  });

  it('rejects tampered files and wrong pins', () => {
    const mutate = (f: (o: Record<string, any>) => void) => {
      const o = JSON.parse(JSON.stringify(json));
      f(o);
      return () => parseModelCommitment(o);
    };
    expect(mutate((o) => (o.params.config.hiddenSize += 1))).toThrow(/paramsHash/);
    expect(mutate((o) => (o.weights.root = '00'.repeat(32)))).toThrow(/digest/);
    expect(mutate((o) => (o.weights.tensors[0].shape[0] += 1))).toThrow(CommitmentError);
    expect(mutate((o) => (o.version = 2))).toThrow(/unsupported commitment version/);
    expect(mutate((o) => (o.format = 'x'))).toThrow(/not a/);
    expect(mutate((o) => (o.weights.tensors = 'x'))).toThrow(/tensors/);
    expect(() => parseModelCommitment(json, 'ab'.repeat(32))).toThrow(/pinned digest/);
    expect(() => parseModelCommitment(null)).toThrow(/JSON object/);
  });

  it('different weights give a different digest', () => {
    const lin = [...modelWeightTensors(model).values()][1]!;
    (lin.data as Int8Array)[0]! ^= 1;
    expect(commitModel(model).file.digest).not.toBe(committed.file.digest);
    (lin.data as Int8Array)[0]! ^= 1;
  });
});

describe('compact circuit template', () => {
  const dir = join(root, 'gpt2');
  writeFixture('gpt2-small-odd', dir);
  const model = quantizeLoaded(loadModel(dir));
  const full = buildCircuitTemplate(model, PROVERS);
  const { circuit, quant } = compactTemplate(full, publicQuantParams(model) as Json);

  it('instantiates to exactly the specs of the full template, in a fraction of the size', () => {
    for (const inputs of [{ tokens: [1, 5, 9], generated: 1, promptLength: 2 }, { tokens: [1, 2, 3, 4, 5, 6, 7], generated: 4, promptLength: 3 }]) {
      const a = instantiateCircuit(full, inputs).map((o) => ({ ...o, spec: specToJson(o.spec) }));
      const b = instantiateCircuit(circuit, inputs).map((o) => ({ ...o, spec: specToJson(o.spec) }));
      expect(b).toEqual(a);
    }
    expect(JSON.stringify(circuit).length).toBeLessThan(JSON.stringify(full).length / 3);
    // Every table in quant.tables is a reference to a template constant.
    const names = new Set((circuit as { kind: string; name: string }[]).filter((e) => e.kind === '$const').map((e) => e.name));
    for (const t of (quant as { tables: { values: { $c?: string } }[] }).tables) expect(names.has(t.values.$c ?? '')).toBe(true);
  });

  it('binds the constants: an edited table changes the params hash', () => {
    const file = JSON.parse(JSON.stringify(commitProvable(model).file)) as { params: { circuit: { kind: string; spec: { $i32z: string } }[] } };
    const k = file.params.circuit.find((e) => e.kind === '$const')!;
    k.spec.$i32z = (k.spec.$i32z.startsWith('A') ? 'B' : 'A') + k.spec.$i32z.slice(1);
    expect(() => parseModelCommitment(file)).toThrow(/paramsHash/);
  });
});
