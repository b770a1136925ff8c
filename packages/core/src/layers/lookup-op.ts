/**
 * Prover side of elementwise table functions (protocol: the verifier's layers/lookup-op.ts).
 * The argument is only a lookup request; the driver proves it with the other segments of
 * the same table.
 */
import { LayerError, verifyLookupOp, type LookupOpSpec } from '@zkllm/verifier';
import type { LookupTable, TraceOp } from '../model/quant/trace.js';
import type { ProverContext } from './context.js';

type LookupOp = Extract<TraceOp, { op: 'lookup' }>;

/** The verifier's view of a traced lookup op; `tables` are the model's public tables. */
export function specLookupOp(op: LookupOp, tables: ReadonlyMap<string, LookupTable>): LookupOpSpec {
  const table = tables.get(op.table);
  if (!table) throw new LayerError(`lookup ${op.name}: the model has no table ${op.table}`);
  return {
    input: { id: `t${op.input.id}`, shape: [...op.input.shape] },
    out: { id: `t${op.out.id}`, shape: [...op.out.shape] },
    table: { name: table.name, inMin: table.inMin, values: table.values },
  };
}

/**
 * No auxiliary witness. Checks the trace against the table (a clear error instead of a
 * failing lookup later) and returns an empty map.
 */
export function witnessLookupOp(
  op: LookupOp,
  tables: ReadonlyMap<string, LookupTable>,
): Map<string, { shape: readonly number[]; data: Int32Array }> {
  const table = tables.get(op.table);
  if (!table) throw new LayerError(`lookup ${op.name}: the model has no table ${op.table}`);
  const x = op.input.data;
  const y = op.out.data;
  for (let i = 0; i < x.length; i++) {
    const j = x[i]! - table.inMin;
    if (j < 0 || j >= table.values.length) throw new LayerError(`lookup ${op.name}: input ${x[i]} (entry ${i}) outside table ${table.name}`);
    if (table.values[j] !== y[i]) throw new LayerError(`lookup ${op.name}: traced output ${y[i]} at entry ${i}, table says ${table.values[j]}`);
  }
  return new Map();
}

/** Registers the lookups (same code as the verifier). */
export function proveLookupOp(ctx: ProverContext, spec: LookupOpSpec): void {
  verifyLookupOp(ctx, spec);
}
