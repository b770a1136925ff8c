/**
 * Builds the quantized model: integer weights (per-output-channel int8 scales, norm gains
 * folded into the following matmul), calibrated activation scales, requant specs and
 * public lookup tables. Everything here is deterministic given weights + calibration set,
 * so the model commitment can hash it.
 */
import type { ModelConfig } from '../config.js';
import { geluNew, silu, type FloatModel } from '../float.js';
import { calibrate, statKey, type CalibrationStats } from './calibrate.js';
import { FIELD_SAFE } from './field.js';
import { makeRequant, ropeTables } from './kernels.js';
import { makeSoftmax, softmaxRowSumBound, type SoftmaxSetup } from './softmax.js';
import type { LookupTable, RequantSpec } from './trace.js';

export interface QLinear {
  /** Committed weight name, e.g. `L0.wq`. */
  readonly name: string;
  readonly rows: number;
  readonly cols: number;
  /** [rows, cols] integers in [−127, 127]. */
  readonly w: Int8Array;
  /** Per-row (output channel) float scale: W ≈ w · scale[row]. */
  readonly scale: Float64Array;
  /** Integer bias at the accumulator scale scale[row]·s_in, or undefined. */
  readonly bias: Int32Array | undefined;
}

export interface QNorm {
  readonly name: string;
  readonly kind: 'rms' | 'layer';
  /** LayerNorm only: centred n·x − Σx → v at the input scale (multiplier 1/n). */
  readonly center: RequantSpec | undefined;
  /** v → u = round(v / 2^k), so that Σu² stays within the field. */
  readonly pre: RequantSpec;
  /** Integer ε added to Σu² (the norm's epsilon at the Σu² scale). */
  readonly eps: number;
  /** Σu² + eps → table index in [0, 2^16 − 1]. */
  readonly ss: RequantSpec;
  /** The shared rsqrt table (`rsqrt`): index → ρ ∈ [0, rsqrtMax]. */
  readonly rsqrt: LookupTable;
  /** v·ρ → normalised x̂ at the activation scale. */
  readonly out: RequantSpec;
  readonly inScale: number;
  readonly outScale: number;
}

export interface QLayer {
  readonly attnNorm: QNorm;
  readonly wq: QLinear;
  readonly wk: QLinear;
  readonly wv: QLinear;
  readonly wo: QLinear;
  readonly qReq: RequantSpec;
  readonly kReq: RequantSpec;
  readonly vReq: RequantSpec;
  readonly scoreReq: RequantSpec;
  readonly softmax: SoftmaxSetup;
  readonly pvReq: RequantSpec;
  /** Attention projection → residual part at the post-attention residual scale. */
  readonly oReq: RequantSpec;
  /** Incoming residual → residual part at the post-attention residual scale. */
  readonly residAttn: RequantSpec;
  readonly ffnNorm: QNorm;
  /** LLaMA gate (SiLU branch); GPT-2 has none. */
  readonly gate: QLinear | undefined;
  /** LLaMA up projection / GPT-2 c_fc. */
  readonly up: QLinear;
  readonly down: QLinear;
  /** Requant of the activation-table input (LLaMA gate / GPT-2 c_fc output). */
  readonly actInReq: RequantSpec;
  /** LLaMA: requant of the up projection. */
  readonly upReq: RequantSpec | undefined;
  /** SiLU (LLaMA) or GELU-new (GPT-2) table. */
  readonly act: LookupTable;
  /** LLaMA: requant of silu(g)·u to the down-projection input scale. */
  readonly hiddenReq: RequantSpec | undefined;
  /** FFN down projection → residual part at the post-FFN residual scale. */
  readonly downReq: RequantSpec;
  /** Post-attention residual → residual part at the post-FFN residual scale. */
  readonly residFfn: RequantSpec;
}

export interface QuantBounds {
  /** |weight| ≤ this (int8). */
  readonly weight: number;
  /** |activation| ≤ this for every matmul input, q/k/v and table inputs. */
  readonly act: number;
  /** |residual| ≤ this. */
  readonly resid: number;
  /** |logit| ≤ this. */
  readonly logit: number;
  /** |attention score| ≤ this before the softmax. */
  readonly score: number;
  /** |each part of a residual update| ≤ this (their sum ≤ resid). */
  readonly residPart: number;
  /** rsqrt table outputs lie in [0, this]. */
  readonly rsqrt: number;
  /** rsqrt table inputs lie in [0, this]. */
  readonly normIndex: number;
}

export interface QuantizedModel {
  readonly config: ModelConfig;
  readonly bounds: QuantBounds;
  /** [vocab, hidden] at `embedScale`, |·| ≤ bounds.resid. */
  readonly embed: Int32Array;
  readonly embedScale: number;
  /** GPT-2 learned positions at `embedScale`. */
  readonly posEmbed: Int32Array | undefined;
  /** Scale of the first residual (= embedScale: the embedding row, plus wpe for GPT-2). */
  readonly residScale0: number;
  readonly layers: readonly QLayer[];
  readonly finalNorm: QNorm;
  readonly lmHead: QLinear;
  readonly logitReq: RequantSpec;
  /** Real logit = integer logit · logitScale. */
  readonly logitScale: number;
  readonly rope: { readonly cos: Int32Array; readonly sin: Int32Array; readonly fr: number } | undefined;
  readonly tables: ReadonlyMap<string, LookupTable>;
  /** Named float scales (for `info` and debugging). */
  readonly scales: Readonly<Record<string, number>>;
  readonly calibrationTokens: number;
}

export interface QuantizeOptions {
  /** Calibration token sequences (deterministic; e.g. from `calibrationSequences`). */
  readonly calibration: readonly (readonly number[])[];
  /** Activation bits (signed), default: the largest ≤ 12 the field bound allows. */
  readonly actBits?: number;
}

const WMAX = 127;
const MAX_SCALE_SPREAD = 2;
/** Every residual tensor (norm input) satisfies |x| ≤ RESID + 1 (parts are two's-complement ranges). */
const RESID = 2 ** 15 - 1;
/**
 * A residual update adds two requantized parts, each in [−RESID_PART − 1, RESID_PART], so the
 * sum stays within ±(RESID + 1) without a clamp: x' = requant(x) + requant(branch).
 */
const RESID_PART = 2 ** 14 - 1;
const LOGIT = 2 ** 15 - 1;
const SCORE = 2 ** 15 - 1;
const RSQRT = 2 ** 14 - 1;
const NORM_INDEX = 2 ** 16 - 1;
/** The universal rsqrt table saturates below this index (ms < calibrated max / 2048). */
const RSQRT_REF = 16;
const FP = 14;
/** Calibrated max × headroom maps to the activation bound (unseen text runs a little hotter). */
const ACT_HEADROOM = 1.1;
const ROPE_FR = 14;

function quantLinear(name: string, w: Float32Array, rows: number, cols: number, gain?: Float32Array, beta?: Float32Array, bias?: Float32Array, inScale?: number): QLinear {
  const q = new Int8Array(rows * cols);
  const scale = new Float64Array(rows);
  let b: Int32Array | undefined;
  if (bias || beta) b = new Int32Array(rows);
  const rowMax = new Float64Array(rows);
  let tensorMax = 0;
  for (let o = 0; o < rows; o++) {
    let max = 0;
    for (let i = 0; i < cols; i++) max = Math.max(max, Math.abs(w[o * cols + i]! * (gain ? gain[i]! : 1)));
    rowMax[o] = max;
    tensorMax = Math.max(tensorMax, max);
  }
  // Row scales are kept within 2^MAX_SCALE_SPREAD of the largest, so per-channel requant
  // multipliers stay representable; nearly dead rows just use fewer integer levels.
  const floor = (tensorMax || 1) / WMAX / 2 ** MAX_SCALE_SPREAD;
  for (let o = 0; o < rows; o++) {
    let fb = bias ? bias[o]! : 0;
    if (beta) for (let i = 0; i < cols; i++) fb += w[o * cols + i]! * beta[i]!;
    const s = Math.max(rowMax[o]! / WMAX, floor);
    scale[o] = s;
    for (let i = 0; i < cols; i++) q[o * cols + i] = Math.round((w[o * cols + i]! * (gain ? gain[i]! : 1)) / s);
    if (b) b[o] = Math.round(fb / (s * inScale!));
  }
  return { name, rows, cols, w: q, scale, bias: b };
}

/**
 * Declares |x| ≤ xMax for a requant's input (capped at the field bound it tightens). The
 * bound must hold for every input the model can produce, not just calibrated ones: it sizes
 * the proof's witnesses, and an input beyond it could not be proven.
 */
function withInputBound(spec: RequantSpec, xMax: number): RequantSpec {
  return { ...spec, xMax: Math.min(FIELD_SAFE, Math.ceil(xMax)) };
}

/** Largest |Σ_i W[o,i]·x_i + b[o]| over rows o for inputs |x_i| ≤ inBound (row L1 norms). */
function matmulBound(lin: QLinear, inBound: number): number {
  let best = 0;
  for (let o = 0; o < lin.rows; o++) {
    let l1 = 0;
    for (let i = 0; i < lin.cols; i++) l1 += Math.abs(lin.w[o * lin.cols + i]!);
    best = Math.max(best, l1 * inBound + (lin.bias ? Math.abs(lin.bias[o]!) : 0));
  }
  return best;
}

/**
 * Largest |v_i·ρ| a norm's rowmul can produce, where u = round(v / 2^k) (|u_i| ≤ uBound,
 * |v_i| ≤ vMax), idx = ssReq(Σ_j u_j² + eps) and ρ = rsqrt[idx]. An entry is large only if
 * the row's sum of squares is, and then ρ is small: for each idx, the largest sum of squares
 * mapping to it bounds u_i² ≤ Σ_j u_j², hence |v_i| ≤ 2^k·|u_i| + 2^(k−1). Exact worst case
 * of these relations (much smaller than vMax·max ρ), checked against the kernels in tests.
 */
export function normScaleBound(k: number, uBound: number, eps: number, ss: RequantSpec, rsqrt: Int32Array, vMax: number): number {
  const { s1, m, s2 } = ss;
  const h1 = s1 === 0 ? 0 : 2 ** (s1 - 1);
  const h2 = s2 === 0 ? 0 : 2 ** (s2 - 1);
  const last = rsqrt.length - 1;
  let best = 0;
  for (let idx = 0; idx <= last; idx++) {
    // Largest t with round(t·m / 2^s2) ≤ idx, then largest sum with round(sum / 2^s1) ≤ t;
    // the saturated last index takes every larger sum, so only |u_i| ≤ uBound limits it.
    let u = uBound;
    if (idx < last) {
      const tMax = Math.floor(((idx + 1) * 2 ** s2 - h2 - 1) / m[0]!);
      const sumMax = (tMax + 1) * 2 ** s1 - h1 - 1;
      if (sumMax < eps) continue;
      u = Math.min(uBound, Math.floor(Math.sqrt(sumMax - eps)));
    }
    const v = Math.min(vMax, k === 0 ? u : 2 ** k * u + 2 ** (k - 1));
    best = Math.max(best, v * rsqrt[idx]!);
  }
  return best;
}

function perChannel(lin: QLinear, inScale: number, outScale: number): Float64Array {
  const m = new Float64Array(lin.rows);
  for (let o = 0; o < lin.rows; o++) m[o] = (lin.scale[o]! * inScale) / outScale;
  return m;
}

function sym(mult: number | ArrayLike<number>, bound: number): RequantSpec {
  return makeRequant(typeof mult === 'number' ? [mult] : mult, -bound, bound);
}

/**
 * Output range [−bound − 1, bound] (bound = 2^k − 1): a two's-complement range, which the
 * proof checks with one lookup window where ±bound takes two (docs/QUANTIZATION.md).
 */
function twos(mult: number | ArrayLike<number>, bound: number): RequantSpec {
  return makeRequant(typeof mult === 'number' ? [mult] : mult, -bound - 1, bound);
}

/** values[x − inMin] = clamp(round(f(x·inScale) / outScale), ±outBound) for x ∈ [inMin, inMax]. */
function tableOf(name: string, description: string, inMin: number, inMax: number, inScale: number, outScale: number, outBound: number, f: (x: number) => number): LookupTable {
  const values = new Int32Array(inMax - inMin + 1);
  for (let i = 0; i < values.length; i++) {
    const y = Math.round(f((inMin + i) * inScale) / outScale);
    values[i] = Math.max(-outBound, Math.min(outBound, y));
  }
  return { name, inMin, values, description };
}

export function chooseActBits(c: ModelConfig): number {
  const nMax = Math.max(c.hiddenSize, c.intermediateSize, c.numHeads * c.headDim);
  for (let bits = 12; bits >= 6; bits--) {
    // Activations lie in [−2^(bits−1), 2^(bits−1) − 1]. Matmul accumulators with headroom
    // for biases; q·k dot products.
    const amax = 2 ** (bits - 1);
    if (nMax * WMAX * amax <= 0.75 * FIELD_SAFE && c.headDim * amax * amax <= FIELD_SAFE) return bits;
  }
  throw new RangeError(`model too wide for the field bound (max inner dimension ${nMax})`);
}

export function quantizeModel(model: FloatModel, opts: QuantizeOptions): QuantizedModel {
  const stats = calibrate(model, opts.calibration);
  return quantizeWithStats(model, stats, opts.actBits);
}

export function quantizeWithStats(model: FloatModel, stats: CalibrationStats, actBitsOpt?: number): QuantizedModel {
  const c = model.config;
  const W = model.weights;
  const actBits = actBitsOpt ?? chooseActBits(c);
  const A = 2 ** (actBits - 1) - 1;
  // Activations are in [−A − 1, A] (two's-complement ranges), residual parts in
  // [−RESID_PART − 1, RESID_PART], so |activation| ≤ AMAX and |residual| ≤ RESID + 1.
  const AMAX = A + 1;
  const RMAX = RESID + 1;
  const d = c.hiddenSize;
  const hd = c.headDim;
  const qDim = c.numHeads * hd;
  const kvDim = c.numKvHeads * hd;
  const ff = c.intermediateSize;
  const gpt = c.family === 'gpt2';
  const tables = new Map<string, LookupTable>();
  const scales: Record<string, number> = {};
  const maxOf = (point: Parameters<typeof statKey>[0], layer: number): number => {
    const v = stats.maxAbs.get(statKey(point, layer));
    if (v === undefined) throw new Error(`calibration has no statistics for ${point}@${layer}`);
    return Math.max(v, 1e-6);
  };
  const actScale = (point: Parameters<typeof statKey>[0], layer: number, headroom = ACT_HEADROOM): number => {
    const s = (maxOf(point, layer) * headroom) / A;
    scales[statKey(point, layer)] = s;
    return s;
  };
  /** Scale of a residual sum: both parts (incoming residual, branch) and the sum fit with headroom. */
  const residScale = (point: Parameters<typeof statKey>[0], layer: number, inMax: number, branch: Parameters<typeof statKey>[0]): number => {
    const m = Math.max(inMax, maxOf(branch, layer), maxOf(point, layer) / 2);
    const s = (m * 1.25) / RESID_PART;
    scales[statKey(point, layer)] = s;
    return s;
  };

  // Embedding tables at residual precision (they are looked up, never multiplied).
  let eMax = 0;
  for (const v of W.embed) eMax = Math.max(eMax, Math.abs(v));
  if (W.posEmbed) for (const v of W.posEmbed) eMax = Math.max(eMax, Math.abs(v));
  // GPT-2 adds wte + wpe, so each gets half the residual range.
  const embedScale = (eMax || 1) / (W.posEmbed ? RESID_PART : RESID);
  const qTable = (src: Float32Array): Int32Array => {
    const out = new Int32Array(src.length);
    for (let i = 0; i < src.length; i++) out[i] = Math.round(src[i]! / embedScale);
    return out;
  };
  const embed = qTable(W.embed);
  const posEmbed = W.posEmbed ? qTable(W.posEmbed) : undefined;
  let residIn = embedScale;
  let residInMax = maxOf('embed', -1);
  const residScale0 = residIn;

  const rsqrtValues = new Int32Array(NORM_INDEX + 1);
  for (let u = 0; u <= NORM_INDEX; u++) rsqrtValues[u] = u <= RSQRT_REF ? RSQRT : Math.round(RSQRT * Math.sqrt(RSQRT_REF / u));
  const rsqrt: LookupTable = {
    name: 'rsqrt',
    inMin: 0,
    values: rsqrtValues,
    description: `min(${RSQRT}, round(${RSQRT}·sqrt(${RSQRT_REF}/u))), shared by every norm`,
  };
  tables.set(rsqrt.name, rsqrt);
  const makeNorm = (name: string, key: string, inScale: number, outScale: number): QNorm => {
    const ms = stats.normMs.get(key);
    if (!ms) throw new Error(`calibration has no norm statistics for ${key}`);
    const layer = gpt;
    // center(x) = n·x − Σx for a residual row |x| ≤ RESID.
    const center = layer ? withInputBound(sym(1 / d, RESID), 2 * d * RMAX) : undefined;
    // Pre-shift k: smallest with d·(ceil(RESID / 2^k) + 1)^2 ≤ (p−1)/2.
    let k = 0;
    while (d * (Math.ceil(RESID / 2 ** k) + 1) ** 2 > FIELD_SAFE) k++;
    const uBound = Math.ceil(RESID / 2 ** k) + 1;
    // Input: the residual (RMSNorm) or the centred residual requantized to ±RESID (LayerNorm).
    const pre: RequantSpec = { s1: k, q: FIELD_SAFE, m: Int32Array.of(1), s2: 0, lo: -uBound, hi: uBound, xMax: RMAX };
    const unit = (2 ** k * inScale) ** 2 / d; // mean square per unit of Σu²
    // ε enters as a public integer added to Σu², so the rsqrt table itself is universal.
    const eps = Math.min(Math.round(c.normEps / unit), FIELD_SAFE - d * uBound * uBound);
    const ssMax = Math.max(ms[1] / unit + eps, 1);
    const mu = NORM_INDEX / 2 / ssMax;
    const ss = withInputBound(makeRequant([mu], 0, NORM_INDEX), d * uBound * uBound + eps);
    // 1/sqrt(ms + ε) ≈ sqrt(μ/unit)/sqrt(idx) = sqrt(μ/unit) · ρ / (RSQRT·sqrt(RSQRT_REF)).
    const sRho = Math.sqrt(mu / unit) / (RSQRT * Math.sqrt(RSQRT_REF));
    const out = withInputBound(twos((inScale * sRho) / outScale, A), normScaleBound(k, uBound, eps, ss, rsqrtValues, RMAX));
    return { name, kind: layer ? 'layer' : 'rms', center, pre, eps, ss, rsqrt, out, inScale, outScale };
  };

  const softmaxFs = (l: number): number => {
    const mx = maxOf('scores', l);
    return Math.max(3, Math.min(12, Math.floor(Math.log2(SCORE / (1.5 * mx)))));
  };

  const layers: QLayer[] = [];
  for (let l = 0; l < c.numLayers; l++) {
    const L = W.layers[l]!;
    const p = `L${l}`;
    const sXa = actScale('attn.xhat', l);
    const attnNorm = makeNorm(`${p}.attnNorm`, `attn@${l}`, residIn, sXa);
    const wq = quantLinear(`${p}.wq`, L.wq, qDim, d, L.attnNorm, L.attnNormBias, L.bq, sXa);
    const wk = quantLinear(`${p}.wk`, L.wk, kvDim, d, L.attnNorm, L.attnNormBias, L.bk, sXa);
    const wv = quantLinear(`${p}.wv`, L.wv, kvDim, d, L.attnNorm, L.attnNormBias, L.bv, sXa);
    const sQ = actScale('q', l, 1.25);
    const sK = actScale('k', l, 1.25);
    const sV = actScale('v', l);
    const fs = softmaxFs(l);
    scales[`${p}.softmax.fs`] = fs;
    const softmax = makeSoftmax(`${p}.softmax`, fs, FP, SCORE, c.maxPositions);
    for (const t of softmax.tables) tables.set(t.name, t);
    const sO = actScale('attn.out', l);
    const wo = quantLinear(`${p}.wo`, L.wo, d, qDim, undefined, undefined, L.bo, sO);
    const sResA = residScale('resid.attn', l, residInMax, 'attn.proj');
    const sXf = actScale('ffn.xhat', l);
    const ffnNorm = makeNorm(`${p}.ffnNorm`, `ffn@${l}`, sResA, sXf);
    const sG = actScale('gate', l);
    let gate: QLinear | undefined;
    let up: QLinear;
    let upReq: RequantSpec | undefined;
    let hiddenReq: RequantSpec | undefined;
    let act: LookupTable;
    const sH = actScale('hidden', l);
    if (!gpt) {
      gate = quantLinear(`${p}.wGate`, L.wGate!, ff, d, L.ffnNorm, undefined, undefined, sXf);
      up = quantLinear(`${p}.wUp`, L.wUp, ff, d, L.ffnNorm, undefined, undefined, sXf);
      const sU = actScale('up', l);
      const sA = actScale('act', l);
      upReq = withInputBound(twos(perChannel(up, sXf, sU), A), matmulBound(up, AMAX));
      act = tableOf(`${p}.silu`, `round(silu(x·${sG.toExponential(6)}) / ${sA.toExponential(6)})`, -AMAX, A, sG, sA, A, silu);
      // swiglu = silu(gate) · up: silu's table output is ±A, up ∈ [−A − 1, A].
      hiddenReq = withInputBound(twos((sA * sU) / sH, A), A * AMAX);
    } else {
      up = quantLinear(`${p}.wUp`, L.wUp, ff, d, L.ffnNorm, L.ffnNormBias, L.bUp, sXf);
      act = tableOf(`${p}.gelu`, `round(gelu_new(x·${sG.toExponential(6)}) / ${sH.toExponential(6)})`, -AMAX, A, sG, sH, A, geluNew);
    }
    tables.set(act.name, act);
    const down = quantLinear(`${p}.wDown`, L.wDown, d, ff, undefined, undefined, L.bDown, sH);
    const sResF = residScale('resid.ffn', l, maxOf('resid.attn', l), 'down');
    layers.push({
      attnNorm,
      wq,
      wk,
      wv,
      wo,
      // Matmul inputs are requant outputs (|x| ≤ A + 1); q, k are those or RoPE outputs (±A).
      qReq: withInputBound(twos(perChannel(wq, sXa, sQ), A), matmulBound(wq, AMAX)),
      kReq: withInputBound(twos(perChannel(wk, sXa, sK), A), matmulBound(wk, AMAX)),
      vReq: withInputBound(twos(perChannel(wv, sXa, sV), A), matmulBound(wv, AMAX)),
      scoreReq: withInputBound(sym(((sQ * sK) / Math.sqrt(hd)) * 2 ** fs, SCORE), hd * AMAX * AMAX),
      softmax,
      // Σ_j p_j·v_j with Σ_j p_j ≤ 2^FP + the row-sum error bound at the longest row.
      pvReq: withInputBound(twos(sV / (2 ** FP * sO), A), (2 ** FP + softmaxRowSumBound(softmax.params, c.maxPositions)) * AMAX),
      oReq: withInputBound(twos(perChannel(wo, sO, sResA), RESID_PART), matmulBound(wo, AMAX)),
      residAttn: withInputBound(twos(residIn / sResA, RESID_PART), RMAX),
      ffnNorm,
      gate,
      up,
      down,
      actInReq: withInputBound(twos(perChannel(gate ?? up, sXf, sG), A), matmulBound(gate ?? up, AMAX)),
      upReq,
      act,
      hiddenReq,
      downReq: withInputBound(twos(perChannel(down, sH, sResF), RESID_PART), matmulBound(down, AMAX)),
      residFfn: withInputBound(twos(sResA / sResF, RESID_PART), RMAX),
    });
    residIn = sResF;
    residInMax = maxOf('resid.ffn', l);
  }
  const sXo = actScale('final.xhat', -1);
  const finalNorm = makeNorm('final', 'final', residIn, sXo);
  const lmHead = quantLinear('lmHead', W.lmHead, c.vocabSize, d, W.finalNorm, W.finalNormBias, undefined, sXo);
  const logitScale = (maxOf('logits', -1) * 1.25) / LOGIT;
  scales['logits'] = logitScale;
  const logitReq = withInputBound(sym(perChannel(lmHead, sXo, logitScale), LOGIT), matmulBound(lmHead, AMAX));

  // Static field-bound checks on every matmul accumulator (bias included).
  const check = (lin: QLinear, inBound: number): void => {
    let bMax = 0;
    if (lin.bias) for (const b of lin.bias) bMax = Math.max(bMax, Math.abs(b));
    if (lin.cols * WMAX * inBound + bMax > FIELD_SAFE) {
      throw new RangeError(`${lin.name}: accumulator bound ${lin.cols * WMAX * inBound + bMax} exceeds the field bound`);
    }
  };
  for (const L of layers) for (const lin of [L.wq, L.wk, L.wv, L.wo, L.up, L.down, ...(L.gate ? [L.gate] : [])]) check(lin, AMAX);
  check(lmHead, AMAX);
  if (gpt && 2 * d * RMAX > FIELD_SAFE) throw new RangeError(`hidden size ${d} too large for the LayerNorm centring bound`);

  const rope = gpt ? undefined : { ...ropeTables(c.maxPositions, hd, c.ropeTheta, ROPE_FR), fr: ROPE_FR };
  return {
    config: c,
    bounds: { weight: WMAX, act: A, resid: RESID, residPart: RESID_PART, logit: LOGIT, score: SCORE, rsqrt: RSQRT, normIndex: NORM_INDEX },
    embed,
    embedScale,
    posEmbed,
    residScale0,
    layers,
    finalNorm,
    lmHead,
    logitReq,
    logitScale,
    rope,
    tables,
    scales,
    calibrationTokens: stats.tokens,
  };
}
