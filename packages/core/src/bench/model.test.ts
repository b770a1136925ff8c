import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFixture } from '../model/index.js';
import { ZkModel } from '../zkmodel.js';
import { benchOne, type ModelBenchFailure, type ModelBenchRow } from './model.js';

const root = mkdtempSync(join(tmpdir(), 'zkllm-bench-model-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('model bench rows', () => {
  it('a model that cannot commit is one failure row, not a thrown error', () => {
    const model = {
      commitment(): never {
        throw new RangeError("the model's weights pad to 2^27 field elements");
      },
    } as unknown as ZkModel;
    const rows = benchOne('too big', model, [32, 64], 4);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ model: 'too big', error: "RangeError: the model's weights pad to 2^27 field elements" });
    expect(rows[0]).not.toHaveProperty('tokens');
    expect((rows[0] as ModelBenchFailure).peakRssMB).toBeGreaterThan(0);
  });

  it('a failing row is reported with its token count and the next row is still measured', () => {
    const dir = join(root, 'llama');
    writeFixture('llama-gqa-odd', dir);
    // 2 tokens with 4 generated leaves no prompt, which the quantized forward pass refuses.
    const rows = benchOne('fixture', ZkModel.load(dir), [2, 8], 4, 2);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ model: 'fixture', tokens: 2 });
    expect((rows[0] as ModelBenchFailure).error).toMatch(/^\w*Error: .*prompt/);
    const ok = rows[1] as ModelBenchRow;
    expect(ok).not.toHaveProperty('error');
    expect(ok).toMatchObject({ model: 'fixture', tokens: 8, generated: 4 });
    expect(ok.proofBytes).toBeGreaterThan(0);
    // One repeat (same bytes, else the row fails): steady state is its time, the first is kept.
    expect(ok.proveRunsMs).toHaveLength(1);
    expect(ok.proveMs).toBe(ok.proveRunsMs[0]);
    expect(ok.proveFirstMs).toBeGreaterThan(0);
    expect(ok.ratioFirst).toBeGreaterThanOrEqual(0);
    expect(ok.witness.vars).toBeGreaterThan(0);
    // The proof's soundness figure: the union of its terms, each ≥ 100 bits at this size.
    const sec = ok.security;
    expect(sec.lookups).toBeGreaterThan(100);
    expect(sec.witnessOpening).toBeGreaterThan(100);
    expect(sec.weightOpening).toBeGreaterThan(100);
    expect(sec.conjecturedBits).toBeGreaterThanOrEqual(100);
    expect(sec.conjecturedBits).toBeLessThanOrEqual(Math.min(sec.lookups, sec.witnessOpening, sec.weightOpening));
  });
});
