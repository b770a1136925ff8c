/**
 * The server's encoded weights: every linear of a quantized model laid out as the
 * coefficient-encoded plaintexts of `@zkllm/verifier` fhe/layout.ts, kept (a) as the
 * committed vector of signed integers mod BabyBear and (b) per RNS limb in the negacyclic
 * evaluation domain, where a plaintext × ciphertext product is pointwise.
 */
import {
  BabyBear,
  FHE_LIMBS,
  FheError,
  encodedPosition,
  fheWeightLayout,
  toEval,
  type FheLinearSpec,
  type FheParams,
  type FheWeightLayout,
} from '@zkllm/verifier';
import type { QLinear, QuantizedModel } from '../model/quant/quantize.js';

/** The model's linears in forward order (names are the committed weight names). */
export function modelLinears(model: QuantizedModel): QLinear[] {
  const out: QLinear[] = [];
  for (const L of model.layers) {
    out.push(L.wq, L.wk, L.wv, L.wo);
    if (L.gate) out.push(L.gate);
    out.push(L.up, L.down);
  }
  out.push(model.lmHead);
  return out;
}

export interface EncodedWeights {
  readonly layout: FheWeightLayout;
  readonly specs: readonly FheLinearSpec[];
  /** Signed integer value of every committed entry. */
  readonly signed: Int32Array;
  /** The committed vector (canonical BabyBear). */
  readonly committed: Uint32Array;
  /** Per limb, per block: the plaintext in the evaluation domain. */
  readonly evals: readonly (readonly Uint32Array[])[];
  readonly linears: ReadonlyMap<string, QLinear>;
  readonly maxBias: number;
}

export function encodeWeights(params: FheParams, linears: readonly QLinear[]): EncodedWeights {
  const N = params.polyDegree;
  const specs: FheLinearSpec[] = linears.map((l) => ({ name: l.name, rows: l.rows, cols: l.cols, hasBias: l.bias !== undefined }));
  const layout = fheWeightLayout(N, specs);
  const signed = new Int32Array(layout.length);
  let maxBias = 0;
  for (const lin of linears) {
    const l = layout.byName.get(lin.name)!;
    for (let r = 0; r < lin.rows; r++) {
      for (let c = 0; c < lin.cols; c++) {
        const { block, coeff } = encodedPosition(l, r, c);
        signed[block * N + coeff] = lin.w[r * lin.cols + c]!;
      }
    }
    if (lin.bias) {
      for (let r = 0; r < lin.rows; r++) {
        const b = lin.bias[r]!;
        signed[l.biasOffset + r] = b;
        maxBias = Math.max(maxBias, Math.abs(b));
      }
    }
  }
  const committed = new Uint32Array(layout.length);
  for (let i = 0; i < signed.length; i++) committed[i] = BabyBear.fromInt(signed[i]!);
  const evals = FHE_LIMBS.map((F) => {
    const blocks: Uint32Array[] = [];
    for (let k = 0; k < layout.totalBlocks; k++) {
      const poly = new Uint32Array(N);
      for (let i = 0; i < N; i++) {
        const v = signed[k * N + i]!;
        if (v !== 0) poly[i] = F.fromInt(v);
      }
      blocks.push(toEval(F, poly));
    }
    return blocks;
  });
  if (layout.linears.length !== linears.length) throw new FheError('layout mismatch');
  return { layout, specs, signed, committed, evals, linears: new Map(linears.map((l) => [l.name, l])), maxBias };
}
