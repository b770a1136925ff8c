/** Packs a bundle of integer tensors into the one field vector that gets committed. */
import { padTensor, type BundleLayout, type PrimeField } from '@zkllm/verifier';

export interface IntTensorData {
  readonly shape: readonly number[];
  readonly data: ArrayLike<number>;
}

/** Also returns each tensor's padded table (the prover's view for claims). */
export function packBundle(
  F: PrimeField,
  layout: BundleLayout,
  tensors: ReadonlyMap<string, IntTensorData>,
  /** Tensors already padded (field elements, per-axis zero padding), reused when their shape matches. */
  padded?: ReadonlyMap<string, { readonly shape: readonly number[]; readonly table: Uint32Array }>,
): { vector: Uint32Array; tables: Map<string, Uint32Array> } {
  const vector = new Uint32Array(2 ** layout.numVars);
  const tables = new Map<string, Uint32Array>();
  for (const e of layout.order) {
    const t = tensors.get(e.id);
    if (!t) throw new Error(`bundle: no data for tensor ${e.id}`);
    const pre = padded?.get(e.id);
    const same = pre !== undefined && pre.shape.length === e.shape.length && pre.shape.every((d, i) => d === e.shape[i]);
    const table = same ? pre.table : padTensor(F, t.data, e.shape);
    vector.set(table, e.offset);
    tables.set(e.id, vector.subarray(e.offset, e.offset + table.length));
  }
  return { vector, tables };
}
