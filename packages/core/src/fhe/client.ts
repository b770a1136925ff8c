/**
 * The FHE client: keeps the prompt, runs every non-linear part of the quantized forward
 * pass in the clear (embedding lookup, norms, requantization, RoPE, softmax attention,
 * activations, argmax) and sends each linear layer's input encrypted to the server,
 * which returns encrypted outputs. Every batch of server calls is proven; the client
 * verifies the proofs against the FHE commitment it pinned.
 *
 * The op sequence mirrors `QuantSession.forward` (model/quant/forward.ts) exactly, with
 * `matmulInt` replaced by a homomorphic call; tests check the tokens are identical.
 */
import {
  FheError,
  blockRows,
  decodeCiphertexts,
  encodeCiphertexts,
  outputCoeff,
  fheCommitmentDigestHex,
  parseFheCommitment,
  verifyFheLink,
  verifyFheProof,
  type ModelCommitment,
  type FheCall,
  type FheCommitment,
  type FheCommitmentJson,
  type FheLinearLayout,
  type RawCiphertext,
} from '@zkllm/verifier';
import { lookup, requant, ropeInt } from '../model/quant/kernels.js';
import type { QLinear, QNorm, QuantizedModel } from '../model/quant/quantize.js';
import { softmaxRow } from '../model/quant/softmax.js';
import type { RequantSpec } from '../model/quant/trace.js';
import { SealSession } from './seal.js';
import type { FheEvalRequest, FheEvalResponse, FheServer } from './server.js';

/** How requests reach the server; `LocalFheTransport` runs it in-process. */
export interface FheTransport {
  commitment(): Promise<FheCommitmentJson>;
  /** The server's link proof to its model commitment (fhe/link.ts), if it serves one. */
  link?(): Promise<Uint8Array | undefined>;
  openSession(): Promise<string>;
  evaluate(session: string, req: FheEvalRequest): Promise<FheEvalResponse>;
  prove(session: string): Promise<Uint8Array>;
  closeSession?(session: string): Promise<void>;
}

/** In-process transport; `onMessage` sees exactly the bytes a network transport would carry. */
export class LocalFheTransport implements FheTransport {
  constructor(
    private readonly server: FheServer,
    private readonly onMessage?: (m: { direction: 'up' | 'down'; kind: string; bytes: Uint8Array | string }) => void,
  ) {}
  async commitment(): Promise<FheCommitmentJson> {
    return this.server.commitmentJson();
  }
  async link(): Promise<Uint8Array | undefined> {
    const l = this.server.linkProof;
    if (l) this.onMessage?.({ direction: 'down', kind: 'link', bytes: l });
    return l;
  }
  async openSession(): Promise<string> {
    return this.server.openSession();
  }
  async evaluate(session: string, req: FheEvalRequest): Promise<FheEvalResponse> {
    this.onMessage?.({ direction: 'up', kind: 'evaluate', bytes: req.inputs });
    const res = this.server.evaluate(session, req);
    for (const b of res.outputs) this.onMessage?.({ direction: 'down', kind: 'evaluate', bytes: b });
    return res;
  }
  async prove(session: string): Promise<Uint8Array> {
    const p = this.server.prove(session);
    this.onMessage?.({ direction: 'down', kind: 'proof', bytes: p });
    return p;
  }
  async closeSession(session: string): Promise<void> {
    this.server.closeSession(session);
  }
}

export interface FheLayerTiming {
  calls: number;
  encryptMs: number;
  serverMs: number;
  decryptMs: number;
  bytesUp: number;
  bytesDown: number;
}

export interface FheProgress {
  readonly phase: 'linear' | 'verify' | 'token';
  /** Linear group (e.g. `L0.wq+L0.wk+L0.wv`), for `linear`. */
  readonly name?: string;
  readonly token?: number;
  readonly ms: number;
}

export interface FheGenerateOptions {
  readonly maxTokens: number;
  readonly eosTokenId?: number | undefined;
  /** 'step': ask for and verify a proof after every forward step; 'end': once (default). */
  readonly proveEvery?: 'step' | 'end';
  readonly onProgress?: (p: FheProgress) => void;
  readonly onToken?: (t: number) => void;
}

export interface FheGenerateResult {
  readonly tokens: number[];
  readonly stoppedOnEos: boolean;
  /** Proofs received and verified (all valid, else generate throws). */
  readonly proofsVerified: number;
  readonly proofBytes: number;
  readonly verifyMs: number;
  /** Per linear group. */
  readonly layers: ReadonlyMap<string, FheLayerTiming>;
  readonly totalMs: number;
}

export class FheVerificationError extends Error {
  override name = 'FheVerificationError';
}

export interface FheConnectOptions {
  /** Hex digest of the FHE commitment to accept. */
  readonly pin?: string;
  /**
   * The pinned model commitment C_W (`parseModelCommitment(file, digest)`): the server's
   * FHE commitment must name it and the server must serve a link proof that its encoded
   * weights are C_W's weights; checked at connect. With `model`, `pin` is optional.
   */
  readonly model?: ModelCommitment;
}

/**
 * (FHE digest, C_W digest) pairs whose link proof verified in this process. Both digests
 * bind everything the link is about (weights roots, layouts), so a verified pair stays
 * verified; bounded so a client talking to many servers keeps little.
 */
const verifiedLinks = new Set<string>();
const MAX_VERIFIED_LINKS = 64;

/** Checks the server's link to `model`; throws FheVerificationError when it is missing or invalid. */
async function checkLink(transport: FheTransport, commitment: FheCommitment, model: ModelCommitment): Promise<void> {
  const modelHex = Array.from(model.digest, (x) => x.toString(16).padStart(2, '0')).join('');
  const key = `${fheCommitmentDigestHex(commitment)}:${modelHex}`;
  if (verifiedLinks.has(key)) return;
  const named = Array.from(commitment.modelDigest, (x) => x.toString(16).padStart(2, '0')).join('');
  if (named !== modelHex) throw new FheVerificationError(`the server's FHE commitment names model ${named}, not the pinned ${modelHex}`);
  const proof = transport.link ? await transport.link() : undefined;
  if (!proof) throw new FheVerificationError('the server serves no link proof to the model commitment');
  const res = verifyFheLink(commitment, model, proof);
  if (!res.valid) throw new FheVerificationError(`link to the model commitment rejected: ${res.reason}`);
  if (verifiedLinks.size >= MAX_VERIFIED_LINKS) verifiedLinks.delete(verifiedLinks.values().next().value!);
  verifiedLinks.add(key);
}

export class FheClient {
  private calls: FheCall[] = [];
  readonly timings = new Map<string, FheLayerTiming>();

  private constructor(
    readonly transport: FheTransport,
    readonly commitment: FheCommitment,
    readonly seal: SealSession,
    readonly session: string,
  ) {}

  /**
   * Fetches and checks the server's FHE commitment (against `pin`, a hex digest, when
   * given; with `model`, also its link proof to that model commitment) and generates keys.
   */
  static async connect(transport: FheTransport, opts: FheConnectOptions = {}): Promise<FheClient> {
    const commitment = parseFheCommitment(await transport.commitment(), opts.pin);
    if (opts.model) await checkLink(transport, commitment, opts.model);
    const seal = await SealSession.create(commitment.params);
    return new FheClient(transport, commitment, seal, await transport.openSession());
  }

  /**
   * Splits x into signed digits x = Σ_d 2^{b·d}·x_d so that every coefficient of every
   * product (Σ over a row of |w|·|x_d| ≤ 127·cols·(2^b − 1), plus the bias) stays below t/2:
   * results are then exact integers, not residues.
   */
  private digitsFor(x: Int32Array, cols: number): { digits: number; bits: number } {
    let maxAbs = 0;
    for (let i = 0; i < x.length; i++) maxAbs = Math.max(maxAbs, Math.abs(x[i]!));
    const limit = (this.commitment.params.plainModulus - 1) / 2 - this.commitment.maxBias;
    const need = Math.max(1, Math.ceil(Math.log2(maxAbs + 1)));
    for (let digits = 1; digits <= 8; digits++) {
      const bits = Math.ceil(need / digits);
      if (127 * cols * (2 ** bits - 1) < limit) return { digits, bits };
    }
    throw new FheError(`activation magnitude ${maxAbs} cannot be split into ≤ 8 digits for ${cols} columns`);
  }

  /**
   * Applies the named linears (same input width) to x [T × cols] homomorphically; returns
   * one exact integer matrix [T × rows] per linear.
   */
  async linear(names: readonly string[], x: Int32Array, T: number): Promise<Int32Array[]> {
    const layout = this.commitment.layout;
    const lins = names.map((n) => {
      const l = layout.byName.get(n);
      if (!l) throw new FheError(`server has no linear '${n}'`);
      return l;
    });
    const l0 = lins[0]!;
    const cols = l0.cols;
    if (x.length !== T * cols) throw new FheError(`input has ${x.length} values, expected ${T}×${cols}`);
    const key = names.join('+');
    const tm = this.timings.get(key) ?? { calls: 0, encryptMs: 0, serverMs: 0, decryptMs: 0, bytesUp: 0, bytesDown: 0 };
    this.timings.set(key, tm);
    tm.calls++;
    const t0 = performance.now();
    const { digits, bits } = this.digitsFor(x, cols);
    const N = this.commitment.params.polyDegree;
    const inputs: RawCiphertext[] = [];
    const digit = new Int32Array(l0.chunk);
    for (let t = 0; t < T; t++) {
      for (let d = 0; d < digits; d++) {
        for (let j = 0; j < l0.chunks; j++) {
          const c0 = j * l0.chunk;
          const w = Math.min(l0.chunk, cols - c0);
          for (let c = 0; c < w; c++) {
            const v = x[t * cols + c0 + c]!;
            const mag = Math.floor(Math.abs(v) / 2 ** (bits * d)) % 2 ** bits;
            digit[c] = v < 0 ? -mag : mag;
          }
          inputs.push(this.seal.encrypt(digit.subarray(0, w)));
        }
      }
    }
    const inBytes = encodeCiphertexts(inputs, N);
    const t1 = performance.now();
    const res = await this.transport.evaluate(this.session, { linears: names, tokens: T, digits, inputs: inBytes });
    const t2 = performance.now();
    if (res.outputs.length !== lins.length) throw new FheError('server returned the wrong number of output lists');
    const outputs = res.outputs.map((b, i) => decodeCiphertexts(b, N, T * digits * lins[i]!.blocks));
    const results = lins.map((l, i) => this.decodeOutputs(l, outputs[i]!, T, digits, bits));
    tm.encryptMs += t1 - t0;
    tm.serverMs += t2 - t1;
    tm.decryptMs += performance.now() - t2;
    tm.bytesUp += inBytes.length;
    tm.bytesDown += res.outputs.reduce((s, b) => s + b.length, 0);
    this.calls.push({ linears: [...names], tokens: T, digits, inputs, outputs });
    return results;
  }

  private decodeOutputs(l: FheLinearLayout, outs: readonly RawCiphertext[], T: number, digits: number, bits: number): Int32Array {
    if (outs.length !== T * digits * l.blocks) throw new FheError(`expected ${T * digits * l.blocks} outputs for ${l.name}`);
    const y = new Int32Array(T * l.rows);
    for (let t = 0; t < T; t++) {
      for (let d = 0; d < digits; d++) {
        const scale = 2 ** (bits * d);
        for (let o = 0; o < l.blocks; o++) {
          const m = this.seal.decrypt(outs[(t * digits + d) * l.blocks + o]!);
          const rows = blockRows(l, o);
          for (let r = 0; r < rows; r++) y[t * l.rows + o * l.rowsPerBlock + r]! += m[outputCoeff(l, r)]! * scale;
        }
      }
    }
    return y;
  }

  /** Unverified calls so far. */
  get pendingCalls(): number {
    return this.calls.length;
  }

  /** Requests a proof of every call since the last one and verifies it; throws if invalid. */
  async verify(): Promise<{ proofBytes: number; ms: number }> {
    if (this.calls.length === 0) return { proofBytes: 0, ms: 0 };
    const proof = await this.transport.prove(this.session);
    const t0 = performance.now();
    const r = verifyFheProof(this.commitment, this.calls, proof);
    const ms = performance.now() - t0;
    if (!r.valid) throw new FheVerificationError(`server proof rejected: ${r.reason}`);
    this.calls = [];
    return { proofBytes: proof.length, ms };
  }

  async close(): Promise<void> {
    await this.transport.closeSession?.(this.session);
  }

  /** Greedy generation with every linear layer on the server (see module comment). */
  async generate(model: QuantizedModel, prompt: readonly number[], opts: FheGenerateOptions): Promise<FheGenerateResult> {
    const t0 = performance.now();
    if (prompt.length === 0) throw new RangeError('prompt must contain at least one token');
    const fwd = new FheForward(model, this, Math.min(model.config.maxPositions, prompt.length + opts.maxTokens));
    let proofs = 0;
    let proofBytes = 0;
    let verifyMs = 0;
    const check = async (force: boolean) => {
      if (!force && opts.proveEvery !== 'step') return;
      const v = await this.verify();
      if (v.proofBytes > 0) {
        proofs++;
        proofBytes += v.proofBytes;
        verifyMs += v.ms;
        opts.onProgress?.({ phase: 'verify', ms: v.ms });
      }
    };
    let next = await fwd.step(prompt, opts.onProgress);
    await check(false);
    const tokens: number[] = [];
    let stoppedOnEos = false;
    while (tokens.length < opts.maxTokens) {
      if (next === opts.eosTokenId) {
        stoppedOnEos = true;
        break;
      }
      tokens.push(next);
      opts.onToken?.(next);
      opts.onProgress?.({ phase: 'token', token: next, ms: performance.now() - t0 });
      if (tokens.length >= opts.maxTokens || fwd.pos >= fwd.maxSeq) break;
      next = await fwd.step([next], opts.onProgress);
      await check(false);
    }
    await check(true);
    return { tokens, stoppedOnEos, proofsVerified: proofs, proofBytes, verifyMs, layers: this.timings, totalMs: performance.now() - t0 };
  }
}

/**
 * The quantized forward pass with linear layers delegated to an FheClient. Mirrors
 * QuantSession.forward op for op (without tracing); reads no linear weights.
 */
class FheForward {
  pos = 0;
  private readonly kCache: Int32Array[];
  private readonly vCache: Int32Array[];

  constructor(
    private readonly m: QuantizedModel,
    private readonly client: FheClient,
    readonly maxSeq: number,
  ) {
    const c = m.config;
    const kvDim = c.numKvHeads * c.headDim;
    this.kCache = Array.from({ length: c.numLayers }, () => new Int32Array(maxSeq * kvDim));
    this.vCache = Array.from({ length: c.numLayers }, () => new Int32Array(maxSeq * kvDim));
  }

  private rq(x: Int32Array, spec: RequantSpec, cols: number): Int32Array {
    const out = new Int32Array(x.length);
    requant(out, x, spec, cols);
    return out;
  }

  private norm(x: Int32Array, T: number, d: number, n: QNorm): Int32Array {
    let v = x;
    if (n.center) {
      const c = new Int32Array(T * d);
      for (let t = 0; t < T; t++) {
        let s = 0;
        for (let i = 0; i < d; i++) s += x[t * d + i]!;
        for (let i = 0; i < d; i++) c[t * d + i] = d * x[t * d + i]! - s;
      }
      v = this.rq(c, n.center, d);
    }
    const u = this.rq(v, n.pre, d);
    const ss = new Int32Array(T);
    for (let t = 0; t < T; t++) {
      let s = n.eps;
      for (let i = 0; i < d; i++) s += u[t * d + i]! * u[t * d + i]!;
      ss[t] = s;
    }
    const idx = this.rq(ss, n.ss, 1);
    const rho = new Int32Array(T);
    lookup(rho, idx, n.rsqrt);
    const prod = new Int32Array(T * d);
    for (let t = 0; t < T; t++) for (let i = 0; i < d; i++) prod[t * d + i] = v[t * d + i]! * rho[t]!;
    return this.rq(prod, n.out, d);
  }

  private async lin(lins: readonly QLinear[], x: Int32Array, T: number, onProgress?: (p: FheProgress) => void): Promise<Int32Array[]> {
    const t0 = performance.now();
    const r = await this.client.linear(lins.map((l) => l.name), x, T);
    onProgress?.({ phase: 'linear', name: lins.map((l) => l.name).join('+'), ms: performance.now() - t0 });
    return r;
  }

  /** Runs tokens at positions pos.. and returns the argmax of the last row. */
  async step(tokens: readonly number[], onProgress?: (p: FheProgress) => void): Promise<number> {
    const m = this.m;
    const c = m.config;
    const T = tokens.length;
    if (this.pos + T > this.maxSeq) throw new RangeError(`sequence longer than the context window (${this.maxSeq})`);
    const d = c.hiddenSize;
    const hd = c.headDim;
    const H = c.numHeads;
    const KV = c.numKvHeads;
    const kvDim = KV * hd;
    const qDim = H * hd;
    const group = H / KV;
    const pos0 = this.pos;
    const positions = new Int32Array(T);
    let x = new Int32Array(T * d);
    for (let t = 0; t < T; t++) {
      const tok = tokens[t]!;
      if (!Number.isInteger(tok) || tok < 0 || tok >= c.vocabSize) throw new RangeError(`token id ${tok} out of range`);
      positions[t] = pos0 + t;
      x.set(m.embed.subarray(tok * d, tok * d + d), t * d);
    }
    if (m.posEmbed) for (let t = 0; t < T; t++) for (let i = 0; i < d; i++) x[t * d + i]! += m.posEmbed[positions[t]! * d + i]!;
    const add = (a: Int32Array, b: Int32Array) => {
      const o = new Int32Array(a.length);
      for (let i = 0; i < a.length; i++) o[i] = a[i]! + b[i]!;
      return o;
    };
    for (let l = 0; l < c.numLayers; l++) {
      const L = m.layers[l]!;
      const xa = this.norm(x, T, d, L.attnNorm);
      const [q0, k0, v0] = await this.lin([L.wq, L.wk, L.wv], xa, T, onProgress);
      let q = this.rq(q0!, L.qReq, qDim);
      let k = this.rq(k0!, L.kReq, kvDim);
      const v = this.rq(v0!, L.vReq, kvDim);
      if (m.rope) {
        const r = m.rope;
        const A = m.bounds.act;
        const q2 = new Int32Array(q.length);
        ropeInt(q2, q, positions, H, hd, r.cos, r.sin, r.fr, A);
        const k2 = new Int32Array(k.length);
        ropeInt(k2, k, positions, KV, hd, r.cos, r.sin, r.fr, A);
        q = q2;
        k = k2;
      }
      const kc = this.kCache[l]!;
      const vc = this.vCache[l]!;
      kc.set(k, pos0 * kvDim);
      vc.set(v, pos0 * kvDim);
      const Tk = pos0 + T;
      const scores = new Int32Array(H * T * Tk);
      for (let h = 0; h < H; h++) {
        const g = Math.floor(h / group);
        for (let t = 0; t < T; t++) {
          const qo = t * qDim + h * hd;
          const row = (h * T + t) * Tk;
          for (let j = 0; j <= pos0 + t; j++) {
            const ko = j * kvDim + g * hd;
            let s = 0;
            for (let i = 0; i < hd; i++) s += q[qo + i]! * kc[ko + i]!;
            scores[row + j] = s;
          }
        }
      }
      const z = this.rq(scores, L.scoreReq, Tk);
      const probs = new Int32Array(H * T * Tk);
      for (let h = 0; h < H; h++) for (let t = 0; t < T; t++) softmaxRow(probs, (h * T + t) * Tk, z, (h * T + t) * Tk, pos0 + t + 1, L.softmax);
      const o = new Int32Array(T * qDim);
      for (let h = 0; h < H; h++) {
        const g = Math.floor(h / group);
        for (let t = 0; t < T; t++) {
          const row = (h * T + t) * Tk;
          const oo = t * qDim + h * hd;
          for (let j = 0; j <= pos0 + t; j++) {
            const pr = probs[row + j]!;
            if (pr === 0) continue;
            const vo = j * kvDim + g * hd;
            for (let i = 0; i < hd; i++) o[oo + i]! += pr * vc[vo + i]!;
          }
        }
      }
      const ao = this.rq(o, L.pvReq, qDim);
      const [proj0] = await this.lin([L.wo], ao, T, onProgress);
      const proj = this.rq(proj0!, L.oReq, d);
      x = add(this.rq(x, L.residAttn, d), proj);
      const xf = this.norm(x, T, d, L.ffnNorm);
      let hidden: Int32Array;
      const ff = c.intermediateSize;
      if (L.gate) {
        const [g0, u0] = await this.lin([L.gate, L.up], xf, T, onProgress);
        const g = this.rq(g0!, L.actInReq, ff);
        const u = this.rq(u0!, L.upReq!, ff);
        const a = new Int32Array(g.length);
        lookup(a, g, L.act);
        const prod = new Int32Array(T * ff);
        for (let i = 0; i < prod.length; i++) prod[i] = a[i]! * u[i]!;
        hidden = this.rq(prod, L.hiddenReq!, ff);
      } else {
        const [f0] = await this.lin([L.up], xf, T, onProgress);
        const g = this.rq(f0!, L.actInReq, ff);
        hidden = new Int32Array(g.length);
        lookup(hidden, g, L.act);
      }
      const [down0] = await this.lin([L.down], hidden, T, onProgress);
      const down = this.rq(down0!, L.downReq, d);
      x = add(this.rq(x, L.residFfn, d), down);
    }
    const xo = this.norm(x, T, d, m.finalNorm);
    const [lg0] = await this.lin([m.lmHead], xo, T, onProgress);
    const V = c.vocabSize;
    const logits = this.rq(lg0!, m.logitReq, V);
    const base = (T - 1) * V;
    let best = 0;
    for (let j = 1; j < V; j++) if (logits[base + j]! > logits[base + best]!) best = j;
    this.pos += T;
    return best;
  }
}

/**
 * A copy of a quantized model without any linear weight or bias (shapes kept): what a
 * client holds. Running the FHE client on it shows it never needs the server's weights.
 */
export function clientModel(model: QuantizedModel): QuantizedModel {
  const strip = (l: QLinear): QLinear => ({ name: l.name, rows: l.rows, cols: l.cols, w: new Int8Array(0), scale: new Float64Array(0), bias: undefined });
  return {
    ...model,
    layers: model.layers.map((L) => ({ ...L, wq: strip(L.wq), wk: strip(L.wk), wv: strip(L.wv), wo: strip(L.wo), gate: L.gate ? strip(L.gate) : undefined, up: strip(L.up), down: strip(L.down) })),
    lmHead: strip(model.lmHead),
  };
}
