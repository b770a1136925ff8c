/**
 * Prover side of a rounds-only sumcheck inside a larger proof stream (the verifier's
 * sumcheck/rounds.ts `readRoundsSumcheck`): runs the rounds of Σ_x Σ_t c_t Π f_k(x) (the
 * prover computes the sum itself), writes only the round messages, and returns the
 * challenge point and the tables' final values (which the caller turns into claims or the
 * verifier recomputes).
 */
import { evalMleBase, evalMleExt, evalSumcheckTerms, type ByteWriter, type Ext, type QuarticExtension, type SumcheckTerm, type Transcript } from '@zkllm/verifier';
import { proveSumcheckRounds, type MleTable } from './prover.js';
import { proveEqSumcheckRounds } from './zerocheck.js';
import { evalMleFast } from '../poly/mle.js';
import { eqTableFast } from '../poly/eq.js';

/** Whether a point (ext vector) is all zeros: the dry run's points (layers/context.ts). */
export function isOrigin(point: Uint32Array): boolean {
  for (let i = 0; i < point.length; i++) if (point[i] !== 0) return false;
  return true;
}

/** Where the rounds go: the proof writer and the shared transcript. */
export interface SumcheckSink {
  readonly E: QuarticExtension;
  readonly transcript: Transcript;
  readonly writer: ByteWriter;
  /**
   * A dry run (the generation driver's pass that only lists claims and lookups, with a
   * throwaway transcript and writer): no rounds are computed; see {@link dryRunRounds}.
   */
  readonly dryRun?: boolean;
}

/**
 * What a dry run needs from a sumcheck whose final values it checks (a zero-check): a
 * point of the right dimension and the tables' true values there (so later claims and checks
 * are consistent). The point comes from the throwaway transcript; nothing is written. At the
 * origin (the dry-run context's transcript draws only zeros) a table's value is its first
 * entry; elsewhere one evaluation per table. Never used for a proof.
 */
export function dryRunRounds(
  E: QuarticExtension,
  transcript: Transcript,
  numVars: number,
  tables: readonly MleTable[],
  terms: readonly SumcheckTerm[],
): { point: Uint32Array; finalEvals: Uint32Array; finalClaim: Ext } {
  const point = new Uint32Array(4 * numVars);
  for (let i = 0; i < numVars; i++) point.set(transcript.challengeExt('dry-run/r'), 4 * i);
  const finalEvals = new Uint32Array(4 * tables.length);
  const origin = isOrigin(point);
  // The split-eq evaluators (the same values as evalMleBase / evalMleExt, several times faster).
  let eq: Uint32Array | undefined;
  tables.forEach((t, k) => {
    const full = t.data.length === (t.kind === 'base' ? 1 : 4) << numVars;
    let v: Ext;
    if (origin) v = t.kind === 'base' ? Uint32Array.of(t.data[0] ?? 0, 0, 0, 0) : t.data.slice(0, 4);
    else if (!full) v = t.kind === 'base' ? evalMleBase(E, t.data, point) : evalMleExt(E, t.data, point);
    else if (t.kind === 'base') v = evalMleFast(E, t.data, point);
    else v = E.innerProduct(t.data, (eq ??= eqTableFast(E, point)));
    finalEvals.set(v, 4 * k);
  });
  return { point, finalEvals, finalClaim: evalSumcheckTerms(E, terms, finalEvals) };
}

/**
 * The rounds of Σ_x Σ_t c_t Π f_k(x): returns the challenge point and the tables' final
 * values. `tables` may be a function, so that a dry run (ctx.dryRun) never builds them: it
 * returns a zero point (the dry-run transcript's challenges) and ZERO final values without
 * computing anything — dry-run callers only forward those values, they check nothing.
 */
export function proveRoundsSumcheck(
  ctx: SumcheckSink,
  numVars: number,
  degree: number,
  tables: readonly MleTable[] | (() => readonly MleTable[]),
  terms: readonly SumcheckTerm[],
): { point: Uint32Array; finalEvals: Uint32Array } {
  if (ctx.dryRun) {
    const point = new Uint32Array(4 * numVars);
    for (let i = 0; i < numVars; i++) point.set(ctx.transcript.challengeExt('dry-run/r'), 4 * i);
    const count = terms.reduce((m, t) => Math.max(m, ...t.factors.map((f) => f + 1)), 0);
    return { point, finalEvals: new Uint32Array(4 * count) };
  }
  const out = proveSumcheckRounds({ numVars, tables: typeof tables === 'function' ? tables() : tables, terms, degree }, ctx.transcript, { ext: ctx.E });
  for (const m of out.roundMessages) ctx.writer.exts(m);
  return { point: out.point, finalEvals: out.finalEvals };
}

/**
 * {@link proveRoundsSumcheck} for a zero-check statement: `tables()[0]` must be eq(r, ·) as
 * eqTableFast(E, r) builds it (trusted, not rebuilt to check) and every term must carry factor
 * 0 at most once. Same messages, point and final values (the eq-aware prover of
 * zerocheck.ts, which falls back to the generic one for any other shape);
 * it shares its kernel with the requant zero-checks instead of compiling one more product
 * kernel per process.
 */
export function proveEqRoundsSumcheck(
  ctx: SumcheckSink,
  numVars: number,
  degree: number,
  r: Uint32Array,
  tables: () => readonly MleTable[],
  terms: readonly SumcheckTerm[],
): { point: Uint32Array; finalEvals: Uint32Array } {
  if (ctx.dryRun) return proveRoundsSumcheck(ctx, numVars, degree, tables, terms);
  const out = proveEqSumcheckRounds({ numVars, tables: tables(), terms, degree }, r, ctx.transcript, { ext: ctx.E, trustedEq: true });
  for (const m of out.roundMessages) ctx.writer.exts(m);
  return { point: out.point, finalEvals: out.finalEvals };
}
