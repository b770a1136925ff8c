/**
 * Generation-proof benchmark: commit, prove, verify, proof bytes and peak RSS for the
 * bundled model and synthetic LLaMA configs, next to plain float inference of the same
 * forward pass measured in the same process (median of 9 passes after 3 warm-up passes;
 * `ratio` = steady-state prove / float, `ratioFirst` = first proof / float).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyProof } from '@zkllm/verifier';
import { proveGeneration } from '../generation/prover.js';
import { PROVERS } from '../generation/registry.js';
import { fixtureConfig, makeFixtureWeights, writeHfModelDir, type FixtureSpec } from '../model/fixtures.js';
import { floatLogits } from '../model/float.js';
import { generateQuant } from '../model/quant/forward.js';
import { ZkModel } from '../zkmodel.js';
import { proofSecurity, witnessComposition, type ProofSecurity, type WitnessComposition } from './witness.js';

export interface ModelBenchRow {
  model: string;
  tokens: number;
  generated: number;
  commitMs: number;
  /**
   * Steady-state prove time: median of `proveRunsMs` after the first proof of this row (as a
   * server proving one request after another sees it). Equals `proveFirstMs` when the row
   * ran one proof only.
   */
  proveMs: number;
  /**
   * The row's first proof. For the first row of a process this is a cold start (JIT
   * compilation of the prover's kernels, wasm modules, pool threads, caches: what a one-shot
   * `zkllm prove` pays); later rows inherit what earlier rows warmed up.
   */
  proveFirstMs: number;
  /** Every later proof of the same statement (proof bytes checked identical). */
  proveRunsMs: number[];
  verifyMs: number;
  proofBytes: number;
  floatMs: number;
  /** proveMs / floatMs: both steady state (the float pass is the median of 9 passes after 3 warm-up passes). */
  ratio: number;
  /** proveFirstMs / floatMs. */
  ratioFirst: number;
  peakRssMB: number;
  breakdownMs: Record<string, number>;
  breakdownBytes: Record<string, number>;
  /** The witness commitment by tensor role (bench/witness.ts). */
  witness: WitnessComposition;
  /** Conjectured soundness of this proof in bits (generationSecurityBits, docs/SECURITY.md §3–4). */
  security: ProofSecurity;
}

/**
 * A row that could not be measured (e.g. a vector too large for any PCS rate): the bench
 * goes on with the next one. Without `tokens` the model itself failed (load or commit).
 */
export interface ModelBenchFailure {
  model: string;
  tokens?: number;
  error: string;
  peakRssMB: number;
}

function failure(model: string, e: unknown, tokens?: number): ModelBenchFailure {
  const error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  process.stderr.write(`bench: ${model}${tokens === undefined ? '' : ` @ ${tokens} tokens`}: failed: ${error}\n`);
  return { model, ...(tokens === undefined ? {} : { tokens }), error, peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024) };
}

const STORIES15M_NAME = 'stories15M-shaped (random)';
/** stories15M's shape (dim 288, 6 layers, 6 heads, hidden 768, vocab 32000), random weights. */
export const STORIES15M: FixtureSpec = {
  family: 'llama', vocabSize: 32000, hiddenSize: 288, intermediateSize: 768, numLayers: 6,
  numHeads: 6, numKvHeads: 6, headDim: 48, maxPositions: 256, tied: true, seed: 15, style: 'random',
};

/** Commits `model` once, then proves and verifies one generation per total length (`generated` of them generated). */
export function benchOne(name: string, model: ZkModel, totals: readonly number[], generated: number, runs = 1): (ModelBenchRow | ModelBenchFailure)[] {
  const t0 = performance.now();
  let committed;
  try {
    committed = model.commitment();
  } catch (e) {
    return [failure(name, e)];
  }
  const commitMs = performance.now() - t0;
  const commitmentJson = JSON.parse(JSON.stringify(committed.file)) as unknown;
  const rows: (ModelBenchRow | ModelBenchFailure)[] = [];
  for (const total of totals) {
    if (total > model.loaded.config.maxPositions) continue;
    try {
      rows.push(benchRow(name, model, committed, commitmentJson, commitMs, total, generated, runs));
    } catch (e) {
      rows.push(failure(name, e, total));
    }
    // Rows are independent: free one row's proof state before the next (with --expose-gc).
    (globalThis as { gc?: () => void }).gc?.();
  }
  return rows;
}

function benchRow(
  name: string,
  model: ZkModel,
  committed: ReturnType<ZkModel['commitment']>,
  commitmentJson: unknown,
  commitMs: number,
  total: number,
  generated: number,
  runs: number,
): ModelBenchRow {
  const promptLen = total - generated;
  let s = 7;
  const V = model.loaded.config.vocabSize;
  const prompt = Array.from({ length: promptLen }, () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) % V);
  const out = generateQuant(model.quantized, prompt, { maxTokens: generated });
  const all = [...prompt, ...out];
  // Warm the float kernels on the full pass (a short pass left them half-compiled: the
  // first row's median came out 31–55 ms at 32 tokens from run to run), then the median of
  // 9: one pass of the small model is tens of ms, within timer and scheduler noise, and the
  // ratio divides by it.
  for (let k = 0; k < 3; k++) floatLogits(model.loaded, all);
  const floatRuns: number[] = [];
  for (let k = 0; k < 9; k++) {
    const f0 = performance.now();
    floatLogits(model.loaded, all);
    floatRuns.push(performance.now() - f0);
  }
  const floatMs = floatRuns.sort((a, b) => a - b)[4]!;
  const input = { promptTokens: prompt, outputTokens: out, stop: 'length' as const };
  const p0 = performance.now();
  const { bytes, timings } = proveGeneration(model.quantized, committed, PROVERS, input);
  const proveFirstMs = performance.now() - p0;
  const proveRunsMs: number[] = [];
  for (let k = 1; k < runs; k++) {
    (globalThis as { gc?: () => void }).gc?.();
    const q0 = performance.now();
    const again = proveGeneration(model.quantized, committed, PROVERS, input).bytes;
    proveRunsMs.push(performance.now() - q0);
    // Proving is deterministic: a repeat that differs is a bug, not noise.
    if (again.length !== bytes.length || again.some((b, i) => b !== bytes[i])) throw new Error('a repeated proof of the same statement differs');
  }
  const proveMs = proveRunsMs.length > 0 ? [...proveRunsMs].sort((a, b) => a - b)[proveRunsMs.length >> 1]! : proveFirstMs;
  const v0 = performance.now();
  const r = verifyProof(bytes, commitmentJson);
  const verifyMs = performance.now() - v0;
  if (!r.valid) throw new Error(`benchmark proof did not verify: ${r.reason}`);
  const breakdownMs: Record<string, number> = {
    trace: timings.traceMs,
    witnessCommit: timings.witnessCommitMs,
    lookups: timings.lookupsMs,
    openings: timings.openingsMs,
  };
  for (const [k, v] of Object.entries(timings.perKind)) breakdownMs[`layer:${k}`] = v;
  for (const [k, v] of Object.entries(timings.steps)) breakdownMs[`step:${k}`] = v;
  for (const k of Object.keys(breakdownMs)) breakdownMs[k] = Math.round(breakdownMs[k]!);
  const row: ModelBenchRow = {
    model: name,
    tokens: all.length,
    generated: out.length,
    commitMs: Math.round(commitMs),
    proveMs: Math.round(proveMs),
    proveFirstMs: Math.round(proveFirstMs),
    proveRunsMs: proveRunsMs.map(Math.round),
    verifyMs: Math.round(verifyMs),
    proofBytes: bytes.length,
    floatMs: Math.round(floatMs * 10) / 10,
    ratio: Math.round(proveMs / floatMs),
    ratioFirst: Math.round(proveFirstMs / floatMs),
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    breakdownMs,
    breakdownBytes: {
      ...timings.bytes,
      witnessOpening: timings.stats.openingBytes.witness,
      weightsOpening: timings.stats.openingBytes.weights,
      zeroChecks: timings.stats.layerBytes['zerocheck'] ?? 0,
    },
    witness: witnessComposition(timings.stats),
    security: proofSecurity(timings.stats),
  };
  process.stderr.write(`bench: ${name} @ ${all.length} tokens: prove ${Math.round(proveMs)} ms (first ${Math.round(proveFirstMs)} ms), verify ${Math.round(verifyMs)} ms, ${bytes.length} bytes\n`);
  return row;
}

/**
 * Proofs per row: the first, then `runs − 1` repeats whose median is the steady-state
 * figure. The bundled model's rows take seconds: 3 repeats by default; a stories15M-shaped
 * proof takes ~40 s and ~12 GB: one repeat there.
 */
export function benchModels(opts: { quick: boolean; synthetic: boolean; runs?: number }): (ModelBenchRow | ModelBenchFailure)[] {
  const rows: (ModelBenchRow | ModelBenchFailure)[] = [];
  const runs = opts.runs ?? (opts.quick ? 1 : 4);
  rows.push(...benchOne('tiny-moby (bundled)', ZkModel.load(), opts.quick ? [16] : [32, 64, 128], 4, runs));
  if (opts.synthetic && !opts.quick) {
    const dir = mkdtempSync(join(tmpdir(), 'zkllm-bench-'));
    try {
      let model: ZkModel | undefined;
      try {
        writeHfModelDir(dir, fixtureConfig(STORIES15M), makeFixtureWeights(STORIES15M));
        model = ZkModel.load(dir);
      } catch (e) {
        rows.push(failure(STORIES15M_NAME, e));
      }
      if (model) rows.push(...benchOne(STORIES15M_NAME, model, [32, 64, 128], 4, Math.min(runs, 2)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return rows;
}
