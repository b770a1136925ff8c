/**
 * Pieces of the generation protocol shared by prover and verifier: the witness layout
 * (derived from the circuit), grouping lookups per table, and routing claims to the two
 * commitments.
 */
import { bundleClaims, bundleLayout, type BundleLayout } from '../layers/bundle.js';
import { LayerError, type LookupRequest, type TensorRef } from '../layers/context.js';
import type { LookupTable } from '../lookup/table.js';
import type { LookupClaims, LookupGroupStatement } from '../lookup/verifier.js';
import type { EvalClaim } from '../pcs/verifier.js';
import type { TensorClaim } from '../poly/tensor.js';
import { BabyBear } from '../field/babybear.js';

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

/** What the batched lookup argument is told about each group: table, segment shapes and shifts. */
export function lookupStatements(groups: readonly LookupGroup[]): LookupGroupStatement[] {
  return groups.map((g) => ({ table: g.table, segmentShapes: g.requests.map((q) => q.shape), segmentShifts: g.requests.map((q) => q.shift ?? 0) }));
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

/**
 * Largest witness chunk: 2^26 values, the most one commitment holds (rate 1/2 over BabyBear,
 * whose 2-adicity is 27; pcsParamsFor). A witness bundle of 2^n values with n above the
 * chunk size is committed as 2^(n − chunkVars) consecutive chunks of 2^chunkVars values,
 * each its own PCS commitment and opening.
 */
export const MAX_WITNESS_CHUNK_VARS = BabyBear.twoAdicity - 1;
/** Chunks per proof at most (a 2^28-value witness at the largest chunk size). */
export const MAX_WITNESS_CHUNKS = 4;

/**
 * The chunk size a model commitment fixes: `params.witnessChunkVars` when present (an
 * integer in [1, MAX_WITNESS_CHUNK_VARS]; tests use small chunks to exercise chunking on
 * small models), else MAX_WITNESS_CHUNK_VARS. Part of the committed params, so a prover
 * cannot choose it.
 */
export function witnessChunkVarsOf(params: unknown): number {
  const v = params !== null && typeof params === 'object' ? (params as { witnessChunkVars?: unknown }).witnessChunkVars : undefined;
  if (v === undefined) return MAX_WITNESS_CHUNK_VARS;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > MAX_WITNESS_CHUNK_VARS) {
    throw new LayerError(`witnessChunkVars must be an integer in [1, ${MAX_WITNESS_CHUNK_VARS}], got ${String(v)}`);
  }
  return v;
}

/** How a 2^numVars witness is chunked; throws when it needs more than MAX_WITNESS_CHUNKS chunks. */
export function witnessChunks(numVars: number, maxChunkVars: number): { chunkVars: number; count: number } {
  const chunkVars = Math.min(numVars, maxChunkVars);
  const extra = numVars - chunkVars;
  if (2 ** extra > MAX_WITNESS_CHUNKS) {
    throw new LayerError(
      `the witness pads to 2^${numVars} field elements: more than ${MAX_WITNESS_CHUNKS} chunks of 2^${chunkVars} (one commitment holds at most 2^${MAX_WITNESS_CHUNK_VARS} over BabyBear)`,
    );
  }
  return { chunkVars, count: 2 ** extra };
}

/**
 * Splits opening claims on the whole 2^numVars bundle into claims per chunk: a claim's
 * coordinates above chunkVars must be 0/1 (a tensor never straddles chunks: blocks are
 * aligned and no larger than a chunk, so bundleClaims sets them from the block offset);
 * they name the chunk, the rest is the point inside it.
 */
export function splitWitnessClaims(claims: readonly EvalClaim[], numVars: number, chunkVars: number): EvalClaim[][] {
  const out: EvalClaim[][] = Array.from({ length: 2 ** (numVars - chunkVars) }, () => []);
  for (const c of claims) {
    if (c.point.length !== 4 * numVars) throw new LayerError('witness claim has the wrong dimension');
    let chunk = 0;
    for (let k = numVars - 1; k >= chunkVars; k--) {
      const o = 4 * k;
      const b = c.point[o]!;
      if ((b !== 0 && b !== 1) || c.point[o + 1] !== 0 || c.point[o + 2] !== 0 || c.point[o + 3] !== 0) {
        throw new LayerError('a witness claim spans two chunks (tensor larger than a chunk)');
      }
      chunk = 2 * chunk + b;
    }
    out[chunk]!.push({ point: c.point.slice(0, 4 * chunkVars), value: c.value });
  }
  return out;
}
