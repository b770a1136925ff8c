/**
 * Prover-side eq tables. Same values as the verifier's `eqTable` (variable k is bit k of
 * the index), built by in-place expansion with inlined extension arithmetic: one
 * multiplication per entry instead of two generic ones, no temporaries.
 */
import type { QuarticExtension } from '@zkllm/verifier';
import { expandEqTable } from '../lookup/fraction-kernel.js';

/** eq(z, i) for every i < 2^n, n = z.length / 4 (ext limbs, canonical). */
export function eqTableFast(E: QuarticExtension, z: Uint32Array): Uint32Array {
  const n = z.length >>> 2;
  const out = new Uint32Array(4 << n);
  out[0] = 1;
  const F = E.base;
  // Expansion adds a new lowest variable, so feed the point from its last coordinate.
  for (let k = n - 1; k >= 0; k--) expandEqTable(out, 1 << (n - 1 - k), z.subarray(4 * k, 4 * k + 4), F.p, F.invP, E.w);
  return out;
}
