/**
 * Public lookup tables. A table has 2^logSize rows and `arity` columns of base-field
 * values; column 0 is the key. The verifier only ever needs the multilinear extension of
 * each column at one random point, so tables with structure (ranges) evaluate it in
 * closed form in O(logSize), and the others fall back to an O(2^logSize) evaluation.
 */
import type { Ext, QuarticExtension } from '../field/extension.js';
import type { PrimeField } from '../field/prime.js';
import { evalMleBase, pointVars } from '../poly/multilinear.js';

export class LookupTable {
  /** Bound into the transcript: two tables with the same id must be identical. */
  readonly id: string;
  readonly logSize: number;
  readonly columns: readonly Uint32Array[];

  constructor(id: string, columns: readonly Uint32Array[]) {
    if (columns.length === 0) throw new RangeError(`table ${id}: needs at least one column`);
    const n = columns[0]!.length;
    if (n === 0 || (n & (n - 1)) !== 0) throw new RangeError(`table ${id}: ${n} rows is not a power of two`);
    for (const c of columns) if (c.length !== n) throw new RangeError(`table ${id}: columns differ in length`);
    this.id = id;
    this.logSize = 31 - Math.clz32(n);
    this.columns = columns;
  }

  get arity(): number {
    return this.columns.length;
  }

  get size(): number {
    return 1 << this.logSize;
  }

  /** MLE of column c at point r. */
  evalColumn(E: QuarticExtension, c: number, r: Uint32Array): Ext {
    return evalMleBase(E, this.columns[c]!, r);
  }
}

/**
 * Consecutive integers lo, lo+1, …, lo+2^logSize−1 (embedded in the field) as the key
 * column, optionally with value columns. The key column's MLE is lo + Σ_k 2^k·r_k.
 */
export class RangeKeyedTable extends LookupTable {
  readonly lo: number;

  constructor(F: PrimeField, id: string, lo: number, logSize: number, values: readonly Uint32Array[] = []) {
    const key = new Uint32Array(1 << logSize);
    for (let i = 0; i < key.length; i++) key[i] = F.fromInt(lo + i);
    super(id, [key, ...values]);
    this.lo = lo;
  }

  override evalColumn(E: QuarticExtension, c: number, r: Uint32Array): Ext {
    if (c !== 0) return super.evalColumn(E, c, r);
    const F = E.base;
    if (pointVars(r) !== this.logSize) throw new RangeError(`table ${this.id}: point has ${pointVars(r)} variables`);
    const acc = E.fromBase(F.fromInt(this.lo));
    const t = new Uint32Array(4);
    let pow = 1;
    for (let k = 0; k < this.logSize; k++) {
      E.mulBaseAt(t, 0, r, 4 * k, pow);
      E.addAt(acc, 0, acc, 0, t, 0);
      pow = F.add(pow, pow);
    }
    return acc;
  }
}

const rangeTables = new Map<string, RangeKeyedTable>();

/**
 * Range check table: every value in [lo, lo + 2^logSize). Memoized: a proof asks for the
 * same few tables hundreds of times, and building a 2^16-row key column each time showed
 * up in profiles. Tables are never mutated after construction.
 */
export function rangeTable(F: PrimeField, lo: number, logSize: number): RangeKeyedTable {
  const key = `${F.p}:${lo}:${logSize}`;
  let t = rangeTables.get(key);
  if (!t) {
    t = new RangeKeyedTable(F, `range[${lo},${lo + 2 ** logSize})`, lo, logSize);
    rangeTables.set(key, t);
  }
  return t;
}
