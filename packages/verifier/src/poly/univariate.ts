/**
 * Univariate polynomials given by their values at 0, 1, …, d (the form sumcheck provers
 * send). Interpolation uses barycentric weights over the integer nodes, so it needs no
 * coefficient form and works for any small degree.
 */
import type { Ext, QuarticExtension } from '../field/extension.js';

/**
 * Value at r of the unique polynomial of degree ≤ d with the given values at 0..d
 * (`evals` is an ext vector of d+1 elements).
 */
export function interpolateAt(E: QuarticExtension, evals: Uint32Array, r: Ext): Ext {
  const F = E.base;
  const n = evals.length >>> 2;
  // If r is one of the nodes, return that value (the formula below would divide by 0).
  if (r[1] === 0 && r[2] === 0 && r[3] === 0 && r[0]! < n) return evals.slice(4 * r[0]!, 4 * r[0]! + 4);
  // L_i(r) = Π_{j≠i} (r − j)/(i − j). Compute the full product once, divide per term.
  const diffs = new Uint32Array(4 * n);
  for (let j = 0; j < n; j++) {
    diffs.set(r, 4 * j);
    diffs[4 * j] = F.sub(r[0]!, j % F.p);
  }
  const invDiffs = E.batchInverse(new Uint32Array(4 * n), diffs);
  const full = E.one();
  for (let j = 0; j < n; j++) E.mulAt(full, 0, full, 0, diffs, 4 * j);
  const acc = E.zero();
  const t = new Uint32Array(4);
  for (let i = 0; i < n; i++) {
    // denominator Π_{j≠i}(i − j) = (−1)^{n−1−i}·i!·(n−1−i)!
    let denom = 1;
    for (let j = 0; j < n; j++) if (j !== i) denom = F.mul(denom, F.fromInt(i - j));
    E.mulAt(t, 0, full, 0, invDiffs, 4 * i);
    E.mulBaseAt(t, 0, t, 0, F.inv(denom));
    E.mulAt(t, 0, t, 0, evals, 4 * i);
    E.addAt(acc, 0, acc, 0, t, 0);
  }
  return acc;
}
