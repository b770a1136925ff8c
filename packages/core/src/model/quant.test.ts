import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFixture, FIXTURES, type FixtureName } from './fixtures.js';
import { loadModel, type LoadedModel } from './load.js';
import { evaluateAccuracy, defaultEvalText, quantizeLoaded, type AccuracyReport } from './eval.js';
import { floatLogits, argmax } from './float.js';
import { FIELD_SAFE } from './quant/field.js';
import {
  QuantSession,
  quantForward,
  generateQuant,
  checkTrace,
  makeRequant,
  requant,
  makeSoftmax,
  softmaxRow,
  softmaxRowSumBound,
  FieldBoundError,
  FIELD_HALF,
  type QuantizedModel,
} from './quant/index.js';

let root: string;
const models = new Map<FixtureName, { m: LoadedModel; q: QuantizedModel }>();
const reports = new Map<FixtureName, AccuracyReport>();

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'zkllm-quant-'));
  for (const name of Object.keys(FIXTURES) as FixtureName[]) {
    writeFixture(name, join(root, name));
    const m = loadModel(join(root, name));
    models.set(name, { m, q: quantizeLoaded(m) });
  }
  return () => rmSync(root, { recursive: true, force: true });
});

function get(name: FixtureName): { m: LoadedModel; q: QuantizedModel } {
  return models.get(name)!;
}

describe('requant and softmax primitives', () => {
  it('requant approximates x·mult to ~11 bits and keeps q·m within the field', () => {
    for (const mult of [3.1e-7, 0.0123, 0.77, 1, 5.5, 300]) {
      const spec = makeRequant([mult], -32767, 32767);
      expect(spec.q * spec.m[0]!).toBeLessThanOrEqual(FIELD_HALF);
      expect(spec.s1).toBeLessThanOrEqual(16);
      expect(spec.s2).toBeLessThanOrEqual(16);
      const xs = Int32Array.from([0, 1, -1, 12345, -99999, 1 << 20, -(1 << 25), 1000000000]);
      const out = new Int32Array(xs.length);
      requant(out, xs, spec, 1);
      for (let i = 0; i < xs.length; i++) {
        const exact = Math.max(-32767, Math.min(32767, xs[i]! * mult));
        expect(Math.abs(out[i]! - exact)).toBeLessThanOrEqual(1 + Math.abs(exact) * 2 ** -10);
      }
    }
  });

  it('the inner clamp ±q never changes the output (it only keeps t·m inside the field)', () => {
    let seed = 11;
    const rnd = (): number => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    for (let k = 0; k < 200; k++) {
      const base = rnd() * 30 - 24;
      const mult = Array.from({ length: 3 }, () => 2 ** (base + rnd() * 2)); // per-channel spread ≤ 4, as quantizeModel guarantees
      const bound = [2047, 16383, 32767, 65535][k % 4]!;
      const lo = k % 5 === 0 ? 0 : -bound;
      const spec = makeRequant(mult, lo, bound);
      const xs = Int32Array.from({ length: 60 }, () => Math.round((rnd() * 2 - 1) * FIELD_HALF * 0.99));
      const out = new Int32Array(xs.length);
      requant(out, xs, spec, 3);
      for (let i = 0; i < xs.length; i++) {
        const t = Math.floor((xs[i]! + (spec.s1 ? 2 ** (spec.s1 - 1) : 0)) / 2 ** spec.s1);
        const z = Math.floor((t * spec.m[i % 3]! + (spec.s2 ? 2 ** (spec.s2 - 1) : 0)) / 2 ** spec.s2);
        expect(out[i]).toBe(Math.max(lo, Math.min(bound, z)));
      }
    }
  });

  it('zkAttn softmax rows sum to 2^fp within the documented bound and match float softmax', () => {
    const fs = 8;
    const sm = makeSoftmax('t', fs, 14, 32767, 256);
    const n = 200;
    const z = new Int32Array(n);
    let seed = 7;
    for (let i = 0; i < n; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      z[i] = (seed % 4000) - 2000;
    }
    const p = new Int32Array(n);
    softmaxRow(p, 0, z, 0, n, sm);
    const sum = p.reduce((a, b) => a + b, 0);
    expect(Math.abs(sum - 2 ** 14)).toBeLessThanOrEqual(softmaxRowSumBound(sm.params, n));
    let max = -Infinity;
    for (const v of z) max = Math.max(max, v / 2 ** fs);
    let s = 0;
    for (const v of z) s += Math.exp(v / 2 ** fs - max);
    for (let i = 0; i < n; i++) expect(Math.abs(p[i]! / 2 ** 14 - Math.exp(z[i]! / 2 ** fs - max) / s)).toBeLessThan(3e-4);
    // Every table is small (tlookup-friendly).
    for (const t of sm.tables) expect(t.values.length).toBeLessThanOrEqual(1 << 16);
  });
});

describe('quantized pass', () => {
  it('runs on every fixture (GQA, odd sizes, GPT-2) in debug mode with a trace that replays exactly', () => {
    for (const name of Object.keys(FIXTURES) as FixtureName[]) {
      const { m, q } = get(name);
      const toks = m.tokenizer.encode('Once upon a time, a cat sat by the sea.');
      const r = quantForward(q, toks, { trace: true, debug: true });
      expect(r.logits.length).toBe(toks.length * m.config.vocabSize);
      const trace = r.trace!;
      expect(checkTrace(q, trace)).toBeUndefined();
      const kinds = new Set(trace.ops.map((o) => o.op));
      for (const k of ['embed', 'matmul', 'requant', 'lookup', 'add', 'sumsq', 'rowmul', 'qk', 'softmax', 'pv', 'argmax']) expect(kinds.has(k as never)).toBe(true);
      expect(kinds.has('rope')).toBe(m.config.family === 'llama');
      expect(kinds.has('center')).toBe(m.config.family === 'gpt2');
      expect(kinds.has('mul')).toBe(m.config.family === 'llama');
      for (const t of q.tables.values()) expect(t.values.length).toBeLessThanOrEqual(1 << 16);
    }
  });

  it('every requant declares an input bound that its traced inputs meet, and checkTrace catches one beyond it', () => {
    for (const name of ['llama-gqa-odd', 'gpt2-small-odd'] as FixtureName[]) {
      const { m, q } = get(name);
      const r = quantForward(q, m.tokenizer.encode('a b c d e f g'), { trace: true });
      const reqs = r.trace!.ops.filter((o) => o.op === 'requant');
      expect(reqs.length).toBeGreaterThan(0);
      for (const op of reqs) {
        expect(op.spec.xMax, op.name).toBeGreaterThan(0);
        expect(op.spec.xMax!).toBeLessThanOrEqual(FIELD_SAFE);
      }
      // A private copy of the input, so only this op sees the out-of-bound value.
      const op = reqs[1]! as { input: { data: Int32Array }; spec: { xMax?: number } };
      op.input = { ...op.input, data: Int32Array.from(op.input.data) };
      op.input.data[0] = op.spec.xMax! + 1;
      expect(checkTrace(q, r.trace!)).toMatch(/exceeds the declared bound/);
    }
  });

  it("a norm's output requant bound holds for rows with one or two large entries (the worst case) and is nearly tight", () => {
    for (const name of ['llama-gqa-odd', 'gpt2-small-odd'] as FixtureName[]) {
      const { q } = get(name);
      const d = q.config.hiddenSize;
      for (const n of [q.layers[0]!.attnNorm, q.finalNorm]) {
        const bound = n.out.xMax!;
        const rsqrt = n.rsqrt.values;
        const v = new Int32Array(d);
        const u = new Int32Array(d);
        const ssOut = new Int32Array(1);
        let worst = 0;
        for (let a = -32768; a <= 32768; a += 3) {
          for (const b of [0, Math.trunc(a / 3)]) {
            v.fill(0);
            v[0] = a;
            v[1] = b;
            requant(u, v, n.pre, d);
            let ss = n.eps;
            for (const x of u) ss += x * x;
            requant(ssOut, Int32Array.of(ss), n.ss, 1);
            const rho = rsqrt[ssOut[0]! - n.rsqrt.inMin]!;
            worst = Math.max(worst, Math.abs(a) * rho, Math.abs(b) * rho);
          }
        }
        expect(worst, `${name} ${n.name}`).toBeLessThanOrEqual(bound);
        expect(worst, `${name} ${n.name}`).toBeGreaterThan(0.9 * bound);
      }
    }
  });

  it('checkTrace catches a tampered output', () => {
    const { m, q } = get('llama-gqa-odd');
    const r = quantForward(q, m.tokenizer.encode('the sea'), { trace: true });
    const sm = r.trace!.ops.find((o) => o.op === 'softmax')!;
    sm.out.data[0]! += 1;
    expect(checkTrace(q, r.trace!)).toMatch(/softmax/);
  });

  it('debug mode rejects an intermediate beyond ±(p−1)/2', () => {
    const { m, q } = get('gpt2-small-odd');
    const bias = q.layers[0]!.wq.bias!;
    const saved = bias[0]!;
    bias[0] = FIELD_HALF;
    try {
      expect(() => quantForward(q, m.tokenizer.encode('the sea'), { debug: true })).toThrow(FieldBoundError);
    } finally {
      bias[0] = saved;
    }
  });

  it('incremental greedy decoding equals one teacher-forced pass', () => {
    for (const name of ['llama-gqa-odd', 'gpt2-small-odd'] as const) {
      const { m, q } = get(name);
      const prompt = m.tokenizer.encode('Once upon');
      const gen = generateQuant(q, prompt, { maxTokens: 8 });
      const all = [...prompt, ...gen];
      const full = quantForward(q, all);
      const s = new QuantSession(q);
      const inc = s.forward(prompt);
      expect(Array.from(full.logits.subarray(0, inc.logits.length))).toEqual(Array.from(inc.logits));
      for (let i = 0; i < gen.length; i++) expect(full.argmax[prompt.length - 1 + i]).toBe(gen[i]);
    }
  });

  it('generateTraced: one traced pass whose argmaxes are the generated tokens (and EOS)', async () => {
    const { generateTraced } = await import('./quant/forward.js');
    const { m, q } = get('llama-l2c');
    const prompt = m.tokenizer.encode('Once upon a time');
    const g = generateTraced(q, prompt, { maxTokens: 6 });
    expect(g.tokens.length).toBe(6);
    expect(g.fed).toEqual([...prompt, ...g.tokens.slice(0, -1)]);
    expect(checkTrace(q, g.trace)).toBeUndefined();
    const am = g.trace.ops[g.trace.ops.length - 1]!;
    expect(am.op).toBe('argmax');
    expect(Array.from(am.out.data.subarray(prompt.length - 1))).toEqual(g.tokens);
    // Treat the 3rd generated token as EOS: generation stops before it and the trace shows it.
    const eos = g.tokens[2]!;
    const first = g.tokens.indexOf(eos);
    const h = generateTraced(q, prompt, { maxTokens: 6, eosTokenId: eos });
    expect(h.stoppedOnEos).toBe(true);
    expect(h.tokens).toEqual(g.tokens.slice(0, first));
    const am2 = h.trace.ops[h.trace.ops.length - 1]!;
    expect(am2.out.data[am2.out.data.length - 1]).toBe(eos);
  });

  it('quantized logits track the float logits', () => {
    const { m, q } = get('llama-gqa-odd');
    const toks = m.tokenizer.encode('She ran home to show her mother.');
    const fl = floatLogits(m, toks);
    const ql = quantForward(q, toks).logits;
    const V = m.config.vocabSize;
    const last = (toks.length - 1) * V;
    let err = 0;
    for (let j = 0; j < V; j++) err = Math.max(err, Math.abs(fl[last + j]! - ql[last + j]! * q.logitScale));
    expect(err).toBeLessThan(0.5);
    expect(argmax(fl.subarray(last, last + V))).toBeTypeOf('number');
  });
});

describe('accuracy (teacher-forced agreement with the float pass)', () => {
  // Thresholds: structured fixtures behave like trained models (clear winners); random
  // fixtures have near-uniform outputs with many near-ties, so agreement is lower.
  const floor: Record<FixtureName, number> = {
    'llama-gqa-odd': 0.93,
    'llama-l2c': 0.93,
    'llama-structured': 0.97,
    'gpt2-small-odd': 0.92,
    'gpt2-structured': 0.97,
  };
  for (const name of Object.keys(FIXTURES) as FixtureName[]) {
    it(`${name}`, () => {
      const { m, q } = get(name);
      const r = evaluateAccuracy(m, defaultEvalText(m)!, { quantized: q });
      reports.set(name, r);
      expect(r.agreement).toBeGreaterThanOrEqual(floor[name]);
      expect(Math.abs(Math.log(r.perplexityQuantized / r.perplexityFloat))).toBeLessThan(0.1);
      expect(r.meanLogitError).toBeLessThan(0.05);
    });
  }
});

describe('commitment view', () => {
  it('lists every weight a trace refers to, deterministically', async () => {
    const { committedTensors, publicQuantParams } = await import('./quant/params.js');
    const { m, q } = get('gpt2-small-odd');
    const names = new Set(committedTensors(q).map((t) => t.name));
    const r = quantForward(q, m.tokenizer.encode('the sea'), { trace: true });
    for (const op of r.trace!.ops) {
      if (op.op === 'matmul') {
        expect(names.has(op.weight)).toBe(true);
        if (op.bias) expect(names.has(op.bias)).toBe(true);
      }
      if (op.op === 'embed' || op.op === 'posembed') expect(names.has(op.weight)).toBe(true);
      if (op.op === 'lookup') expect(q.tables.has(op.table)).toBe(true);
    }
    const q2 = quantizeLoaded(m);
    expect(JSON.stringify(publicQuantParams(q2))).toBe(JSON.stringify(publicQuantParams(q)));
  });
});
