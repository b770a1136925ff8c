/**
 * tlookup prover: proves that every real entry of the query segments is a row of a public
 * table (logUp with fraction trees; see the verifier's lookup/verifier.ts). The caller
 * computes the multiplicities with {@link lookupMultiplicities}, commits them together
 * with the segments, and only then calls {@link proveLookup}.
 */
import {
  BabyBear as F,
  evalMleBase,
  lookupChallenges,
  lookupTag,
  lookupsChallenges,
  lookupsLayout,
  queryLayout,
  tensorMask,
  paddedRowStarts,
  tensorVars,
  type LookupClaims,
  type Ext,
  type LookupProof,
  type LookupsProof,
  type QueryLayout,
  type LookupTable,
  type QuarticExtension,
  type Transcript,
} from '@zkllm/verifier';
import { proveFractionTree, proveFractionTrees } from './fraction.js';
import { buildLeafLayers, buildLeafLayersBatch, gammaPowers, type LeafBlock } from './leaves.js';
import { fractionArenaOf, recycleFractionArenas, type FractionArena } from './fraction-simd.js';
import { evaluateColumns, type ColumnEval } from './column-evals.js';
import { grindPow } from '../transcript/grind.js';

/**
 * One query segment: `arity` columns, each a tensor of logical shape `shape` given as its
 * zero-padded table (poly/tensor.ts layout, length 2^tensorVars(shape)).
 */
export interface LookupSegment {
  readonly shape: readonly number[];
  readonly columns: readonly Uint32Array[];
  /** Public integer subtracted from the key column (batched lookups only; default 0). */
  readonly shift?: number;
}

export class LookupWitnessError extends Error {
  override name = 'LookupWitnessError';
}

function checkSegments(table: LookupTable, segments: readonly LookupSegment[]): void {
  segments.forEach((seg, i) => {
    if (seg.columns.length !== table.arity) {
      throw new LookupWitnessError(`segment ${i}: ${seg.columns.length} columns, table ${table.id} has ${table.arity}`);
    }
    const n = 2 ** tensorVars(seg.shape);
    for (const c of seg.columns) if (c.length !== n) throw new LookupWitnessError(`segment ${i}: column length ${c.length}, shape needs ${n}`);
  });
}


/**
 * m_j = how many real query entries equal table row j. Throws with the offending value
 * if an entry is not a row of the table.
 */
export function lookupMultiplicities(table: LookupTable, segments: readonly LookupSegment[]): Uint32Array {
  checkSegments(table, segments);
  const key = table.columns[0]!;
  // Range-keyed tables (keys lo, lo+1, …: every range table) index by arithmetic; others by a map.
  const lo = key.length > 0 ? F.toSigned(key[0]!) : 0;
  let consecutive = true;
  for (let j = 0, v = key[0] ?? 0; j < key.length && consecutive; j++, v = v + 1 === F.p ? 0 : v + 1) consecutive = key[j] === v;
  const index = new Map<number, number>();
  if (!consecutive) for (let j = 0; j < key.length; j++) if (!index.has(key[j]!)) index.set(key[j]!, j);
  const size = key.length;
  const m = new Uint32Array(table.size);
  const fail = (s: number, i: number, shift: number, value: number): never => {
    throw new LookupWitnessError(`table ${table.id}: value ${value} (segment ${s}, entry ${i}, shift ${shift}) is not in the table`);
  };
  segments.forEach((seg, s) => {
    const k = seg.columns[0]!;
    const shift = seg.shift ?? 0;
    // Range-keyed tables: rows by arithmetic over the real entries; the generic loop below
    // runs only to word the error at the first bad entry.
    const first = consecutive ? countRangeKeyed(m, seg.columns, table.columns, seg.shape, F.fromInt(shift + lo), F.p) : 0;
    if (first < 0) return;
    const act = tensorMask(seg.shape);
    const shiftF = F.fromInt(shift);
    for (let i = first; i < k.length; i++) {
      if (act[i] === 0) continue;
      let j: number | undefined;
      if (consecutive) {
        const d = F.toSigned(F.sub(k[i]!, shiftF)) - lo;
        j = d >= 0 && d < size ? d : undefined;
      } else j = index.get(F.sub(k[i]!, shiftF));
      if (j === undefined) return fail(s, i, shift, k[i]!);
      for (let c = 1; c < seg.columns.length; c++) {
        if (seg.columns[c]![i] !== table.columns[c]![j]) {
          throw new LookupWitnessError(
            `table ${table.id}: entry ${i} of segment ${s} has column ${c} = ${seg.columns[c]![i]}, table says ${table.columns[c]![j]}`,
          );
        }
      }
      m[j]!++;
    }
  });
  return m;
}

/**
 * Counts the real entries of a segment of a range-keyed table (row = key − base mod p),
 * walking the tensor's real rows in its padded layout (no mask) and checking the value
 * columns; returns the first entry that is no row of the table, or −1 when all are. Every
 * range check and table lookup of a proof (2M+ queries) goes through it. m may have
 * counted entries before a bad one: the caller throws then.
 */
function countRangeKeyed(
  m: Uint32Array,
  cols: readonly Uint32Array[],
  tableCols: readonly Uint32Array[],
  shape: readonly number[],
  base: number,
  p: number,
): number {
  const size = m.length;
  const k = cols[0]!;
  const arity = cols.length;
  const last = shape.length === 0 ? 1 : shape[shape.length - 1]!;
  const starts = paddedRowStarts(shape);
  for (let r = 0; r < starts.length; r++) {
    const at = starts[r]!;
    for (let i = at; i < at + last; i++) {
      const d = k[i]! - base;
      const row = d < 0 ? d + p : d;
      if (row >= size) return i;
      for (let c = 1; c < arity; c++) if (cols[c]![i] !== tableCols[c]![row]) return i;
      m[row]!++;
    }
  }
  return -1;
}

/** The query tree and the table tree of one table (see the verifier). */
function lookupTrees(
  E: QuarticExtension,
  table: LookupTable,
  segments: readonly LookupSegment[],
  layout: QueryLayout,
  multiplicities: Uint32Array,
  alpha: Ext,
  gamma: Ext,
): { qLayers: Array<[Uint32Array, Uint32Array]>; tLayers: Array<[Uint32Array, Uint32Array]> } {
  // Query leaves: p = 1 on real entries and 0 elsewhere; q = α − Σ γ^c S_c (α past the segments).
  const pows = gammaPowers(E, gamma, 0, table.arity);
  const qBlocks: LeafBlock[] = layout.placements.map((pl) => {
    const seg = segments[pl.index]!;
    return { offset: pl.offset, len: 2 ** pl.logSize, columns: seg.columns, start: alpha, numerators: tensorMask(seg.shape) };
  });
  const qLayers = buildLeafLayers(E, layout.numVars, qBlocks, pows, alpha);
  // Table leaves: p = m_j, q = α − Σ γ^c T_c[j].
  const tBlock: LeafBlock = { offset: 0, len: table.size, columns: table.columns, start: alpha, numerators: multiplicities };
  const tLayers = buildLeafLayers(E, table.logSize, [tBlock], pows, alpha);
  return { qLayers, tLayers };
}

/** Counts as field elements: the array itself unless one reaches p (counts are read-only here). */
function canonicalCounts(F: QuarticExtension['base'], m: Uint32Array): Uint32Array {
  for (let i = 0; i < m.length; i++) if (m[i]! >= F.p) return m.map((x) => F.fromInt(x));
  return m;
}

function rootOf(layers: Array<[Uint32Array, Uint32Array]>): Uint32Array {
  const root = new Uint32Array(8);
  root.set(layers[0]![0].subarray(0, 4));
  root.set(layers[0]![1].subarray(0, 4), 4);
  return root;
}

/** Every segment's column evaluations at the query leaf point (placement order) and its claims. */
function segmentEvaluations(
  E: QuarticExtension,
  arity: number,
  segments: readonly LookupSegment[],
  layout: QueryLayout,
  r: Uint32Array,
): { segmentEvals: Uint32Array; claims: Array<{ point: Uint32Array; values: Uint32Array }> } {
  const segmentEvals = new Uint32Array(4 * arity * layout.placements.length);
  const claims: Array<{ point: Uint32Array; values: Uint32Array }> = new Array(segments.length);
  layout.placements.forEach((pl, j) => {
    const pt = r.slice(0, 4 * pl.logSize);
    const vals = new Uint32Array(4 * arity);
    for (let c = 0; c < arity; c++) vals.set(evalMleBase(E, segments[pl.index]!.columns[c]!, pt), 4 * c);
    segmentEvals.set(vals, 4 * arity * j);
    claims[pl.index] = { point: pt, values: vals };
  });
  return { segmentEvals, claims };
}

export function proveLookup(
  E: QuarticExtension,
  table: LookupTable,
  segments: readonly LookupSegment[],
  multiplicities: Uint32Array,
  transcript: Transcript,
): { proof: LookupProof; claims: LookupClaims } {
  checkSegments(table, segments);
  if (segments.some((s) => (s.shift ?? 0) !== 0)) throw new LookupWitnessError('shifted segments need the batched lookup (proveLookups)');
  const shapes = segments.map((s) => s.shape);
  const layout = queryLayout(shapes.map((s) => tensorVars(s)));
  if (multiplicities.length !== table.size) throw new LookupWitnessError('multiplicity vector has the wrong length');
  const { alpha, gamma } = lookupChallenges(transcript, table, shapes);
  const { qLayers, tLayers } = lookupTrees(E, table, segments, layout, multiplicities, alpha, gamma);
  // Roots are absorbed before either tree is proven (the verifier checks them first).
  transcript.absorbExt('lookup/query-root', rootOf(qLayers));
  transcript.absorbExt('lookup/table-root', rootOf(tLayers));
  const q = proveFractionTree(E, qLayers, transcript);
  const t = proveFractionTree(E, tLayers, transcript);
  const { segmentEvals, claims } = segmentEvaluations(E, table.arity, segments, layout, q.leaf.point);
  transcript.absorbExt('lookup/segment-evals', segmentEvals);
  return {
    proof: { query: q.proof, table: t.proof, segmentEvals },
    claims: { multiplicity: { point: t.leaf.point, value: t.leaf.p }, segments: claims },
  };
}

/** One table's witness in a batched lookup. */
export interface LookupGroupWitness {
  readonly table: LookupTable;
  readonly segments: readonly LookupSegment[];
}

/**
 * Batched tlookup over every table as one tagged logUp (see the verifier's
 * `verifyLookups`): shared α, γ, a few query trees over every group's segments (the
 * layout's query forest) and one table tree over every table. `multiplicities[i]` belongs to `groups[i]`; all of them and every
 * segment must already be committed. Returns one {@link LookupClaims} per group.
 */
export function proveLookups(
  E: QuarticExtension,
  groups: readonly LookupGroupWitness[],
  multiplicities: readonly Uint32Array[],
  transcript: Transcript,
): { proof: LookupsProof; claims: LookupClaims[] } {
  if (groups.length === 0) {
    return { proof: { powNonce: 0, roots: new Uint32Array(0), layers: [], segmentEvals: [], multiplicityEvals: new Uint32Array(0) }, claims: [] };
  }
  if (multiplicities.length !== groups.length) throw new LookupWitnessError('one multiplicity vector per table is needed');
  groups.forEach((g, i) => {
    checkSegments(g.table, g.segments);
    if (multiplicities[i]!.length !== g.table.size) throw new LookupWitnessError(`table ${g.table.id}: multiplicity vector has the wrong length`);
  });
  const statements = groups.map((g) => ({ table: g.table, segmentShapes: g.segments.map((s) => s.shape), segmentShifts: g.segments.map((s) => s.shift ?? 0) }));
  const layout = lookupsLayout(statements);
  const { alpha, gamma, powNonce } = lookupsChallenges(transcript, statements, grindPow);
  const F = E.base;

  const maxArity = Math.max(...groups.map((g) => g.table.arity));
  const pows = gammaPowers(E, gamma, 1, maxArity);

  // Query leaves, per query tree: p = 1 on real entries; q = α − (τ_g + γ·Σ_c γ^c S_c) on a
  // segment's whole block (padding rows included: the verifier's sel·τ term covers them),
  // q = α past the last segment of the last tree.
  // Many segments share a shape (one per layer and token window): one mask each (read-only).
  const masks = new Map<string, Uint8Array>();
  const maskOf = (shape: readonly number[]): Uint8Array => {
    const key = shape.join(',');
    let m = masks.get(key);
    if (!m) masks.set(key, (m = tensorMask(shape)));
    return m;
  };
  const querySpecs = layout.queryTrees.map((tree) => {
    const blocks: LeafBlock[] = tree.placements.map((pl) => {
      const seg = layout.segments[pl.index]!;
      const witness = groups[seg.group]!.segments[seg.index]!;
      // The shift is a constant over the block, like the tag: τ − γ·shift.
      const base = E.sub(E.fromBase(lookupTag(F, seg.group)), E.mulBase(gamma, F.fromInt(witness.shift ?? 0)));
      return { offset: pl.offset, len: 2 ** pl.logSize, columns: witness.columns, start: E.sub(alpha, base), numerators: maskOf(seg.shape) };
    });
    return { numVars: tree.numVars, blocks };
  });
  // Table leaves: p = m_g[j], q = α − (τ_g + γ·Σ_c γ^c T_{g,c}[j]); zero rows past the end.
  const tBlocks: LeafBlock[] = layout.table.placements.map((pl) => {
    const g = groups[pl.index]!;
    return { offset: pl.offset, len: g.table.size, columns: g.table.columns, start: E.sub(alpha, E.fromBase(lookupTag(F, pl.index))), numerators: multiplicities[pl.index]! };
  });
  // All trees at once: their equal-sized layers are built side by side.
  const trees = buildLeafLayersBatch(E, [...querySpecs, { numVars: layout.table.numVars, blocks: tBlocks }], pows, alpha);
  const roots = new Uint32Array(8 * trees.length);
  trees.forEach((t, k) => roots.set(rootOf(t), 8 * k));
  transcript.absorbExt('lookups/roots', roots);
  const { proof, leaves } = proveFractionTrees(E, trees, transcript);
  const rt = leaves[querySpecs.length]!.point;
  const claims: LookupClaims[] = groups.map((g) => ({ multiplicity: { point: new Uint32Array(0), value: E.zero() }, segments: new Array(g.segments.length) }));
  const segmentEvals = groups.map((g) => new Uint32Array(4 * g.table.arity * g.segments.length));
  layout.queryTrees.forEach((tree, k) => {
    // A segment is evaluated at its own tree's leaf point. A column checked by two windows
    // (or looked up twice) sits in two segments of one size: evaluate it once per tree.
    const rq = leaves[k]!.point;
    const jobs: ColumnEval[] = [];
    const index = new Map<Uint32Array, Map<number, number>>();
    const jobOf = (col: Uint32Array, logSize: number): number => {
      let bySize = index.get(col);
      if (!bySize) index.set(col, (bySize = new Map()));
      let j = bySize.get(logSize);
      if (j === undefined) {
        bySize.set(logSize, (j = jobs.length));
        jobs.push({ col, logSize });
      }
      return j;
    };
    const at = tree.placements.map((pl) => {
      const seg = layout.segments[pl.index]!;
      return groups[seg.group]!.segments[seg.index]!.columns.map((col) => jobOf(col, pl.logSize));
    });
    const values = evaluateColumns(E, fractionArenaOf(trees[k]![0]![0]), jobs, rq);
    tree.placements.forEach((pl, i) => {
      const seg = layout.segments[pl.index]!;
      const g = groups[seg.group]!;
      const pt = rq.slice(0, 4 * pl.logSize);
      const vals = new Uint32Array(4 * g.table.arity);
      at[i]!.forEach((j, c) => vals.set(values[j]!, 4 * c));
      segmentEvals[seg.group]!.set(vals, 4 * g.table.arity * seg.index);
      (claims[seg.group]!.segments as Array<{ point: Uint32Array; values: Uint32Array }>)[seg.index] = { point: pt, values: vals };
    });
  });
  const multiplicityEvals = new Uint32Array(4 * groups.length);
  const mJobs = layout.table.placements.map((pl) => ({ col: canonicalCounts(F, multiplicities[pl.index]!), logSize: pl.logSize }));
  const mValues = evaluateColumns(E, fractionArenaOf(trees[querySpecs.length]![0]![0]), mJobs, rt);
  layout.table.placements.forEach((pl, i) => {
    const pt = rt.slice(0, 4 * pl.logSize);
    const v = mValues[i]!;
    multiplicityEvals.set(v, 4 * pl.index);
    claims[pl.index] = { ...claims[pl.index]!, multiplicity: { point: pt, value: v } };
  });
  for (const ev of segmentEvals) transcript.absorbExt('lookups/segment-evals', ev);
  transcript.absorbExt('lookups/multiplicity-evals', multiplicityEvals);
  // Nothing returned is a view of a tree: the next batch may reuse their memory.
  recycleFractionArenas(trees.map((t) => fractionArenaOf(t[0]![0])).filter((a): a is FractionArena => a !== undefined));
  return { proof: { powNonce, roots, layers: proof.layers, segmentEvals, multiplicityEvals }, claims };
}
