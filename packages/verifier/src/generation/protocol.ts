/**
 * Pieces of the generation protocol shared by prover and verifier: the witness layout
 * message, grouping lookups per table, and routing claims to the three commitments.
 */
import type { ByteReader, ByteWriter } from '../codec/bytes.js';
import { ProofFormatError } from '../codec/errors.js';
import { bundleClaims, bundleLayout, type BundleLayout } from '../layers/bundle.js';
import { LayerError, type LookupRequest, type TensorRef } from '../layers/context.js';
import type { LookupTable } from '../lookup/table.js';
import type { LookupClaims } from '../lookup/verifier.js';
import type { EvalClaim } from '../pcs/verifier.js';
import type { TensorClaim } from '../poly/tensor.js';
import type { Transcript } from '../transcript/transcript.js';

export const GENERATION_DOMAIN = 'zkllm/generation/v1';

/** Limits on the witness layout read from a proof. */
export const WITNESS_LIMITS = Object.freeze({ maxTensors: 1 << 16, maxRank: 6, maxDim: 1 << 24, maxIdBytes: 128 });

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });

export function encodeWitnessLayout(w: ByteWriter, refs: readonly TensorRef[]): void {
  w.varuint(refs.length);
  for (const r of refs) {
    w.blob(enc.encode(r.id)).varuint(r.shape.length);
    for (const d of r.shape) w.varuint(d);
  }
}

export function decodeWitnessLayout(r: ByteReader): TensorRef[] {
  const n = r.count(WITNESS_LIMITS.maxTensors, 2, 'witness tensor count');
  const out: TensorRef[] = [];
  for (let i = 0; i < n; i++) {
    let id: string;
    try {
      id = dec.decode(r.blob(WITNESS_LIMITS.maxIdBytes, 'witness tensor id'));
    } catch (e) {
      if (e instanceof ProofFormatError) throw e;
      throw new ProofFormatError('witness tensor id is not UTF-8');
    }
    if (id.startsWith('w:')) throw new ProofFormatError(`witness tensor id ${id} uses the weights' reserved prefix`);
    const rank = r.varuint(WITNESS_LIMITS.maxRank, 'witness tensor rank');
    const shape: number[] = [];
    for (let k = 0; k < rank; k++) {
      const d = r.varuint(WITNESS_LIMITS.maxDim, 'witness tensor dim');
      if (d === 0) throw new ProofFormatError('witness tensor dimension 0');
      shape.push(d);
    }
    out.push({ id, shape });
  }
  return out;
}

export function absorbWitnessLayout(t: Transcript, refs: readonly TensorRef[]): void {
  t.absorbU32('witness-count', refs.length);
  for (const r of refs) {
    t.absorbBytes('witness-id', enc.encode(r.id));
    t.absorbFields('witness-shape', Uint32Array.from(r.shape));
  }
}

export interface LookupGroup {
  readonly table: LookupTable;
  readonly requests: LookupRequest[];
}

/** Lookups grouped by table id, groups sorted by id (both sides get the same order). */
export function groupLookups(lookups: readonly LookupRequest[]): LookupGroup[] {
  const byId = new Map<string, LookupGroup>();
  for (const req of lookups) {
    const g = byId.get(req.table.id);
    if (!g) byId.set(req.table.id, { table: req.table, requests: [req] });
    else {
      if (!sameTable(g.table, req.table)) throw new LayerError(`two different tables share the id ${req.table.id}`);
      g.requests.push(req);
    }
  }
  return [...byId.values()].sort((a, b) => (a.table.id < b.table.id ? -1 : a.table.id > b.table.id ? 1 : 0));
}

function sameTable(a: LookupTable, b: LookupTable): boolean {
  if (a === b) return true;
  if (a.arity !== b.arity || a.size !== b.size) return false;
  for (let c = 0; c < a.arity; c++) {
    const x = a.columns[c]!;
    const y = b.columns[c]!;
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  }
  return true;
}

export function multiplicityId(table: LookupTable): string {
  return `m:${table.id}`;
}

/** The tensor claims a batched tlookup leaves behind: one per multiplicity vector and one per queried column. */
export function lookupTensorClaims(groups: readonly LookupGroup[], claims: readonly LookupClaims[]): TensorClaim[] {
  const out: TensorClaim[] = [];
  groups.forEach((g, gi) => {
    const c = claims[gi]!;
    out.push({ tensor: multiplicityId(g.table), point: c.multiplicity.point, value: c.multiplicity.value, shape: [g.table.size] });
    g.requests.forEach((req, j) => {
      const seg = c.segments[j]!;
      req.columns.forEach((id, k) => out.push({ tensor: id, point: seg.point, value: seg.values.slice(4 * k, 4 * k + 4), shape: req.shape }));
    });
  });
  return out;
}

function isLayout(x: unknown): x is BundleLayout {
  return !Array.isArray(x);
}

/**
 * Splits claims between the witness commitment (trace tensors, auxiliary witnesses and the
 * `m:` multiplicity vectors) and the weight commitment (`w:` ids), checking each claim's
 * shape against the layout it lands in.
 */
export function routeClaims(
  claims: readonly TensorClaim[],
  witness: BundleLayout,
  weights: ReadonlyArray<{ readonly id: string; readonly shape: readonly number[] }> | BundleLayout,
): { witness: EvalClaim[]; weights: EvalClaim[] } {
  const wLayout: BundleLayout = isLayout(weights) ? weights : bundleLayout(weights);
  const parts: Record<'witness' | 'weights', TensorClaim[]> = { witness: [], weights: [] };
  for (const c of claims) {
    const id = String(c.tensor);
    const [layout, part] = id.startsWith('w:') ? ([wLayout, 'weights'] as const) : ([witness, 'witness'] as const);
    const e = layout.entries.get(id);
    if (!e) throw new LayerError(`claim on ${id}, which is not committed`);
    if (c.shape && (c.shape.length !== e.shape.length || c.shape.some((d, i) => d !== e.shape[i]))) {
      throw new LayerError(`claim on ${id} with shape [${c.shape}] but it is committed as [${e.shape}]`);
    }
    parts[part].push(c);
  }
  return { witness: bundleClaims(witness, parts.witness), weights: bundleClaims(wLayout, parts.weights) };
}
