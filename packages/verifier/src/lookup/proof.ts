/**
 * tlookup message types and codec. Sizes are derived from the statement (table size,
 * segment sizes, arity), never read from the bytes.
 *
 * Fraction layer k: k round messages of 3 ext each ‖ P₀, P₁, Q₀, Q₁ (ext) per participating tree.
 *
 * Single table: query root (2 ext) ‖ table root (2 ext) ‖ query-tree layers ‖ table-tree
 * layers ‖ segment evaluations (arity ext per segment, in placement order).
 *
 * Batched (all tables of a proof): roots (query root, table root per group, 4 ext each) ‖
 * the shared layers 0 … max depth − 1 ‖ each group's segment evaluations.
 */
import type { ByteReader, ByteWriter } from '../codec/bytes.js';
import type { PrimeField } from '../field/prime.js';
import { checkFractionDepths, FRACTION_DEGREE, fractionLayerWidth, type FractionLayerProof, type FractionTreeProof } from './fraction.js';

export interface LookupProof {
  readonly query: FractionTreeProof;
  readonly table: FractionTreeProof;
  /** For each segment in placement order, its columns' MLE values (ext vector, 4·arity each). */
  readonly segmentEvals: Uint32Array;
}

/** All tables' lookups of one proof, with one batched fraction-tree protocol. */
export interface LookupsProof {
  /** Per group: query root (P, Q) then table root (P, Q) — 16 limbs per group. */
  readonly roots: Uint32Array;
  /** Shared fraction layers (trees ordered query₀, table₀, query₁, table₁, …). */
  readonly layers: readonly FractionLayerProof[];
  /** Per group, as {@link LookupProof.segmentEvals}. */
  readonly segmentEvals: readonly Uint32Array[];
}

export function encodeFractionLayer(w: ByteWriter, layer: FractionLayerProof): void {
  for (const m of layer.roundMessages) w.exts(m);
  w.exts(layer.evals);
}

export function decodeFractionLayer(r: ByteReader, F: PrimeField, k: number, trees: number): FractionLayerProof {
  const roundMessages: Uint32Array[] = [];
  for (let i = 0; i < k; i++) roundMessages.push(r.exts(F, FRACTION_DEGREE, `fraction layer ${k} round ${i}`));
  const evals = r.exts(F, 4 * trees, `fraction layer ${k} values`);
  return { roundMessages, evals };
}

export function encodeLookupProof(w: ByteWriter, proof: LookupProof): void {
  w.exts(proof.query.root).exts(proof.table.root);
  for (const l of proof.query.layers) encodeFractionLayer(w, l);
  for (const l of proof.table.layers) encodeFractionLayer(w, l);
  w.exts(proof.segmentEvals);
}

export function decodeLookupProof(
  r: ByteReader,
  F: PrimeField,
  queryVars: number,
  tableVars: number,
  numSegments: number,
  arity: number,
): LookupProof {
  const queryRoot = r.exts(F, 2, 'lookup query root');
  const tableRoot = r.exts(F, 2, 'lookup table root');
  const layers = (n: number) => Array.from({ length: n }, (_, k) => decodeFractionLayer(r, F, k, 1));
  const qLayers = layers(queryVars);
  const tLayers = layers(tableVars);
  const segmentEvals = r.exts(F, numSegments * arity, 'lookup segment evaluations');
  return { query: { root: queryRoot, layers: qLayers }, table: { root: tableRoot, layers: tLayers }, segmentEvals };
}

export function encodeLookupsProof(w: ByteWriter, proof: LookupsProof): void {
  w.exts(proof.roots);
  for (const l of proof.layers) encodeFractionLayer(w, l);
  for (const s of proof.segmentEvals) w.exts(s);
}

/**
 * Reads a batched lookup proof. `groups[i]` gives the query-tree depth, table log size,
 * number of segments and arity of table i (all from the statement).
 */
export function decodeLookupsProof(
  r: ByteReader,
  F: PrimeField,
  groups: ReadonlyArray<{ readonly queryVars: number; readonly tableVars: number; readonly numSegments: number; readonly arity: number }>,
): LookupsProof {
  if (groups.length === 0) return { roots: new Uint32Array(0), layers: [], segmentEvals: [] };
  const depths: number[] = [];
  for (const g of groups) depths.push(g.queryVars, g.tableVars);
  const maxDepth = checkFractionDepths(depths);
  const roots = r.exts(F, 4 * groups.length, 'lookup roots');
  const layers = Array.from({ length: maxDepth }, (_, k) => decodeFractionLayer(r, F, k, fractionLayerWidth(depths, k)));
  const segmentEvals = groups.map((g, i) => r.exts(F, g.numSegments * g.arity, `lookup ${i} segment evaluations`));
  return { roots, layers, segmentEvals };
}
