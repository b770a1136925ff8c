/**
 * Elementwise table functions (SiLU, GELU, rsqrt, …): out[i] = values[x[i] − inMin] for a
 * public table with inputs inMin … inMin + n − 1 (the model's quantization parameters).
 *
 * Relation proven: every real entry pair (x[i], out[i]) is a row of the two-column table
 * T = {(inMin + j, values[j])} — a tlookup with multiplicities, run by the driver over all
 * segments of the same table (ctx.lookups). x and out are committed trace tensors; the
 * argument itself sends nothing.
 *
 * The table is a {@link RangeKeyedTable}: keys inMin, inMin + 1, …, inMin + 2^k − 1 (closed-
 * form MLE; 2^k = n rounded up to a power of two, k ≤ 16) and the values column. Rows
 * j ≥ n are PADDING (value = values[n − 1]); so that they add nothing to the semantics, a
 * table with n < 2^k gets a second lookup of x into rangeTable(inMin + n − 2^k, k), which
 * with the first gives inMin ≤ x ≤ inMin + n − 1 exactly (the two-window argument of
 * layers/range.ts). Hence out[i] = values[x[i] − inMin] at every real entry, with x inside
 * the table's domain — exactly the kernel, which throws outside it.
 *
 * Padding entries of x / out are not constrained (tlookup treats them as inactive).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import type { PrimeField } from '../field/prime.js';
import { RangeKeyedTable, rangeTable } from '../lookup/table.js';
import { LayerError, type LayerContext, type TensorRef } from './context.js';

/** The trace's table format (core/model/quant/trace.ts `LookupTable`). */
export interface TraceLookupTable {
  readonly name: string;
  readonly inMin: number;
  readonly values: ArrayLike<number>;
}

/** The op as the verifier knows it. */
export interface LookupOpSpec {
  readonly input: TensorRef;
  readonly out: TensorRef;
  readonly table: TraceLookupTable;
}

/** Largest lookup table (rows). */
export const MAX_LOOKUP_OP_LOG = 16;

const cache = new WeakMap<object, { F: PrimeField; table: RangeKeyedTable }>();

/**
 * Converts a trace table into its tlookup table, deterministically: keys from inMin,
 * values padded to a power of two with the last value, id `lut:<name>:<inMin>:<n>:<hash>`
 * where hash = first 16 hex digits of SHA-256 over (inMin, n, values) as int32 LE — two
 * tables with the same id are identical. Cached per values array.
 */
export function lookupTableFromTrace(F: PrimeField, t: TraceLookupTable): RangeKeyedTable {
  const hit = cache.get(t.values as object);
  if (hit && hit.F === F && hit.table.lo === t.inMin && hit.table.id.startsWith(`lut:${t.name}:`)) return hit.table;
  const n = t.values.length;
  const half = (F.p - 1) / 2;
  if (!Number.isSafeInteger(t.inMin) || n < 1 || n > 2 ** MAX_LOOKUP_OP_LOG) {
    throw new LayerError(`lookup table ${t.name}: ${n} rows / inMin ${t.inMin} not supported (1 … 2^${MAX_LOOKUP_OP_LOG} rows)`);
  }
  let k = 0;
  while (2 ** k < n) k++;
  if (t.inMin < -half || t.inMin + 2 ** k - 1 > half) throw new LayerError(`lookup table ${t.name}: keys outside the signed field range`);
  const bytes = new Uint8Array(4 * (n + 2));
  const dv = new DataView(bytes.buffer);
  dv.setInt32(0, t.inMin, true);
  dv.setInt32(4, n, true);
  const col = new Uint32Array(2 ** k);
  for (let j = 0; j < 2 ** k; j++) {
    const v = t.values[Math.min(j, n - 1)]!;
    if (!Number.isSafeInteger(v) || v < -half || v > half) throw new LayerError(`lookup table ${t.name}: value ${v} at ${j} is not a field-sized integer`);
    if (j < n) dv.setInt32(8 + 4 * j, v, true);
    col[j] = F.fromInt(v);
  }
  const hex = Array.from(sha256(bytes).subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join('');
  const table = new RangeKeyedTable(F, `lut:${t.name}:${t.inMin}:${n}:${hex}`, t.inMin, k, [col]);
  cache.set(t.values as object, { F, table });
  return table;
}

/** Checks shapes and the table. */
export function checkLookupOpSpec(F: PrimeField, spec: LookupOpSpec): RangeKeyedTable {
  const { input, out } = spec;
  if (!input || !out || input.shape.length !== out.shape.length || input.shape.some((d, i) => d !== out.shape[i])) {
    throw new LayerError(`lookup ${out?.id}: input and output shapes differ`);
  }
  return lookupTableFromTrace(F, spec.table);
}

/** Registers the lookups (both sides; no transcript moves). */
export function verifyLookupOp(ctx: LayerContext, spec: LookupOpSpec): void {
  const F = ctx.E.base;
  const table = checkLookupOpSpec(F, spec);
  const shape = spec.out.shape;
  ctx.lookups.push({ table, columns: [spec.input.id, spec.out.id], shape });
  const n = spec.table.values.length;
  if (n < table.size) {
    ctx.lookups.push({ table: rangeTable(F, 0, table.logSize), columns: [spec.input.id], shape, shift: spec.table.inMin + n - table.size });
  }
}
