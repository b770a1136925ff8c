/**
 * The leaves of a lookup tree and its fraction layers: blocks of tagged rows
 * numerator / (α − base − Σ_c γ^{c+first}·col_c), everything outside the blocks 0 / α.
 * Trees of {@link SIMD_MIN_LEAVES} leaves or more are written straight into their wasm
 * arena by the SIMD leaf kernel, split across the prover's threads; smaller ones (and
 * every tree with SIMD off) by the JS loop below. Both give the same canonical values.
 */
import type { Ext, PrimeField, QuarticExtension } from '@zkllm/verifier';
import { sharedU32 } from '../parallel/pool.js';
import { SIMD_MIN_LEAVES, buildFractionLayers, buildParentLayers, fractionLeavesInArena, type ArenaTree } from './fraction.js';
import { leafStagingWords, type LeafBlock } from './fraction-simd.js';

export type { LeafBlock } from './fraction-simd.js';

/** γ^{first}, γ^{first+1}, … (arity of them). */
export function gammaPowers(E: QuarticExtension, gamma: Ext, first: 0 | 1, arity: number): Uint32Array[] {
  const pows: Uint32Array[] = [];
  let pw = first === 0 ? E.one() : gamma;
  for (let c = 0; c < arity; c++) {
    pows.push(pw);
    pw = E.mul(pw, gamma);
  }
  return pows;
}

/**
 * All fraction layers (as {@link buildFractionLayers}) of the tree of 2^numVars leaves
 * given by `blocks` (disjoint, inside the tree), `pows` (γ powers, one per column of the
 * widest block) and α for the leaves outside every block (numerator 0).
 */
export function buildLeafLayers(
  E: QuarticExtension,
  numVars: number,
  blocks: readonly LeafBlock[],
  pows: readonly Uint32Array[],
  alpha: Ext,
): Array<[Uint32Array, Uint32Array]> {
  return buildLeafLayersBatch(E, [{ numVars, blocks }], pows, alpha)[0]!;
}

/**
 * {@link buildLeafLayers} of several trees: the leaves of each, then the upper layers of the
 * arena trees level by level over all of them (equal-sized layers side by side on the threads).
 */
export function buildLeafLayersBatch(
  E: QuarticExtension,
  trees: ReadonlyArray<{ readonly numVars: number; readonly blocks: readonly LeafBlock[] }>,
  pows: readonly Uint32Array[],
  alpha: Ext,
): Array<Array<[Uint32Array, Uint32Array]>> {
  const F = E.base;
  const inArena: ArenaTree[] = [];
  const out = trees.map(({ numVars, blocks }) => {
    const n = 2 ** numVars;
    const gaps = uncovered(n, blocks);
    if (n >= SIMD_MIN_LEAVES && blocks.length > 0 && blocks.every((b) => b.columns.length > 0)) {
      const canonical = blocks.map((b) => ({ ...b, numerators: canonicalNumerators(F, b.numerators) }));
      const tree = fractionLeavesInArena(
        E,
        numVars,
        leafStagingWords(canonical),
        (arena, lp, lq) => {
          if (!arena.leaves(lp, lq, canonical, pows)) return false;
          for (const [a, b] of gaps) {
            lp.fill(0, 4 * a, 4 * b);
            fillExt(lq.subarray(4 * a, 4 * b), alpha);
          }
          return true;
        },
        true,
      );
      if (tree) {
        inArena.push(tree);
        return tree.layers;
      }
    }
    // Shared memory: the fraction-tree kernels split the layers across threads.
    const p = sharedU32(4 * n);
    const q = sharedU32(4 * n);
    for (const [a, b] of gaps) fillExt(q.subarray(4 * a, 4 * b), alpha);
    for (const b of blocks) {
      fillTaggedLeaves(F, q, b.offset, b.len, b.columns, b.start, pows);
      const num = b.numerators;
      if (num instanceof Uint8Array) for (let i = 0; i < b.len; i++) p[4 * (b.offset + i)] = num[i]!;
      else for (let i = 0; i < b.len; i++) p[4 * (b.offset + i)] = F.fromInt(num[i]!);
    }
    return buildFractionLayers(E, p, q);
  });
  buildParentLayers(inArena);
  return out;
}

/** Numerators as canonical field elements (counts are already, unless one reaches p). */
function canonicalNumerators(F: PrimeField, v: Uint8Array | Uint32Array): Uint8Array | Uint32Array {
  if (v instanceof Uint8Array) return v;
  for (let i = 0; i < v.length; i++) if (v[i]! >= F.p) return v.map((x) => F.fromInt(x));
  return v;
}

/** The index ranges [a, b) of [0, n) outside every block. */
function uncovered(n: number, blocks: readonly LeafBlock[]): Array<[number, number]> {
  const sorted = [...blocks].sort((x, y) => x.offset - y.offset);
  const out: Array<[number, number]> = [];
  let at = 0;
  for (const b of sorted) {
    if (b.offset < at || b.offset + b.len > n) throw new RangeError('lookup leaves: blocks overlap or leave the tree');
    if (b.offset > at) out.push([at, b.offset]);
    at = b.offset + b.len;
  }
  if (at < n) out.push([at, n]);
  return out;
}

/** v ← x in every ext slot (copies doubling in size: memcpy speed). */
export function fillExt(v: Uint32Array, x: Ext): void {
  if (v.length === 0) return;
  v.set(x.subarray(0, 4), 0);
  for (let filled = 4; filled < v.length; filled *= 2) v.copyWithin(filled, 0, Math.min(filled, v.length - filled));
}

/**
 * q[off + i] = start − Σ_c pows[c]·cols_c[i] for i < len (columns are base-field tables):
 * base-by-ext products with the lazy remainder (quotients of the constant limbs precomputed).
 */
function fillTaggedLeaves(F: PrimeField, q: Uint32Array, off: number, len: number, cols: readonly Uint32Array[], start: Ext, powList: readonly Uint32Array[]): void {
  const arity = cols.length;
  const p = F.p;
  const invP = F.invP;
  const pows = new Uint32Array(4 * arity);
  for (let c = 0; c < arity; c++) pows.set(powList[c]!.subarray(0, 4), 4 * c);
  const qpows = Float64Array.from(pows, (x) => x * invP);
  const a0 = start[0]!, a1 = start[1]!, a2 = start[2]!, a3 = start[3]!;
  for (let i = 0; i < len; i++) {
    // start − Σ: accumulate p − (product) per limb, reduce once.
    let s0 = a0, s1 = a1, s2 = a2, s3 = a3;
    for (let c = 0; c < arity; c++) {
      const v = cols[c]![i]!;
      const o = 4 * c;
      s0 += p - ((Math.imul(v, pows[o]!) - Math.imul(Math.floor(v * qpows[o]!), p)) | 0);
      s1 += p - ((Math.imul(v, pows[o + 1]!) - Math.imul(Math.floor(v * qpows[o + 1]!), p)) | 0);
      s2 += p - ((Math.imul(v, pows[o + 2]!) - Math.imul(Math.floor(v * qpows[o + 2]!), p)) | 0);
      s3 += p - ((Math.imul(v, pows[o + 3]!) - Math.imul(Math.floor(v * qpows[o + 3]!), p)) | 0);
    }
    const at = 4 * (off + i);
    q[at] = F.reduce(s0);
    q[at + 1] = F.reduce(s1);
    q[at + 2] = F.reduce(s2);
    q[at + 3] = F.reduce(s3);
  }
}
