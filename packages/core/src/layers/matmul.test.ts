import {
  BabyBear as F,
  BabyBearExt4 as E,
  ByteReader,
  ByteWriter,
  Transcript,
  VerifierContext,
  eqTable,
  evalMleBase,
  padTensor,
  verifyAdd,
  verifyArgmax,
  verifyCenter,
  verifyEmbed,
  verifyMatmul,
  verifyMul,
  verifyRowmul,
  verifySumsq,
  type LayerContext,
  type MatmulSpec,
} from '@zkllm/verifier';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { quantizeLoaded } from '../model/eval.js';
import { writeFixture } from '../model/fixtures.js';
import { loadModel } from '../model/load.js';
import { linearsByName, quantForward } from '../model/quant/index.js';
import type { IntTensor, TraceOp } from '../model/quant/trace.js';
import { proveArgmax, specArgmax, witnessArgmax } from './argmax.js';
import { ProverContext } from './context.js';
import { proveAdd, proveCenter, proveMul, proveRowmul, proveSumsq, specAdd, specCenter, specMul, specRowmul, specSumsq } from './elementwise.js';
import { proveEmbed, specEmbed } from './embed.js';
import { proveMatmul, specMatmul, witnessMatmul } from './matmul.js';
import { evalMleFast, partialEvalHigh, partialEvalLow, tableExtent } from '../poly/mle.js';
import { checkClaims, layerRejection, mergeTensors, runLayerArgument, tamperPositions, testRng, type TestTensor } from './testing.js';

const rng = testRng(0x3a7);

function matmulInstance(T: number, I: number, O: number, withBias: boolean, xMax = 2047) {
  const x = Int32Array.from({ length: T * I }, () => rng.int(-xMax, xMax));
  const w = Int32Array.from({ length: O * I }, () => rng.int(-127, 127));
  const b = withBias ? Int32Array.from({ length: O }, () => rng.int(-5000, 5000)) : null;
  const out = new Int32Array(T * O);
  for (let t = 0; t < T; t++) {
    for (let o = 0; o < O; o++) {
      let acc = b ? b[o]! : 0;
      for (let i = 0; i < I; i++) acc += w[o * I + i]! * x[t * I + i]!;
      out[t * O + o] = acc;
    }
  }
  const op: Extract<TraceOp, { op: 'matmul' }> = {
    op: 'matmul',
    name: 'test',
    weight: 'L0.wq',
    bias: withBias ? 'L0.wq.bias' : null,
    input: { id: 3, shape: [T, I], data: x },
    out: { id: 4, shape: [T, O], data: out },
  };
  const spec = specMatmul(op);
  const tensors = new Map<string, TestTensor>([
    ['t3', { shape: [T, I], data: x }],
    ['t4', { shape: [T, O], data: out }],
    ['w:L0.wq', { shape: [O, I], data: w }],
  ]);
  if (b) tensors.set('w:L0.wq.bias', { shape: [O], data: b });
  return { op, spec, tensors, out };
}

const run = (spec: MatmulSpec, tensors: Map<string, TestTensor>, tamper?: (b: Uint8Array) => Uint8Array) => ({
  tensors,
  prove: (ctx: Parameters<typeof proveMatmul>[0]) => proveMatmul(ctx, spec),
  verify: (ctx: Parameters<typeof verifyMatmul>[0]) => verifyMatmul(ctx, spec),
  ...(tamper ? { tamper } : {}),
});

describe('matmul argument', () => {
  it('proves odd shapes with and without bias; every claim matches the committed tensors', () => {
    for (const [T, I, O, bias] of [
      [5, 7, 3, true],
      [3, 16, 5, false],
      [1, 1, 1, true],
      [6, 9, 1, false],
      [2, 3, 8, true],
    ] as const) {
      const { spec, tensors, op } = matmulInstance(T, I, O, bias);
      expect(witnessMatmul(op).size).toBe(0);
      const out = runLayerArgument(run(spec, tensors));
      expect(out.claimsError).toBeUndefined();
      expect(out.verifier.lookups).toHaveLength(0);
      // out, [bias], W, x
      expect(out.verifier.claims.map((c) => c.tensor)).toEqual(bias ? ['t4', 'w:L0.wq.bias', 'w:L0.wq', 't3'] : ['t4', 'w:L0.wq', 't3']);
      expect(out.prover.claims.length).toBe(out.verifier.claims.length);
    }
  });

  it('catches a wrong output entry, a wrong bias and a wrong weight', () => {
    const { spec, tensors } = matmulInstance(5, 7, 3, true);
    const bad = (id: string, i: number) => {
      const m = new Map(tensors);
      const t = m.get(id)!;
      const data = Int32Array.from(t.data);
      data[i]! += 1;
      m.set(id, { shape: t.shape, data });
      return layerRejection(run(spec, m));
    };
    expect(bad('t4', 7)).toMatch(/final check failed/);
    expect(bad('t4', 14)).toBeDefined();
    expect(bad('w:L0.wq.bias', 2)).toBeDefined();
    expect(bad('w:L0.wq', 20)).toBeDefined();
    expect(bad('t3', 0)).toBeDefined();
  });

  it('rejects every sampled byte flip, truncation and extension', () => {
    const { spec, tensors } = matmulInstance(3, 5, 6, true);
    const good = runLayerArgument(run(spec, tensors));
    const bytes = good.bytes;
    for (const pos of tamperPositions(bytes.length, 5)) {
      const reason = layerRejection(run(spec, tensors, (b) => {
        const c = b.slice();
        c[pos]! ^= 1 << (pos % 8);
        return c;
      }));
      expect(reason, `flip at ${pos}`).toBeDefined();
    }
    expect(layerRejection(run(spec, tensors, (b) => b.slice(0, b.length - 1)))).toMatch(/truncated/);
    expect(layerRejection(run(spec, tensors, (b) => Uint8Array.from([...b, 0])))).toMatch(/trailing/);
  });

  it('padding cannot carry a back door: garbage in W and x padding columns is ignored', () => {
    // T = 3, I = 5 (padded 8), O = 3 (padded 4). A cheater who controls both commitments puts
    // δ in W's padding column 5 of row o and 1 in x's padding column 5 of row t, and adds δ
    // to out[t, o]: an unmasked Σ_{i < I_pad} would accept it.
    const { spec, tensors } = matmulInstance(3, 5, 3, true);
    const attempt = (delta: number): string | undefined => {
      const tables = new Map<string, Uint32Array>();
      for (const [id, t] of tensors) tables.set(id, padTensor(F, t.data, t.shape));
      tables.get('w:L0.wq')![1 * 8 + 5] = F.fromInt(delta); // W[1, 5]
      tables.get('t3')![2 * 8 + 5] = F.fromInt(1); // x[2, 5]
      const out = tables.get('t4')!;
      out[2 * 4 + 1] = F.add(out[2 * 4 + 1]!, F.fromInt(delta)); // out[2, 1] += δ
      const w = new ByteWriter();
      proveMatmul(new ProverContext(E, new Transcript('pad', E), w, tables), spec);
      try {
        const v = new VerifierContext(E, new Transcript('pad', E), new ByteReader(w.finish()));
        verifyMatmul(v, spec);
        return checkClaims(v.claims, tables);
      } catch (e) {
        return (e as Error).message;
      }
    };
    expect(attempt(0)).toBeUndefined(); // garbage padding, true outputs: accepted
    expect(attempt(1000)).toMatch(/final check failed/); // the back door: rejected
  });

  it('rejects malformed specs', () => {
    const { spec, tensors } = matmulInstance(2, 3, 4, true);
    const bad = (s: MatmulSpec) => layerRejection({ tensors, prove: () => {}, verify: (ctx) => verifyMatmul(ctx, s) });
    expect(bad({ ...spec, weight: { ...spec.weight, shape: [4, 5] } })).toMatch(/does not match/);
    expect(bad({ ...spec, bias: { id: 'w:L0.wq.bias', shape: [3] } })).toMatch(/bias/);
    expect(bad({ ...spec, out: { ...spec.out, shape: [3, 4] } })).toMatch(/leading axes/);
  });
});

describe('partial-evaluation kernels', () => {
  // Compare with the MLE: Σ_r eq(ρ, r)·tab[r, c] = tab̃(point c as bits ‖ ρ), etc.
  const check = (shape: [number, number], lo: number, hi: number) => {
    const [R, C] = shape;
    const data = Array.from({ length: R * C }, () => rng.int(lo, hi));
    const tab = padTensor(F, data, shape);
    const rv = Math.ceil(Math.log2(R)) | 0;
    const cv = Math.ceil(Math.log2(C)) | 0;
    const rho = Uint32Array.from({ length: 4 * rv }, () => rng.next() % F.p);
    const sig = Uint32Array.from({ length: 4 * cv }, () => rng.next() % F.p);
    const { C: Cp, rows, cols } = tableExtent(tab, shape);
    expect(rows).toBe(R);
    expect(cols).toBe(C);
    const high = partialEvalHigh(E, tab, Cp, rows, cols, eqTable(E, rho));
    const low = partialEvalLow(E, tab, Cp, rows, cols, eqTable(E, sig));
    // high(c) at the point σ equals the full MLE at (σ ‖ ρ); low(r) at ρ likewise.
    const full = evalMleBase(E, tab, new Uint32Array([...sig, ...rho]));
    const hv = eqTable(E, sig);
    const lv = eqTable(E, rho);
    expect(Array.from(E.innerProduct(high, hv))).toEqual(Array.from(full));
    expect(Array.from(E.innerProduct(low, lv))).toEqual(Array.from(full));
    expect(Array.from(evalMleFast(E, tab, new Uint32Array([...sig, ...rho])))).toEqual(Array.from(full));
  };
  it('agree with the MLE for small and for large (field-size) values', () => {
    check([5, 7], -127, 127);
    check([33, 3], -2047, 2047);
    check([3, 40], -(2 ** 20), 2 ** 20);
    // just inside the exact-double path: reductions every few rows / columns
    check([41, 3], -(2 ** 19), 2 ** 19);
    check([3, 41], -(2 ** 19), 2 ** 19);
    check([6, 5], -(2 ** 29), 2 ** 29);
    check([1, 1], 5, 5);
  });
  it('evalMleFast at repeated and alternating points (its eq halves are reused) and on field-size values agrees with the MLE', () => {
    for (const n of [1, 2, 7, 10]) {
      const points = [0, 1].map(() => Uint32Array.from({ length: 4 * n }, () => rng.next() % F.p));
      const tabs = [
        Uint32Array.from({ length: 2 ** n }, () => F.fromInt(rng.int(-2047, 2047))),
        Uint32Array.from({ length: 2 ** n }, () => rng.next() % F.p),
      ];
      for (const i of [0, 0, 1, 0, 1, 1]) {
        for (const tab of tabs) expect(Array.from(evalMleFast(E, tab, points[i]!))).toEqual(Array.from(evalMleBase(E, tab, points[i]!)));
      }
    }
  });
  it('fall back to the padded extent when the padding is not zero', () => {
    const tab = padTensor(F, [1, 2, 3, 4, 5, 6], [2, 3]);
    tab[3] = 9; // padding column of row 0
    expect(tableExtent(tab, [2, 3])).toEqual({ C: 4, rows: 2, cols: 4 });
    const tab2 = padTensor(F, [1, 2, 3, 4, 5, 6], [3, 2]);
    tab2[7] = 1; // padding row
    expect(tableExtent(tab2, [3, 2])).toEqual({ C: 2, rows: 4, cols: 2 });
  });
});

// ---------------------------------------------------------------------------------------
// Every op of this family (matmul, embed, posembed, add, mul, center, sumsq, rowmul, argmax)
// on real quantized traces of both architectures.

describe('matmul / embed / elementwise / argmax on real quantized traces', () => {
  const tref = (t: IntTensor): [string, TestTensor] => [`t${t.id}`, { shape: t.shape, data: t.data }];

  function proveTrace(fixture: 'gpt2-small-odd' | 'llama-gqa-odd', tokens: number[]): Set<string> {
    const root = mkdtempSync(join(tmpdir(), 'zkllm-mm-'));
    try {
      writeFixture(fixture, join(root, 'm'));
      const model = quantizeLoaded(loadModel(join(root, 'm')));
      const { trace } = quantForward(model, tokens, { trace: true });
      const lin = linearsByName(model);
      const kinds = new Set<string>();
      for (const op of trace!.ops) {
        let tensors: Map<string, TestTensor>;
        let prove: (ctx: ProverContext) => void;
        let verify: (ctx: LayerContext) => void;
        switch (op.op) {
          case 'matmul': {
            const spec = specMatmul(op);
            const l = lin.get(op.weight)!;
            tensors = new Map([tref(op.input), tref(op.out), [spec.weight.id, { shape: [l.rows, l.cols], data: l.w }]]);
            if (spec.bias) tensors.set(spec.bias.id, { shape: [l.rows], data: l.bias! });
            prove = (ctx) => proveMatmul(ctx, spec);
            verify = (ctx) => verifyMatmul(ctx, spec);
            break;
          }
          case 'embed':
          case 'posembed': {
            const table = op.op === 'embed' ? model.embed : model.posEmbed!;
            const rows = table.length / op.out.shape[1]!;
            const spec = specEmbed(op, rows);
            tensors = new Map([tref(op.out), [spec.table.id, { shape: spec.table.shape, data: table }]]);
            prove = (ctx) => proveEmbed(ctx, spec);
            verify = (ctx) => verifyEmbed(ctx, spec);
            break;
          }
          case 'add':
          case 'mul': {
            const spec = op.op === 'add' ? specAdd(op) : specMul(op);
            tensors = new Map([tref(op.a), tref(op.b), tref(op.out)]);
            prove = (ctx) => (op.op === 'add' ? proveAdd : proveMul)(ctx, spec);
            verify = (ctx) => (op.op === 'add' ? verifyAdd : verifyMul)(ctx, spec);
            break;
          }
          case 'center': {
            const spec = specCenter(op);
            tensors = new Map([tref(op.input), tref(op.out)]);
            prove = (ctx) => proveCenter(ctx, spec);
            verify = (ctx) => verifyCenter(ctx, spec);
            break;
          }
          case 'sumsq': {
            const spec = specSumsq(op);
            tensors = new Map([tref(op.input), tref(op.out)]);
            prove = (ctx) => proveSumsq(ctx, spec);
            verify = (ctx) => verifySumsq(ctx, spec);
            break;
          }
          case 'rowmul': {
            const spec = specRowmul(op);
            tensors = new Map([tref(op.input), tref(op.scale), tref(op.out)]);
            prove = (ctx) => proveRowmul(ctx, spec);
            verify = (ctx) => verifyRowmul(ctx, spec);
            break;
          }
          case 'argmax': {
            // Public rows: the "generated" positions (all but the first two).
            const T = op.input.shape[0]!;
            const opts = { bound: model.bounds.logit, rows: Array.from({ length: T - 2 }, (_, k) => k + 2) };
            const spec = specArgmax(op, opts);
            tensors = mergeTensors(new Map([tref(op.input)]), witnessArgmax(op, opts));
            prove = (ctx) => proveArgmax(ctx, spec);
            verify = (ctx) => verifyArgmax(ctx, spec);
            break;
          }
          default:
            continue;
        }
        const run = runLayerArgument({ tensors, prove, verify });
        expect(run.claimsError, `${op.name} (${op.op})`).toBeUndefined();
        expect(run.lookupsError, `${op.name} (${op.op})`).toBeUndefined();
        kinds.add(op.op);
      }
      return kinds;
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }

  it('GPT-2 fixture: embed, posembed, center, sumsq, rowmul, matmul with bias, add, argmax', () => {
    const kinds = proveTrace('gpt2-small-odd', [3, 200, 17, 42, 99]);
    expect([...kinds].sort()).toEqual(['add', 'argmax', 'center', 'embed', 'matmul', 'posembed', 'rowmul', 'sumsq']);
  });

  it('LLaMA fixture: SwiGLU mul and bias-free matmuls', () => {
    const kinds = proveTrace('llama-gqa-odd', [1, 17, 42, 99, 5]);
    expect([...kinds].sort()).toEqual(['add', 'argmax', 'embed', 'matmul', 'mul', 'rowmul', 'sumsq']);
  });
});
