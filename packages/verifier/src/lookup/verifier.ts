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
import type { PrimeField } from '../field/prime.js';
import { eqEval } from '../poly/multilinear.js';
import { tensorMaskEval, tensorVars } from '../poly/tensor.js';
import type { Transcript } from '../transcript/transcript.js';
import { LookupError } from './errors.js';
import { verifyFractionTree, verifyFractionTrees, type FractionLeafClaim } from './fraction.js';
import { queryForest, queryLayout, type QueryLayout, type QueryTree } from './layout.js';
import type { LookupProof, LookupsProof } from './proof.js';
import type { LookupTable } from './table.js';

export interface LookupClaims {
  /** m̃(point) = value. */
  readonly multiplicity: { readonly point: Uint32Array; readonly value: Ext };
  /** Indexed like the caller's segments: each column's MLE at `point` (ext vector, 4·arity). */
  readonly segments: ReadonlyArray<{ readonly point: Uint32Array; readonly values: Uint32Array }>;
}

/** Largest number of segments in one lookup, or in all groups of a batched one (a decoder bound). */
export const MAX_LOOKUP_SEGMENTS = 1 << 14;

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
  /**
   * Per segment, a public integer subtracted from its key column before the lookup (absent:
   * all 0): segment rows (x, …) are looked up as (x − shift, …). Lets every window check
   * x ∈ [c, c + 2^K) use the one table rangeTable(0, K) instead of one table per offset.
   */
  readonly segmentShifts?: readonly number[];
}

/** The shifts of a group's segments (0 when absent), checked against the segment count. */
export function segmentShiftsOf(g: LookupGroupStatement): readonly number[] {
  const s = g.segmentShifts ?? g.segmentShapes.map(() => 0);
  if (s.length !== g.segmentShapes.length || s.some((x) => !Number.isSafeInteger(x) || Math.abs(x) >= 2 ** 31)) {
    throw new LookupError(`lookup ${g.table.id}: bad segment shifts`);
  }
  return s;
}

/**
 * Shape of a batched lookup: every group's segments placed in one query vector (group-major,
 * then {@link queryLayout}) that is split into a few query trees ({@link queryForest}), and
 * every table in one table vector (tables laid out as segments of their own size). Shared by
 * the decoder, the verifier and the prover.
 */
export interface LookupsLayout {
  /** The query trees in row order; a placement index i refers to `segments[i]`. */
  readonly queryTrees: readonly QueryTree[];
  /** Flattened segments: owning group and index within it. */
  readonly segments: ReadonlyArray<{ readonly group: number; readonly index: number; readonly shape: readonly number[] }>;
  /** Placement index g refers to group g's table. */
  readonly table: QueryLayout;
}

export function lookupsLayout(groups: readonly LookupGroupStatement[]): LookupsLayout {
  if (groups.length > MAX_LOOKUP_GROUPS) throw new LookupError(`too many lookup tables (${groups.length})`);
  const segments = groups.flatMap((g, group) => g.segmentShapes.map((shape, index) => ({ group, index, shape })));
  const vars = checkShapes(segments.map((s) => s.shape));
  return { queryTrees: queryForest(vars), segments, table: queryLayout(groups.map((g) => g.table.logSize)) };
}

/** Tree depths of a batched lookup: the query trees in order, then the one table tree. */
export function lookupTreeDepths(groups: readonly LookupGroupStatement[]): number[] {
  const l = lookupsLayout(groups);
  return [...l.queryTrees.map((t) => t.numVars), l.table.numVars];
}

/** Largest number of tables in one batched lookup (a decoder bound). */
export const MAX_LOOKUP_GROUPS = 1 << 10;

/**
 * The tag of group g's rows in a batched lookup. Tags are distinct and nonzero, so a query
 * row of one table can only ever match a row of the same table, and the all-zero rows of
 * the padding (tag 0) match no query.
 */
export function lookupTag(F: PrimeField, g: number): number {
  return F.fromInt(g + 1);
}

/**
 * Proof-of-work bits ground before the batched lookup's α, γ. The α term of the logUp
 * identity, (N_q + N_t)/|E|, grows with the proof (≈ 2^24 leaves at 128 tokens of the
 * bundled model: 99.4 bits); a cheating prover can redraw α by changing any earlier
 * message, and each redraw then costs 2^8 hashes (docs/SECURITY.md §4).
 */
export const LOOKUP_POW_BITS = 8;

/**
 * Binds every group's statement, then the proof-of-work nonce, then draws the shared α, γ
 * (prover and verifier). `pow` is the proof's nonce (verifier: checked, LookupError if it
 * misses the target) or a grinder that finds one (prover).
 */
export function lookupsChallenges(
  transcript: Transcript,
  groups: readonly LookupGroupStatement[],
  pow: number | ((transcript: Transcript, bits: number) => number),
): { alpha: Ext; gamma: Ext; powNonce: number } {
  transcript.absorbU32('lookups/groups', groups.length);
  const enc = new TextEncoder();
  for (const g of groups) {
    transcript.absorbBytes('lookup/table', enc.encode(g.table.id));
    transcript.absorbU32('lookup/arity', g.table.arity);
    transcript.absorbU32('lookup/table-vars', g.table.logSize);
    transcript.absorbU32('lookup/segments', g.segmentShapes.length);
    for (const s of g.segmentShapes) transcript.absorbFields('lookup/segment-shape', Uint32Array.from(s));
    transcript.absorbFields('lookup/segment-shifts', Uint32Array.from(segmentShiftsOf(g), (x) => (x >= 0 ? 2 * x : -2 * x - 1)));
  }
  let powNonce: number;
  if (typeof pow === 'number') {
    if (!Number.isInteger(pow) || pow < 0 || pow > 0xffffffff || !transcript.checkPow(LOOKUP_POW_BITS, pow)) {
      throw new LookupError('lookups: proof-of-work check failed');
    }
    powNonce = pow;
  } else {
    powNonce = pow(transcript, LOOKUP_POW_BITS);
  }
  return { alpha: transcript.challengeExt('lookups/alpha'), gamma: transcript.challengeExt('lookups/gamma'), powNonce };
}

/** τ_g + γ·Σ_c γ^c·v_c: a row of group g with its tag as column −1. */
export function taggedRow(E: QuarticExtension, tag: number, values: Uint32Array, gamma: Ext, arity: number, off = 0): Ext {
  const acc = combineColumns(E, values, gamma, arity, off);
  E.mulAt(acc, 0, acc, 0, gamma, 0);
  acc[0] = E.base.add(acc[0]!, tag);
  return acc;
}

/**
 * Batched tlookup over several tables, as ONE logUp instance: every group's rows carry the
 * group's tag τ_g = g + 1 as an extra leading column, all query segments of all groups
 * form one query vector, split into at most MAX_QUERY_TREES query trees so it is not padded
 * to a power of two (layout.ts queryForest), and all tables one table vector: the proof
 * has a fixed handful of fraction trees however many tables it uses,
 * Σ_k P_k/Q_k = Σ_i act_i/(α − s_i) = Σ_j m_j/(α − t_j) = P_T/Q_T with
 * s = τ + Σ_c γ^{c+1}·col_c, proven by one batched fraction-tree protocol (fraction.ts).
 *
 * Transcript: the group count and every group's statement (table id, arity, size, segment
 * shapes), then the proof-of-work nonce ({@link LOOKUP_POW_BITS}), then α, γ; every root (query trees in order, then the table tree); the batched
 * layers; the segment evaluations (per group, per segment, each column) and the
 * multiplicity evaluations (one per group).
 *
 * Leaves: each query tree's leaf reduces to the evaluations of its own segments, at its own
 * leaf point, as in the single-table argument (the tag is a constant on a segment's block,
 * padding rows included); the table leaf to Σ_g sel_g·m̃_g(r_g) (numerators) and
 * α − Σ_g sel_g·(τ_g + γ·Σ_c γ^c·T̃_{g,c}(r_g)) (denominators), which the verifier evaluates
 * from the public tables.
 *
 * Preconditions (soundness): every segment and multiplicity vector must be bound into the
 * transcript (committed) before this runs. The returned claims (one per group) MUST be
 * checked by the caller.
 */
export function verifyLookups(
  E: QuarticExtension,
  groups: readonly LookupGroupStatement[],
  proof: LookupsProof,
  transcript: Transcript,
): LookupClaims[] {
  if (proof.segmentEvals.length !== groups.length) throw new LookupError('lookups: wrong number of segment evaluation groups');
  if (groups.length === 0) {
    if (proof.layers.length !== 0 || proof.roots.length !== 0 || proof.multiplicityEvals.length !== 0 || proof.powNonce !== 0) {
      throw new LookupError('lookups: proof for no tables is not empty');
    }
    return [];
  }
  const layout = lookupsLayout(groups);
  const shifts = groups.map(segmentShiftsOf);
  groups.forEach((g, i) => {
    const ev = proof.segmentEvals[i]!;
    if (!(ev instanceof Uint32Array) || ev.length !== 4 * g.table.arity * g.segmentShapes.length || !E.isCanonical(ev)) {
      throw new LookupError(`lookup ${g.table.id}: wrong segment evaluations`);
    }
  });
  const me = proof.multiplicityEvals;
  if (!(me instanceof Uint32Array) || me.length !== 4 * groups.length || !E.isCanonical(me)) {
    throw new LookupError('lookups: wrong multiplicity evaluations');
  }
  const nq = layout.queryTrees.length;
  if (!(proof.roots instanceof Uint32Array) || proof.roots.length !== 8 * (nq + 1) || !E.isCanonical(proof.roots)) {
    throw new LookupError('lookups: wrong roots');
  }
  const { alpha, gamma } = lookupsChallenges(transcript, groups, proof.powNonce);
  transcript.absorbExt('lookups/roots', proof.roots);
  for (let k = 0; k <= nq; k++) {
    if (E.isZero(proof.roots.subarray(8 * k + 4, 8 * k + 8))) throw new LookupError('lookups: zero denominator at a root');
  }
  // Σ_k P_k/Q_k as one fraction, folded pairwise: (P, Q) ⊕ (P', Q') = (P·Q' + P'·Q, Q·Q').
  // Every Q_k ≠ 0, so Q ≠ 0 and P/Q is the sum; compared cross-multiplied with P_T/Q_T.
  let Pq: Ext = proof.roots.slice(0, 4);
  let Qq: Ext = proof.roots.slice(4, 8);
  for (let k = 1; k < nq; k++) {
    const P = proof.roots.subarray(8 * k, 8 * k + 4);
    const Q = proof.roots.subarray(8 * k + 4, 8 * k + 8);
    Pq = E.add(E.mul(Pq, Q), E.mul(P, Qq));
    Qq = E.mul(Qq, Q);
  }
  const Pt = proof.roots.subarray(8 * nq, 8 * nq + 4);
  const Qt = proof.roots.subarray(8 * nq + 4, 8 * nq + 8);
  if (!E.equals(E.mul(Pq, Qt), E.mul(Pt, Qq))) throw new LookupError('lookups: query and table sums differ (a queried row is not in its table)');
  const depths = [...layout.queryTrees.map((t) => t.numVars), layout.table.numVars];
  const leaves = verifyFractionTrees(E, depths, { roots: proof.roots, layers: proof.layers }, transcript);
  const tLeaf = leaves[nq]!;
  for (const ev of proof.segmentEvals) transcript.absorbExt('lookups/segment-evals', ev);
  transcript.absorbExt('lookups/multiplicity-evals', me);
  const F = E.base;

  // Table side.
  const rt = tLeaf.point;
  const tp = E.zero();
  const tq = E.zero();
  const out: Array<{ multiplicity: { point: Uint32Array; value: Ext }; segments: Array<{ point: Uint32Array; values: Uint32Array }> }> =
    groups.map((g) => ({ multiplicity: { point: new Uint32Array(0), value: E.zero() }, segments: new Array(g.segmentShapes.length) }));
  for (const pl of layout.table.placements) {
    const g = groups[pl.index]!;
    const sel = segmentSelector(E, rt, layout.table.numVars, pl.logSize, pl.offset);
    const pt = rt.slice(0, 4 * pl.logSize);
    const cols = new Uint32Array(4 * g.table.arity);
    for (let c = 0; c < g.table.arity; c++) cols.set(g.table.evalColumn(E, c, pt), 4 * c);
    const m = me.slice(4 * pl.index, 4 * pl.index + 4);
    E.addAt(tp, 0, tp, 0, E.mul(sel, m), 0);
    E.addAt(tq, 0, tq, 0, E.mul(sel, taggedRow(E, lookupTag(F, pl.index), cols, gamma, g.table.arity)), 0);
    out[pl.index]!.multiplicity = { point: pt, value: m };
  }
  if (!E.equals(tLeaf.p, tp)) throw new LookupError('lookups: table-side numerators do not match the multiplicity evaluations');
  if (!E.equals(tLeaf.q, E.sub(alpha, tq))) throw new LookupError('lookups: table-side leaf does not match the public tables');

  // Query side: each tree's leaf against its own segments at its own leaf point.
  layout.queryTrees.forEach((tree, k) => {
    const qLeaf = leaves[k]!;
    const rq = qLeaf.point;
    const act = E.zero();
    const s = E.zero();
    for (const pl of tree.placements) {
      const seg = layout.segments[pl.index]!;
      const arity = groups[seg.group]!.table.arity;
      const vals = proof.segmentEvals[seg.group]!.slice(4 * arity * seg.index, 4 * arity * (seg.index + 1));
      const sel = segmentSelector(E, rq, tree.numVars, pl.logSize, pl.offset);
      const pt = rq.slice(0, 4 * pl.logSize);
      E.addAt(act, 0, act, 0, E.mul(sel, tensorMaskEval(E, pt, seg.shape)), 0);
      // The shift, like the tag, is a constant over the segment's whole block.
      const row = E.sub(taggedRow(E, lookupTag(F, seg.group), vals, gamma, arity), E.mulBase(gamma, F.fromInt(shifts[seg.group]![seg.index]!)));
      E.addAt(s, 0, s, 0, E.mul(sel, row), 0);
      out[seg.group]!.segments[seg.index] = { point: pt, values: vals };
    }
    if (!E.equals(qLeaf.p, act)) throw new LookupError(`lookups: query numerators do not match the active rows (query tree ${k})`);
    if (!E.equals(qLeaf.q, E.sub(alpha, s))) throw new LookupError(`lookups: query-side leaf does not match the segment evaluations (query tree ${k})`);
  });
  return out;
}
