import { describe, expect, it } from 'vitest';
import { MAX_QUERY_TREES, queryForest, queryLayout } from './layout.js';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
}

const bits = (n: number) => n.toString(2).split('').filter((c) => c === '1').length;

/** Every property the prover, verifier and decoder rely on, checked against the flat layout. */
function checkForest(logSizes: number[], maxTrees = MAX_QUERY_TREES): void {
  const forest = queryForest(logSizes, maxTrees);
  const flat = queryLayout(logSizes);
  const total = logSizes.reduce((a, s) => a + 2 ** s, 0);
  const label = `sizes ${logSizes.join(',')} / ${maxTrees} trees`;
  expect(forest.length, label).toBe(total === 0 ? 1 : Math.min(maxTrees, bits(total)));
  // Trees tile [0, N) in order: exact powers of two except the last, which is padded.
  let row = 0;
  forest.forEach((t, k) => {
    expect(t.start, label).toBe(row);
    const rows = 2 ** t.numVars - t.padding;
    if (k < forest.length - 1) {
      expect(t.padding, label).toBe(0);
      // The leading set bits of N, largest first.
      expect(t.numVars, label).toBe(31 - Math.clz32(total - row));
    } else {
      expect(rows, label).toBe(total - row);
      expect(t.padding < Math.max(rows, 1), label).toBe(true);
    }
    // Placements cover the tree's rows exactly, in order, each aligned to its own size.
    let at = 0;
    for (const pl of t.placements) {
      expect(pl.offset, label).toBe(at);
      expect(pl.offset % 2 ** pl.logSize, label).toBe(0);
      expect(pl.logSize, label).toBe(logSizes[pl.index]);
      at += 2 ** pl.logSize;
    }
    expect(at, label).toBe(rows);
    row += rows;
  });
  expect(row, label).toBe(total);
  // Every segment in exactly one tree, at its flat position shifted by the tree's start.
  const seen = new Map<number, number>();
  for (const t of forest) for (const pl of t.placements) seen.set(pl.index, t.start + pl.offset);
  expect(seen.size, label).toBe(logSizes.length);
  for (const pl of flat.placements) expect(seen.get(pl.index), label).toBe(pl.offset);
}

describe('query forest', () => {
  it('tiles the placed rows with at most MAX_QUERY_TREES trees, boundaries between segments', () => {
    const next = rng(3);
    for (let trial = 0; trial < 400; trial++) {
      const n = next() % 24;
      const sizes = Array.from({ length: n }, () => next() % 9);
      checkForest(sizes);
      checkForest(sizes, 1 + (next() % 6));
    }
  });

  it('a power-of-two row count is one tree, whatever the cap', () => {
    const cases: Array<[number[], number]> = [
      [[4], 4],
      [[3, 3], 4],
      [[2, 1, 1, 3], 4],
      [[0], 0],
    ];
    for (const [sizes, vars] of cases) {
      for (const cap of [1, 2, MAX_QUERY_TREES, 9]) {
        const f = queryForest(sizes, cap);
        expect(f.map((t) => [t.start, t.numVars, t.padding])).toEqual([[0, vars, 0]]);
      }
    }
  });

  it('caps the tree count; the last tree takes the rest, padded', () => {
    // 63 = 32 + 16 + 8 + 7 → three exact trees and one of 8 rows with 1 padding row.
    const sizes = [5, 4, 3, 2, 1, 0];
    expect(queryForest(sizes).map((t) => [t.start, t.numVars, t.padding])).toEqual([
      [0, 5, 0],
      [32, 4, 0],
      [48, 3, 0],
      [56, 3, 1],
    ]);
    expect(queryForest(sizes, 6).map((t) => t.numVars)).toEqual([5, 4, 3, 2, 1, 0]);
    // One tree is the flat layout.
    const one = queryForest(sizes, 1);
    const flat = queryLayout(sizes);
    expect(one).toEqual([{ start: 0, numVars: flat.numVars, placements: flat.placements, padding: flat.padding }]);
    // 2^21 + 2^18 + 2^16 + … (the bundled model's 2,445,504 query rows at 32 tokens, in shape):
    // four trees waste under 1% where one tree of 2^22 wasted 42%.
    const big = [21, 18, 16, 14, 12, 7, 6];
    const total = big.reduce((a, s) => a + 2 ** s, 0);
    const leaves = queryForest(big).reduce((a, t) => a + 2 ** t.numVars, 0);
    expect(leaves / total).toBeLessThan(1.01);
    expect(2 ** queryLayout(big).numVars / total).toBeGreaterThan(1.4);
  });

  it('tiny and empty cases', () => {
    expect(queryForest([])).toEqual([{ start: 0, numVars: 0, placements: [], padding: 1 }]);
    expect(queryForest([0])).toEqual([{ start: 0, numVars: 0, placements: [{ index: 0, logSize: 0, offset: 0 }], padding: 0 }]);
    // 3 rows: a tree of 2 and a tree of 1, both exact; 7 rows capped at 2 trees: 4 + (3 → 4).
    expect(queryForest([0, 1]).map((t) => [t.start, t.numVars, t.padding, t.placements.map((p) => p.index)])).toEqual([
      [0, 1, 0, [1]],
      [2, 0, 0, [0]],
    ]);
    expect(queryForest([0, 1, 2], 2).map((t) => [t.start, t.numVars, t.padding, t.placements.map((p) => p.index)])).toEqual([
      [0, 2, 0, [2]],
      [4, 2, 1, [1, 0]],
    ]);
  });

  it('rejects bad sizes and tree counts', () => {
    expect(() => queryForest([29])).toThrow(RangeError);
    expect(() => queryForest([-1])).toThrow(RangeError);
    expect(() => queryForest([1.5])).toThrow(RangeError);
    expect(() => queryForest([1], 0)).toThrow(RangeError);
    expect(() => queryForest([1], 2.5)).toThrow(RangeError);
  });
});
