/**
 * Float32 reference forward pass with a KV cache, and greedy generation.
 *
 * This is the ground truth the quantized pass is measured against. It optionally
 * reports named intermediate tensors to an observer, which is how activation scales
 * are calibrated for the quantized pass (see quant/calibrate.ts): the observation
 * points are exactly the tensors the quantized pass stores as integers.
 */
import type { ModelConfig } from './config.js';
import type { ModelWeights } from './weights.js';

export interface FloatModel {
  readonly config: ModelConfig;
  readonly weights: ModelWeights;
}

/**
 * Observation points. `xhat` points are normalised vectors *before* the norm gain, since
 * the quantized pass folds the gain into the following matmul.
 */
export type ObservePoint =
  | 'embed'
  | 'attn.xhat'
  | 'q'
  | 'k'
  | 'v'
  | 'scores'
  | 'attn.out'
  | 'attn.proj'
  | 'resid.attn'
  | 'ffn.xhat'
  | 'gate'
  | 'up'
  | 'act'
  | 'hidden'
  | 'down'
  | 'resid.ffn'
  | 'final.xhat'
  | 'logits';

export type Observer = (point: ObservePoint, layer: number, data: Float32Array) => void;

export function silu(x: number): number {
  return x / (1 + Math.exp(-x));
}

const GELU_C = Math.sqrt(2 / Math.PI);
export function geluNew(x: number): number {
  return 0.5 * x * (1 + Math.tanh(GELU_C * (x + 0.044715 * x * x * x)));
}

/** out[o] = Σ_i w[o, i]·x[i] (+ b[o]); w is [rows, cols] row-major. */
export function matvec(out: Float32Array, w: Float32Array, x: Float32Array, rows: number, cols: number, b?: Float32Array): void {
  for (let o = 0; o < rows; o++) {
    let acc = 0;
    const base = o * cols;
    for (let i = 0; i < cols; i++) acc += w[base + i]! * x[i]!;
    out[o] = b ? acc + b[o]! : acc;
  }
}

export class FloatSession {
  readonly config: ModelConfig;
  private readonly w: ModelWeights;
  readonly maxSeq: number;
  /** Number of positions already in the cache. */
  pos = 0;
  private readonly kCache: Float32Array;
  private readonly vCache: Float32Array;
  private readonly x: Float32Array;
  private readonly xhat: Float32Array;
  private readonly xn: Float32Array;
  private readonly q: Float32Array;
  private readonly k: Float32Array;
  private readonly v: Float32Array;
  private readonly att: Float32Array;
  private readonly attOut: Float32Array;
  private readonly proj: Float32Array;
  private readonly g: Float32Array;
  private readonly u: Float32Array;
  private readonly a: Float32Array;
  private readonly h: Float32Array;
  private readonly logits: Float32Array;
  private readonly cos: Float32Array;
  private readonly sin: Float32Array;
  observer: Observer | undefined;

  constructor(model: FloatModel, opts: { maxSeq?: number; observer?: Observer } = {}) {
    const c = model.config;
    this.config = c;
    this.w = model.weights;
    this.maxSeq = Math.min(opts.maxSeq ?? c.maxPositions, c.maxPositions);
    this.observer = opts.observer;
    const kvDim = c.numKvHeads * c.headDim;
    const qDim = c.numHeads * c.headDim;
    this.kCache = new Float32Array(c.numLayers * this.maxSeq * kvDim);
    this.vCache = new Float32Array(c.numLayers * this.maxSeq * kvDim);
    const d = c.hiddenSize;
    this.x = new Float32Array(d);
    this.xhat = new Float32Array(d);
    this.xn = new Float32Array(d);
    this.q = new Float32Array(qDim);
    this.k = new Float32Array(kvDim);
    this.v = new Float32Array(kvDim);
    this.att = new Float32Array(this.maxSeq);
    this.attOut = new Float32Array(qDim);
    this.proj = new Float32Array(d);
    this.g = new Float32Array(c.intermediateSize);
    this.u = new Float32Array(c.intermediateSize);
    this.a = new Float32Array(c.intermediateSize);
    this.h = new Float32Array(c.intermediateSize);
    this.logits = new Float32Array(c.vocabSize);
    const half = c.headDim / 2;
    this.cos = new Float32Array(half);
    this.sin = new Float32Array(half);
  }

  reset(): void {
    this.pos = 0;
  }

  /** Feeds one token at the next position; returns a view of the logits (reused buffer). */
  step(token: number): Float32Array {
    const c = this.config;
    const W = this.w;
    if (!Number.isInteger(token) || token < 0 || token >= c.vocabSize) throw new RangeError(`token id ${token} out of range [0, ${c.vocabSize})`);
    if (this.pos >= this.maxSeq) throw new RangeError(`sequence longer than the context window (${this.maxSeq})`);
    const pos = this.pos;
    const d = c.hiddenSize;
    const hd = c.headDim;
    const kvDim = c.numKvHeads * hd;
    const qDim = c.numHeads * hd;
    const obs = this.observer;
    const x = this.x;
    x.set(W.embed.subarray(token * d, token * d + d));
    if (W.posEmbed) for (let i = 0; i < d; i++) x[i]! += W.posEmbed[pos * d + i]!;
    obs?.('embed', -1, x);
    if (c.family === 'llama') {
      const half = hd / 2;
      for (let i = 0; i < half; i++) {
        const ang = pos * Math.pow(c.ropeTheta, (-2 * i) / hd);
        this.cos[i] = Math.cos(ang);
        this.sin[i] = Math.sin(ang);
      }
    }
    const group = c.numHeads / c.numKvHeads;
    const invSqrt = 1 / Math.sqrt(hd);
    for (let l = 0; l < c.numLayers; l++) {
      const L = W.layers[l]!;
      this.norm(L.attnNorm, L.attnNormBias);
      obs?.('attn.xhat', l, this.xhat);
      matvec(this.q, L.wq, this.xn, qDim, d, L.bq);
      matvec(this.k, L.wk, this.xn, kvDim, d, L.bk);
      matvec(this.v, L.wv, this.xn, kvDim, d, L.bv);
      if (c.family === 'llama') {
        ropeHalf(this.q, c.numHeads, hd, this.cos, this.sin);
        ropeHalf(this.k, c.numKvHeads, hd, this.cos, this.sin);
      }
      obs?.('q', l, this.q);
      obs?.('k', l, this.k);
      obs?.('v', l, this.v);
      const cacheBase = l * this.maxSeq * kvDim;
      this.kCache.set(this.k, cacheBase + pos * kvDim);
      this.vCache.set(this.v, cacheBase + pos * kvDim);
      const att = this.att.subarray(0, pos + 1);
      for (let h = 0; h < c.numHeads; h++) {
        const kvh = Math.floor(h / group);
        const qo = h * hd;
        let max = -Infinity;
        for (let t = 0; t <= pos; t++) {
          const ko = cacheBase + t * kvDim + kvh * hd;
          let s = 0;
          for (let i = 0; i < hd; i++) s += this.q[qo + i]! * this.kCache[ko + i]!;
          s *= invSqrt;
          att[t] = s;
          if (s > max) max = s;
        }
        obs?.('scores', l, att);
        let sum = 0;
        for (let t = 0; t <= pos; t++) {
          const e = Math.exp(att[t]! - max);
          att[t] = e;
          sum += e;
        }
        for (let i = 0; i < hd; i++) this.attOut[qo + i] = 0;
        for (let t = 0; t <= pos; t++) {
          const p = att[t]! / sum;
          const vo = cacheBase + t * kvDim + kvh * hd;
          for (let i = 0; i < hd; i++) this.attOut[qo + i]! += p * this.vCache[vo + i]!;
        }
      }
      obs?.('attn.out', l, this.attOut);
      matvec(this.proj, L.wo, this.attOut, d, qDim, L.bo);
      obs?.('attn.proj', l, this.proj);
      for (let i = 0; i < d; i++) x[i]! += this.proj[i]!;
      obs?.('resid.attn', l, x);
      this.norm(L.ffnNorm, L.ffnNormBias);
      obs?.('ffn.xhat', l, this.xhat);
      const ff = c.intermediateSize;
      if (c.family === 'llama') {
        matvec(this.g, L.wGate!, this.xn, ff, d);
        matvec(this.u, L.wUp, this.xn, ff, d);
        obs?.('gate', l, this.g);
        obs?.('up', l, this.u);
        for (let i = 0; i < ff; i++) this.a[i] = silu(this.g[i]!);
        obs?.('act', l, this.a);
        for (let i = 0; i < ff; i++) this.h[i] = this.a[i]! * this.u[i]!;
      } else {
        matvec(this.g, L.wUp, this.xn, ff, d, L.bUp);
        obs?.('gate', l, this.g);
        for (let i = 0; i < ff; i++) this.h[i] = geluNew(this.g[i]!);
      }
      obs?.('hidden', l, this.h);
      matvec(this.proj, L.wDown, this.h, d, ff, L.bDown);
      obs?.('down', l, this.proj);
      for (let i = 0; i < d; i++) x[i]! += this.proj[i]!;
      obs?.('resid.ffn', l, x);
    }
    this.norm(W.finalNorm, W.finalNormBias);
    obs?.('final.xhat', -1, this.xhat);
    matvec(this.logits, W.lmHead, this.xn, c.vocabSize, d);
    obs?.('logits', -1, this.logits);
    this.pos++;
    return this.logits;
  }

  /** Computes xhat (normalised x) and xn (with gain and bias) from the residual x. */
  private norm(gain: Float32Array, bias: Float32Array | undefined): void {
    const c = this.config;
    const d = c.hiddenSize;
    const x = this.x;
    let mean = 0;
    if (c.family === 'gpt2') {
      for (let i = 0; i < d; i++) mean += x[i]!;
      mean /= d;
    }
    let ss = 0;
    for (let i = 0; i < d; i++) {
      const t = x[i]! - mean;
      ss += t * t;
    }
    const r = 1 / Math.sqrt(ss / d + c.normEps);
    for (let i = 0; i < d; i++) {
      const xh = (x[i]! - mean) * r;
      this.xhat[i] = xh;
      this.xn[i] = bias ? xh * gain[i]! + bias[i]! : xh * gain[i]!;
    }
  }
}

/** HF half-split RoPE: pairs (i, i + hd/2) inside each head. */
export function ropeHalf(v: Float32Array, heads: number, hd: number, cos: Float32Array, sin: Float32Array): void {
  const half = hd / 2;
  for (let h = 0; h < heads; h++) {
    const o = h * hd;
    for (let i = 0; i < half; i++) {
      const a = v[o + i]!;
      const b = v[o + i + half]!;
      v[o + i] = a * cos[i]! - b * sin[i]!;
      v[o + i + half] = b * cos[i]! + a * sin[i]!;
    }
  }
}

export function argmax(v: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i]! > v[best]!) best = i;
  return best;
}

/** Teacher-forced logits for every position of `tokens`: [tokens.length, vocab]. */
export function floatLogits(model: FloatModel, tokens: readonly number[], observer?: Observer): Float32Array {
  const V = model.config.vocabSize;
  const s = new FloatSession(model, { maxSeq: tokens.length, ...(observer ? { observer } : {}) });
  const out = new Float32Array(tokens.length * V);
  for (let t = 0; t < tokens.length; t++) out.set(s.step(tokens[t]!), t * V);
  return out;
}

export interface GenerateOptions {
  readonly maxTokens: number;
  /** Stop when this token is produced (it is not included in the output). */
  readonly eosTokenId?: number | undefined;
  readonly onToken?: (token: number) => void;
}

/** Greedy decoding with the float pass. */
export function generateFloat(model: FloatModel, prompt: readonly number[], opts: GenerateOptions): number[] {
  if (prompt.length === 0) throw new RangeError('prompt must contain at least one token');
  const s = new FloatSession(model, { maxSeq: Math.min(model.config.maxPositions, prompt.length + opts.maxTokens) });
  let logits: Float32Array | undefined;
  for (const t of prompt) logits = s.step(t);
  const out: number[] = [];
  while (out.length < opts.maxTokens && logits) {
    const next = argmax(logits);
    if (next === opts.eosTokenId) break;
    out.push(next);
    opts.onToken?.(next);
    if (out.length >= opts.maxTokens || s.pos >= s.maxSeq) break;
    logits = s.step(next);
  }
  return out;
}
