/**
 * The FHE server: holds the private quantized weights, evaluates linear layers on the
 * client's BFV ciphertexts (plaintext × ciphertext products and additions only, so it
 * needs no keys), and proves each session's evaluations against its published FHE
 * commitment. Everything it receives and returns is ciphertext bytes.
 */
import { randomBytes } from 'node:crypto';
import {
  DEFAULT_FHE_PARAMS,
  DEFAULT_PCS_PARAMS,
  FHE_CALL_LIMITS,
  FHE_LIMBS,
  FheError,
  blockRows,
  checkFheCall,
  ciphertextWords,
  ctLimb,
  decodeCiphertexts,
  encodeCiphertexts,
  fheCommitmentToJson,
  fheDelta,
  fromEvalInPlace,
  makeFheCommitment,
  outputCoeff,
  toEval,
  type FheCall,
  type FheCommitment,
  type FheCommitmentJson,
  type FheParams,
  type PcsParams,
  type RawCiphertext,
} from '@zkllm/verifier';
import type { QLinear, QuantizedModel } from '../model/quant/quantize.js';
import { pcsCommit, type PcsProverState } from '../pcs/index.js';
import type { CommittedModel } from '../generation/commit.js';
import { proveFheLink, type FheLinkTimings } from './link.js';
import { proveFheCalls, type FheProofTimings } from './prover.js';
import { encodeWeights, modelLinears, type EncodedWeights } from './weights.js';

/** One homomorphic request as it crosses the wire. */
export interface FheEvalRequest {
  readonly linears: readonly string[];
  readonly tokens: number;
  readonly digits: number;
  /** `encodeCiphertexts` of the inputs, index (t·digits + d)·chunks + j. */
  readonly inputs: Uint8Array;
}

export interface FheEvalResponse {
  /** Per linear, `encodeCiphertexts` of its outputs, index (t·digits + d)·blocks + o. */
  readonly outputs: readonly Uint8Array[];
}

export interface FheServerOptions {
  readonly params?: FheParams;
  /** Hex digest of the model commitment C_W these weights belong to (pinned by clients). */
  readonly modelDigest?: string;
  /**
   * The model commitment C_W with its prover state: sets `modelDigest` and makes the
   * one-time link proof that the encoded weights are C_W's weights (`linkProof`).
   */
  readonly model?: CommittedModel;
  readonly pcsParams?: PcsParams;
  /** Sessions kept at once; the least recently used one is dropped beyond this. */
  readonly maxSessions?: number;
}

interface Session {
  calls: FheCall[];
  lastUsed: number;
}

export interface FheServerStats {
  evaluateMs: number;
  proveMs: number;
  calls: number;
  lastProof?: FheProofTimings;
  link?: FheLinkTimings & { totalMs: number };
}

function hexToBytes(h: string): Uint8Array {
  if (!/^[0-9a-f]{64}$/.test(h)) throw new FheError('modelDigest must be 64 lowercase hex digits');
  return Uint8Array.from({ length: 32 }, (_, i) => parseInt(h.slice(2 * i, 2 * i + 2), 16));
}

function isLinearList(s: QuantizedModel | readonly QLinear[]): s is readonly QLinear[] {
  return Array.isArray(s);
}

export class FheServer {
  readonly params: FheParams;
  readonly commitment: FheCommitment;
  readonly stats: FheServerStats = { evaluateMs: 0, proveMs: 0, calls: 0 };
  /** Link proof to the model commitment (docs/FHE.md), when built with `model`. */
  readonly linkProof: Uint8Array | undefined;
  private readonly enc: EncodedWeights;
  private readonly pcsState: PcsProverState;
  private readonly pcsParams: PcsParams;
  private readonly sessions = new Map<string, Session>();
  private readonly maxSessions: number;
  private readonly delta: number[];
  private clock = 0;

  /** `source`: a quantized model (all its linears) or an explicit list of linears. */
  constructor(source: QuantizedModel | readonly QLinear[], opts: FheServerOptions = {}) {
    this.params = opts.params ?? DEFAULT_FHE_PARAMS;
    this.pcsParams = opts.pcsParams ?? DEFAULT_PCS_PARAMS;
    this.maxSessions = opts.maxSessions ?? 64;
    this.enc = encodeWeights(this.params, isLinearList(source) ? source : modelLinears(source));
    const { commitment, state } = pcsCommit(this.enc.committed, this.pcsParams);
    this.pcsState = state;
    if (opts.model && opts.modelDigest !== undefined && opts.modelDigest !== opts.model.file.digest) throw new FheError('modelDigest differs from the given model commitment');
    const named = opts.model?.file.digest ?? opts.modelDigest;
    const digest = named === undefined ? new Uint8Array(32) : hexToBytes(named);
    this.commitment = makeFheCommitment(this.params, this.enc.specs, this.enc.maxBias, digest, commitment);
    this.delta = fheDelta(this.params);
    if (opts.model) {
      const t0 = performance.now();
      const { bytes, timings } = proveFheLink(this.commitment, this.pcsState, opts.model, this.pcsParams);
      this.linkProof = bytes;
      this.stats.link = { ...timings, totalMs: performance.now() - t0 };
    } else {
      this.linkProof = undefined;
    }
  }

  commitmentJson(): FheCommitmentJson {
    return fheCommitmentToJson(this.commitment);
  }

  openSession(): string {
    const id = randomBytes(16).toString('hex');
    if (this.sessions.size >= this.maxSessions) {
      let oldest: string | undefined;
      let t = Infinity;
      for (const [k, s] of this.sessions) if (s.lastUsed < t) [oldest, t] = [k, s.lastUsed];
      if (oldest !== undefined) this.sessions.delete(oldest);
    }
    this.sessions.set(id, { calls: [], lastUsed: this.clock++ });
    return id;
  }

  closeSession(id: string): void {
    this.sessions.delete(id);
  }

  private session(id: string): Session {
    const s = this.sessions.get(id);
    if (!s) throw new FheError('unknown or expired FHE session');
    s.lastUsed = this.clock++;
    return s;
  }

  /** Evaluates one request; the call is remembered for the session's next proof. */
  evaluate(sessionId: string, req: FheEvalRequest): FheEvalResponse {
    const s = this.session(sessionId);
    if (s.calls.length >= FHE_CALL_LIMITS.maxCalls) throw new FheError('too many unproven calls in this session; request a proof first');
    const t0 = performance.now();
    const N = this.params.polyDegree;
    const layout = this.commitment.layout;
    const first = layout.byName.get(req.linears[0] ?? '');
    if (!first) throw new FheError(`unknown linear '${req.linears[0]}'`);
    const maxInputs = FHE_CALL_LIMITS.maxTokens * FHE_CALL_LIMITS.maxDigits * first.chunks;
    const inputs = decodeCiphertexts(req.inputs, N, maxInputs);
    const lins = checkFheCall(layout, { linears: req.linears, tokens: req.tokens, digits: req.digits, inputs });
    const J = first.chunks;
    // Inputs in the evaluation domain: [ct][limb][poly].
    const ev = inputs.map((ct) => FHE_LIMBS.map((F, limb) => [0, 1].map((poly) => toEval(F, ctLimb(ct, poly, limb)))));
    const outputs: RawCiphertext[][] = [];
    const acc = new Uint32Array(N);
    for (const l of lins) {
      const lin = this.enc.linears.get(l.name)!;
      const outs: RawCiphertext[] = [];
      for (let td = 0; td < req.tokens * req.digits; td++) {
        const d = td % req.digits;
        for (let o = 0; o < l.blocks; o++) {
          const data = new Uint32Array(ciphertextWords(N));
          FHE_LIMBS.forEach((F, limb) => {
            const p = F.p;
            for (let poly = 0; poly < 2; poly++) {
              acc.fill(0);
              for (let j = 0; j < J; j++) {
                const w = this.enc.evals[limb]![l.firstBlock + o * l.chunks + j]!;
                const x = ev[td * J + j]![limb]![poly]!;
                for (let i = 0; i < N; i++) {
                  const v = acc[i]! + F.mul(w[i]!, x[i]!);
                  acc[i] = v >= p ? v - p : v;
                }
              }
              fromEvalInPlace(F, acc);
              if (poly === 0 && d === 0 && lin.bias) {
                const rows = blockRows(l, o);
                for (let r = 0; r < rows; r++) {
                  const k = outputCoeff(l, r);
                  acc[k] = F.add(acc[k]!, F.mul(this.delta[limb]!, F.fromInt(lin.bias[o * l.rowsPerBlock + r]!)));
                }
              }
              data.set(acc, (poly * FHE_LIMBS.length + limb) * N);
            }
          });
          outs.push({ polyDegree: N, data });
        }
      }
      outputs.push(outs);
    }
    s.calls.push({ linears: [...req.linears], tokens: req.tokens, digits: req.digits, inputs, outputs });
    this.stats.calls++;
    this.stats.evaluateMs += performance.now() - t0;
    return { outputs: outputs.map((o) => encodeCiphertexts(o, N)) };
  }

  /** Number of calls a proof of this session would cover now. */
  pendingCalls(sessionId: string): number {
    return this.session(sessionId).calls.length;
  }

  /** Proves every call since the session's last proof and starts a new batch. */
  prove(sessionId: string): Uint8Array {
    const s = this.session(sessionId);
    if (s.calls.length === 0) throw new FheError('nothing to prove: no calls since the last proof');
    const t0 = performance.now();
    const { bytes, timings } = proveFheCalls(this.commitment, this.pcsState, this.enc.signed, this.enc.committed, s.calls, this.pcsParams);
    s.calls = [];
    this.stats.proveMs += performance.now() - t0;
    this.stats.lastProof = timings;
    return bytes;
  }
}
