/**
 * Prover side of a rounds-only sumcheck inside a larger proof stream (the verifier's
 * sumcheck/rounds.ts `readRoundsSumcheck`): runs the rounds of Σ_x Σ_t c_t Π f_k(x) (the
 * prover computes the sum itself), writes only the round messages, and returns the
 * challenge point and the tables' final values (which the caller turns into claims or the
 * verifier recomputes).
 */
import type { ByteWriter, QuarticExtension, SumcheckTerm, Transcript } from '@zkllm/verifier';
import { proveSumcheckRounds, type MleTable } from './prover.js';

/** Where the rounds go: the proof writer and the shared transcript. */
export interface SumcheckSink {
  readonly E: QuarticExtension;
  readonly transcript: Transcript;
  readonly writer: ByteWriter;
}

export function proveRoundsSumcheck(
  ctx: SumcheckSink,
  numVars: number,
  degree: number,
  tables: readonly MleTable[],
  terms: readonly SumcheckTerm[],
): { point: Uint32Array; finalEvals: Uint32Array } {
  const out = proveSumcheckRounds({ numVars, tables, terms, degree }, ctx.transcript, { ext: ctx.E });
  for (const m of out.roundMessages) ctx.writer.exts(m);
  return { point: out.point, finalEvals: out.finalEvals };
}
