/**
 * Sumcheck benchmark: a product of 2 and of 3 random base-field multilinears over 2^20
 * variables' worth of entries (the shapes of matmul and of gated / lookup products).
 * Called by the bench runner; returns one row per shape.
 */
import {
  BabyBear,
  BabyBearExt4,
  ByteReader,
  ByteWriter,
  Transcript,
  decodeSumcheckProof,
  encodeSumcheckProof,
  verifySumcheck,
  type SumcheckTerm,
} from '@zkllm/verifier';
import { proveSumcheck, type MleTable } from './prover.js';

export interface SumcheckBenchRow {
  shape: 'prod2' | 'prod3';
  logSize: number;
  proveMs: number;
  verifyMs: number;
  proofBytes: number;
}

function randomBase(n: number, seed: number): Uint32Array {
  // xorshift32 → rejection-free reduction is fine for benchmark data.
  let s = seed >>> 0 || 1;
  const out = new Uint32Array(n);
  const p = BabyBear.p;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = s % p;
  }
  return out;
}

const DOMAIN = 'zkllm/bench/sumcheck';

/** Runs each shape once after two warm-ups on 2^14 (keeps the bench short on 2 cores). */
export function benchSumcheck(logSize = 20): SumcheckBenchRow[] {
  const rows: SumcheckBenchRow[] = [];
  for (const shape of ['prod2', 'prod3'] as const) {
    const k = shape === 'prod2' ? 2 : 3;
    const terms: SumcheckTerm[] = [{ coeff: BabyBearExt4.one(), factors: Array.from({ length: k }, (_, i) => i) }];
    const run = (log: number) => {
      const tables: MleTable[] = Array.from({ length: k }, (_, i) => ({
        kind: 'base' as const,
        data: randomBase(2 ** log, 0x9e3779b9 + 7919 * i + log),
      }));
      const t0 = performance.now();
      const out = proveSumcheck({ numVars: log, tables, terms }, new Transcript(DOMAIN, BabyBearExt4));
      const proveMs = performance.now() - t0;
      const w = new ByteWriter();
      encodeSumcheckProof(w, out.proof);
      const bytes = w.finish();
      const t1 = performance.now();
      const reader = new ByteReader(bytes);
      const proof = decodeSumcheckProof(reader, log, k, k);
      reader.finish();
      const res = verifySumcheck(
        { numVars: log, numTables: k, terms, claim: out.claim },
        proof,
        new Transcript(DOMAIN, BabyBearExt4),
      );
      const verifyMs = performance.now() - t1;
      if (!BabyBearExt4.equals(res.finalEvals.subarray(0, 4), out.finalEvals.subarray(0, 4))) {
        throw new Error('bench: verifier disagrees with prover');
      }
      return { proveMs, verifyMs, proofBytes: bytes.length };
    };
    // Warm-up: the kernels are large straight-line functions; let the JIT optimise them first.
    run(Math.min(14, logSize));
    run(Math.min(14, logSize));
    const r = run(logSize);
    rows.push({ shape, logSize, proveMs: round(r.proveMs), verifyMs: round(r.verifyMs), proofBytes: r.proofBytes });
  }
  return rows;
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
