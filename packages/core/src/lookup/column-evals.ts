/**
 * The lookup prover's last step: every query column's multilinear extension at its tree's
 * leaf point (each segment of 2^l rows at the point's first l coordinates). With the tree
 * in a wasm arena these are dot products with eq tables (one per segment size) run by the
 * SIMD kernel over all columns at once, split across threads; otherwise, or when the arena
 * has no room, evalMleFast per column. Same values either way.
 */
import { evalMleBase, type QuarticExtension } from '@zkllm/verifier';
import { simdKernels } from '../pcs/wasm-asm.js';
import { evalMleFast } from '../poly/mle.js';
import type { FractionArena } from './fraction-simd.js';

/** A base column of 2^logSize entries, evaluated at the first logSize coordinates of the point. */
export interface ColumnEval {
  readonly col: Uint32Array;
  readonly logSize: number;
}

/** The evaluations (ext elements, 4 limbs each) of `jobs` at prefixes of `point`. */
export function evaluateColumns(E: QuarticExtension, arena: FractionArena | undefined, jobs: readonly ColumnEval[], point: Uint32Array): Uint32Array[] {
  for (const j of jobs) {
    if (j.col.length !== 2 ** j.logSize || 4 * j.logSize > point.length) throw new RangeError('evaluateColumns: column length and point do not match');
  }
  if (arena && simdKernels.enabled) {
    const out = inArena(arena, jobs, point);
    if (out) return out;
  }
  return jobs.map(({ col, logSize }) => {
    const pt = point.subarray(0, 4 * logSize);
    return logSize > 0 ? evalMleFast(E, col, pt) : evalMleBase(E, col, pt);
  });
}

function inArena(arena: FractionArena, jobs: readonly ColumnEval[], point: Uint32Array): Uint32Array[] | null {
  const sizes = [...new Set(jobs.map((j) => j.logSize))];
  const round = (w: number) => (w + 3) & ~3;
  let need = 64 + 8 * jobs.length * 65;
  for (const l of sizes) need += 4 << l;
  for (const j of jobs) need += round(j.col.length);
  if (arena.available() < need) return null;
  const mark = arena.mark();
  try {
    const eqs = new Map<number, Uint32Array>();
    for (const l of sizes) {
      // eq(point_{<l}, ·), built as eqTableFast does: a new lowest variable per expansion.
      const eq = arena.tryAlloc(4 << l)!;
      eq.fill(0, 0, 4);
      eq[0] = 1;
      for (let k = l - 1; k >= 0; k--) arena.expandEq(eq, 1 << (l - 1 - k), point.subarray(4 * k, 4 * k + 4));
      eqs.set(l, eq);
    }
    const pairs = jobs.map(({ col, logSize }) => {
      const staged = arena.tryAlloc(col.length)!;
      staged.set(col);
      return { col: staged, eq: eqs.get(logSize)! };
    });
    const flat = arena.dots(pairs);
    return jobs.map((_, d) => flat.slice(4 * d, 4 * d + 4));
  } finally {
    arena.release(mark);
  }
}
