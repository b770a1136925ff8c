import {
  BabyBearExt4 as E,
  evalMleBase,
  ByteWriter,
  RangeKeyedTable,
  Transcript,
  encodeLookupsProof,
  padTensor,
  rangeTable,
  verifyLookups,
  type LookupGroupStatement,
} from '@zkllm/verifier';
import { afterEach, describe, expect, it } from 'vitest';
import { helperJobCount, proverThreads, setProverThreads } from '../parallel/pool.js';
import { simdKernels } from '../pcs/wasm-asm.js';
import { FractionArena, fractionArenaOf } from './fraction-simd.js';
import { dropRecycledMemories, recycledMemoryCount } from '../pcs/wasm-asm.js';
import { evaluateColumns } from './column-evals.js';
import { buildLeafLayers, gammaPowers, type LeafBlock } from './leaves.js';
import { lookupMultiplicities, proveLookup, proveLookups, type LookupGroupWitness } from './prover.js';

const F = E.base;
const p = F.p;

function rng(seed: number) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
}

/** Canonical base values with 0 and p − 1 sprinkled in. */
function col(len: number, next: () => number): Uint32Array {
  return Uint32Array.from({ length: len }, () => {
    const r = next() % 9;
    return r === 0 ? 0 : r === 1 ? p - 1 : (next() >>> 1) % p;
  });
}

const ext = (next: () => number) => Uint32Array.from({ length: 4 }, () => (next() >>> 1) % p);

afterEach(() => {
  simdKernels.enabled = true;
});

/**
 * `run` with SIMD off on one thread (the reference), then SIMD on with one and two threads
 * (`split`: big enough that the second thread takes part).
 */
function everyWay<T>(run: (simd: boolean) => T, same: (a: T, b: T) => void, split = true): void {
  const before = proverThreads();
  try {
    setProverThreads(1);
    simdKernels.enabled = false;
    const ref = run(false);
    simdKernels.enabled = true;
    same(run(true), ref);
    setProverThreads(2);
    const jobs = helperJobCount();
    same(run(true), ref);
    if (split) expect(helperJobCount()).toBeGreaterThan(jobs);
  } finally {
    setProverThreads(before);
    simdKernels.enabled = true;
  }
}

describe('lookup tree leaves (SIMD leaf kernel and JS fill)', () => {
  it('write the same layers with SIMD on and off, on 1 and 2 threads: 1, 2 and 3 columns, masks, counts, gaps', () => {
    const next = rng(3);
    const n = 15;
    const alpha = ext(next), gamma = ext(next);
    const pows = gammaPowers(E, gamma, 1, 3);
    const mask = (len: number) => Uint8Array.from({ length: len }, () => (next() % 4 === 0 ? 0 : 1));
    const counts = (len: number) => Uint32Array.from({ length: len }, (_, i) => (i === 1 ? p + 3 : next() % 1000));
    // A gap at the front, between blocks and at the end; odd lengths and offsets.
    const blocks: LeafBlock[] = [
      { offset: 100, len: 16384, columns: [col(16384, next)], start: ext(next), numerators: mask(16384) },
      { offset: 16484, len: 4096, columns: [col(4096, next), col(4096, next)], start: ext(next), numerators: counts(4096) },
      { offset: 20600, len: 3001, columns: [col(3001, next), col(3001, next), col(3001, next)], start: ext(next), numerators: mask(3001) },
      { offset: 23601, len: 7, columns: [col(7, next), col(7, next)], start: ext(next), numerators: mask(7) },
      { offset: 30000, len: 1, columns: [col(1, next)], start: ext(next), numerators: counts(1) },
    ];
    const layersOf = (simd: boolean) => {
      const layers = buildLeafLayers(E, n, blocks, pows, alpha);
      expect(fractionArenaOf(layers[0]![0]) !== undefined).toBe(simd);
      return Buffer.concat(layers.flatMap(([a, b]) => [Buffer.from(a.slice().buffer), Buffer.from(b.slice().buffer)]));
    };
    everyWay(layersOf, (a, b) => expect(a.equals(b)).toBe(true));

    // and the leaves are the fractions they should be
    const [lp, lq] = buildLeafLayers(E, n, blocks, pows, alpha)[n]!;
    const leaf = (v: Uint32Array, i: number) => v.slice(4 * i, 4 * i + 4);
    for (const b of blocks) {
      for (const i of [0, b.len >>> 1, b.len - 1]) {
        let want = b.start;
        b.columns.forEach((c, k) => (want = E.sub(want, E.mulBase(pows[k]!, c[i]!))));
        expect(leaf(lq, b.offset + i)).toEqual(want);
        expect(leaf(lp, b.offset + i)).toEqual(E.fromBase(F.fromInt(b.numerators[i]!)));
      }
    }
    for (const i of [0, 99, 23608, 29999, 30001, 2 ** n - 1]) {
      expect(leaf(lq, i)).toEqual(alpha);
      expect(leaf(lp, i)).toEqual(E.zero());
    }
  });

  it('lookup proofs are byte-identical with SIMD on and off, on 1 and 2 threads (trees of 2^10 leaves and more)', () => {
    const next = rng(9);
    const range = rangeTable(F, -8, 4);
    const xs = Uint32Array.from({ length: 32 }, (_, i) => F.fromInt(i - 16));
    const ys = Uint32Array.from({ length: 32 }, (_, i) => F.fromInt(((i - 16) * (i - 16)) % 37));
    const square = new RangeKeyedTable(F, 'square-mod-37', -16, 5, [ys]);
    const ints = (len: number, lo: number, size: number) => Array.from({ length: len }, () => lo + (next() % size));
    const pick = (len: number) => {
      const x = new Uint32Array(len), y = new Uint32Array(len);
      for (let i = 0; i < len; i++) {
        const j = next() % 32;
        x[i] = xs[j]!;
        y[i] = ys[j]!;
      }
      return [x, y];
    };
    // A padded 2-D segment (its padding is not in the table), a shifted one, a two-column one.
    const shape = [90, 200];
    const groups: LookupGroupWitness[] = [
      { table: range, segments: [{ shape, columns: [padTensor(F, ints(18000, -8, 16), shape)] }, { shape: [3000], columns: [padTensor(F, ints(3000, 50, 16), [3000])], shift: 58 }] },
      { table: square, segments: [{ shape: [2048], columns: pick(2048) }] },
    ];
    const ms = groups.map((g) => lookupMultiplicities(g.table, g.segments));
    const statements: LookupGroupStatement[] = groups.map((g) => ({ table: g.table, segmentShapes: g.segments.map((s) => s.shape), segmentShifts: g.segments.map((s) => s.shift ?? 0) }));
    const tr = () => new Transcript('lookup-leaves-test/v1', E);
    everyWay(
      () => {
        const { proof, claims } = proveLookups(E, groups, ms, tr());
        const w = new ByteWriter();
        encodeLookupsProof(w, proof);
        return { bytes: Buffer.from(w.finish()), claims, proof };
      },
      (got, ref) => {
        expect(got.bytes.equals(ref.bytes)).toBe(true);
        expect(got.claims).toEqual(ref.claims);
      },
    );
    expect(verifyLookups(E, statements, proveLookups(E, groups, ms, tr()).proof, tr()).length).toBe(2);
    // the single-table prover takes the same leaf path
    const single = [{ shape: [5000], columns: [padTensor(F, ints(5000, -8, 16), [5000])] }];
    const m = lookupMultiplicities(range, single);
    everyWay(
      () => proveLookup(E, range, single, m, tr()).proof,
      (got, ref) => expect(got).toEqual(ref),
      false,
    );
  });

  it('a batch proven in the recycled (dirty) arenas of another batch gives the same bytes as in fresh ones', () => {
    const next = rng(31);
    const range = rangeTable(F, -8, 4);
    const batch = (): { groups: LookupGroupWitness[]; ms: Uint32Array[] } => {
      const v = Array.from({ length: 6000 }, () => -8 + ((next() >>> 16) % 16)); // high bits: the low ones of an LCG cycle
      const groups = [{ table: range, segments: [{ shape: [6000], columns: [padTensor(F, v, [6000])] }] }];
      return { groups, ms: groups.map((g) => lookupMultiplicities(g.table, g.segments)) };
    };
    const [a, b] = [batch(), batch()];
    const tr = () => new Transcript('lookup-recycle-test/v1', E);
    const bytes = (x: { groups: LookupGroupWitness[]; ms: Uint32Array[] }) => {
      const w = new ByteWriter();
      encodeLookupsProof(w, proveLookups(E, x.groups, x.ms, tr()).proof);
      return Buffer.from(w.finish());
    };
    dropRecycledMemories();
    const freshB = bytes(b);
    dropRecycledMemories();
    const freshA = bytes(a);
    // a's query tree (2^13 leaves) and table tree (2^4: JS) → one arena waits
    expect(recycledMemoryCount()).toBe(1);
    expect(bytes(b).equals(freshB)).toBe(true);
    expect(bytes(a).equals(freshA)).toBe(true);
    expect(freshA.equals(freshB)).toBe(false);
    dropRecycledMemories();
    expect(recycledMemoryCount()).toBe(0);
  });

  it('column evaluations in an arena (eq tables and SIMD dot products) equal evalMleBase, on 1 and 2 threads', () => {
    const next = rng(17);
    const point = Uint32Array.from({ length: 4 * 14 }, () => (next() >>> 1) % p);
    const cols = [0, 1, 5, 12, 12, 14].map((l) => ({ col: col(2 ** l, next), logSize: l }));
    const want = cols.map(({ col: c, logSize }) => evalMleBase(E, c, point.subarray(0, 4 * logSize)));
    const arena = FractionArena.create(F, E.w, 3 << 16)!;
    expect(arena).not.toBeNull();
    everyWay(
      (simd) => evaluateColumns(E, simd ? arena : undefined, cols, point),
      (got, ref) => expect(got).toEqual(ref),
    );
    expect(evaluateColumns(E, arena, cols, point)).toEqual(want);
    // an arena without room falls back to the JS evaluation
    expect(evaluateColumns(E, FractionArena.create(F, E.w, 1 << 10)!, cols, point)).toEqual(want);
    // dot products split at odd places between two threads
    const before = proverThreads();
    try {
      setProverThreads(2);
      const mark = arena.mark();
      const eq = arena.tryAlloc(4 * 301)!;
      eq.set(Uint32Array.from({ length: 4 * 301 }, () => (next() >>> 1) % p));
      const pairs = [7, 1, 301, 40].map((len) => {
        const c = arena.tryAlloc(len)!;
        c.set(col(len, next));
        return { col: c, eq };
      });
      const dots = arena.dots(pairs, 3);
      pairs.forEach(({ col: c }, d) => {
        let acc = E.zero();
        for (let i = 0; i < c.length; i++) acc = E.add(acc, E.mulBase(eq.subarray(4 * i, 4 * i + 4), c[i]!));
        expect(dots.slice(4 * d, 4 * d + 4)).toEqual(acc);
      });
      arena.release(mark);
    } finally {
      setProverThreads(before);
    }
  });
});
