/**
 * The generation driver's dry run (skipped rounds, no tables, every point at the origin)
 * must list exactly the claims and lookups of the real layer arguments: the witness layout
 * and the lookup multiplicities are committed from it before the proof exists.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BabyBear, BabyBearExt4, ByteWriter, Transcript, padTensor, type LayerContext } from '@zkllm/verifier';
import { afterAll, describe, expect, it } from 'vitest';
import { ProverContext } from '../layers/context.js';
import { proveZeroCheckBatches } from '../layers/requant.js';
import { generateQuant, loadModel, quantizeLoaded, writeFixture, type FixtureName } from '../model/index.js';
import { PROVERS, commitProvable } from './index.js';
import { dryRunLayers } from './prover.js';
import { traceSpecs } from './template.js';

const root = mkdtempSync(join(tmpdir(), 'zkllm-dry-run-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** What a run commits to: claims as (tensor, shape, variables), lookups in full, in order. */
function listed(ctx: LayerContext) {
  return {
    claims: ctx.claims.map((c) => [String(c.tensor), (c.shape ?? []).join('x'), c.point.length / 4].join(' ')),
    lookups: ctx.lookups.map((l) => [l.table.id, l.columns.join(','), l.shape.join('x'), l.shift ?? 0].join(' ')),
  };
}

function runs(fixture: FixtureName, promptLength: number, generated: number) {
  const dir = join(root, fixture);
  writeFixture(fixture, dir);
  const model = quantizeLoaded(loadModel(dir));
  const committed = commitProvable(model);
  const prompt = Array.from({ length: promptLength }, (_, i) => (i * 53 + 11) % model.config.vocabSize);
  const output = generateQuant(model, prompt, { maxTokens: generated });
  const { ops, env, trace } = traceSpecs(model, PROVERS, { tokens: [...prompt, ...output], promptLength, generated: output.length });
  // Every table an argument may read: trace tensors, auxiliary witnesses, weights.
  const tables = new Map<string, Uint32Array>(committed.tables);
  for (const op of trace.ops) {
    for (const v of Object.values(op)) {
      if (v && typeof v === 'object' && 'id' in v && 'shape' in v && 'data' in v) {
        const t = v as { id: number; shape: readonly number[]; data: Int32Array };
        tables.set(`t${t.id}`, padTensor(BabyBear, t.data, t.shape));
      }
    }
  }
  ops.forEach((op, i) => {
    for (const [id, t] of PROVERS[op.kind]!.witness(trace.ops[i]!, env)) tables.set(id, padTensor(BabyBear, t.data, t.shape));
  });
  const dry = dryRunLayers(ops, PROVERS, tables);
  const real = new ProverContext(BabyBearExt4, new Transcript('zkllm/test/dry-run', BabyBearExt4), new ByteWriter(), tables);
  for (const op of ops) PROVERS[op.kind]!.prove(real, op.spec);
  proveZeroCheckBatches(real);
  return { ops, dry, real };
}

describe('generation dry run', () => {
  const kinds = new Set<string>();
  for (const [fixture, promptLength, generated] of [
    ['llama-gqa-odd', 7, 3],
    ['gpt2-small-odd', 5, 4],
  ] as const) {
    it(`lists the real run's claims and lookups (${fixture}, ${promptLength} + ${generated} tokens)`, () => {
      const { ops, dry, real } = runs(fixture, promptLength, generated);
      for (const op of ops) kinds.add(op.kind);
      expect(dry.dryRun && !real.dryRun).toBe(true);
      const d = listed(dry);
      const r = listed(real);
      expect(r.claims.length).toBeGreaterThan(ops.length);
      expect(r.lookups.length).toBeGreaterThan(0);
      expect(d.claims).toEqual(r.claims);
      expect(d.lookups).toEqual(r.lookups);
      // The real run wrote a proof; the dry run wrote nothing.
      expect(real.writer.length).toBeGreaterThan(0);
      expect(dry.writer.length).toBe(0);
    });
  }

  it('the fixtures above exercise every op kind of the registry', () => {
    expect([...kinds].sort()).toEqual(Object.keys(PROVERS).sort());
  });
});
