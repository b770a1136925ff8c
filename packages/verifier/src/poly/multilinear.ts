/**
 * Multilinear polynomials as evaluation tables over the Boolean hypercube.
 *
 * Convention used by every argument in this project: entry i of a table of size 2^n is
 * the value at x = (bit 0 of i, …, bit n−1 of i), and a point r = (r_0, …, r_{n−1}) is an
 * ext vector of length 4n. Folding binds the lowest variable first, so sumcheck round k
 * binds x_k.
 */
import type { Ext, QuarticExtension } from '../field/extension.js';

export function log2Exact(n: number, what = 'table length'): number {
  if (!Number.isInteger(n) || n < 1 || (n & (n - 1)) !== 0) throw new RangeError(`${what} ${n} is not a power of two`);
  return 31 - Math.clz32(n);
}

/** Number of variables of a point given as an ext vector. */
export function pointVars(r: Uint32Array): number {
  return r.length >>> 2;
}

/** eq(z, b) for every b in {0,1}^n, as an ext vector of length 4·2^n. */
export function eqTable(E: QuarticExtension, z: Uint32Array): Uint32Array {
  const n = pointVars(z);
  const out = new Uint32Array(4 << n);
  out[0] = 1;
  const oneMinus = new Uint32Array(4);
  const one = E.one();
  const hi = new Uint32Array(4);
  for (let k = 0; k < n; k++) {
    E.subAt(oneMinus, 0, one, 0, z, 4 * k);
    const size = 1 << k;
    for (let j = 0; j < size; j++) {
      E.mulAt(hi, 0, out, 4 * j, z, 4 * k);
      E.mulAt(out, 4 * j, out, 4 * j, oneMinus, 0);
      out.set(hi, 4 * (j + size));
    }
  }
  return out;
}

/** eq(a, b) = Π_k (a_k·b_k + (1 − a_k)(1 − b_k)) for two points of equal dimension. */
export function eqEval(E: QuarticExtension, a: Uint32Array, b: Uint32Array): Ext {
  if (a.length !== b.length) throw new RangeError('eqEval: points of different dimension');
  const acc = E.one();
  const t = new Uint32Array(4);
  const one = E.one();
  for (let k = 0; k < a.length; k += 4) {
    // a·b + (1−a)(1−b) = 1 − a − b + 2ab
    E.mulAt(t, 0, a, k, b, k);
    E.addAt(t, 0, t, 0, t, 0);
    E.subAt(t, 0, t, 0, a, k);
    E.subAt(t, 0, t, 0, b, k);
    E.addAt(t, 0, t, 0, one, 0);
    E.mulAt(acc, 0, acc, 0, t, 0);
  }
  return acc;
}

/** Evaluates the multilinear extension of a base-field table at an ext point. */
export function evalMleBase(E: QuarticExtension, table: Uint32Array, r: Uint32Array): Ext {
  const n = log2Exact(table.length);
  if (pointVars(r) !== n) throw new RangeError(`evalMle: table has ${n} variables, point has ${pointVars(r)}`);
  if (n === 0) return E.fromBase(table[0]!);
  let cur: Uint32Array = E.foldBaseVec(new Uint32Array(4 * (table.length >>> 1)), table, r.subarray(0, 4));
  for (let k = 1; k < n; k++) cur = E.foldVec(cur, cur, r.subarray(4 * k, 4 * k + 4)).subarray(0, cur.length >>> 1);
  return cur.slice(0, 4);
}

/** Evaluates the multilinear extension of an ext table (length 4·2^n) at an ext point. */
export function evalMleExt(E: QuarticExtension, table: Uint32Array, r: Uint32Array): Ext {
  const n = log2Exact(table.length >>> 2);
  if (pointVars(r) !== n) throw new RangeError(`evalMle: table has ${n} variables, point has ${pointVars(r)}`);
  let cur: Uint32Array = table.slice();
  for (let k = 0; k < n; k++) cur = E.foldVec(cur, cur, r.subarray(4 * k, 4 * k + 4)).subarray(0, cur.length >>> 1);
  return cur.slice(0, 4);
}
