/**
 * Pieces of the generation protocol shared by prover and verifier: the witness layout
 * (derived from the circuit), grouping lookups per table, and routing claims to the two
 * commitments.
 */
import { bundleClaims, bundleLayout, type BundleLayout } from '../layers/bundle.js';
import { LayerError, type LookupRequest, type TensorRef } from '../layers/context.js';
import type { LookupTable } from '../lookup/table.js';
import type { LookupClaims } from '../lookup/verifier.js';
import type { EvalClaim } from '../pcs/verifier.js';
import type { TensorClaim } from '../poly/tensor.js';

export const GENERATION_DOMAIN = 'zkllm/generation/v1';

/**
 * The witness layout: exactly the tensors the verifier's own arguments ask about — every
 * claimed tensor outside the weights (`w:`), every lookup column and one multiplicity
 * vector per table — with the shapes the circuit gives them, sorted by id. It is derived,
 * never read from the proof: layer arguments choose which tensors they claim from their
 * spec alone (never from proof values), so the layout is a function of the committed
 * circuit and the statement, both bound into the transcript before the witness root.
 */
export function deriveWitnessRefs(claims: readonly TensorClaim[], groups: readonly LookupGroup[]): TensorRef[] {
  const refs = new Map<string, readonly number[]>();
  const add = (id: string, shape: readonly number[] | undefined) => {
    if (id.startsWith('w:')) return;
    if (!shape) throw new LayerError(`claim on ${id} has no shape`);
    const prev = refs.get(id);
    if (!prev) refs.set(id, [...shape]);
    else if (prev.length !== shape.length || prev.some((d, i) => d !== shape[i])) {
      throw new LayerError(`tensor ${id} is used with shapes [${prev}] and [${shape}]`);
    }
  };
  for (const c of claims) add(String(c.tensor), c.shape);
  for (const g of groups) {
    add(multiplicityId(g.table), [g.table.size]);
    for (const req of g.requests) for (const id of req.columns) add(id, req.shape);
  }
  return [...refs].map(([id, shape]) => ({ id, shape })).sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
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
