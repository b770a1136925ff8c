import { BabyBear as F, argmaxDiffRef, argmaxRangeBits, verifyArgmax, type ArgmaxSpec, type LayerContext } from '@zkllm/verifier';
import { describe, expect, it } from 'vitest';
import type { TraceOp } from '../model/quant/trace.js';
import { argmaxDifferences, proveArgmax, specArgmax, witnessArgmax, type ArgmaxOptions } from './argmax.js';
import type { ProverContext } from './context.js';
import { rangeWitness } from './range.js';
import { layerRejection, mergeTensors, runLayerArgument, tamperPositions, testRng, type TestTensor } from './testing.js';

const rng = testRng(0xa53);
type ArgmaxOp = Extract<TraceOp, { op: 'argmax' }>;

/** Random logits with ties at the maximum in some rows; out = lowest argmax. */
function logits(T: number, V: number, max: number, ties = true): ArgmaxOp {
  const x = Int32Array.from({ length: T * V }, () => rng.int(-max, max));
  const out = new Int32Array(T);
  for (let t = 0; t < T; t++) {
    if (ties && t % 2 === 0 && V > 2) {
      // plant a tie of the row maximum at two indices
      let m = -Infinity;
      for (let j = 0; j < V; j++) m = Math.max(m, x[t * V + j]!);
      x[t * V + (t % V)] = m;
      x[t * V + V - 1] = m;
    }
    let best = 0;
    for (let j = 1; j < V; j++) if (x[t * V + j]! > x[t * V + best]!) best = j;
    out[t] = best;
  }
  return { op: 'argmax', name: 'argmax', input: { id: 20, shape: [T, V], data: x }, out: { id: 21, shape: [T], data: out } };
}

function tensorsFor(op: ArgmaxOp, witness: Map<string, TestTensor>): Map<string, TestTensor> {
  return mergeTensors(new Map([['t20', { shape: op.input.shape, data: op.input.data }]]), witness);
}

const args = (spec: ArgmaxSpec, tensors: Map<string, TestTensor>, tamper?: (b: Uint8Array) => Uint8Array, vspec: ArgmaxSpec = spec) => ({
  tensors,
  prove: (ctx: ProverContext) => proveArgmax(ctx, spec),
  verify: (ctx: LayerContext) => verifyArgmax(ctx, vspec),
  ...(tamper ? { tamper } : {}),
});

/** A cheating prover's witness for arbitrary tokens: the true differences (some negative). */
function forcedWitness(op: ArgmaxOp, spec: ArgmaxSpec): Map<string, TestTensor> {
  const ref = argmaxDiffRef(spec);
  return new Map([[ref.id, { shape: ref.shape, data: argmaxDifferences(op.input.data, spec) }]]);
}

describe('argmax argument', () => {
  it('proves the lowest argmax of public rows (ties included); claims and range lookups pass', () => {
    for (const [T, V, rows] of [
      [6, 13, [2, 3, 4, 5]],
      [5, 16, [0, 1, 2, 3, 4]],
      [1, 1, [0]],
      [3, 7, [2]],
      [9, 5, [8, 1, 4]],
    ] as const) {
      // The logits' real bound (16-bit differences) once; small bounds keep the rest fast.
      const bound = T === 6 ? 32767 : 127;
      const op = logits(T, V, bound);
      const opts: ArgmaxOptions = { bound, rows };
      const spec = specArgmax(op, opts);
      const w = witnessArgmax(op, opts);
      expect([...w.keys()]).toEqual(['t21.diff']);
      const out = runLayerArgument(args(spec, tensorsFor(op, w)));
      expect(out.claimsError, `${T}x${V}`).toBeUndefined();
      expect(out.lookupsError, `${T}x${V}`).toBeUndefined();
      expect(out.verifier.lookups.map((l) => l.table.id)).toEqual([bound === 127 ? 'range[0,256)' : 'range[0,65536)']);
      expect(out.verifier.claims.map((c) => c.tensor)).toEqual(['t21.diff', 't20']);
    }
  });

  it('uses limbs (shared range check) when the bound needs more than 16 bits', () => {
    const op = logits(4, 9, 2 ** 20);
    const opts: ArgmaxOptions = { bound: 2 ** 20, rows: [1, 3] };
    expect(argmaxRangeBits(2 ** 20, F.p)).toBe(22);
    const w = witnessArgmax(op, opts);
    expect(w.size).toBe(3); // D and two limbs
    const out = runLayerArgument(args(specArgmax(op, opts), tensorsFor(op, w)));
    expect(out.claimsError).toBeUndefined();
    expect(out.lookupsError).toBeUndefined();
    expect(out.verifier.lookups.map((l) => l.table.id)).toEqual(['range[0,65536)', 'range[0,64)']);
  });

  it('rejects a non-argmax token: a smaller logit, and a tie resolved to a higher index', () => {
    const op = logits(6, 13, 1000);
    const base: ArgmaxOptions = { bound: 1000, rows: [0, 2, 5] };
    const honest = specArgmax(op, base);
    // Row 0 has a planted tie at indices 0 and 12; the argmax is the lowest of them.
    expect(honest.tokens[0]).toBe(0);
    const lies = [
      Int32Array.of(12, honest.tokens[1]!, honest.tokens[2]!), // tie → higher index
      Int32Array.of(honest.tokens[0]!, honest.tokens[1]!, (honest.tokens[2]! + 1) % 13), // not a maximum
    ];
    for (const tokens of lies) {
      const opts = { ...base, tokens };
      expect(() => witnessArgmax(op, opts)).toThrow(/outside \[0, 2047\]/);
      const spec = specArgmax(op, opts);
      const reason = layerRejection(args(spec, tensorsFor(op, forcedWitness(op, spec))));
      expect(reason).toMatch(/not in (the|its) table/);
    }
  });

  it('rejects a difference witness that is in range but not linked to the logits', () => {
    const op = logits(5, 11, 1000);
    const opts: ArgmaxOptions = { bound: 1000, rows: [1, 2, 4] };
    const spec = specArgmax(op, opts);
    const ref = argmaxDiffRef(spec);
    // Claim token 3 everywhere with an all-zero "difference": range-valid, relation-invalid.
    const lying = { ...spec, tokens: Int32Array.of(3, 3, 3) };
    const zeros = new Map([[ref.id, { shape: ref.shape, data: new Int32Array(3 * 11) }]]);
    expect(layerRejection(args(lying, tensorsFor(op, zeros)))).toMatch(/final check failed/);
    // Honest witness, one entry moved (still in range): caught by the link.
    const w = witnessArgmax(op, opts);
    const d = Int32Array.from(w.get(ref.id)!.data);
    d[7]! += 1;
    expect(layerRejection(args(spec, tensorsFor(op, new Map([[ref.id, { shape: ref.shape, data: d }]]))))).toBeDefined();
    // A changed logit entry in a public row.
    const x2 = Int32Array.from(op.input.data);
    x2[2 * 11 + 5]! += 1;
    const t2 = mergeTensors(new Map([['t20', { shape: [5, 11], data: x2 }]]), w);
    expect(layerRejection(args(spec, t2))).toBeDefined();
  });

  it('rejects a verifier statement with other tokens or rows than the proof', () => {
    const op = logits(6, 10, 500);
    const opts: ArgmaxOptions = { bound: 500, rows: [3, 4, 5] };
    const spec = specArgmax(op, opts);
    const tensors = tensorsFor(op, witnessArgmax(op, opts));
    const toks = Int32Array.from(spec.tokens);
    toks[1] = (toks[1]! + 1) % 10;
    expect(layerRejection(args(spec, tensors, undefined, { ...spec, tokens: toks }))).toBeDefined();
    expect(layerRejection(args(spec, tensors, undefined, { ...spec, rows: Int32Array.of(2, 4, 5) }))).toBeDefined();
  });

  it('rejects byte flips and malformed specs', () => {
    const op = logits(4, 7, 100);
    const opts: ArgmaxOptions = { bound: 100, rows: [1, 3] };
    const spec = specArgmax(op, opts);
    const tensors = tensorsFor(op, witnessArgmax(op, opts));
    const bytes = runLayerArgument(args(spec, tensors)).bytes;
    for (const pos of tamperPositions(bytes.length, 5)) {
      const reason = layerRejection(
        args(spec, tensors, (b) => {
          const c = b.slice();
          c[pos]! ^= 0x20;
          return c;
        }),
      );
      expect(reason, `flip at ${pos}`).toBeDefined();
    }
    const rej = (s: ArgmaxSpec) => layerRejection({ tensors, prove: () => {}, verify: (ctx) => verifyArgmax(ctx, s) });
    expect(rej({ ...spec, rows: Int32Array.of(1, 1), tokens: Int32Array.of(0, 0) })).toMatch(/twice/);
    expect(rej({ ...spec, rows: Int32Array.of(1, 4) })).toMatch(/outside/);
    expect(rej({ ...spec, tokens: Int32Array.of(0, 7) })).toMatch(/vocabulary/);
    expect(rej({ ...spec, tokens: Int32Array.of(0) })).toMatch(/equal length/);
    expect(rej({ ...spec, bound: 2 ** 29 })).toMatch(/too large/);
    // No public rows: nothing is sent or checked.
    const none = runLayerArgument(args({ ...spec, rows: new Int32Array(0), tokens: new Int32Array(0) }, tensors));
    expect(none.bytes.length).toBe(0);
  });

  it('the shared range witness agrees with the committed limbs', () => {
    const op = logits(3, 5, 2 ** 18);
    const opts: ArgmaxOptions = { bound: 2 ** 18, rows: [0, 1, 2] };
    const spec = specArgmax(op, opts);
    const ref = argmaxDiffRef(spec);
    const D = argmaxDifferences(op.input.data, spec);
    const limbs = rangeWitness(ref, D, 0, 2 ** argmaxRangeBits(opts.bound, F.p) - 1);
    const w = witnessArgmax(op, opts);
    for (const [id, t] of limbs) expect(Array.from(w.get(id)!.data)).toEqual(Array.from(t.data));
  });
});
