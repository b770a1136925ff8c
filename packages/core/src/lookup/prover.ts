/**
 * tlookup prover: proves that every row of the query segments is a row of a public
 * table (logUp with fraction trees; see the verifier's lookup/verifier.ts). The caller
 * computes the multiplicities with {@link lookupMultiplicities}, commits them together
 * with the segments, and only then calls {@link proveLookup}.
 */
import {
  combineColumns,
  evalMleBase,
  lookupChallenges,
  queryLayout,
  type LookupClaims,
  type LookupProof,
  type LookupTable,
  type QuarticExtension,
  type Transcript,
} from '@zkllm/verifier';
import { buildFractionLayers, proveFractionTree } from './fraction.js';

/** One query segment: `arity` columns of equal power-of-two length. */
export type LookupSegment = readonly Uint32Array[];

export class LookupWitnessError extends Error {
  override name = 'LookupWitnessError';
}

function segmentLogSizes(table: LookupTable, segments: readonly LookupSegment[]): number[] {
  return segments.map((seg, i) => {
    if (seg.length !== table.arity) throw new LookupWitnessError(`segment ${i}: ${seg.length} columns, table ${table.id} has ${table.arity}`);
    const n = seg[0]!.length;
    if (n === 0 || (n & (n - 1)) !== 0) throw new LookupWitnessError(`segment ${i}: length ${n} is not a power of two`);
    for (const c of seg) if (c.length !== n) throw new LookupWitnessError(`segment ${i}: columns differ in length`);
    return 31 - Math.clz32(n);
  });
}

/**
 * m_j = how many query rows (including the layout's padding rows, which repeat row 0)
 * equal table row j. Throws with the offending value if a row is not in the table.
 */
export function lookupMultiplicities(table: LookupTable, segments: readonly LookupSegment[]): Uint32Array {
  const layout = queryLayout(segmentLogSizes(table, segments));
  const key = table.columns[0]!;
  const index = new Map<number, number>();
  for (let j = 0; j < key.length; j++) if (!index.has(key[j]!)) index.set(key[j]!, j);
  const m = new Uint32Array(table.size);
  segments.forEach((seg, s) => {
    const k = seg[0]!;
    for (let i = 0; i < k.length; i++) {
      const j = index.get(k[i]!);
      if (j === undefined) throw new LookupWitnessError(`table ${table.id}: value ${k[i]} (segment ${s}, row ${i}) is not in the table`);
      for (let c = 1; c < seg.length; c++) {
        if (seg[c]![i] !== table.columns[c]![j]) {
          throw new LookupWitnessError(`table ${table.id}: row ${i} of segment ${s} has column ${c} = ${seg[c]![i]}, table says ${table.columns[c]![j]}`);
        }
      }
      m[j]!++;
    }
  });
  m[0]! += layout.padding;
  return m;
}

export function proveLookup(
  E: QuarticExtension,
  table: LookupTable,
  segments: readonly LookupSegment[],
  multiplicities: Uint32Array,
  transcript: Transcript,
): { proof: LookupProof; claims: LookupClaims } {
  const F = E.base;
  const logSizes = segmentLogSizes(table, segments);
  const layout = queryLayout(logSizes);
  if (multiplicities.length !== table.size) throw new LookupWitnessError('multiplicity vector has the wrong length');
  const arity = table.arity;
  const { alpha, gamma } = lookupChallenges(transcript, table, logSizes);

  // Query leaves: p = 1, q = α − Σ γ^c S_c (padding rows are table row 0).
  const nq = 1 << layout.numVars;
  const qp = new Uint32Array(4 * nq);
  const qq = new Uint32Array(4 * nq);
  const row = new Uint32Array(4 * arity);
  const fill = (dst: number, values: (c: number) => number) => {
    for (let c = 0; c < arity; c++) row[4 * c] = values(c);
    const v = E.sub(alpha, combineColumns(E, row, gamma, arity));
    qq.set(v, 4 * dst);
    qp[4 * dst] = 1;
  };
  let used = 0;
  for (const pl of layout.placements) {
    const seg = segments[pl.index]!;
    const len = 2 ** pl.logSize;
    for (let i = 0; i < len; i++) fill(pl.offset + i, (c) => seg[c]![i]!);
    used = Math.max(used, pl.offset + len);
  }
  for (let i = used; i < nq; i++) fill(i, (c) => table.columns[c]![0]!);

  // Table leaves: p = m_j, q = α − Σ γ^c T_c[j].
  const tp = E.liftVec(multiplicities.map((x) => F.fromInt(x)));
  const tq = new Uint32Array(4 * table.size);
  for (let j = 0; j < table.size; j++) {
    for (let c = 0; c < arity; c++) row[4 * c] = table.columns[c]![j]!;
    tq.set(E.sub(alpha, combineColumns(E, row, gamma, arity)), 4 * j);
  }

  const qLayers = buildFractionLayers(E, qp, qq);
  const tLayers = buildFractionLayers(E, tp, tq);
  // Roots are absorbed before either tree is proven (the verifier checks them first).
  const qRoot = new Uint32Array(8);
  qRoot.set(qLayers[0]![0].subarray(0, 4));
  qRoot.set(qLayers[0]![1].subarray(0, 4), 4);
  const tRoot = new Uint32Array(8);
  tRoot.set(tLayers[0]![0].subarray(0, 4));
  tRoot.set(tLayers[0]![1].subarray(0, 4), 4);
  transcript.absorbExt('lookup/query-root', qRoot);
  transcript.absorbExt('lookup/table-root', tRoot);
  const q = proveFractionTree(E, qLayers, transcript);
  const t = proveFractionTree(E, tLayers, transcript);

  const r = q.leaf.point;
  const segmentEvals = new Uint32Array(4 * arity * layout.placements.length);
  const claims: Array<{ point: Uint32Array; values: Uint32Array }> = new Array(segments.length);
  layout.placements.forEach((pl, j) => {
    const pt = r.slice(0, 4 * pl.logSize);
    const vals = new Uint32Array(4 * arity);
    for (let c = 0; c < arity; c++) vals.set(evalMleBase(E, segments[pl.index]![c]!, pt), 4 * c);
    segmentEvals.set(vals, 4 * arity * j);
    claims[pl.index] = { point: pt, values: vals };
  });
  transcript.absorbExt('lookup/segment-evals', segmentEvals);
  return {
    proof: { query: q.proof, table: t.proof, segmentEvals },
    claims: { multiplicity: { point: t.leaf.point, value: t.leaf.p }, segments: claims },
  };
}
