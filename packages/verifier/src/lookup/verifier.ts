/**
 * tlookup verifier (zkLLM §4, in its logUp form): every active row of the query segments
 * is a row of the public table, i.e.
 *
 *     Σ_i act_i/(α − s_i)  =  Σ_j m_j/(α − t_j),    s_i = Σ_c γ^c·S_c[i],  t_j = Σ_c γ^c·T_c[j]
 *
 * with multiplicities m committed by the prover. A segment is a tensor in the project's
 * padded layout (poly/tensor.ts); its active rows are the real entries, its padding rows
 * (and the rows past the last segment) have numerator 0, so padding values never need to
 * be in the table. Both sides are fraction trees (fraction.ts); the verifier compares the
 * roots and reduces the leaves to
 *   – one claim on the multiplicity vector m̃ at a random point, and
 *   – for every query segment, claims on each of its columns at a random point,
 * which it returns: the caller MUST check them (witness opening or the previous layer).
 *
 * Preconditions (soundness): the query segments and m must already be bound into the
 * transcript (committed) before this runs, because α and γ are drawn here.
 */
import type { Ext, QuarticExtension } from '../field/extension.js';
import { eqEval } from '../poly/multilinear.js';
import { tensorMaskEval, tensorVars } from '../poly/tensor.js';
import type { Transcript } from '../transcript/transcript.js';
import { LookupError } from './errors.js';
import { verifyFractionTree, verifyFractionTrees, type FractionLeafClaim } from './fraction.js';
import { queryLayout, type QueryLayout } from './layout.js';
import type { LookupProof, LookupsProof } from './proof.js';
import type { LookupTable } from './table.js';

export interface LookupClaims {
  /** m̃(point) = value. */
  readonly multiplicity: { readonly point: Uint32Array; readonly value: Ext };
  /** Indexed like the caller's segments: each column's MLE at `point` (ext vector, 4·arity). */
  readonly segments: ReadonlyArray<{ readonly point: Uint32Array; readonly values: Uint32Array }>;
}

/** Largest number of segments in one lookup (a decoder bound). */
export const MAX_LOOKUP_SEGMENTS = 1 << 12;

function checkShapes(shapes: readonly (readonly number[])[]): number[] {
  if (shapes.length > MAX_LOOKUP_SEGMENTS) throw new LookupError(`too many lookup segments (${shapes.length})`);
  return shapes.map((s) => tensorVars(s));
}

/** Binds the statement shape and draws α, γ (shared by prover and verifier). */
export function lookupChallenges(
  transcript: Transcript,
  table: LookupTable,
  segmentShapes: readonly (readonly number[])[],
): { alpha: Ext; gamma: Ext } {
  transcript.absorbBytes('lookup/table', new TextEncoder().encode(table.id));
  transcript.absorbU32('lookup/arity', table.arity);
  transcript.absorbU32('lookup/table-vars', table.logSize);
  transcript.absorbU32('lookup/segments', segmentShapes.length);
  for (const s of segmentShapes) transcript.absorbFields('lookup/segment-shape', Uint32Array.from(s));
  const alpha = transcript.challengeExt('lookup/alpha');
  const gamma = transcript.challengeExt('lookup/gamma');
  return { alpha, gamma };
}

/** Σ_c γ^c·v_c for an ext vector of per-column values. */
export function combineColumns(E: QuarticExtension, values: Uint32Array, gamma: Ext, arity: number, off = 0): Ext {
  const acc = E.zero();
  for (let c = arity - 1; c >= 0; c--) {
    E.mulAt(acc, 0, acc, 0, gamma, 0);
    E.addAt(acc, 0, acc, 0, values, off + 4 * c);
  }
  return acc;
}

/** Selector eq(r_high, offset bits) of an aligned segment inside the query vector. */
export function segmentSelector(E: QuarticExtension, r: Uint32Array, numVars: number, logSize: number, offset: number): Ext {
  const hi = new Uint32Array(4 * (numVars - logSize));
  const bits = offset / 2 ** logSize;
  for (let k = 0; k < numVars - logSize; k++) hi[4 * k] = Math.floor(bits / 2 ** k) % 2;
  return eqEval(E, r.subarray(4 * logSize), hi);
}

export function verifyLookup(
  E: QuarticExtension,
  table: LookupTable,
  segmentShapes: readonly (readonly number[])[],
  proof: LookupProof,
  transcript: Transcript,
): LookupClaims {
  const layout = queryLayout(checkShapes(segmentShapes));
  checkSegmentEvals(table, layout, proof.segmentEvals);
  const { alpha, gamma } = lookupChallenges(transcript, table, segmentShapes);
  transcript.absorbExt('lookup/query-root', proof.query.root);
  transcript.absorbExt('lookup/table-root', proof.table.root);
  checkRoots(E, table, proof.query.root, proof.table.root);
  const qLeaf = verifyFractionTree(E, layout.numVars, proof.query, transcript);
  const tLeaf = verifyFractionTree(E, table.logSize, proof.table, transcript);
  transcript.absorbExt('lookup/segment-evals', proof.segmentEvals);
  return checkLeaves(E, table, segmentShapes, layout, { alpha, gamma }, qLeaf, tLeaf, proof.segmentEvals);
}

function checkSegmentEvals(table: LookupTable, layout: QueryLayout, segmentEvals: Uint32Array): void {
  if (!(segmentEvals instanceof Uint32Array) || segmentEvals.length !== 4 * table.arity * layout.placements.length) {
    throw new LookupError(`lookup ${table.id}: wrong number of segment evaluations`);
  }
}

/** Σ act_i/(α − s_i) = P_q/Q_q must equal Σ m_j/(α − t_j) = P_t/Q_t. */
function checkRoots(E: QuarticExtension, table: LookupTable, queryRoot: Uint32Array, tableRoot: Uint32Array): void {
  const Pq = queryRoot.subarray(0, 4);
  const Qq = queryRoot.subarray(4, 8);
  const Pt = tableRoot.subarray(0, 4);
  const Qt = tableRoot.subarray(4, 8);
  if (E.isZero(Qq) || E.isZero(Qt)) throw new LookupError(`lookup ${table.id}: zero denominator at the root`);
  if (!E.equals(E.mul(Pq, Qt), E.mul(Pt, Qq))) {
    throw new LookupError(`lookup ${table.id}: query and table sums differ (a queried row is not in the table)`);
  }
}

/** Checks both trees' leaf claims against the public table and the segment evaluations. */
function checkLeaves(
  E: QuarticExtension,
  table: LookupTable,
  segmentShapes: readonly (readonly number[])[],
  layout: QueryLayout,
  { alpha, gamma }: { alpha: Ext; gamma: Ext },
  qLeaf: FractionLeafClaim,
  tLeaf: FractionLeafClaim,
  segmentEvals: Uint32Array,
): LookupClaims {
  const arity = table.arity;
  // Table side: q̃ = α − Σ γ^c T̃_c at the leaf point; p̃ is the multiplicity claim.
  const tCols = new Uint32Array(4 * arity);
  for (let c = 0; c < arity; c++) tCols.set(table.evalColumn(E, c, tLeaf.point), 4 * c);
  if (!E.equals(tLeaf.q, E.sub(alpha, combineColumns(E, tCols, gamma, arity)))) {
    throw new LookupError(`lookup ${table.id}: table-side leaf does not match the public table`);
  }

  // Query side: p̃ = Σ sel·mask̃_seg, q̃ = α − Σ sel·Σ_c γ^c S̃_c (zero padding everywhere).
  const r = qLeaf.point;
  const n = layout.numVars;
  const s = E.zero();
  const act = E.zero();
  const segments: Array<{ point: Uint32Array; values: Uint32Array }> = new Array(layout.placements.length);
  layout.placements.forEach((pl, j) => {
    const vals = segmentEvals.slice(4 * arity * j, 4 * arity * (j + 1));
    const sel = segmentSelector(E, r, n, pl.logSize, pl.offset);
    const pt = r.slice(0, 4 * pl.logSize);
    E.addAt(act, 0, act, 0, E.mul(sel, tensorMaskEval(E, pt, segmentShapes[pl.index]!)), 0);
    E.addAt(s, 0, s, 0, E.mul(sel, combineColumns(E, vals, gamma, arity)), 0);
    segments[pl.index] = { point: pt, values: vals };
  });
  if (!E.equals(qLeaf.p, act)) throw new LookupError(`lookup ${table.id}: query numerators do not match the active rows`);
  if (!E.equals(qLeaf.q, E.sub(alpha, s))) {
    throw new LookupError(`lookup ${table.id}: query-side leaf does not match the segment evaluations`);
  }
  return { multiplicity: { point: tLeaf.point, value: tLeaf.p }, segments };
}

/** One table's statement in a batched lookup. */
export interface LookupGroupStatement {
  readonly table: LookupTable;
  readonly segmentShapes: readonly (readonly number[])[];
}

/** Tree depths of a batched lookup: query tree then table tree, per group in order. */
export function lookupTreeDepths(groups: readonly LookupGroupStatement[]): number[] {
  const depths: number[] = [];
  for (const g of groups) depths.push(queryLayout(checkShapes(g.segmentShapes)).numVars, g.table.logSize);
  return depths;
}

/** Largest number of tables in one batched lookup (a decoder bound; 2 trees per table). */
export const MAX_LOOKUP_GROUPS = 1 << 10;

/**
 * Batched tlookup over several tables: the same argument as {@link verifyLookup} for every
 * group, but all fraction trees (each table's query tree and table tree) are proven by ONE
 * batched fraction-tree protocol (fraction.ts: one sumcheck per layer, trees combined by
 * powers of λ). Transcript: the group count, then per group its statement and its own α, γ
 * ({@link lookupChallenges}: table id, arity, size and segment shapes are absorbed before
 * α, γ are drawn), then every root, then the batched layers, then every group's segment
 * evaluations. Each group's roots are checked (sums equal, denominators nonzero) and each
 * group's leaves are checked exactly as in the single-table argument.
 *
 * Preconditions (soundness): as for {@link verifyLookup} — every segment and multiplicity
 * vector must be bound into the transcript (committed) before this runs. The returned
 * claims (one per group) MUST be checked by the caller.
 */
export function verifyLookups(
  E: QuarticExtension,
  groups: readonly LookupGroupStatement[],
  proof: LookupsProof,
  transcript: Transcript,
): LookupClaims[] {
  if (groups.length > MAX_LOOKUP_GROUPS) throw new LookupError(`too many lookup tables (${groups.length})`);
  if (proof.segmentEvals.length !== groups.length) throw new LookupError('lookups: wrong number of segment evaluation groups');
  if (groups.length === 0) {
    if (proof.layers.length !== 0 || proof.roots.length !== 0) throw new LookupError('lookups: proof for no tables is not empty');
    return [];
  }
  const layouts = groups.map((g) => queryLayout(checkShapes(g.segmentShapes)));
  groups.forEach((g, i) => checkSegmentEvals(g.table, layouts[i]!, proof.segmentEvals[i]!));
  if (!(proof.roots instanceof Uint32Array) || proof.roots.length !== 16 * groups.length || !E.isCanonical(proof.roots)) {
    throw new LookupError('lookups: wrong roots');
  }
  transcript.absorbU32('lookups/groups', groups.length);
  const challenges = groups.map((g) => lookupChallenges(transcript, g.table, g.segmentShapes));
  transcript.absorbExt('lookups/roots', proof.roots);
  groups.forEach((g, i) => checkRoots(E, g.table, proof.roots.subarray(16 * i, 16 * i + 8), proof.roots.subarray(16 * i + 8, 16 * i + 16)));
  const depths: number[] = [];
  groups.forEach((g, i) => depths.push(layouts[i]!.numVars, g.table.logSize));
  const leaves = verifyFractionTrees(E, depths, { roots: proof.roots, layers: proof.layers }, transcript);
  for (const ev of proof.segmentEvals) transcript.absorbExt('lookups/segment-evals', ev);
  return groups.map((g, i) =>
    checkLeaves(E, g.table, g.segmentShapes, layouts[i]!, challenges[i]!, leaves[2 * i]!, leaves[2 * i + 1]!, proof.segmentEvals[i]!),
  );
}
