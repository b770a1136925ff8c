import {
  BabyBear as F,
  BabyBearExt4 as E,
  LayerError,
  causalMaskEval,
  evalMleBase,
  evalMleExt,
  tensorVars,
  verifyPv,
  verifyQk,
  verifySoftmax,
} from '@zkllm/verifier';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFixture } from '../model/fixtures.js';
import { loadModel } from '../model/load.js';
import { quantizeLoaded } from '../model/eval.js';
import { quantForward } from '../model/quant/index.js';
import type { IntTensor, TraceOp } from '../model/quant/trace.js';
import { eqCausalMaskTable, provePv, proveQk, specPv, specQk } from './attention.js';
import { proveSoftmax, specSoftmax, witnessSoftmax } from './softmax.js';
import { mergeTensors, runLayerArgument, testRng, type TestTensor } from './testing.js';

type QkOp = Extract<TraceOp, { op: 'qk' }>;
type PvOp = Extract<TraceOp, { op: 'pv' }>;

const tensor = (id: number, shape: number[], data: Int32Array): IntTensor => ({ id, shape, data });

function randomInts(n: number, lo: number, hi: number, seed: number): Int32Array {
  const rng = testRng(seed);
  return Int32Array.from({ length: n }, () => rng.int(lo, hi));
}

function makeQk(T: number, H: number, KV: number, hd: number, seed: number): QkOp {
  const q = randomInts(T * H * hd, -300, 300, seed);
  const k = randomInts(T * KV * hd, -300, 300, seed + 1);
  const out = new Int32Array(H * T * T);
  const g = H / KV;
  for (let h = 0; h < H; h++)
    for (let t = 0; t < T; t++)
      for (let j = 0; j <= t; j++) {
        let s = 0;
        for (let i = 0; i < hd; i++) s += q[t * H * hd + h * hd + i]! * k[j * KV * hd + Math.floor(h / g) * hd + i]!;
        out[(h * T + t) * T + j] = s;
      }
  return {
    op: 'qk',
    name: 'L0.qk',
    q: tensor(1, [T, H * hd], q),
    k: tensor(2, [T, KV * hd], k),
    heads: H,
    kvHeads: KV,
    headDim: hd,
    out: tensor(3, [H, T, T], out),
  };
}

function makePv(T: number, H: number, KV: number, hd: number, seed: number): PvOp {
  const p = randomInts(H * T * T, 0, 2 ** 14, seed);
  for (let h = 0; h < H; h++) for (let t = 0; t < T; t++) for (let j = t + 1; j < T; j++) p[(h * T + t) * T + j] = 0;
  const v = randomInts(T * KV * hd, -2000, 2000, seed + 1);
  const out = new Int32Array(T * H * hd);
  const g = H / KV;
  for (let t = 0; t < T; t++)
    for (let h = 0; h < H; h++)
      for (let i = 0; i < hd; i++) {
        let s = 0;
        for (let j = 0; j < T; j++) s += p[(h * T + t) * T + j]! * v[j * KV * hd + Math.floor(h / g) * hd + i]!;
        out[t * H * hd + h * hd + i] = s;
      }
  return {
    op: 'pv',
    name: 'L0.pv',
    p: tensor(4, [H, T, T], p),
    v: tensor(5, [T, KV * hd], v),
    heads: H,
    kvHeads: KV,
    headDim: hd,
    out: tensor(6, [T, H * hd], out),
  };
}

const tensorsOf = (...ts: IntTensor[]) => new Map<string, TestTensor>(ts.map((t) => [`t${t.id}`, { shape: t.shape, data: t.data }]));

function runQk(op: QkOp, opts: { tensors?: Map<string, TestTensor>; tamper?: (b: Uint8Array) => Uint8Array } = {}) {
  const spec = specQk(op);
  return runLayerArgument({
    tensors: opts.tensors ?? tensorsOf(op.q, op.k, op.out),
    prove: (ctx) => proveQk(ctx, spec),
    verify: (ctx) => verifyQk(ctx, spec),
    tamper: opts.tamper,
  });
}

function runPv(op: PvOp, opts: { tensors?: Map<string, TestTensor>; tamper?: (b: Uint8Array) => Uint8Array } = {}) {
  const spec = specPv(op);
  return runLayerArgument({
    tensors: opts.tensors ?? tensorsOf(op.p, op.v, op.out),
    prove: (ctx) => provePv(ctx, spec),
    verify: (ctx) => verifyPv(ctx, spec),
    tamper: opts.tamper,
  });
}

/** Same tensors with one entry of `id` changed. */
function edited(tensors: Map<string, TestTensor>, id: string, index: number, delta: number): Map<string, TestTensor> {
  const out = new Map(tensors);
  const t = tensors.get(id)!;
  const data = Int32Array.from(t.data);
  data[index]! += delta;
  out.set(id, { shape: t.shape, data });
  return out;
}

/** (T, H, KV, hd): T not a power of two, 3 heads, GQA 2 per KV head, odd head dims, group 3. */
const SHAPES: Array<[number, number, number, number]> = [
  [5, 3, 3, 4],
  [6, 4, 2, 3],
  [3, 6, 2, 5],
  [1, 1, 1, 1],
  [8, 2, 1, 8],
];

/** Every byte offset flipped must make verification throw or a claim fail to open. */
function expectTamperRejected(run: (tamper: (b: Uint8Array) => Uint8Array) => { claimsError: string | undefined }, length: number, step: number) {
  for (let at = 0; at < length; at += step) {
    let rejected = false;
    try {
      const out = run((b) => {
        const c = b.slice();
        c[at]! ^= 1;
        return c;
      });
      rejected = out.claimsError !== undefined;
    } catch {
      rejected = true;
    }
    expect(rejected, `flipping byte ${at}`).toBe(true);
  }
}

describe('causal mask MLE (closed form)', () => {
  it('matches the mask table, with and without eq(r, ·)', () => {
    const rng = testRng(9);
    for (const [H, T] of [
      [1, 1],
      [3, 5],
      [2, 8],
      [5, 3],
    ] as Array<[number, number]>) {
      const n = tensorVars([H, T, T]);
      const rho = Uint32Array.from({ length: 4 * n }, () => rng.next() % F.p);
      const r = Uint32Array.from({ length: 4 * n }, () => rng.next() % F.p);
      const Tp = 2 ** Math.ceil(Math.log2(T));
      const mask = new Uint32Array(2 ** n);
      for (let i = 0; i < mask.length; i++) {
        const j = i % Tp;
        const t = Math.floor(i / Tp) % Tp;
        const h = Math.floor(i / (Tp * Tp));
        mask[i] = h < H && t < T && j <= t ? 1 : 0;
      }
      expect(E.equals(causalMaskEval(E, H, T, rho), evalMleBase(E, mask, rho))).toBe(true);
      expect(E.equals(causalMaskEval(E, H, T, rho, r), evalMleExt(E, eqCausalMaskTable(E, H, T, r), rho))).toBe(true);
    }
  });
});

describe('qk (causal scores, GQA)', () => {
  for (const [T, H, KV, hd] of SHAPES) {
    it(`proves T=${T} H=${H} KV=${KV} hd=${hd}; every claim opens`, () => {
      const out = runQk(makeQk(T, H, KV, hd, T * 31 + H));
      expect(out.claimsError).toBeUndefined();
      expect(out.lookupsError).toBeUndefined();
      expect(out.verifier.claims.map((c) => c.tensor)).toEqual(['t3', 't1', 't2']);
    });
  }

  it('rejects a wrong score entry (causal part)', () => {
    const op = makeQk(6, 4, 2, 3, 7);
    const base = tensorsOf(op.q, op.k, op.out);
    const idx = (2 * 6 + 4) * 6 + 3; // h = 2, t = 4, j = 3
    expect(() => runQk(op, { tensors: edited(base, 't3', idx, 1) })).toThrow(/mask sumcheck: final check failed/);
  });

  it('rejects a nonzero masked score (j > t), and a k entry that does not match the scores', () => {
    const op = makeQk(5, 3, 3, 4, 8);
    const base = tensorsOf(op.q, op.k, op.out);
    expect(() => runQk(op, { tensors: edited(base, 't3', (1 * 5 + 1) * 5 + 3, 5) })).toThrow(/mask sumcheck: final check failed/);
    expect(() => runQk(op, { tensors: edited(base, 't2', 7, 1) })).toThrow(/mask sumcheck: final check failed/);
  });

  it('rejects flipped bytes, truncation and trailing bytes', () => {
    const op = makeQk(3, 6, 2, 5, 9);
    const { bytes } = runQk(op);
    expectTamperRejected((tamper) => runQk(op, { tamper }), bytes.length, 7);
    expect(() => runQk(op, { tamper: (b) => b.subarray(0, b.length - 1) })).toThrow();
    expect(() => runQk(op, { tamper: (b) => Uint8Array.from([...b, 0]) })).toThrow(/trailing/);
  });

  it('rejects specs with inconsistent shapes', () => {
    const op = makeQk(5, 3, 3, 4, 10);
    const spec = specQk(op);
    expect(() => runLayerArgument({ tensors: tensorsOf(op.q, op.k, op.out), prove: (ctx) => proveQk(ctx, spec), verify: (ctx) => verifyQk(ctx, { ...spec, kvHeads: 2 }) })).toThrow(LayerError);
  });
});

describe('pv (probabilities × values, GQA)', () => {
  for (const [T, H, KV, hd] of SHAPES) {
    it(`proves T=${T} H=${H} KV=${KV} hd=${hd}; every claim opens`, () => {
      const out = runPv(makePv(T, H, KV, hd, T * 17 + hd));
      expect(out.claimsError).toBeUndefined();
      expect(out.verifier.claims.map((c) => c.tensor)).toEqual(['t6', 't4', 't5']);
    });
  }

  it('rejects a wrong output entry, a wrong probability and a wrong value', () => {
    const op = makePv(6, 4, 2, 3, 3);
    const base = tensorsOf(op.p, op.v, op.out);
    for (const [id, at, delta] of [
      ['t6', 13, 1],
      ['t4', (3 * 6 + 5) * 6 + 2, 1],
      ['t5', 4, -1],
    ] as Array<[string, number, number]>) {
      expect(() => runPv(op, { tensors: edited(base, id, at, delta) }), id).toThrow(/product sumcheck: final check failed/);
    }
  });

  it('rejects flipped bytes and truncation', () => {
    const op = makePv(3, 6, 2, 5, 4);
    const { bytes } = runPv(op);
    expectTamperRejected((tamper) => runPv(op, { tamper }), bytes.length, 7);
    expect(() => runPv(op, { tamper: (b) => b.subarray(0, b.length - 16) })).toThrow();
  });
});

describe('attention of a real quantized trace (llama fixture: GQA 6/3, head dim 6)', () => {
  it('proves qk, softmax and pv of every layer; claims open and lookups hold', () => {
    const root = mkdtempSync(join(tmpdir(), 'zkllm-attn-'));
    try {
      writeFixture('llama-l2c', join(root, 'm'));
      const model = quantizeLoaded(loadModel(join(root, 'm')));
      const { trace } = quantForward(model, [1, 17, 42, 99, 5, 230, 64], { trace: true });
      const ops = trace!.ops;
      let count = 0;
      for (const op of ops) {
        if (op.op !== 'qk' && op.op !== 'softmax' && op.op !== 'pv') continue;
        count++;
        let tensors: Map<string, TestTensor>;
        let prove: Parameters<typeof runLayerArgument>[0]['prove'];
        let verify: Parameters<typeof runLayerArgument>[0]['verify'];
        if (op.op === 'qk') {
          const spec = specQk(op);
          tensors = tensorsOf(op.q, op.k, op.out);
          prove = (ctx) => proveQk(ctx, spec);
          verify = (ctx) => verifyQk(ctx, spec);
        } else if (op.op === 'pv') {
          const spec = specPv(op);
          tensors = tensorsOf(op.p, op.v, op.out);
          prove = (ctx) => provePv(ctx, spec);
          verify = (ctx) => verifyPv(ctx, spec);
        } else {
          const spec = specSoftmax(op, model.tables);
          tensors = mergeTensors(tensorsOf(op.input, op.out), witnessSoftmax(op, model.tables));
          prove = (ctx) => proveSoftmax(ctx, spec);
          verify = (ctx) => verifySoftmax(ctx, spec);
        }
        const out = runLayerArgument({ tensors, prove, verify });
        expect(out.claimsError, op.name).toBeUndefined();
        expect(out.lookupsError, op.name).toBeUndefined();
      }
      expect(count).toBe(6);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
