/**
 * What a model commitment must cover: every committed integer tensor, and every public
 * quantization parameter (requant specs, tables, scales' integer images), in a canonical
 * order. The prover hashes/commits these; nothing here is cryptographic.
 */
import type { QuantizedModel } from './quantize.js';
import type { RequantSpec } from './trace.js';

export interface CommittedTensor {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: Int8Array | Int32Array;
}

/** Committed integer tensors in canonical order (the names trace ops refer to). */
export function committedTensors(m: QuantizedModel): CommittedTensor[] {
  const c = m.config;
  const out: CommittedTensor[] = [{ name: 'embed', shape: [c.vocabSize, c.hiddenSize], data: m.embed }];
  if (m.posEmbed) out.push({ name: 'posEmbed', shape: [c.maxPositions, c.hiddenSize], data: m.posEmbed });
  const lins = m.layers.flatMap((L) => [L.wq, L.wk, L.wv, L.wo, ...(L.gate ? [L.gate] : []), L.up, L.down]);
  lins.push(m.lmHead);
  for (const lin of lins) {
    out.push({ name: lin.name, shape: [lin.rows, lin.cols], data: lin.w });
    if (lin.bias) out.push({ name: `${lin.name}.bias`, shape: [lin.rows], data: lin.bias });
  }
  return out;
}

function spec(s: RequantSpec | undefined): unknown {
  if (!s) return null;
  const out = { s1: s.s1, q: s.q, m: Array.from(s.m), s2: s.s2, lo: s.lo, hi: s.hi };
  return s.xMax === undefined ? out : { ...out, xMax: s.xMax };
}

/**
 * Public parameters as a JSON-serialisable value with a fixed key order: architecture,
 * bounds, every requant spec, norm constants, softmax parameters, RoPE precision and
 * every lookup table (name, inMin, values).
 */
export function publicQuantParams(m: QuantizedModel): unknown {
  const c = m.config;
  const norm = (n: QuantizedModel['finalNorm']): unknown => ({
    kind: n.kind,
    center: spec(n.center),
    pre: spec(n.pre),
    eps: n.eps,
    ss: spec(n.ss),
    table: n.rsqrt.name,
    out: spec(n.out),
  });
  return {
    version: 1,
    config: {
      family: c.family,
      vocabSize: c.vocabSize,
      hiddenSize: c.hiddenSize,
      intermediateSize: c.intermediateSize,
      numLayers: c.numLayers,
      numHeads: c.numHeads,
      numKvHeads: c.numKvHeads,
      headDim: c.headDim,
      maxPositions: c.maxPositions,
      ropeTheta: c.ropeTheta,
    },
    bounds: { ...m.bounds },
    rope: m.rope ? { fr: m.rope.fr } : null,
    layers: m.layers.map((L) => ({
      attnNorm: norm(L.attnNorm),
      qReq: spec(L.qReq),
      kReq: spec(L.kReq),
      vReq: spec(L.vReq),
      scoreReq: spec(L.scoreReq),
      softmax: { ...L.softmax.params, digitTables: [...L.softmax.params.digitTables] },
      pvReq: spec(L.pvReq),
      oReq: spec(L.oReq),
      residAttn: spec(L.residAttn),
      ffnNorm: norm(L.ffnNorm),
      actInReq: spec(L.actInReq),
      upReq: spec(L.upReq),
      act: L.act.name,
      hiddenReq: spec(L.hiddenReq),
      downReq: spec(L.downReq),
      residFfn: spec(L.residFfn),
    })),
    finalNorm: norm(m.finalNorm),
    logitReq: spec(m.logitReq),
    tables: [...m.tables.values()]
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((t) => ({ name: t.name, inMin: t.inMin, values: Array.from(t.values) })),
  };
}
