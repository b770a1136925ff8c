/**
 * The quantized forward pass as an explicit list of integer operations. The prover
 * replays this list: every op names its public parameters (weights by name, requant
 * specs, tables) and carries its integer input/output tensors. Tensors are shared by
 * reference and carry a numeric `id`, so an op's input is literally the output of an
 * earlier op (or a public input: tokens, positions).
 *
 * All values are signed integers with |x| ≤ (p−1)/2 (BabyBear), stored in Int32Array.
 * Exact semantics of each op are in docs/QUANTIZATION.md and in `kernels.ts`.
 */

export interface IntTensor {
  /** Unique within one trace; producers and consumers share the id. */
  readonly id: number;
  readonly shape: readonly number[];
  readonly data: Int32Array;
}

/**
 * Requantization y = clamp(round(clamp(round(x / 2^s1), ±q) · m[c] / 2^s2), lo, hi) with
 * round(v / 2^s) = floor((v + 2^(s−1)) / 2^s) (s = 0: identity). `m` has one entry
 * (per-tensor) or one per channel (the last axis of x). The prover's witnesses are the
 * remainders r1 = x − t·2^s1 ∈ [−2^(s1−1), 2^(s1−1)) and r2 ∈ [−2^(s2−1), 2^(s2−1)), and
 * the two clamps; by construction q·max(m) ≤ (p−1)/2 − 2^16 and s1, s2 ≤ 16.
 */
export interface RequantSpec {
  readonly s1: number;
  readonly q: number;
  readonly m: Int32Array;
  readonly s2: number;
  readonly lo: number;
  readonly hi: number;
  /**
   * Bound on |x| that holds for every input the model can produce (from the producing op's
   * output range; docs/QUANTIZATION.md, "Declared input bounds"). It sizes the proof's
   * witnesses only; the kernel does not use it. Absent: the field bound.
   */
  readonly xMax?: number;
}

/** A lookup table: out = values[x − inMin] for x ∈ [inMin, inMin + values.length). */
export interface LookupTable {
  readonly name: string;
  readonly inMin: number;
  readonly values: Int32Array;
  /** What the table computes, for humans and for the model commitment hash. */
  readonly description: string;
}

export interface SoftmaxParams {
  /** Fraction bits of the score input z (z / 2^fs is in nats). */
  readonly fs: number;
  /** Fraction bits of the output probabilities (1.0 = 2^fp). */
  readonly fp: number;
  /** Digit base is 2^baseBits; K = digitTables.length digits, least significant first. */
  readonly baseBits: number;
  /** digitTables[k][d] = round(2^fp · exp(−d · 2^(baseBits·k) / 2^fs)); the top digit's table spans the whole exponent range. */
  readonly digitTables: readonly string[];
}

interface OpBase {
  /** Human-readable position in the network, e.g. `L0.attn.q`. */
  readonly name: string;
}

export type TraceOp =
  | (OpBase & {
      readonly op: 'embed';
      /** out[t, :] = table[tokens[t], :] for a committed integer table (weight name). */
      readonly weight: string;
      readonly tokens: Int32Array;
      readonly out: IntTensor;
    })
  | (OpBase & {
      readonly op: 'posembed';
      /** out[t, :] = table[positions[t], :] (GPT-2 learned positions). */
      readonly weight: string;
      readonly positions: Int32Array;
      readonly out: IntTensor;
    })
  | (OpBase & {
      readonly op: 'matmul';
      /** out[t, o] = Σ_i W[o, i]·x[t, i] + b[o]; W int8-range [out, in], b integer (committed). */
      readonly weight: string;
      readonly bias: string | null;
      readonly input: IntTensor;
      readonly out: IntTensor;
    })
  | (OpBase & { readonly op: 'requant'; readonly spec: RequantSpec; readonly input: IntTensor; readonly out: IntTensor })
  | (OpBase & { readonly op: 'lookup'; readonly table: string; readonly input: IntTensor; readonly out: IntTensor })
  | (OpBase & { readonly op: 'add'; readonly a: IntTensor; readonly b: IntTensor; readonly out: IntTensor })
  | (OpBase & { readonly op: 'mul'; readonly a: IntTensor; readonly b: IntTensor; readonly out: IntTensor })
  | (OpBase & {
      readonly op: 'center';
      /** out[t, i] = n·x[t, i] − Σ_j x[t, j] (n = row length): mean removal without division. */
      readonly input: IntTensor;
      readonly out: IntTensor;
    })
  | (OpBase & {
      readonly op: 'sumsq';
      /** out[t] = Σ_i x[t, i]² + c (c: public integer, the norm's ε). */
      readonly input: IntTensor;
      readonly c: number;
      readonly out: IntTensor;
    })
  | (OpBase & {
      readonly op: 'rowmul';
      /** out[t, i] = x[t, i]·s[t]. */
      readonly input: IntTensor;
      readonly scale: IntTensor;
      readonly out: IntTensor;
    })
  | (OpBase & {
      readonly op: 'rope';
      /**
       * HF half-split RoPE per head, pairs (i, i + hd/2), public tables
       * C[p][i] = round(2^fr·cos(p·θ^(−2i/hd))), S likewise with sin:
       * out[i] = round((x[i]·C − x[i+hd/2]·S) / 2^fr), out[i+hd/2] = round((x[i+hd/2]·C + x[i]·S) / 2^fr),
       * rounding as in requant, then clamp to ±clamp.
       */
      readonly input: IntTensor;
      readonly positions: Int32Array;
      readonly heads: number;
      readonly headDim: number;
      readonly theta: number;
      /** |input| ≤ inputBound (the producing requant's range; absent: clamp). */
      readonly inputBound?: number;
      readonly fr: number;
      readonly clamp: number;
      readonly out: IntTensor;
    })
  | (OpBase & {
      readonly op: 'qk';
      /**
       * out[h, t, j] = Σ_i q[t, h·hd + i]·k[j, g(h)·hd + i] for j ≤ positions[t], else 0,
       * with g(h) = floor(h / (heads / kvHeads)) (GQA). out has shape [heads, T, T].
       */
      readonly q: IntTensor;
      readonly k: IntTensor;
      readonly heads: number;
      readonly kvHeads: number;
      readonly headDim: number;
      readonly out: IntTensor;
    })
  | (OpBase & {
      readonly op: 'softmax';
      /**
       * zkAttn softmax over the causal part of each row (j ≤ t): e = shift[h, t] − z ≥ 0,
       * digits of e in base 2^baseBits, p = product of digit exps with rescale
       * P ← round(P·E_k / 2^fp). Masked entries are 0. See docs/QUANTIZATION.md for the
       * row-sum bound.
       */
      readonly input: IntTensor;
      readonly shift: IntTensor;
      readonly params: SoftmaxParams;
      readonly out: IntTensor;
    })
  | (OpBase & {
      readonly op: 'pv';
      /** out[t, h·hd + i] = Σ_j p[h, t, j]·v[j, g(h)·hd + i]. */
      readonly p: IntTensor;
      readonly v: IntTensor;
      readonly heads: number;
      readonly kvHeads: number;
      readonly headDim: number;
      readonly out: IntTensor;
    })
  | (OpBase & {
      readonly op: 'rows';
      /** out[i, :] = x[rows[i], :]: the rows the model head runs on (public indices). */
      readonly input: IntTensor;
      readonly rows: Int32Array;
      readonly out: IntTensor;
    })
  | (OpBase & {
      readonly op: 'argmax';
      /** out[t] = smallest index j maximising x[t, j]. */
      readonly input: IntTensor;
      readonly out: IntTensor;
    });

export type TraceOpKind = TraceOp['op'];

export interface Trace {
  readonly tokens: Int32Array;
  readonly positions: Int32Array;
  readonly ops: TraceOp[];
  /** Number of requant/rope outputs that hit a clamp (0 on in-distribution inputs). */
  saturated: number;
}
