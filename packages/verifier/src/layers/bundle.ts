/**
 * A bundle is a set of named tensors committed together as ONE multilinear vector (the
 * weights of a model; the witness of one proof). Tensors are laid out as aligned blocks,
 * largest first (lookup/layout.ts), so a tensor is a sub-cube of the bundle: a claim
 * T(r) = v becomes the bundle claim B(r ‖ offset bits) = v, and all claims on all tensors
 * are checked by one batched opening.
 */
import { ByteWriter } from '../codec/bytes.js';
import type { EvalClaim } from '../pcs/verifier.js';
import { queryLayout } from '../lookup/layout.js';
import { tensorVars, type TensorClaim } from '../poly/tensor.js';
import { LayerError, type TensorRef } from './context.js';

export interface BundleEntry {
  readonly id: string;
  readonly shape: readonly number[];
  readonly vars: number;
  readonly offset: number;
}

export interface BundleLayout {
  readonly numVars: number;
  readonly entries: ReadonlyMap<string, BundleEntry>;
  /** Entries in placement order (largest first). */
  readonly order: readonly BundleEntry[];
}

/** Same inputs, same layout, on both sides. Ids must be unique. */
export function bundleLayout(tensors: readonly TensorRef[]): BundleLayout {
  const vars = tensors.map((t) => tensorVars(t.shape));
  const layout = queryLayout(vars);
  const entries = new Map<string, BundleEntry>();
  const order: BundleEntry[] = [];
  for (const pl of layout.placements) {
    const t = tensors[pl.index]!;
    if (entries.has(t.id)) throw new LayerError(`bundle: duplicate tensor id ${t.id}`);
    const e: BundleEntry = { id: t.id, shape: [...t.shape], vars: pl.logSize, offset: pl.offset };
    entries.set(t.id, e);
    order.push(e);
  }
  return { numVars: layout.numVars, entries, order };
}

/** Converts tensor claims (all on tensors of this bundle) into opening claims on the bundle. */
export function bundleClaims(layout: BundleLayout, claims: readonly TensorClaim[]): EvalClaim[] {
  return claims.map((c) => {
    const e = layout.entries.get(String(c.tensor));
    if (!e) throw new LayerError(`claim on ${String(c.tensor)}, which is not in the bundle`);
    if (c.point.length !== 4 * e.vars) throw new LayerError(`claim on ${e.id}: point has the wrong dimension`);
    const point = new Uint32Array(4 * layout.numVars);
    point.set(c.point);
    const block = e.offset / 2 ** e.vars;
    for (let k = e.vars; k < layout.numVars; k++) point[4 * k] = Math.floor(block / 2 ** (k - e.vars)) % 2;
    return { point, value: c.value };
  });
}

/** Canonical bytes of a bundle's layout (ids and shapes), for hashing into statements. */
export function bundleLayoutBytes(layout: BundleLayout): Uint8Array {
  const w = new ByteWriter();
  const enc = new TextEncoder();
  w.varuint(layout.numVars).varuint(layout.order.length);
  for (const e of layout.order) {
    w.blob(enc.encode(e.id)).varuint(e.shape.length);
    for (const d of e.shape) w.varuint(d);
    w.varuint(e.offset);
  }
  return w.finish();
}
