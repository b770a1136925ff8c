/**
 * tlookup message types and codec. Sizes are derived from the statement (table size,
 * segment sizes, arity), never read from the bytes.
 *
 * Encoding: query root (2 ext) ‖ table root (2 ext) ‖ query-tree layers ‖ table-tree
 * layers ‖ segment evaluations (arity ext per segment, in placement order).
 */
import type { ByteReader, ByteWriter } from '../codec/bytes.js';
import type { PrimeField } from '../field/prime.js';
import { decodeSumcheckProof, encodeSumcheckProof } from '../sumcheck/proof.js';
import { FRACTION_LAYER_TABLES, type FractionTreeProof } from './fraction.js';

export interface LookupProof {
  readonly query: FractionTreeProof;
  readonly table: FractionTreeProof;
  /** For each segment in placement order, its columns' MLE values (ext vector, 4·arity each). */
  readonly segmentEvals: Uint32Array;
}

const FRACTION_DEGREE = 3;

export function encodeLookupProof(w: ByteWriter, proof: LookupProof): void {
  w.exts(proof.query.root).exts(proof.table.root);
  for (const l of proof.query.layers) encodeSumcheckProof(w, l);
  for (const l of proof.table.layers) encodeSumcheckProof(w, l);
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
  const layers = (n: number) =>
    Array.from({ length: n }, (_, k) => decodeSumcheckProof(r, k, FRACTION_DEGREE, FRACTION_LAYER_TABLES, F));
  const qLayers = layers(queryVars);
  const tLayers = layers(tableVars);
  const segmentEvals = r.exts(F, numSegments * arity, 'lookup segment evaluations');
  return { query: { root: queryRoot, layers: qLayers }, table: { root: tableRoot, layers: tLayers }, segmentEvals };
}
