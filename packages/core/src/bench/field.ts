/** Field micro-benchmarks: ns per base-field and extension-field multiply. */
import { BabyBear, BabyBearExt4, KoalaBear, KoalaBearExt4, type PrimeField, type QuarticExtension } from '@zkllm/verifier';

export interface FieldBench {
  field: string;
  baseMulNs: number;
  baseMulVecNs: number;
  extMulNs: number;
}

function randomVec(F: PrimeField, n: number, seed: number): Uint32Array {
  const out = new Uint32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s % F.p;
  }
  return out;
}

function timeNs(fn: () => void, ops: number, reps = 5): number {
  fn(); // warm up so the JIT has compiled the kernel
  let best = Infinity;
  for (let r = 0; r < reps; r++) {
    const t0 = process.hrtime.bigint();
    fn();
    best = Math.min(best, Number(process.hrtime.bigint() - t0));
  }
  return best / ops;
}

export function benchField(F: PrimeField, E: QuarticExtension): FieldBench {
  const n = 1 << 18;
  const a = randomVec(F, n, 1);
  const b = randomVec(F, n, 2);
  const out = new Uint32Array(n);
  // Dependent chain: latency of one multiply including reduction.
  let sink = 0;
  const chain = 1 << 21;
  const baseMulNs = timeNs(() => {
    let x = a[0]!;
    const y = b[1]!;
    for (let i = 0; i < chain; i++) x = F.mul(x, y);
    sink ^= x;
  }, chain);
  const baseMulVecNs = timeNs(() => F.mulVec(out, a, b), n);
  const m = n / 4;
  const extMulNs = timeNs(() => {
    for (let i = 0; i < m; i++) E.mulAt(out, 4 * i, a, 4 * i, b, 4 * i);
  }, m);
  if (sink === 0.5) console.log(sink); // keep the chain observable
  return { field: F.name, baseMulNs: round(baseMulNs), baseMulVecNs: round(baseMulVecNs), extMulNs: round(extMulNs) };
}

export function benchFields(): FieldBench[] {
  return [benchField(BabyBear, BabyBearExt4), benchField(KoalaBear, KoalaBearExt4)];
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
