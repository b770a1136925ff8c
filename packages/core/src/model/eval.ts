/**
 * Accuracy of the quantized pass against the float reference, teacher-forced on a
 * held-out text: greedy top-1 agreement, logit error in float units, and perplexity of
 * both passes.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { floatLogits, type FloatModel } from './float.js';
import type { LoadedModel } from './load.js';
import { DEFAULT_CALIBRATION_TEXT } from './quant/calibrate.js';
import { QuantSession } from './quant/forward.js';
import { quantizeModel, type QuantizedModel } from './quant/quantize.js';

export interface AccuracyReport {
  /** Fraction of positions whose quantized argmax equals the float argmax. */
  readonly agreement: number;
  readonly maxLogitError: number;
  readonly meanLogitError: number;
  readonly perplexityFloat: number;
  readonly perplexityQuantized: number;
  /** Positions compared (all positions of all windows). */
  readonly positions: number;
  /** Outputs that hit a clamp in the quantized pass. */
  readonly saturated: number;
}

function logSoftmaxAt(logits: ArrayLike<number>, off: number, n: number, target: number, scale: number): number {
  let max = -Infinity;
  for (let j = 0; j < n; j++) max = Math.max(max, logits[off + j]! * scale);
  let s = 0;
  for (let j = 0; j < n; j++) s += Math.exp(logits[off + j]! * scale - max);
  return logits[off + target]! * scale - max - Math.log(s);
}

function rowArgmax(v: ArrayLike<number>, off: number, n: number): number {
  let best = 0;
  for (let j = 1; j < n; j++) if (v[off + j]! > v[off + best]!) best = j;
  return best;
}

/**
 * Splits tokens into windows no longer than the context (and `maxWindow`), each a
 * teacher-forced pass of its own.
 */
export function windows(tokens: readonly number[], maxLen: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < tokens.length; i += maxLen) out.push(tokens.slice(i, i + maxLen));
  return out.filter((w) => w.length >= 2);
}

export function evaluateTokens(float: FloatModel, quant: QuantizedModel, tokenWindows: readonly (readonly number[])[]): AccuracyReport {
  const V = float.config.vocabSize;
  let agree = 0;
  let n = 0;
  let maxErr = 0;
  let sumErr = 0;
  let errCount = 0;
  let nllF = 0;
  let nllQ = 0;
  let nll = 0;
  let saturated = 0;
  for (const w of tokenWindows) {
    const fl = floatLogits(float, w);
    const s = new QuantSession(quant, { maxSeq: w.length });
    const r = s.forward(w);
    saturated += r.saturated;
    const ql = r.logits;
    const sc = quant.logitScale;
    for (let t = 0; t < w.length; t++) {
      const off = t * V;
      if (rowArgmax(fl, off, V) === r.argmax[t]) agree++;
      n++;
      for (let j = 0; j < V; j++) {
        const e = Math.abs(fl[off + j]! - ql[off + j]! * sc);
        if (e > maxErr) maxErr = e;
        sumErr += e;
      }
      errCount += V;
      if (t + 1 < w.length) {
        const target = w[t + 1]!;
        nllF -= logSoftmaxAt(fl, off, V, target, 1);
        nllQ -= logSoftmaxAt(ql, off, V, target, sc);
        nll++;
      }
    }
  }
  if (n === 0) throw new RangeError('evaluation text is too short (needs at least 2 tokens)');
  return {
    agreement: agree / n,
    maxLogitError: maxErr,
    meanLogitError: sumErr / errCount,
    perplexityFloat: Math.exp(nllF / Math.max(1, nll)),
    perplexityQuantized: Math.exp(nllQ / Math.max(1, nll)),
    positions: n,
    saturated,
  };
}

/** Calibration sequences for a loaded model: `calibration.txt` in its directory, else a built-in text. */
export function calibrationSequences(model: LoadedModel, maxLen = 128): number[][] {
  const path = join(model.dir, 'calibration.txt');
  const text = existsSync(path) ? readFileSync(path, 'utf8') : DEFAULT_CALIBRATION_TEXT;
  return windows(model.tokenizer.encode(text), Math.min(maxLen, model.config.maxPositions));
}

/** Quantizes a loaded model with its calibration set. */
export function quantizeLoaded(model: LoadedModel): QuantizedModel {
  return quantizeModel(model, { calibration: calibrationSequences(model) });
}

/** Evaluation text bundled with the model (`eval.txt`), if any. */
export function defaultEvalText(model: LoadedModel): string | undefined {
  const p = join(model.dir, 'eval.txt');
  return existsSync(p) ? readFileSync(p, 'utf8') : undefined;
}

/**
 * `evaluateAccuracy(model, text)`: quantizes the model (unless a quantized model is
 * given) and compares both passes on `text`, in windows of at most `maxWindow` tokens.
 */
export function evaluateAccuracy(
  model: LoadedModel,
  text: string,
  opts: { quantized?: QuantizedModel; maxWindow?: number } = {},
): AccuracyReport {
  const q = opts.quantized ?? quantizeLoaded(model);
  const toks = model.tokenizer.encode(text);
  return evaluateTokens(model, q, windows(toks, Math.min(opts.maxWindow ?? 128, model.config.maxPositions)));
}
