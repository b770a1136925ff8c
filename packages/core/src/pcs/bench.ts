/**
 * PCS benchmark: commit / open / verify times and proof size for vectors of 2^logSize
 * random base-field elements, with one evaluation claim and the default parameters.
 */
import {
  BabyBear,
  BabyBearExt4,
  ByteReader,
  ByteWriter,
  DEFAULT_PCS_PARAMS,
  Transcript,
  decodePcsProof,
  encodePcsProof,
  evalMleBase,
  verifyOpening,
  type EvalClaim,
  type PcsCommitment,
  type PcsParams,
} from '@zkllm/verifier';
import { pcsCommit, pcsOpen } from './prover.js';
import { xorshift32 } from './rng.js';

export interface PcsBenchRow {
  logSize: number;
  commitMs: number;
  openMs: number;
  verifyMs: number;
  proofBytes: number;
}

const rng = xorshift32;

const WARMUP = [10, 12, 12, 12];

function verifyOnce(bytes: Uint8Array, logSize: number, commitment: PcsCommitment, claims: EvalClaim[], params: PcsParams): void {
  const r = new ByteReader(bytes);
  const decoded = decodePcsProof(r, logSize, params);
  r.finish();
  verifyOpening(commitment, claims, decoded, new Transcript('zkllm-pcs-bench', BabyBearExt4), params);
}

/**
 * Times commit, open (+ encode) and decode + verify for each size. Unreported warm-up runs
 * at 2^10–2^12 first, so the first reported size does not pay for JIT compilation.
 */
export function benchPcs(logSizes: number[], params: PcsParams = DEFAULT_PCS_PARAMS): PcsBenchRow[] {
  const rows = runBench([...WARMUP, ...logSizes], params);
  return rows.slice(WARMUP.length);
}

function runBench(logSizes: number[], params: PcsParams): PcsBenchRow[] {
  const F = BabyBear;
  const E = BabyBearExt4;
  const rows: PcsBenchRow[] = [];
  for (const logSize of logSizes) {
    const next = rng(0x5eed + logSize);
    const values = new Uint32Array(1 << logSize);
    for (let i = 0; i < values.length; i++) values[i] = F.randomFrom(next);
    const point = new Uint32Array(4 * logSize);
    for (let i = 0; i < point.length; i++) point[i] = F.randomFrom(next);
    const claims = [{ point, value: evalMleBase(E, values, point) }];

    let t = performance.now();
    const { commitment, state } = pcsCommit(values, params);
    const commitMs = performance.now() - t;

    t = performance.now();
    const proof = pcsOpen(state, claims, new Transcript('zkllm-pcs-bench', E), params);
    const w = new ByteWriter(1 << 16);
    encodePcsProof(w, proof);
    const bytes = w.finish();
    const openMs = performance.now() - t;

    // Steady-state verification: one untimed run first, because V8 may have flushed the
    // verifier's compiled code during the GCs of the large commit/open just before (a cold
    // verification in a fresh process took 55–60 ms at 2^20 instead of 10–18 ms).
    verifyOnce(bytes, logSize, commitment, claims, params);
    t = performance.now();
    verifyOnce(bytes, logSize, commitment, claims, params);
    const verifyMs = performance.now() - t;

    rows.push({ logSize, commitMs, openMs, verifyMs, proofBytes: bytes.length });
  }
  return rows;
}
