import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommitmentError, parseModelCommitment } from '@zkllm/verifier';
import { afterAll, describe, expect, it } from 'vitest';
import { loadModel, quantizeLoaded, writeFixture } from '../model/index.js';
import { commitModel, modelWeightTensors } from './index.js';

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
