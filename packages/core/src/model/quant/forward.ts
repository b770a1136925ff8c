/**
 * The quantized fixed-point forward pass. It is written as the op sequence the prover
 * replays: each step calls one integer kernel and (when tracing) records one `TraceOp`
 * with its integer inputs and outputs. With a KV cache the same kernels run one block
 * of tokens at a time; every op is row-local except attention, whose rows only read
 * earlier keys, so incremental decoding produces exactly the integers of one full pass.
 */
import { assertFieldBound } from './field.js';
import { lookup, matmulInt, requant, ropeInt } from './kernels.js';
import type { QLinear, QNorm, QuantizedModel } from './quantize.js';
import { softmaxRow } from './softmax.js';
import type { IntTensor, LookupTable, RequantSpec, Trace, TraceOp } from './trace.js';

export interface QuantForwardOptions {
  /** Record every op (the pass must start at position 0). */
  readonly trace?: boolean;
  /**
   * Run the model head (lm head, logits requant, argmax) only on these rows of the pass
   * (a `rows` op selects them from the final norm's output): the result's logits and
   * argmax then have one row per entry. Generation proofs use the rows whose next token is
   * in the statement; the other rows' logits are never used.
   */
  readonly rows?: ArrayLike<number>;
}

export interface QuantForwardResult {
  /** Integer logits [T, vocab] (with `rows`: [rows.length, vocab]); real value = integer · model.logitScale. */
  readonly logits: Int32Array;
  /** argmax per row (lowest index on ties; with `rows`: per selected row). */
  readonly argmax: Int32Array;
  readonly trace: Trace | undefined;
  /** Outputs of this call that hit a requant/RoPE clamp. */
  readonly saturated: number;
}

export class QuantSession {
  readonly model: QuantizedModel;
  readonly maxSeq: number;
  readonly debug: boolean;
  pos = 0;
  private readonly kCache: Int32Array[];
  private readonly vCache: Int32Array[];
  private nextId = 0;
  private ops: TraceOp[] | undefined;
  private saturated = 0;

  constructor(model: QuantizedModel, opts: { maxSeq?: number; debug?: boolean } = {}) {
    const c = model.config;
    this.model = model;
    this.maxSeq = Math.min(opts.maxSeq ?? c.maxPositions, c.maxPositions);
    this.debug = opts.debug ?? false;
    const kvDim = c.numKvHeads * c.headDim;
    this.kCache = Array.from({ length: c.numLayers }, () => new Int32Array(this.maxSeq * kvDim));
    this.vCache = Array.from({ length: c.numLayers }, () => new Int32Array(this.maxSeq * kvDim));
  }

  reset(): void {
    this.pos = 0;
  }

  private t(shape: number[], data?: Int32Array): IntTensor {
    let n = 1;
    for (const s of shape) n *= s;
    return { id: this.nextId++, shape, data: data ?? new Int32Array(n) };
  }

  private emit(op: TraceOp, out: IntTensor): void {
    if (this.debug) assertFieldBound(`${op.name} (${op.op})`, out.data);
    this.ops?.push(op);
  }

  private requant(name: string, x: IntTensor, spec: RequantSpec): IntTensor {
    const out = this.t([...x.shape]);
    this.saturated += requant(out.data, x.data, spec, x.shape[x.shape.length - 1]!);
    this.emit({ op: 'requant', name, spec, input: x, out }, out);
    return out;
  }

  private matmul(name: string, x: IntTensor, lin: QLinear): IntTensor {
    const T = x.shape[0]!;
    const out = this.t([T, lin.rows]);
    matmulInt(out.data, lin.w, x.data, T, lin.rows, lin.cols, lin.bias);
    this.emit({ op: 'matmul', name, weight: lin.name, bias: lin.bias ? `${lin.name}.bias` : null, input: x, out }, out);
    return out;
  }

  private norm(x: IntTensor, n: QNorm): IntTensor {
    const [T, d] = x.shape as [number, number];
    let v = x;
    if (n.center) {
      const c = this.t([T, d]);
      for (let t = 0; t < T; t++) {
        let s = 0;
        for (let i = 0; i < d; i++) s += x.data[t * d + i]!;
        for (let i = 0; i < d; i++) c.data[t * d + i] = d * x.data[t * d + i]! - s;
      }
      this.emit({ op: 'center', name: `${n.name}.center`, input: x, out: c }, c);
      v = this.requant(`${n.name}.centerReq`, c, n.center);
    }
    const u = this.requant(`${n.name}.pre`, v, n.pre);
    const ss = this.t([T]);
    for (let t = 0; t < T; t++) {
      let s = n.eps;
      for (let i = 0; i < d; i++) {
        const a = u.data[t * d + i]!;
        s += a * a;
      }
      ss.data[t] = s;
    }
    this.emit({ op: 'sumsq', name: `${n.name}.sumsq`, input: u, c: n.eps, out: ss }, ss);
    const idx = this.requant(`${n.name}.ssReq`, ss, n.ss);
    const rho = this.t([T]);
    lookup(rho.data, idx.data, n.rsqrt);
    this.emit({ op: 'lookup', name: `${n.name}.rsqrt`, table: n.rsqrt.name, input: idx, out: rho }, rho);
    const prod = this.t([T, d]);
    for (let t = 0; t < T; t++) {
      const r = rho.data[t]!;
      for (let i = 0; i < d; i++) prod.data[t * d + i] = v.data[t * d + i]! * r;
    }
    this.emit({ op: 'rowmul', name: `${n.name}.scale`, input: v, scale: rho, out: prod }, prod);
    return this.requant(`${n.name}.out`, prod, n.out);
  }

  /** Runs tokens at positions pos .. pos + T − 1 and appends them to the KV cache. */
  forward(tokens: readonly number[], opts: QuantForwardOptions = {}): QuantForwardResult {
    const m = this.model;
    const c = m.config;
    const T = tokens.length;
    if (T === 0) throw new RangeError('forward needs at least one token');
    if (this.pos + T > this.maxSeq) throw new RangeError(`sequence longer than the context window (${this.maxSeq})`);
    if (opts.trace && this.pos !== 0) throw new RangeError('a traced pass must start at position 0');
    this.ops = opts.trace ? [] : undefined;
    this.saturated = 0;
    const d = c.hiddenSize;
    const hd = c.headDim;
    const H = c.numHeads;
    const KV = c.numKvHeads;
    const kvDim = KV * hd;
    const qDim = H * hd;
    const group = H / KV;
    const pos0 = this.pos;
    const tokArr = Int32Array.from(tokens);
    const positions = new Int32Array(T);
    for (let t = 0; t < T; t++) {
      const tok = tokens[t]!;
      if (!Number.isInteger(tok) || tok < 0 || tok >= c.vocabSize) throw new RangeError(`token id ${tok} out of range [0, ${c.vocabSize})`);
      positions[t] = pos0 + t;
    }

    const emb = this.t([T, d]);
    for (let t = 0; t < T; t++) emb.data.set(m.embed.subarray(tokArr[t]! * d, tokArr[t]! * d + d), t * d);
    this.emit({ op: 'embed', name: 'embed', weight: 'embed', tokens: tokArr, out: emb }, emb);
    let x = emb;
    if (m.posEmbed) {
      const pe = this.t([T, d]);
      for (let t = 0; t < T; t++) pe.data.set(m.posEmbed.subarray(positions[t]! * d, positions[t]! * d + d), t * d);
      this.emit({ op: 'posembed', name: 'posembed', weight: 'posEmbed', positions, out: pe }, pe);
      x = this.add('embed.add', emb, pe);
    }

    for (let l = 0; l < c.numLayers; l++) {
      const L = m.layers[l]!;
      const p = `L${l}`;
      const xa = this.norm(x, L.attnNorm);
      let q = this.requant(`${p}.q.req`, this.matmul(`${p}.q`, xa, L.wq), L.qReq);
      let k = this.requant(`${p}.k.req`, this.matmul(`${p}.k`, xa, L.wk), L.kReq);
      const v = this.requant(`${p}.v.req`, this.matmul(`${p}.v`, xa, L.wv), L.vReq);
      if (m.rope) {
        q = this.rope(`${p}.q.rope`, q, positions, H);
        k = this.rope(`${p}.k.rope`, k, positions, KV);
      }
      const kc = this.kCache[l]!;
      const vc = this.vCache[l]!;
      kc.set(k.data, pos0 * kvDim);
      vc.set(v.data, pos0 * kvDim);
      const Tk = pos0 + T;
      // Scores over the causal prefix; with a trace the pass starts at 0 so the cache
      // holds exactly this block's k/v tensors.
      const kT: IntTensor = pos0 === 0 ? k : { id: -1, shape: [Tk, kvDim], data: kc.subarray(0, Tk * kvDim) };
      const vT: IntTensor = pos0 === 0 ? v : { id: -1, shape: [Tk, kvDim], data: vc.subarray(0, Tk * kvDim) };
      const scores = this.t([H, T, Tk]);
      const sd = scores.data;
      for (let h = 0; h < H; h++) {
        const g = Math.floor(h / group);
        for (let t = 0; t < T; t++) {
          const qo = t * qDim + h * hd;
          const row = (h * T + t) * Tk;
          const last = pos0 + t;
          for (let j = 0; j <= last; j++) {
            const ko = j * kvDim + g * hd;
            let s = 0;
            for (let i = 0; i < hd; i++) s += q.data[qo + i]! * kT.data[ko + i]!;
            sd[row + j] = s;
          }
        }
      }
      this.emit({ op: 'qk', name: `${p}.qk`, q, k: kT, heads: H, kvHeads: KV, headDim: hd, out: scores }, scores);
      const z = this.requant(`${p}.scores.req`, scores, L.scoreReq);
      const probs = this.t([H, T, Tk]);
      const shift = this.t([H, T]);
      for (let h = 0; h < H; h++) {
        for (let t = 0; t < T; t++) {
          const row = (h * T + t) * Tk;
          shift.data[h * T + t] = softmaxRow(probs.data, row, z.data, row, pos0 + t + 1, L.softmax);
        }
      }
      this.emit({ op: 'softmax', name: `${p}.softmax`, input: z, shift, params: L.softmax.params, out: probs }, probs);
      const o = this.t([T, qDim]);
      for (let h = 0; h < H; h++) {
        const g = Math.floor(h / group);
        for (let t = 0; t < T; t++) {
          const row = (h * T + t) * Tk;
          const oo = t * qDim + h * hd;
          for (let j = 0; j <= pos0 + t; j++) {
            const pr = probs.data[row + j]!;
            if (pr === 0) continue;
            const vo = j * kvDim + g * hd;
            for (let i = 0; i < hd; i++) o.data[oo + i]! += pr * vT.data[vo + i]!;
          }
        }
      }
      this.emit({ op: 'pv', name: `${p}.pv`, p: probs, v: vT, heads: H, kvHeads: KV, headDim: hd, out: o }, o);
      const ao = this.requant(`${p}.pv.req`, o, L.pvReq);
      const proj = this.requant(`${p}.o.req`, this.matmul(`${p}.o`, ao, L.wo), L.oReq);
      x = this.add(`${p}.resid1`, this.requant(`${p}.resid1.req`, x, L.residAttn), proj);

      const xf = this.norm(x, L.ffnNorm);
      let hidden: IntTensor;
      if (L.gate) {
        const g = this.requant(`${p}.gate.req`, this.matmul(`${p}.gate`, xf, L.gate), L.actInReq);
        const u = this.requant(`${p}.up.req`, this.matmul(`${p}.up`, xf, L.up), L.upReq!);
        const a = this.lookupOp(`${p}.silu`, g, L.act);
        const prod = this.t([T, c.intermediateSize]);
        for (let i = 0; i < prod.data.length; i++) prod.data[i] = a.data[i]! * u.data[i]!;
        this.emit({ op: 'mul', name: `${p}.swiglu`, a, b: u, out: prod }, prod);
        hidden = this.requant(`${p}.swiglu.req`, prod, L.hiddenReq!);
      } else {
        const g = this.requant(`${p}.fc.req`, this.matmul(`${p}.fc`, xf, L.up), L.actInReq);
        hidden = this.lookupOp(`${p}.gelu`, g, L.act);
      }
      const down = this.requant(`${p}.down.req`, this.matmul(`${p}.down`, hidden, L.down), L.downReq);
      x = this.add(`${p}.resid2`, this.requant(`${p}.resid2.req`, x, L.residFfn), down);
    }
    let xo = this.norm(x, m.finalNorm);
    if (opts.rows) {
      const rows = Int32Array.from(opts.rows);
      if (rows.length === 0) throw new RangeError('rows: select at least one row');
      for (const t of rows) if (!(t >= 0 && t < T)) throw new RangeError(`rows: row ${t} outside [0, ${T})`);
      const sel = this.t([rows.length, d]);
      for (let i = 0; i < rows.length; i++) sel.data.set(xo.data.subarray(rows[i]! * d, rows[i]! * d + d), i * d);
      this.emit({ op: 'rows', name: 'rows', input: xo, rows, out: sel }, sel);
      xo = sel;
    }
    const logits = this.requant('logits.req', this.matmul('lmHead', xo, m.lmHead), m.logitReq);
    const V = c.vocabSize;
    const H0 = xo.shape[0]!;
    const am = this.t([H0]);
    for (let t = 0; t < H0; t++) {
      let best = 0;
      const base = t * V;
      for (let j = 1; j < V; j++) if (logits.data[base + j]! > logits.data[base + best]!) best = j;
      am.data[t] = best;
    }
    this.emit({ op: 'argmax', name: 'argmax', input: logits, out: am }, am);
    this.pos += T;
    const trace = this.ops ? { tokens: tokArr, positions, ops: this.ops, saturated: this.saturated } : undefined;
    this.ops = undefined;
    return { logits: logits.data, argmax: am.data, trace, saturated: this.saturated };
  }

  private add(name: string, a: IntTensor, b: IntTensor): IntTensor {
    const out = this.t([...a.shape]);
    for (let i = 0; i < out.data.length; i++) out.data[i] = a.data[i]! + b.data[i]!;
    this.emit({ op: 'add', name, a, b, out }, out);
    return out;
  }

  private lookupOp(name: string, x: IntTensor, table: LookupTable): IntTensor {
    const out = this.t([...x.shape]);
    lookup(out.data, x.data, table);
    this.emit({ op: 'lookup', name, table: table.name, input: x, out }, out);
    return out;
  }

  private rope(name: string, x: IntTensor, positions: Int32Array, heads: number): IntTensor {
    const r = this.model.rope!;
    const c = this.model.config;
    const out = this.t([...x.shape]);
    const A = this.model.bounds.act;
    this.saturated += ropeInt(out.data, x.data, positions, heads, c.headDim, r.cos, r.sin, r.fr, A);
    this.emit(
      { op: 'rope', name, input: x, positions, heads, headDim: c.headDim, theta: c.ropeTheta, fr: r.fr, clamp: A, inputBound: A + 1, out },
      out,
    );
    return out;
  }
}

/** One teacher-forced quantized pass over `tokens` (optionally traced). */
export function quantForward(
  model: QuantizedModel,
  tokens: readonly number[],
  opts: { trace?: boolean; debug?: boolean; rows?: ArrayLike<number> } = {},
): QuantForwardResult {
  const s = new QuantSession(model, { maxSeq: tokens.length, debug: opts.debug ?? false });
  return s.forward(tokens, { trace: opts.trace ?? false, ...(opts.rows ? { rows: opts.rows } : {}) });
}

/** Greedy decoding with the quantized pass (KV cache; identical to one full pass). */
export function generateQuant(
  model: QuantizedModel,
  prompt: readonly number[],
  opts: { maxTokens: number; eosTokenId?: number | undefined; onToken?: (t: number) => void; debug?: boolean },
): number[] {
  return generateGreedy(model, prompt, opts).tokens;
}

/** Greedy decoding; the EOS token, when argmax picks it, ends generation and is not returned. */
export function generateGreedy(
  model: QuantizedModel,
  prompt: readonly number[],
  opts: { maxTokens: number; eosTokenId?: number | undefined; onToken?: (t: number) => void; debug?: boolean },
): { tokens: number[]; stoppedOnEos: boolean } {
  if (prompt.length === 0) throw new RangeError('prompt must contain at least one token');
  const s = new QuantSession(model, { maxSeq: Math.min(model.config.maxPositions, prompt.length + opts.maxTokens), debug: opts.debug ?? false });
  let r = s.forward(prompt);
  const tokens: number[] = [];
  while (tokens.length < opts.maxTokens) {
    const next = r.argmax[r.argmax.length - 1]!;
    if (next === opts.eosTokenId) return { tokens, stoppedOnEos: true };
    tokens.push(next);
    opts.onToken?.(next);
    if (tokens.length >= opts.maxTokens || s.pos >= s.maxSeq) break;
    r = s.forward([next]);
  }
  return { tokens, stoppedOnEos: false };
}

export interface TracedGeneration {
  /** Generated tokens (without a final EOS). */
  readonly tokens: number[];
  /** True when generation stopped because argmax was the EOS token. */
  readonly stoppedOnEos: boolean;
  /**
   * Tokens of the one teacher-forced pass to prove: the prompt plus every generated
   * token whose successor was decoded (plus the last one when EOS followed it).
   * argmax at positions prompt.length − 1 … fed.length − 1 is tokens (then EOS, if any).
   */
  readonly fed: number[];
  readonly trace: Trace;
}

/**
 * Greedy generation followed by one traced pass over every row (tests compare it with
 * incremental decoding: causal masking makes them produce exactly the same integers). A proof
 * traces the same pass with the `rows` option, so its head runs on the statement rows only.
 */
export function generateTraced(
  model: QuantizedModel,
  prompt: readonly number[],
  opts: { maxTokens: number; eosTokenId?: number | undefined; debug?: boolean },
): TracedGeneration {
  const { tokens, stoppedOnEos } = generateGreedy(model, prompt, opts);
  const fedAll = [...prompt, ...tokens];
  const fed = stoppedOnEos || tokens.length === 0 ? fedAll : fedAll.slice(0, -1);
  const r = quantForward(model, fed, { trace: true, debug: opts.debug ?? false });
  const first = prompt.length - 1;
  for (let i = 0; i < tokens.length; i++) {
    if (r.argmax[first + i] !== tokens[i]) throw new Error(`traced pass disagrees with decoding at token ${i}`);
  }
  return { tokens, stoppedOnEos, fed, trace: r.trace! };
}
