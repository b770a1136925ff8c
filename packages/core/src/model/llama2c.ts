/**
 * llama2.c checkpoints (Karpathy's `run.c` legacy format, version 0):
 * a header of 7 little-endian int32 (dim, hidden_dim, n_layers, n_heads, n_kv_heads,
 * vocab_size, seq_len; a negative vocab_size means an untied classifier follows),
 * then float32 weights in run.c order. llama2.c applies RoPE to interleaved pairs
 * (2j, 2j+1) while HF uses (j, j + hd/2), so q/k rows are permuted on load (and back on
 * save) — exactly the permutation HF's `convert_llama_weights_to_hf.py` applies.
 */
import type { ModelConfig } from './config.js';
import { ModelFormatError } from './config.js';
import type { LayerWeights, ModelWeights } from './weights.js';

const HEADER_BYTES = 28;

/** Row permutation interleaved → half-split, per head: new[h·hd + half·hd/2 + j] = old[h·hd + 2j + half]. */
export function interleavedToHalfSplit(w: Float32Array, heads: number, hd: number, cols: number): Float32Array {
  const out = new Float32Array(w.length);
  const half = hd / 2;
  for (let h = 0; h < heads; h++) {
    for (let j = 0; j < half; j++) {
      for (let s = 0; s < 2; s++) {
        const src = (h * hd + 2 * j + s) * cols;
        const dst = (h * hd + s * half + j) * cols;
        out.set(w.subarray(src, src + cols), dst);
      }
    }
  }
  return out;
}

export function halfSplitToInterleaved(w: Float32Array, heads: number, hd: number, cols: number): Float32Array {
  const out = new Float32Array(w.length);
  const half = hd / 2;
  for (let h = 0; h < heads; h++) {
    for (let j = 0; j < half; j++) {
      for (let s = 0; s < 2; s++) {
        const dst = (h * hd + 2 * j + s) * cols;
        const src = (h * hd + s * half + j) * cols;
        out.set(w.subarray(src, src + cols), dst);
      }
    }
  }
  return out;
}

export function readLlama2c(bytes: Uint8Array): { config: ModelConfig; weights: ModelWeights } {
  if (bytes.length < HEADER_BYTES) throw new ModelFormatError(`llama2.c checkpoint is ${bytes.length} bytes, shorter than its 28-byte header`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dv.getUint32(0, true) === 0x616b3432) {
    throw new ModelFormatError(
      `llama2.c version-${dv.getInt32(4, true)} export (magic 'ak42') is not supported; export the legacy format (export.py --version 0)`,
    );
  }
  const h = Array.from({ length: 7 }, (_, i) => dv.getInt32(4 * i, true));
  const [dim, hidden, layers, heads, kvHeads, vocabSigned, seqLen] = h as [number, number, number, number, number, number, number];
  const vocab = Math.abs(vocabSigned);
  const names = ['dim', 'hidden_dim', 'n_layers', 'n_heads', 'n_kv_heads', 'vocab_size', 'seq_len'];
  [dim, hidden, layers, heads, kvHeads, vocab, seqLen].forEach((v, i) => {
    if (v <= 0 || v > 1 << 24) throw new ModelFormatError(`llama2.c header: ${names[i]} = ${v} is not a plausible size`);
  });
  if (dim % heads !== 0) throw new ModelFormatError(`llama2.c header: dim ${dim} is not a multiple of n_heads ${heads}`);
  if (heads % kvHeads !== 0) throw new ModelFormatError(`llama2.c header: n_heads ${heads} is not a multiple of n_kv_heads ${kvHeads}`);
  const hd = dim / heads;
  if (hd % 2 !== 0) throw new ModelFormatError(`llama2.c header: head size ${hd} must be even`);
  const kvDim = kvHeads * hd;
  const shared = vocabSigned > 0;
  const floats =
    vocab * dim +
    layers * (dim + dim * dim + 2 * kvDim * dim + dim * dim + dim + 3 * hidden * dim) +
    dim +
    seqLen * hd +
    (shared ? 0 : vocab * dim);
  const want = HEADER_BYTES + 4 * floats;
  if (bytes.length !== want) {
    throw new ModelFormatError(`llama2.c checkpoint size mismatch: header implies ${want} bytes, file has ${bytes.length}`);
  }
  let off = HEADER_BYTES;
  const take = (n: number): Float32Array => {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = dv.getFloat32(off + 4 * i, true);
    off += 4 * n;
    return a;
  };
  const per = (n: number): Float32Array[] => Array.from({ length: layers }, () => take(n));
  const embed = take(vocab * dim);
  const rmsAtt = per(dim);
  const wq = per(dim * dim);
  const wk = per(kvDim * dim);
  const wv = per(kvDim * dim);
  const wo = per(dim * dim);
  const rmsFfn = per(dim);
  const w1 = per(hidden * dim);
  const w2 = per(dim * hidden);
  const w3 = per(hidden * dim);
  const finalNorm = take(dim);
  off += 4 * seqLen * hd; // legacy freq_cis_real / freq_cis_imag, recomputed at run time
  const lmHead = shared ? embed : take(vocab * dim);
  const layerW: LayerWeights[] = [];
  for (let l = 0; l < layers; l++) {
    layerW.push({
      attnNorm: rmsAtt[l]!,
      attnNormBias: undefined,
      wq: interleavedToHalfSplit(wq[l]!, heads, hd, dim),
      wk: interleavedToHalfSplit(wk[l]!, kvHeads, hd, dim),
      wv: wv[l]!,
      wo: wo[l]!,
      bq: undefined,
      bk: undefined,
      bv: undefined,
      bo: undefined,
      ffnNorm: rmsFfn[l]!,
      ffnNormBias: undefined,
      wGate: w1[l]!,
      wUp: w3[l]!,
      wDown: w2[l]!,
      bUp: undefined,
      bDown: undefined,
    });
  }
  const config: ModelConfig = {
    family: 'llama',
    architecture: 'llama2.c',
    vocabSize: vocab,
    hiddenSize: dim,
    intermediateSize: hidden,
    numLayers: layers,
    numHeads: heads,
    numKvHeads: kvHeads,
    headDim: hd,
    maxPositions: seqLen,
    normEps: 1e-5,
    ropeTheta: 10000,
    tiedEmbeddings: shared,
    bosTokenId: undefined,
    eosTokenId: undefined,
  };
  return { config, weights: { embed, posEmbed: undefined, layers: layerW, finalNorm, finalNormBias: undefined, lmHead } };
}

/** Writes a LLaMA model in llama2.c legacy format (q/k rows back to interleaved order). */
export function writeLlama2c(config: ModelConfig, w: ModelWeights): Uint8Array {
  if (config.family !== 'llama') throw new ModelFormatError('only LLaMA models can be written as llama2.c checkpoints');
  const c = config;
  const dim = c.hiddenSize;
  const hd = c.headDim;
  if (c.numHeads * hd !== dim) throw new ModelFormatError('llama2.c requires head_dim · n_heads = dim');
  const parts: Float32Array[] = [w.embed];
  const L = w.layers;
  parts.push(...L.map((l) => l.attnNorm));
  parts.push(...L.map((l) => halfSplitToInterleaved(l.wq, c.numHeads, hd, dim)));
  parts.push(...L.map((l) => halfSplitToInterleaved(l.wk, c.numKvHeads, hd, dim)));
  parts.push(...L.map((l) => l.wv));
  parts.push(...L.map((l) => l.wo));
  parts.push(...L.map((l) => l.ffnNorm));
  parts.push(...L.map((l) => l.wGate!));
  parts.push(...L.map((l) => l.wDown));
  parts.push(...L.map((l) => l.wUp));
  parts.push(w.finalNorm);
  // Legacy freq_cis tables: run.c skips them, but they must be present for the layout.
  const half = hd / 2;
  const fr = new Float32Array(c.maxPositions * half);
  const fi = new Float32Array(c.maxPositions * half);
  for (let p = 0; p < c.maxPositions; p++) {
    for (let j = 0; j < half; j++) {
      const ang = p * Math.pow(c.ropeTheta, (-2 * j) / hd);
      fr[p * half + j] = Math.cos(ang);
      fi[p * half + j] = Math.sin(ang);
    }
  }
  parts.push(fr, fi);
  const untied = w.lmHead !== w.embed;
  if (untied) parts.push(w.lmHead);
  const total = parts.reduce((s, p) => s + p.length, 0);
  const out = new Uint8Array(HEADER_BYTES + 4 * total);
  const dv = new DataView(out.buffer);
  [dim, c.intermediateSize, c.numLayers, c.numHeads, c.numKvHeads, untied ? -c.vocabSize : c.vocabSize, c.maxPositions].forEach((v, i) =>
    dv.setInt32(4 * i, v, true),
  );
  let off = HEADER_BYTES;
  for (const p of parts) for (let i = 0; i < p.length; i++, off += 4) dv.setFloat32(off, p[i]!, true);
  return out;
}
