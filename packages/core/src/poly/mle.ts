/**
 * Prover-side evaluations of committed tensors' multilinear extensions: partial evaluations
 * over leading or trailing axes and full evaluations. They multiply ext eq weights by SMALL
 * signed integers (int8 weights, 12-bit activations, lookup columns) accumulated exactly in
 * doubles and reduced once per block of rows, instead of one modular product per limb.
 * Used by the layer arguments, claims, lookups and dry-run sumchecks.
 */
import { ceilLog2, type QuarticExtension } from '@zkllm/verifier';
import { eqTableFast } from './eq.js';

/** Canonical residue of an integer-valued double |x| < 2^52 (negative allowed). */
function red(x: number, p: number, invP: number): number {
  const r = x - Math.floor(x * invP) * p;
  return r < 0 ? r + p : r >= p ? r - p : r;
}

/** Largest |v| of the signed lifts of tab[r·C + c], r < rows, c < cols. */
function maxAbsSigned(tab: Uint32Array, C: number, rows: number, cols: number, p: number): number {
  const half = (p - 1) / 2;
  let m = 0;
  for (let r = 0; r < rows; r++) {
    const base = r * C;
    for (let c = 0; c < cols; c++) {
      const v = tab[base + c]!;
      const a = v > half ? p - v : v;
      if (a > m) m = a;
    }
  }
  return m;
}

/**
 * Real extent of a padded table seen as rows × C (C = padded last axis): the number of
 * columns and rows a kernel must visit. When the padding is all zero (every honest table)
 * that is the real last-axis length and — for rank 2 — the real row count; otherwise the
 * padded sizes (the kernels must evaluate the MLE of the table actually committed).
 */
export function tableExtent(tab: Uint32Array, shape: readonly number[]): { C: number; rows: number; cols: number } {
  const n = shape.length === 0 ? 1 : shape[shape.length - 1]!;
  const C = 2 ** ceilLog2(n);
  const allRows = tab.length / C;
  let cols = n;
  for (let r = 0; r < allRows && cols === n; r++) {
    for (let c = n; c < C; c++) {
      if (tab[r * C + c] !== 0) {
        cols = C;
        break;
      }
    }
  }
  let rows = allRows;
  if (shape.length === 2) {
    const R = shape[0]!;
    rows = R;
    for (let i = R * C; i < tab.length; i++) {
      if (tab[i] !== 0) {
        rows = allRows;
        break;
      }
    }
  }
  return { C, rows, cols };
}

/**
 * Contraction over the HIGH variables (the leading axes): out[c] = Σ_{r<rows} eq[r]·tab[r·C + c]
 * for c < cols (ext vector of length 4·C; entries c ≥ cols are 0, which is exact when the
 * table's columns ≥ cols are zero). `tab` is a base table of rows × C (row-major, the
 * padded layout), `eq` an ext vector of ≥ rows entries.
 *
 * Small values (|signed lift| ≤ 2^19) are accumulated exactly in doubles:
 * Σ eq_limb·v stays below 2^52 for ⌊(2^52 − 2^32) / (2^31·max|v|)⌋ rows, then reduced.
 */
export function partialEvalHigh(
  E: QuarticExtension,
  tab: Uint32Array,
  C: number,
  rows: number,
  cols: number,
  eq: Uint32Array,
): Uint32Array {
  const F = E.base;
  const p = F.p;
  const invP = F.invP;
  const half = (p - 1) / 2;
  const out = new Uint32Array(4 * C);
  const acc = new Float64Array(4 * cols);
  const maxAbs = maxAbsSigned(tab, C, rows, cols, p);
  if (maxAbs === 0) return out;
  const reduceAll = (): void => {
    for (let j = 0; j < acc.length; j++) acc[j] = red(acc[j]!, p, invP);
  };
  if (maxAbs <= 2 ** 19) {
    // Two rows per pass (one read-modify-write of the accumulators for both).
    const block = Math.max(2, Math.floor((2 ** 52 - 2 ** 32) / (2 ** 31 * maxAbs)) & ~1);
    let count = 0;
    let r = 0;
    for (; r + 1 < rows; r += 2) {
      const e0 = eq[4 * r]!, e1 = eq[4 * r + 1]!, e2 = eq[4 * r + 2]!, e3 = eq[4 * r + 3]!;
      const f0 = eq[4 * r + 4]!, f1 = eq[4 * r + 5]!, f2 = eq[4 * r + 6]!, f3 = eq[4 * r + 7]!;
      const base = r * C;
      for (let c = 0; c < cols; c++) {
        const u = tab[base + c]!;
        const w = tab[base + C + c]!;
        const v = u - (((half - u) >> 31) & p);
        const x = w - (((half - w) >> 31) & p);
        const o = 4 * c;
        acc[o] += e0 * v + f0 * x;
        acc[o + 1] += e1 * v + f1 * x;
        acc[o + 2] += e2 * v + f2 * x;
        acc[o + 3] += e3 * v + f3 * x;
      }
      if ((count += 2) >= block) {
        reduceAll();
        count = 0;
      }
    }
    for (; r < rows; r++) {
      const e0 = eq[4 * r]!, e1 = eq[4 * r + 1]!, e2 = eq[4 * r + 2]!, e3 = eq[4 * r + 3]!;
      const base = r * C;
      for (let c = 0; c < cols; c++) {
        const u = tab[base + c]!;
        const v = u - (((half - u) >> 31) & p);
        const o = 4 * c;
        acc[o] += e0 * v;
        acc[o + 1] += e1 * v;
        acc[o + 2] += e2 * v;
        acc[o + 3] += e3 * v;
      }
    }
  } else {
    // Large values: one modular product per limb, canonical partial sums < 2^31 each.
    let count = 0;
    for (let r = 0; r < rows; r++) {
      const e0 = eq[4 * r]!, e1 = eq[4 * r + 1]!, e2 = eq[4 * r + 2]!, e3 = eq[4 * r + 3]!;
      const base = r * C;
      for (let c = 0; c < cols; c++) {
        const v = tab[base + c]!;
        if (v === 0) continue;
        const o = 4 * c;
        acc[o] += F.mul(e0, v);
        acc[o + 1] += F.mul(e1, v);
        acc[o + 2] += F.mul(e2, v);
        acc[o + 3] += F.mul(e3, v);
      }
      if (++count === 1 << 20) {
        reduceAll();
        count = 0;
      }
    }
  }
  for (let j = 0; j < acc.length; j++) out[j] = red(acc[j]!, p, invP);
  return out;
}

/**
 * Contraction over the LOW variables (the last axis): out[r] = Σ_{c<cols} eq[c]·tab[r·C + c]
 * for r < rows (ext vector of length 4·(tab.length / C); rows ≥ `rows` are 0).
 */
export function partialEvalLow(
  E: QuarticExtension,
  tab: Uint32Array,
  C: number,
  rows: number,
  cols: number,
  eq: Uint32Array,
): Uint32Array {
  const F = E.base;
  const p = F.p;
  const invP = F.invP;
  const half = (p - 1) / 2;
  const out = new Uint32Array((4 * tab.length) / C);
  const maxAbs = maxAbsSigned(tab, C, rows, cols, p);
  if (maxAbs === 0) return out;
  if (maxAbs <= 2 ** 20) {
    // Column chunks short enough for exact double sums; two rows per pass share the eq loads.
    const block = Math.max(1, Math.floor((2 ** 52 - 2 ** 32) / (2 ** 31 * maxAbs)));
    let r = 0;
    for (; r + 1 < rows; r += 2) {
      const base = r * C;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      let t0 = 0, t1 = 0, t2 = 0, t3 = 0;
      for (let c0 = 0; c0 < cols; c0 += block) {
        const end = Math.min(cols, c0 + block);
        for (let c = c0; c < end; c++) {
          const u = tab[base + c]!;
          const w = tab[base + C + c]!;
          const v = u - (((half - u) >> 31) & p);
          const x = w - (((half - w) >> 31) & p);
          const o = 4 * c;
          const q0 = eq[o]!, q1 = eq[o + 1]!, q2 = eq[o + 2]!, q3 = eq[o + 3]!;
          s0 += q0 * v;
          s1 += q1 * v;
          s2 += q2 * v;
          s3 += q3 * v;
          t0 += q0 * x;
          t1 += q1 * x;
          t2 += q2 * x;
          t3 += q3 * x;
        }
        s0 = red(s0, p, invP);
        s1 = red(s1, p, invP);
        s2 = red(s2, p, invP);
        s3 = red(s3, p, invP);
        t0 = red(t0, p, invP);
        t1 = red(t1, p, invP);
        t2 = red(t2, p, invP);
        t3 = red(t3, p, invP);
      }
      out[4 * r] = s0;
      out[4 * r + 1] = s1;
      out[4 * r + 2] = s2;
      out[4 * r + 3] = s3;
      out[4 * r + 4] = t0;
      out[4 * r + 5] = t1;
      out[4 * r + 6] = t2;
      out[4 * r + 7] = t3;
    }
    for (; r < rows; r++) {
      const base = r * C;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let c0 = 0; c0 < cols; c0 += block) {
        const end = Math.min(cols, c0 + block);
        for (let c = c0; c < end; c++) {
          const u = tab[base + c]!;
          const v = u - (((half - u) >> 31) & p);
          const o = 4 * c;
          s0 += eq[o]! * v;
          s1 += eq[o + 1]! * v;
          s2 += eq[o + 2]! * v;
          s3 += eq[o + 3]! * v;
        }
        s0 = red(s0, p, invP);
        s1 = red(s1, p, invP);
        s2 = red(s2, p, invP);
        s3 = red(s3, p, invP);
      }
      out[4 * r] = s0;
      out[4 * r + 1] = s1;
      out[4 * r + 2] = s2;
      out[4 * r + 3] = s3;
    }
  } else {
    for (let r = 0; r < rows; r++) {
      const base = r * C;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let c = 0; c < cols; c++) {
        const v = tab[base + c]!;
        if (v === 0) continue;
        const o = 4 * c;
        s0 += F.mul(eq[o]!, v);
        s1 += F.mul(eq[o + 1]!, v);
        s2 += F.mul(eq[o + 2]!, v);
        s3 += F.mul(eq[o + 3]!, v);
        if ((c & 0xfffff) === 0xfffff) {
          s0 = red(s0, p, invP);
          s1 = red(s1, p, invP);
          s2 = red(s2, p, invP);
          s3 = red(s3, p, invP);
        }
      }
      out[4 * r] = red(s0, p, invP);
      out[4 * r + 1] = red(s1, p, invP);
      out[4 * r + 2] = red(s2, p, invP);
      out[4 * r + 3] = red(s3, p, invP);
    }
  }
  return out;
}

/** x̃(r_high, ·) of a committed tensor: contraction of all leading axes at `rHigh`. */
export function evalLeading(E: QuarticExtension, tab: Uint32Array, shape: readonly number[], rHigh: Uint32Array): Uint32Array {
  const { C, rows, cols } = tableExtent(tab, shape);
  return partialEvalHigh(E, tab, C, rows, cols, eqTableFast(E, rHigh));
}

/** x̃(·, r_last) of a committed tensor: contraction of the last axis at `rLow`. */
export function evalLastAxis(E: QuarticExtension, tab: Uint32Array, shape: readonly number[], rLow: Uint32Array): Uint32Array {
  const { C, rows, cols } = tableExtent(tab, shape);
  return partialEvalLow(E, tab, C, rows, cols, eqTableFast(E, rLow));
}

/**
 * Σ_x a[x]·b[x] over ext vectors of `count` entries (canonical limbs): lazily reduced limb
 * products (each in (−2^11, p + 2^11)) summed exactly in doubles, reduced once. For the
 * short vectors of {@link evalMleFast} (√N ≤ 2^15 entries: the sums stay below 2^49).
 */
function innerProductExt(a: Uint32Array, b: Uint32Array, count: number, p: number, invP: number, w: number): Uint32Array {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  let t1 = 0, t2 = 0, t3 = 0; // the w-multiplied parts, by limb
  for (let x = 0; x < count; x++) {
    const o = 4 * x;
    const y0 = a[o]!, y1 = a[o + 1]!, y2 = a[o + 2]!, y3 = a[o + 3]!;
    const z0 = b[o]!, z1 = b[o + 1]!, z2 = b[o + 2]!, z3 = b[o + 3]!;
    const q0 = y0 * invP, q1 = y1 * invP, q2 = y2 * invP, q3 = y3 * invP;
    s0 += (Math.imul(y0, z0) - Math.imul(Math.floor(q0 * z0), p)) | 0;
    t1 += ((Math.imul(y1, z3) - Math.imul(Math.floor(q1 * z3), p)) | 0) + ((Math.imul(y2, z2) - Math.imul(Math.floor(q2 * z2), p)) | 0) + ((Math.imul(y3, z1) - Math.imul(Math.floor(q3 * z1), p)) | 0);
    s1 += ((Math.imul(y0, z1) - Math.imul(Math.floor(q0 * z1), p)) | 0) + ((Math.imul(y1, z0) - Math.imul(Math.floor(q1 * z0), p)) | 0);
    t2 += ((Math.imul(y2, z3) - Math.imul(Math.floor(q2 * z3), p)) | 0) + ((Math.imul(y3, z2) - Math.imul(Math.floor(q3 * z2), p)) | 0);
    s2 += ((Math.imul(y0, z2) - Math.imul(Math.floor(q0 * z2), p)) | 0) + ((Math.imul(y1, z1) - Math.imul(Math.floor(q1 * z1), p)) | 0) + ((Math.imul(y2, z0) - Math.imul(Math.floor(q2 * z0), p)) | 0);
    t3 += (Math.imul(y3, z3) - Math.imul(Math.floor(q3 * z3), p)) | 0;
    s3 += ((Math.imul(y0, z3) - Math.imul(Math.floor(q0 * z3), p)) | 0) + ((Math.imul(y1, z2) - Math.imul(Math.floor(q1 * z2), p)) | 0) + ((Math.imul(y2, z1) - Math.imul(Math.floor(q2 * z1), p)) | 0) + ((Math.imul(y3, z0) - Math.imul(Math.floor(q3 * z0), p)) | 0);
  }
  // X^4 = w: limb l gets w·(the products landing at l + 4).
  return Uint32Array.of(red(s0 + w * red(t1, p, invP), p, invP), red(s1 + w * red(t2, p, invP), p, invP), red(s2 + w * red(t3, p, invP), p, invP), red(s3, p, invP));
}

/** The last point's two eq halves (claims of one argument share their point). */
let eqMemo: { E: QuarticExtension; point: Uint32Array; k: number; high: Uint32Array; low: Uint32Array } | undefined;

function samePoint(a: Uint32Array, b: Uint32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The MLE of a base table at an ext point, as {@link partialEvalHigh} over the upper half
 * of the variables followed by an inner product with eq(low half): for tables of small
 * signed integers (weights, activations) about 10× faster than folding variable by variable
 * (evalMleBase) and with √N extra memory instead of N/2 ext elements. Same value. The eq
 * halves are kept for the next call at the same point.
 */
export function evalMleFast(E: QuarticExtension, tab: Uint32Array, point: Uint32Array): Uint32Array {
  const n = point.length >>> 2;
  if (tab.length !== 2 ** n) throw new RangeError(`evalMleFast: table has ${tab.length} entries, point has ${n} variables`);
  const k = n >>> 1;
  const C = 2 ** k;
  if (!eqMemo || eqMemo.E !== E || eqMemo.k !== k || !samePoint(eqMemo.point, point)) {
    eqMemo = { E, point: point.slice(), k, high: eqTableFast(E, point.subarray(4 * k)), low: eqTableFast(E, point.subarray(0, 4 * k)) };
  }
  const high = partialEvalHigh(E, tab, C, tab.length / C, C, eqMemo.high);
  if (E.w >= 1 << 16) return E.innerProduct(high, eqMemo.low);
  return innerProductExt(high, eqMemo.low, C, E.base.p, E.base.invP, E.w);
}
