/**
 * tlookup message types and codec. Sizes are derived from the statement (table size,
 * segment sizes, arity), never read from the bytes.
 *
 * Fraction layer k: k round messages of 3 ext each ‖ P₀, P₁, Q₀, Q₁ (ext) per participating tree.
 *
 * Single table: query root (2 ext) ‖ table root (2 ext) ‖ query-tree layers ‖ table-tree
 * layers ‖ segment evaluations (arity ext per segment, in placement order).
 *
 * Batched (all tables of a proof, one tagged logUp): the proof-of-work nonce (u32) ‖ the roots of the query trees in order,
 * then the table tree's (2 ext each; the tree count comes from the statement, layout.ts
 * queryForest) ‖ the shared layers 0 … max depth − 1 of all trees ‖ each group's segment
 * evaluations ‖ one multiplicity evaluation per group.
 */
import type { ByteReader, ByteWriter } from '../codec/bytes.js';
import type { PrimeField } from '../field/prime.js';
import { ProofFormatError } from '../codec/errors.js';
import { lookupTreeDepths, type LookupGroupStatement } from './verifier.js';
import { checkFractionDepths, FRACTION_DEGREE, fractionLayerWidth, type FractionLayerProof, type FractionTreeProof } from './fraction.js';

export interface LookupProof {
  readonly query: FractionTreeProof;
  readonly table: FractionTreeProof;
  /** For each segment in placement order, its columns' MLE values (ext vector, 4·arity each). */
  readonly segmentEvals: Uint32Array;
}

/** All tables' lookups of one proof: one tagged logUp, a few query trees and one table tree (verifier.ts). */
export interface LookupsProof {
  /** Proof-of-work nonce ground before α, γ (LOOKUP_POW_BITS; 0 when there are no tables). */
  readonly powNonce: number;
  /** Each query tree's root (P, Q) in order, then the table root (P, Q): 8 limbs per tree. */
  readonly roots: Uint32Array;
  /** Shared fraction layers of all trees. */
  readonly layers: readonly FractionLayerProof[];
  /** Per group: each segment's columns' MLE values (ext vector, 4·arity per segment, in the group's segment order). */
  readonly segmentEvals: readonly Uint32Array[];
  /** m̃_g at the table leaf point restricted to group g's block, one ext per group. */
  readonly multiplicityEvals: Uint32Array;
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
  if (proof.roots.length === 0) return; // no tables: nothing to prove (the verifier checks the rest is empty)
  w.u32(proof.powNonce);
  w.exts(proof.roots);
  for (const l of proof.layers) encodeFractionLayer(w, l);
  for (const s of proof.segmentEvals) w.exts(s);
  w.exts(proof.multiplicityEvals);
}

/** Reads a batched lookup proof; every size comes from the groups' statements. */
export function decodeLookupsProof(r: ByteReader, F: PrimeField, groups: readonly LookupGroupStatement[]): LookupsProof {
  if (groups.length === 0) return { powNonce: 0, roots: new Uint32Array(0), layers: [], segmentEvals: [], multiplicityEvals: new Uint32Array(0) };
  let depths: number[];
  try {
    depths = lookupTreeDepths(groups);
  } catch (e) {
    throw new ProofFormatError(`lookup statement: ${(e as Error).message}`);
  }
  const maxDepth = checkFractionDepths(depths);
  const powNonce = r.u32('lookup proof-of-work nonce');
  const roots = r.exts(F, 2 * depths.length, 'lookup roots');
  const layers = Array.from({ length: maxDepth }, (_, k) => decodeFractionLayer(r, F, k, fractionLayerWidth(depths, k)));
  const segmentEvals = groups.map((g, i) => r.exts(F, g.segmentShapes.length * g.table.arity, `lookup ${i} segment evaluations`));
  const multiplicityEvals = r.exts(F, groups.length, 'lookup multiplicity evaluations');
  return { powNonce, roots, layers, segmentEvals, multiplicityEvals };
}
