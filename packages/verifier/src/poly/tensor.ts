/**
 * Tensors as multilinear tables. A tensor of shape [d_0, …, d_k] (row-major, last axis
 * fastest) is padded with zeros so every axis has a power-of-two length; its table index
 * is then the row-major index of the padded tensor, so the LOWEST variables belong to the
 * LAST axis. A point on a tensor is the concatenation of per-axis points, last axis first:
 * point = (r_{axis k} ‖ … ‖ r_{axis 0}).
 *
 * Every argument that makes claims about tensors (matmul, lookups, attention, argmax)
 * uses this layout, so a claim produced by one can be checked by another.
 */
import type { Ext, QuarticExtension } from '../field/extension.js';
import type { PrimeField } from '../field/prime.js';

/** "The MLE of tensor `tensor` at `point` equals `value`." */
export interface TensorClaim {
  /** Identifies the tensor within one proof (trace tensor id, or a weight name). */
  readonly tensor: number | string;
  readonly point: Uint32Array;
  readonly value: Ext;
  /** The logical shape the claim was made for (checked against the committed layout). */
  readonly shape?: readonly number[];
}

export function ceilLog2(n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`axis length ${n} must be a positive integer`);
  return n === 1 ? 0 : 32 - Math.clz32(n - 1);
}

/** log2 of each padded axis length, in axis order. */
export function axisVars(shape: readonly number[]): number[] {
  return shape.map(ceilLog2);
}

/** Number of variables of the padded tensor. */
export function tensorVars(shape: readonly number[]): number {
  return axisVars(shape).reduce((a, b) => a + b, 0);
}

/**
 * Field-embedded, zero-padded table of a signed integer tensor (Int32Array or numbers).
 * Values are reduced mod p, so negative integers map to p − |x|.
 */
export function padTensor(F: PrimeField, data: ArrayLike<number>, shape: readonly number[]): Uint32Array {
  const vars = axisVars(shape);
  const total = 2 ** vars.reduce((a, b) => a + b, 0);
  let count = 1;
  for (const d of shape) count *= d;
  if (data.length !== count) throw new RangeError(`tensor data has ${data.length} entries, shape needs ${count}`);
  const out = new Uint32Array(total);
  const k = shape.length;
  if (k === 0) {
    out[0] = F.fromInt(data[0]!);
    return out;
  }
  const last = shape[k - 1]!;
  // Rows of the last axis are copied contiguously to where the padded layout puts them.
  const starts = paddedRowStarts(shape);
  // Int32 entries are within (−2p, 2p): reduced by comparisons, not a division per entry.
  const p = F.p;
  const i32 = data instanceof Int32Array && p > 2 ** 30 && p < 2 ** 32 ? data : null;
  for (let row = 0; row < starts.length; row++) {
    const base = starts[row]!;
    const src = row * last;
    if (i32) {
      for (let i = 0; i < last; i++) {
        let x = i32[src + i]!;
        if (x < 0) x += p;
        if (x < 0) x += p;
        else if (x >= p) x -= p;
        out[base + i] = x;
      }
    } else {
      for (let i = 0; i < last; i++) out[base + i] = F.fromInt(data[src + i]!);
    }
  }
  return out;
}

/**
 * Where each real row of a tensor (each index of every axis but the last, in row-major
 * order) starts in its padded layout; a row holds shape[last] entries there. A scalar is
 * one row of one entry.
 */
export function paddedRowStarts(shape: readonly number[]): Int32Array {
  const k = shape.length;
  if (k === 0) return Int32Array.of(0);
  const vars = axisVars(shape);
  let rows = 1;
  for (let a = 0; a < k - 1; a++) rows *= shape[a]!;
  const starts = new Int32Array(rows);
  const lastPadded = 2 ** vars[k - 1]!;
  const idx = new Array<number>(k - 1).fill(0);
  for (let row = 0; row < rows; row++) {
    let base = 0;
    for (let a = 0; a < k - 1; a++) base = base * 2 ** vars[a]! + idx[a]!;
    starts[row] = base * lastPadded;
    for (let a = k - 2; a >= 0; a--) {
      if (++idx[a]! < shape[a]!) break;
      idx[a] = 0;
    }
  }
  return starts;
}

/** Concatenates per-axis points (given in axis order) into a tensor point (last axis first). */
export function tensorPoint(axisPoints: readonly Uint32Array[]): Uint32Array {
  const total = axisPoints.reduce((a, p) => a + p.length, 0);
  const out = new Uint32Array(total);
  let off = 0;
  for (let a = axisPoints.length - 1; a >= 0; a--) {
    out.set(axisPoints[a]!, off);
    off += axisPoints[a]!.length;
  }
  return out;
}

/** Splits a tensor point into per-axis points (returned in axis order). */
export function splitTensorPoint(point: Uint32Array, shape: readonly number[]): Uint32Array[] {
  const vars = axisVars(shape);
  if (point.length !== 4 * vars.reduce((a, b) => a + b, 0)) throw new RangeError('point does not match the tensor shape');
  const out: Uint32Array[] = new Array(shape.length);
  let off = 0;
  for (let a = shape.length - 1; a >= 0; a--) {
    out[a] = point.slice(off, off + 4 * vars[a]!);
    off += 4 * vars[a]!;
  }
  return out;
}

/**
 * Σ_{i < d} eq(r, i) for a point r of v variables (bit k of i ↔ r_k): the MLE of the
 * indicator of the first d entries, in O(v).
 */
export function prefixMaskEval(E: QuarticExtension, r: Uint32Array, d: number): Ext {
  const v = r.length >>> 2;
  if (d >= 2 ** v) return E.one();
  if (d <= 0) return E.zero();
  const half = 2 ** (v - 1);
  const top = r.subarray(4 * (v - 1), 4 * v);
  const low = r.subarray(0, 4 * (v - 1));
  if (d >= half) {
    // All of the lower half, plus a prefix of the upper half.
    return E.add(E.sub(E.one(), top), E.mul(top, prefixMaskEval(E, low, d - half)));
  }
  return E.mul(E.sub(E.one(), top), prefixMaskEval(E, low, d));
}

/** MLE of the tensor's validity mask (1 on real entries, 0 on padding) at a tensor point. */
export function tensorMaskEval(E: QuarticExtension, point: Uint32Array, shape: readonly number[]): Ext {
  const parts = splitTensorPoint(point, shape);
  let acc = E.one();
  for (let a = 0; a < shape.length; a++) acc = E.mul(acc, prefixMaskEval(E, parts[a]!, shape[a]!));
  return acc;
}

/** The validity mask in padded layout: 1 on real entries, 0 on padding. */
export function tensorMask(shape: readonly number[]): Uint8Array {
  const vars = axisVars(shape);
  const out = new Uint8Array(2 ** vars.reduce((a, b) => a + b, 0));
  const k = shape.length;
  if (k === 0) {
    out[0] = 1;
    return out;
  }
  // Row 0 of the last axis, then each outer axis copies the inner block into its first
  // shape[a] rows (the rest stay 0): O(size) with block copies, no per-entry division.
  out.fill(1, 0, shape[k - 1]!);
  let block = 2 ** vars[k - 1]!;
  for (let a = k - 2; a >= 0; a--) {
    for (let j = 1; j < shape[a]!; j++) out.copyWithin(j * block, 0, block);
    block *= 2 ** vars[a]!;
  }
  return out;
}
