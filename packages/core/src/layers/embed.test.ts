import { verifyEmbed, verifyPosembed, type EmbedSpec } from '@zkllm/verifier';
import { describe, expect, it } from 'vitest';
import type { TraceOp } from '../model/quant/trace.js';
import { proveEmbed, provePosembed, specEmbed, specPosembed, witnessEmbed } from './embed.js';
import { layerRejection, runLayerArgument, tamperPositions, testRng, type TestTensor } from './testing.js';

const rng = testRng(0xe3b);

function instance(kind: 'embed' | 'posembed', T: number, V: number, d: number) {
  const table = Int32Array.from({ length: V * d }, () => rng.int(-32767, 32767));
  const idx = kind === 'embed' ? Int32Array.from({ length: T }, () => rng.int(0, V - 1)) : Int32Array.from({ length: T }, (_, t) => t);
  if (kind === 'embed' && T > 2) idx[2] = idx[0]!; // a repeated token
  const out = new Int32Array(T * d);
  for (let t = 0; t < T; t++) out.set(table.subarray(idx[t]! * d, idx[t]! * d + d), t * d);
  const o = { id: 1, shape: [T, d], data: out };
  const op: Extract<TraceOp, { op: 'embed' | 'posembed' }> =
    kind === 'embed'
      ? { op: 'embed', name: 'embed', weight: 'embed', tokens: idx, out: o }
      : { op: 'posembed', name: 'posembed', weight: 'posEmbed', positions: idx, out: o };
  const spec = kind === 'embed' ? specEmbed(op, V) : specPosembed(op, V);
  const tensors = new Map<string, TestTensor>([
    ['t1', { shape: [T, d], data: out }],
    [spec.table.id, { shape: [V, d], data: table }],
  ]);
  return { op, spec, tensors };
}

const args = (spec: EmbedSpec, tensors: Map<string, TestTensor>, tamper?: (b: Uint8Array) => Uint8Array) => ({
  tensors,
  prove: (ctx: Parameters<typeof proveEmbed>[0]) => (spec.kind === 'embed' ? proveEmbed : provePosembed)(ctx, spec),
  verify: (ctx: Parameters<typeof verifyEmbed>[0]) => (spec.kind === 'embed' ? verifyEmbed : verifyPosembed)(ctx, spec),
  ...(tamper ? { tamper } : {}),
});

describe('embedding gather argument', () => {
  it('proves token and position gathers of awkward sizes; claims match the tensors', () => {
    for (const [kind, T, V, d] of [
      ['embed', 5, 11, 7],
      ['embed', 1, 1, 1],
      ['embed', 6, 16, 3],
      ['posembed', 5, 9, 7],
      ['posembed', 3, 3, 2],
    ] as const) {
      const { spec, tensors, op } = instance(kind, T, V, d);
      expect(witnessEmbed(op).size).toBe(0);
      const out = runLayerArgument(args(spec, tensors));
      expect(out.claimsError).toBeUndefined();
      expect(out.verifier.claims.map((c) => c.tensor)).toEqual(['t1', spec.table.id]);
    }
  });

  it('catches a wrong output entry, a wrong table entry and a wrong public index', () => {
    const { spec, tensors } = instance('embed', 5, 11, 7);
    const bump = (id: string, i: number) => {
      const m = new Map(tensors);
      const t = m.get(id)!;
      const data = Int32Array.from(t.data);
      data[i]! += 1;
      m.set(id, { shape: t.shape, data });
      return m;
    };
    expect(layerRejection(args(spec, bump('t1', 8)))).toMatch(/final check failed/);
    expect(layerRejection(args(spec, bump('t1', 34)))).toBeDefined();
    // A used table row changed: the output no longer is its gather.
    const used = spec.indices[1]! * 7 + 3;
    expect(layerRejection(args(spec, bump(spec.table.id, used)))).toBeDefined();
    // The verifier's public tokens differ from the prover's.
    const other = Int32Array.from(spec.indices);
    other[4] = (other[4]! + 1) % 11;
    expect(
      layerRejection({
        tensors,
        prove: (ctx) => proveEmbed(ctx, spec),
        verify: (ctx) => verifyEmbed(ctx, { ...spec, indices: other }),
      }),
    ).toBeDefined();
  });

  it('rejects out-of-range indices and byte flips', () => {
    const { spec, tensors } = instance('posembed', 4, 6, 5);
    expect(layerRejection({ tensors, prove: () => {}, verify: (ctx) => verifyPosembed(ctx, { ...spec, indices: Int32Array.of(0, 1, 2, 6) }) })).toMatch(
      /outside the table/,
    );
    expect(layerRejection({ tensors, prove: () => {}, verify: (ctx) => verifyPosembed(ctx, { ...spec, indices: Int32Array.of(0, 1, 2) }) })).toMatch(
      /public indices/,
    );
    const good = runLayerArgument(args(spec, tensors));
    for (const pos of tamperPositions(good.bytes.length, 3)) {
      const reason = layerRejection(
        args(spec, tensors, (b) => {
          const c = b.slice();
          c[pos]! ^= 0x10;
          return c;
        }),
      );
      expect(reason, `flip at ${pos}`).toBeDefined();
    }
  });
});
