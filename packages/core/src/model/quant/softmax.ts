/**
 * zkAttn-style softmax (zkLLM §5): no max, no division. Per row the prover picks a
 * shift ẑ = round(2^fs · logsumexp(z / 2^fs)); every exponent e = ẑ − z is ≥ 0 (ẑ ≥ max z
 * because max z is an integer ≤ 2^fs·lse) and is split into K digits in base 2^b. Each
 * digit's exp comes from a small public table, and the K factors are multiplied with a
 * rescale by 2^fp after each product. The row then sums to 2^fp within
 * `softmaxRowSumBound`.
 */
import type { LookupTable, SoftmaxParams } from './trace.js';

export interface SoftmaxSetup {
  readonly params: SoftmaxParams;
  readonly tables: readonly LookupTable[];
  /** Largest exponent e the tables cover. */
  readonly maxExponent: number;
}

/**
 * @param zBound scores are clamped to ±zBound before the softmax
 * @param maxSeq longest row, which bounds ẑ − max z by 2^fs·ln(maxSeq)
 */
export function makeSoftmax(namePrefix: string, fs: number, fp: number, zBound: number, maxSeq: number, digits = 2): SoftmaxSetup {
  const maxExponent = 2 * zBound + Math.ceil(2 ** fs * Math.log(Math.max(2, maxSeq))) + 1;
  const baseBits = Math.ceil(Math.log2(maxExponent + 1) / digits);
  const tables: LookupTable[] = [];
  const one = 2 ** fp;
  for (let k = 0; k < digits; k++) {
    const weight = 2 ** (baseBits * k);
    const size = k < digits - 1 ? 2 ** baseBits : Math.floor(maxExponent / weight) + 1;
    const values = new Int32Array(size);
    for (let d = 0; d < size; d++) values[d] = Math.round(one * Math.exp(-(d * weight) / 2 ** fs));
    tables.push({
      name: `${namePrefix}.exp${k}`,
      inMin: 0,
      values,
      description: `round(2^${fp}·exp(−d·2^${baseBits * k}/2^${fs})) for digit d ∈ [0, ${size})`,
    });
  }
  return { params: { fs, fp, baseBits, digitTables: tables.map((t) => t.name) }, tables, maxExponent };
}

/**
 * One softmax row over z[zOff .. zOff + n). Writes probabilities to out and returns the
 * shift ẑ. Inputs must satisfy |z| ≤ zBound of the setup.
 */
export function softmaxRow(out: Int32Array, outOff: number, z: Int32Array, zOff: number, n: number, sm: SoftmaxSetup): number {
  const { fs, fp, baseBits } = sm.params;
  const scale = 2 ** -fs;
  let max = -Infinity;
  for (let j = 0; j < n; j++) if (z[zOff + j]! > max) max = z[zOff + j]!;
  let sum = 0;
  for (let j = 0; j < n; j++) sum += Math.exp((z[zOff + j]! - max) * scale);
  const shift = Math.round(max + Math.log(sum) * 2 ** fs);
  const K = sm.tables.length;
  const base = 2 ** baseBits;
  const half = 2 ** (fp - 1);
  const div = 2 ** fp;
  const t0 = sm.tables[0]!.values;
  for (let j = 0; j < n; j++) {
    let e = shift - z[zOff + j]!;
    if (e < 0 || e > sm.maxExponent) throw new RangeError(`softmax exponent ${e} outside [0, ${sm.maxExponent}]`);
    let d = e % base;
    e = (e - d) / base;
    let P = t0[d]!;
    for (let k = 1; k < K; k++) {
      if (k < K - 1) {
        d = e % base;
        e = (e - d) / base;
      } else d = e;
      P = Math.floor((P * sm.tables[k]!.values[d]! + half) / div);
    }
    out[outOff + j] = P;
  }
  return shift;
}

/**
 * |Σ_j p_j − 2^fp| ≤ 2^fp·(e^(2^−(fs+1)) − 1) + n·(K − 1/2) for a row of n entries:
 * the first term is the rounding of ẑ, the second the per-entry table rounding (½ each)
 * plus the rescale rounding (½ per product), each propagated with factor ≤ 1.
 */
export function softmaxRowSumBound(params: SoftmaxParams, n: number): number {
  const K = params.digitTables.length;
  return 2 ** params.fp * (Math.exp(2 ** -(params.fs + 1)) - 1) + n * (K - 0.5);
}
