import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ceilLog2, verifyRows, type RowsSpec } from '@zkllm/verifier';
import { describe, expect, it } from 'vitest';
import { checkQuantTrace as checkTrace, loadModel, quantForward, quantizeLoaded, writeFixture } from '../model/index.js';
import type { TraceOp } from '../model/quant/trace.js';
import { proveRows, specRows } from './rows.js';
import { layerRejection, runLayerArgument, tamperPositions, testRng, type TestTensor } from './testing.js';

const rng = testRng(0x5e1);

function instance(T: number, d: number, rows: number[]) {
  const x = Int32Array.from({ length: T * d }, () => rng.int(-32767, 32767));
  const out = new Int32Array(rows.length * d);
  rows.forEach((t, i) => out.set(x.subarray(t * d, t * d + d), i * d));
  const op: Extract<TraceOp, { op: 'rows' }> = {
    op: 'rows',
    name: 'rows',
    input: { id: 1, shape: [T, d], data: x },
    rows: Int32Array.from(rows),
    out: { id: 2, shape: [rows.length, d], data: out },
  };
  const spec = specRows(op);
  const tensors = new Map<string, TestTensor>([
    ['t1', { shape: [T, d], data: x }],
    ['t2', { shape: [rows.length, d], data: out }],
  ]);
  return { spec, tensors };
}

const args = (spec: RowsSpec, tensors: Map<string, TestTensor>, opts: { tamper?: (b: Uint8Array) => Uint8Array; vspec?: RowsSpec } = {}) => ({
  tensors,
  prove: (ctx: Parameters<typeof proveRows>[0]) => proveRows(ctx, spec),
  verify: (ctx: Parameters<typeof verifyRows>[0]) => verifyRows(ctx, opts.vspec ?? spec),
  ...(opts.tamper ? { tamper: opts.tamper } : {}),
});

const bump = (tensors: Map<string, TestTensor>, id: string, i: number) => {
  const m = new Map(tensors);
  const t = m.get(id)!;
  const data = Int32Array.from(t.data);
  data[i]! += 1;
  m.set(id, { shape: t.shape, data });
  return m;
};

const flip = (pos: number) => (b: Uint8Array) => {
  const c = b.slice();
  c[pos]! ^= 0x04;
  return c;
};

describe('row selection argument', () => {
  it('proves selections of awkward sizes (contiguous, scattered, repeated, single row); claims match', () => {
    for (const [T, d, rows] of [
      [32, 24, [27, 28, 29, 30]],
      [7, 5, [6, 0, 3]],
      [9, 3, [4, 4, 8, 0, 1]],
      [1, 1, [0]],
      [5, 17, [4]],
    ] as const) {
      const { spec, tensors } = instance(T, d, [...rows]);
      const run = runLayerArgument(args(spec, tensors));
      expect(run.claimsError).toBeUndefined();
      expect(run.verifier.claims.map((c) => c.tensor)).toEqual(['t2', 't1']);
      // claim out, one round message (two ext values) per row variable of x, claim x
      expect(run.bytes.length).toBe(16 * (2 + 2 * ceilLog2(T)));
    }
  });

  it('catches an output row that is not the input row, and a changed selected input row', () => {
    const { spec, tensors } = instance(12, 6, [3, 9, 10]);
    for (const i of [0, 7, 17]) expect(layerRejection(args(spec, bump(tensors, 't2', i))), `out entry ${i}`).toBeDefined();
    // The prover's x differs from the committed one in a selected row.
    expect(layerRejection(args(spec, bump(tensors, 't1', 9 * 6 + 2)))).toBeDefined();
    // An unselected input row may be anything: the relation does not read it.
    expect(layerRejection(args(spec, bump(tensors, 't1', 5 * 6 + 2)))).toBeUndefined();
  });

  it('rejects when the verifier selects other rows than the prover (and the output is the prover’s rows)', () => {
    const { spec, tensors } = instance(12, 6, [3, 9, 10]);
    expect(layerRejection(args(spec, tensors, { vspec: { ...spec, rows: Int32Array.of(3, 8, 10) } }))).toMatch(/final check failed/);
    expect(layerRejection(args(spec, tensors, { vspec: { ...spec, rows: Int32Array.of(10, 9, 3) } }))).toBeDefined();
  });

  it('rejects tampered claims and round messages', () => {
    const { spec, tensors } = instance(12, 6, [3, 9, 10]);
    const n = runLayerArgument(args(spec, tensors)).bytes.length;
    // out claim, first and last round message, x claim
    for (const pos of [0, 15, 16, 40, n - 33, n - 17, n - 16, n - 1]) {
      expect(layerRejection(args(spec, tensors, { tamper: flip(pos) })), `flip at ${pos}`).toBeDefined();
    }
    for (const pos of tamperPositions(n, 5)) expect(layerRejection(args(spec, tensors, { tamper: flip(pos) })), `flip at ${pos}`).toBeDefined();
    expect(layerRejection(args(spec, tensors, { tamper: (b) => b.subarray(0, b.length - 1) }))).toBeDefined();
  });

  it('rejects malformed specs: indices out of range, wrong count, width mismatch', () => {
    const { spec, tensors } = instance(6, 4, [1, 5]);
    const verifyOnly = (vspec: RowsSpec) => layerRejection({ tensors, prove: () => {}, verify: (ctx) => verifyRows(ctx, vspec) });
    expect(verifyOnly({ ...spec, rows: Int32Array.of(1, 6) })).toMatch(/outside the input's rows/);
    expect(verifyOnly({ ...spec, rows: Int32Array.of(-1, 2) })).toMatch(/outside the input's rows/);
    expect(verifyOnly({ ...spec, rows: Int32Array.of(1) })).toMatch(/public row indices/);
    expect(verifyOnly({ ...spec, out: { id: 't2', shape: [2, 3] } })).toMatch(/width/);
  });

  it('real LLaMA trace: the head runs on the selected rows only, with the full pass’s logits', () => {
    const root = mkdtempSync(join(tmpdir(), 'zkllm-rows-'));
    try {
      writeFixture('llama-gqa-odd', join(root, 'm'));
      const model = quantizeLoaded(loadModel(join(root, 'm')));
      const tokens = [1, 17, 42, 99, 5, 230];
      const rows = [3, 4];
      const full = quantForward(model, tokens);
      const sel = quantForward(model, tokens, { trace: true, rows });
      const V = model.config.vocabSize;
      expect(sel.logits.length).toBe(rows.length * V);
      rows.forEach((t, i) => {
        expect(Array.from(sel.logits.subarray(i * V, i * V + V))).toEqual(Array.from(full.logits.subarray(t * V, t * V + V)));
        expect(sel.argmax[i]).toBe(full.argmax[t]);
      });
      const trace = sel.trace!;
      expect(checkTrace(model, trace)).toBeUndefined();
      const op = trace.ops.find((o) => o.op === 'rows') as Extract<TraceOp, { op: 'rows' }>;
      const head = trace.ops.slice(trace.ops.indexOf(op) + 1).map((o) => `${o.op}:${o.out.shape.join('x')}`);
      expect(head).toEqual([`matmul:2x${V}`, `requant:2x${V}`, 'argmax:2']);
      const spec = specRows(op);
      const tref = (t: { shape: readonly number[]; data: Int32Array }): TestTensor => ({ shape: t.shape, data: t.data });
      const tensors = new Map([
        [spec.input.id, tref(op.input)],
        [spec.out.id, tref(op.out)],
      ]);
      expect(runLayerArgument(args(spec, tensors)).claimsError).toBeUndefined();
      // checkTrace catches a selection that is not the input's rows.
      op.out.data[3]! += 1;
      expect(checkTrace(model, trace)).toMatch(/rows/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
