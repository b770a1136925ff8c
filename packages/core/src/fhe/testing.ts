/** Test support for the FHE modules: deterministic random quantized linears. */
import { prng } from '../model/fixtures.js';
import type { QLinear } from '../model/quant/quantize.js';

/** int8 weights in [−127, 127] and, with `bias`, int32 biases in [−10⁴, 10⁴], from `seed`. */
export function randomLinear(name: string, rows: number, cols: number, seed: number, bias = false): QLinear {
  const rand = prng(seed);
  const w = new Int8Array(rows * cols);
  for (let i = 0; i < w.length; i++) w[i] = Math.floor(rand() * 255) - 127;
  const b = bias ? Int32Array.from({ length: rows }, () => Math.floor(rand() * 20001) - 10000) : undefined;
  return { name, rows, cols, w, scale: new Float64Array(rows).fill(1), bias: b };
}
