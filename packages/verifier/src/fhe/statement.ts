/**
 * The statement of a homomorphic linear-layer proof and the computation both sides share.
 *
 * The server claims, for every call (one input vector per token and digit, one or more
 * linears sharing it) and every RNS limb q_ℓ ∈ {BabyBear, KoalaBear}:
 *
 *   out[lin, t, d, o] = Σ_j W_{o,j} · in[t, d, j]  (+ Δ_ℓ·B_o on c0 when d = 0)   in Z_{q_ℓ}[X]/(X^N + 1)
 *
 * with W, B the encoded weights and biases in the committed vector (layout.ts).
 *
 * Reduction to one inner product, per limb: after everything is absorbed, draw r_ℓ
 * (log N ext coordinates, e_ℓ = eq(r_ℓ, ·)) and one ext scalar a per output polynomial.
 * Then Σ a·⟨e_ℓ, out⟩ = ⟨Wvec, U_ℓ⟩ where U_ℓ is computable from the input ciphertexts
 * alone: ⟨e, W ⊛ x⟩ = ⟨W, e ⊛ x(X^{-1})⟩ (negacyclic correlation), so
 * U_ℓ[block (o,j)] = e ⊛ rev(Σ_{t,d,c} a·in[t,d,j].c) and the bias entries collect
 * Δ_ℓ·a·e[target coefficient]. A wrong output polynomial survives this with probability
 * ≤ (log N + 1)/|F_ℓ^4|.
 *
 * The BabyBear limb is then a sumcheck over BabyBear directly. The KoalaBear limb cannot
 * be opened from a BabyBear commitment, so it is lifted to the integers: the committed
 * entries are small signed integers (|w| ≤ 127, |b| ≤ maxBias), U_K's four ext limbs are
 * split into eight 4-bit digits each, and the prover states, per segment of the vector,
 * the 32 integer inner products s = ⟨W_seg, digit⟩. Each is bounded by
 * |seg|·max|W|·15 < (p_B − 1)/2, so its value mod BabyBear determines it (this rests on the
 * range part of the link proof, link.ts: weight entries in [−128, 128) keep the true value
 * below N·128·15, biases are proven within maxBias); the verifier
 * checks Σ_seg Σ_d 16^d·s ≡ v_K (mod K) per ext limb and then all s (and the BabyBear limb)
 * are proven at once: Σ_x W(x)·V(x) = v_B + Σ_k λ^{k+1} s_k with
 * V = U_B + Σ_k λ^{k+1}·digit_k, one sumcheck plus one PCS opening of W.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { BabyBear, BabyBearExt4 } from '../field/babybear.js';
import type { QuarticExtension } from '../field/extension.js';
import { KoalaBear, KoalaBearExt4 } from '../field/koalabear.js';
import type { PrimeField } from '../field/prime.js';
import type { PcsCommitment } from '../pcs/verifier.js';
import { eqTable } from '../poly/multilinear.js';
import { Transcript } from '../transcript/transcript.js';
import { checkCiphertext, ctLimb, encodeCiphertexts, type RawCiphertext } from './ciphertext.js';
import { blockRows, encodeLayoutSpecs, fheWeightLayout, outputCoeff, type FheLinearLayout, type FheLinearSpec, type FheWeightLayout } from './layout.js';
import { FHE_LIMBS, FheError, fheDelta, fheParamsByName, type FheParams } from './params.js';
import { fromEvalInPlace, reverseRing, toEval } from './ring.js';

export const FHE_PROOF_DOMAIN = 'zkllm/fhe-linear/v1';
export const FHE_COMMITMENT_DOMAIN = 'zkllm/fhe-commitment/v1';
/** Committed int8 weights. */
export const FHE_WEIGHT_BOUND = 127;
/** K-limb digits: 8 digits of 4 bits cover [0, 2^32). */
export const FHE_DIGIT_BITS = 4;
export const FHE_DIGITS = 8;
/** Integer inner products per segment: 4 ext limbs × 8 digits. */
export const FHE_INTS_PER_SEGMENT = 4 * FHE_DIGITS;

export interface FheCommitment {
  readonly params: FheParams;
  readonly specs: readonly FheLinearSpec[];
  readonly layout: FheWeightLayout;
  /** Public bound on |bias| (0 without biases). */
  readonly maxBias: number;
  /**
   * Digest C_W of the model commitment these weights are the encoding of. Proven by the
   * link proof (link.ts) to a client that pins C_W; only asserted to one that does not.
   */
  readonly modelDigest: Uint8Array;
  /** PCS commitment to the encoded weight vector. */
  readonly weights: PcsCommitment;
  /** SHA-256 over everything above: what a client pins. */
  readonly digest: Uint8Array;
}

const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

function fromHex(s: unknown, what: string): Uint8Array {
  if (typeof s !== 'string' || !/^[0-9a-f]{64}$/.test(s)) throw new FheError(`${what} must be 64 lowercase hex digits`);
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function commitmentDigest(params: FheParams, specs: readonly FheLinearSpec[], maxBias: number, modelDigest: Uint8Array, weights: PcsCommitment): Uint8Array {
  const te = new TextEncoder();
  const h = sha256.create();
  h.update(te.encode(FHE_COMMITMENT_DOMAIN));
  h.update(te.encode(JSON.stringify([params.name, encodeLayoutSpecs(specs), maxBias, hex(modelDigest), hex(weights.root), weights.numVars])));
  return h.digest();
}

export function makeFheCommitment(params: FheParams, specs: readonly FheLinearSpec[], maxBias: number, modelDigest: Uint8Array, weights: PcsCommitment): FheCommitment {
  const layout = fheWeightLayout(params.polyDegree, specs);
  if (weights.numVars !== layout.numVars) throw new FheError(`weights commitment has ${weights.numVars} variables, layout needs ${layout.numVars}`);
  if (!Number.isSafeInteger(maxBias) || maxBias < 0) throw new FheError('maxBias must be a non-negative integer');
  fheSegments(layout, maxBias); // throws when a bias bound is too large to lift
  return { params, specs, layout, maxBias, modelDigest, weights, digest: commitmentDigest(params, specs, maxBias, modelDigest, weights) };
}

/** JSON form (what `GET /v1/zkllm/fhe` serves). */
export interface FheCommitmentJson {
  readonly version: 1;
  readonly params: string;
  readonly linears: ReadonlyArray<readonly [string, number, number, boolean]>;
  readonly maxBias: number;
  readonly modelDigest: string;
  readonly weightsRoot: string;
  readonly numVars: number;
  readonly digest: string;
}

export function fheCommitmentToJson(c: FheCommitment): FheCommitmentJson {
  return {
    version: 1,
    params: c.params.name,
    linears: c.specs.map((s) => [s.name, s.rows, s.cols, s.hasBias] as const),
    maxBias: c.maxBias,
    modelDigest: hex(c.modelDigest),
    weightsRoot: hex(c.weights.root),
    numVars: c.weights.numVars,
    digest: hex(c.digest),
  };
}

/** Parses and re-hashes a commitment; with `expectedDigest` (hex) it must match the pin. */
export function parseFheCommitment(json: unknown, expectedDigest?: string): FheCommitment {
  if (typeof json !== 'object' || json === null) throw new FheError('FHE commitment must be an object');
  const j = json as Record<string, unknown>;
  if (j.version !== 1) throw new FheError(`unsupported FHE commitment version ${String(j.version)}`);
  const params = fheParamsByName(String(j.params));
  if (!Array.isArray(j.linears) || j.linears.length > 4096) throw new FheError('linears must be an array');
  const specs: FheLinearSpec[] = j.linears.map((l: unknown, i: number) => {
    if (!Array.isArray(l) || l.length !== 4 || typeof l[0] !== 'string' || l[0].length > 200 || !Number.isInteger(l[1]) || !Number.isInteger(l[2]) || typeof l[3] !== 'boolean') {
      throw new FheError(`linear ${i} is malformed`);
    }
    return { name: l[0], rows: l[1] as number, cols: l[2] as number, hasBias: l[3] };
  });
  if (typeof j.numVars !== 'number' || typeof j.maxBias !== 'number') throw new FheError('numVars and maxBias must be numbers');
  const c = makeFheCommitment(params, specs, j.maxBias, fromHex(j.modelDigest, 'modelDigest'), { root: fromHex(j.weightsRoot, 'weightsRoot'), numVars: j.numVars });
  if (hex(c.digest) !== j.digest) throw new FheError('FHE commitment digest does not match its contents');
  if (expectedDigest !== undefined && hex(c.digest) !== expectedDigest) throw new FheError('FHE commitment is not the pinned one');
  return c;
}

export function fheCommitmentDigestHex(c: FheCommitment): string {
  return hex(c.digest);
}

/** One batch of homomorphic matrix–vector products sharing their input ciphertexts. */
export interface FheCall {
  /** Linears applied to the same input (same number of columns). */
  readonly linears: readonly string[];
  /** Input vectors (tokens). */
  readonly tokens: number;
  /** Digit vectors per token (activation splitting); bias is added to digit 0 only. */
  readonly digits: number;
  /** Index (t·digits + d)·chunks + j. */
  readonly inputs: readonly RawCiphertext[];
  /** Per linear, index (t·digits + d)·blocks + o. */
  readonly outputs: readonly (readonly RawCiphertext[])[];
}

export const FHE_CALL_LIMITS = { maxCalls: 4096, maxTokens: 1024, maxDigits: 8, maxLinearsPerCall: 8 } as const;

/** Checks a call's shape against the layout; returns the linears' layouts. */
export function checkFheCall(layout: FheWeightLayout, call: Pick<FheCall, 'linears' | 'tokens' | 'digits' | 'inputs'> & { outputs?: FheCall['outputs'] }): FheLinearLayout[] {
  const L = FHE_CALL_LIMITS;
  if (call.linears.length === 0 || call.linears.length > L.maxLinearsPerCall) throw new FheError(`a call needs 1..${L.maxLinearsPerCall} linears`);
  if (!Number.isInteger(call.tokens) || call.tokens < 1 || call.tokens > L.maxTokens) throw new FheError(`tokens must be in 1..${L.maxTokens}`);
  if (!Number.isInteger(call.digits) || call.digits < 1 || call.digits > L.maxDigits) throw new FheError(`digits must be in 1..${L.maxDigits}`);
  const lins = call.linears.map((n) => {
    const l = layout.byName.get(n);
    if (!l) throw new FheError(`unknown linear '${n}'`);
    return l;
  });
  const J = lins[0]!.chunks;
  for (const l of lins) if (l.cols !== lins[0]!.cols) throw new FheError('linears of one call must have the same number of columns');
  if (call.inputs.length !== call.tokens * call.digits * J) throw new FheError(`expected ${call.tokens * call.digits * J} input ciphertexts, got ${call.inputs.length}`);
  for (const ct of call.inputs) checkCiphertext(ct, layout.polyDegree, 'input ciphertext');
  if (call.outputs) {
    if (call.outputs.length !== lins.length) throw new FheError('one output list per linear');
    lins.forEach((l, i) => {
      const outs = call.outputs![i]!;
      if (outs.length !== call.tokens * call.digits * l.blocks) throw new FheError(`expected ${call.tokens * call.digits * l.blocks} outputs for ${l.name}, got ${outs.length}`);
      for (const ct of outs) checkCiphertext(ct, layout.polyDegree, 'output ciphertext');
    });
  }
  return lins;
}

/** A segment of the weight vector whose K-limb integer inner products are stated. */
export interface FheSegment {
  readonly start: number;
  readonly size: number;
  /** Bound on |⟨W_seg, digit⟩|. */
  readonly bound: number;
}

const LIFT_BOUND = (BabyBear.p - 1) / 2;

/** Segments: one per weight block, then power-of-two runs over the biases. */
export function fheSegments(layout: FheWeightLayout, maxBias: number): FheSegment[] {
  const N = layout.polyDegree;
  const digitMax = 2 ** FHE_DIGIT_BITS - 1;
  const segs: FheSegment[] = [];
  const wBound = N * FHE_WEIGHT_BOUND * digitMax;
  if (wBound >= LIFT_BOUND) throw new FheError('weight segments too large for the integer lift');
  for (let k = 0; k < layout.totalBlocks; k++) segs.push({ start: k * N, size: N, bound: wBound });
  const biasStart = layout.totalBlocks * N;
  let biasEnd = biasStart;
  for (const l of layout.linears) if (l.hasBias) biasEnd = Math.max(biasEnd, l.biasOffset + l.rows);
  if (biasEnd > biasStart) {
    if (maxBias * digitMax >= LIFT_BOUND) throw new FheError(`bias bound ${maxBias} too large for the integer lift`);
    let size = N;
    while (size > 1 && size * Math.max(1, maxBias) * digitMax >= LIFT_BOUND) size >>= 1;
    for (let s = biasStart; s < biasEnd; s += size) segs.push({ start: s, size: Math.min(size, biasEnd - s), bound: Math.min(size, biasEnd - s) * maxBias * digitMax });
  }
  return segs;
}

/** A stream of 32-bit words squeezed from the transcript (for non-BabyBear challenges). */
function wordStream(t: Transcript, label: string): () => number {
  let block = 0;
  let buf: Uint8Array = new Uint8Array(0);
  let pos = 0;
  return () => {
    if (pos + 4 > buf.length) {
      buf = t.challengeBytes(`${label}/${block++}`, 1024);
      pos = 0;
    }
    const w = (buf[pos]! | (buf[pos + 1]! << 8) | (buf[pos + 2]! << 16) | (buf[pos + 3]! << 24)) >>> 0;
    pos += 4;
    return w;
  };
}

function drawExts(F: PrimeField, next: () => number, n: number): Uint32Array {
  const out = new Uint32Array(4 * n);
  for (let i = 0; i < out.length; i++) out[i] = F.randomFrom(next);
  return out;
}

const EXTS: readonly QuarticExtension[] = [BabyBearExt4, KoalaBearExt4];

export interface FheReduction {
  readonly transcript: Transcript;
  /** Σ a·⟨e, out⟩ per limb (ext over that limb's field). */
  readonly v: readonly Uint32Array[];
  /** U per limb: ext vector of layout.length entries (4 words each), over that limb's field. */
  readonly U: readonly Uint32Array[];
  readonly segments: readonly FheSegment[];
}

/** Absorbs the statement and computes v_ℓ and U_ℓ (identical on both sides). */
export function fheReduce(commitment: FheCommitment, calls: readonly FheCall[]): FheReduction {
  const layout = commitment.layout;
  const N = layout.polyDegree;
  if (calls.length === 0 || calls.length > FHE_CALL_LIMITS.maxCalls) throw new FheError(`a proof covers 1..${FHE_CALL_LIMITS.maxCalls} calls`);
  const callLins = calls.map((c) => checkFheCall(layout, c));
  const t = new Transcript(FHE_PROOF_DOMAIN, BabyBearExt4);
  t.absorbDigest('fhe-commitment', commitment.digest);
  t.absorbU32('calls', calls.length);
  calls.forEach((c, ci) => {
    t.absorbBytes('call-linears', new TextEncoder().encode(JSON.stringify(c.linears)));
    t.absorbU32('call-tokens', c.tokens);
    t.absorbU32('call-digits', c.digits);
    t.absorbBytes('call-inputs', encodeCiphertexts(c.inputs, N));
    callLins[ci]!.forEach((_, li) => t.absorbBytes('call-outputs', encodeCiphertexts(c.outputs[li]!, N)));
  });
  const delta = fheDelta(commitment.params);
  const v: Uint32Array[] = [];
  const U: Uint32Array[] = [];
  FHE_LIMBS.forEach((F, limb) => {
    const E = EXTS[limb]!;
    const next = wordStream(t, `fhe-challenges-${limb}`);
    const r = drawExts(F, next, Math.log2(N));
    const e = eqTable(E, r);
    // e in the evaluation domain, component-major.
    const eEval = new Uint32Array(4 * N);
    for (let u = 0; u < 4; u++) {
      const comp = new Uint32Array(N);
      for (let i = 0; i < N; i++) comp[i] = e[4 * i + u]!;
      eEval.set(toEval(F, comp), u * N);
    }
    const acc = new Map<number, Uint32Array>();
    const Ul = new Uint32Array(4 * layout.length);
    const vl = new Uint32Array(4);
    const tmp = new Uint32Array(4);
    calls.forEach((c, ci) => {
      const lins = callLins[ci]!;
      const J = lins[0]!.chunks;
      const revEval: Uint32Array[] = c.inputs.map((ct) => {
        const both = new Uint32Array(2 * N);
        for (let poly = 0; poly < 2; poly++) both.set(toEval(F, reverseRing(F, ctLimb(ct, poly, limb))), poly * N);
        return both;
      });
      lins.forEach((l, li) => {
        const outs = c.outputs[li]!;
        const a = drawExts(F, next, outs.length * 2);
        for (let td = 0; td < c.tokens * c.digits; td++) {
          const d = td % c.digits;
          for (let o = 0; o < l.blocks; o++) {
            const oi = td * l.blocks + o;
            const out = outs[oi]!;
            for (let poly = 0; poly < 2; poly++) {
              const ai = a.subarray(4 * (2 * oi + poly), 4 * (2 * oi + poly) + 4);
              E.mulAt(tmp, 0, E.innerProductBase(e, ctLimb(out, poly, limb)), 0, ai, 0);
              E.addAt(vl, 0, vl, 0, tmp, 0);
              for (let j = 0; j < J; j++) {
                const block = l.firstBlock + o * l.chunks + j;
                let accB = acc.get(block);
                if (!accB) {
                  accB = new Uint32Array(4 * N);
                  acc.set(block, accB);
                }
                const src = revEval[td * J + j]!.subarray(poly * N, poly * N + N);
                for (let u = 0; u < 4; u++) {
                  const s = ai[u]!;
                  if (s === 0) continue;
                  const off = u * N;
                  for (let i = 0; i < N; i++) {
                    const x = accB[off + i]! + F.mul(s, src[i]!);
                    accB[off + i] = x >= F.p ? x - F.p : x;
                  }
                }
              }
              if (poly === 0 && d === 0 && l.hasBias) {
                // Δ_ℓ·a·e[target] on each bias entry of this block.
                const rows = blockRows(l, o);
                const da = E.mulBase(ai, delta[limb]!);
                for (let rr = 0; rr < rows; rr++) {
                  const x = 4 * (l.biasOffset + o * l.rowsPerBlock + rr);
                  E.mulAt(tmp, 0, da, 0, e, 4 * outputCoeff(l, rr));
                  E.addAt(Ul, x, Ul, x, tmp, 0);
                }
              }
            }
          }
        }
      });
    });
    // U[block] = e ⊛ rev(Σ a·x): pointwise ext product in the evaluation domain, then back.
    const prod = new Uint32Array(4 * N);
    const ea = new Uint32Array(4);
    const xa = new Uint32Array(4);
    for (const [block, accB] of acc) {
      for (let i = 0; i < N; i++) {
        for (let u = 0; u < 4; u++) {
          ea[u] = eEval[u * N + i]!;
          xa[u] = accB[u * N + i]!;
        }
        E.mulAt(tmp, 0, ea, 0, xa, 0);
        for (let u = 0; u < 4; u++) prod[u * N + i] = tmp[u]!;
      }
      for (let u = 0; u < 4; u++) fromEvalInPlace(F, prod.subarray(u * N, u * N + N));
      const base = 4 * block * N;
      for (let i = 0; i < N; i++) for (let u = 0; u < 4; u++) Ul[base + 4 * i + u] = prod[u * N + i]!;
    }
    v.push(vl);
    U.push(Ul);
  });
  return { transcript: t, v, U, segments: fheSegments(layout, commitment.maxBias) };
}

/** Digit k = (ext limb e, digit d) of a K-limb U entry. */
export function digitOf(UK: Uint32Array, x: number, e: number, d: number): number {
  return (UK[4 * x + e]! >>> (FHE_DIGIT_BITS * d)) & ((1 << FHE_DIGIT_BITS) - 1);
}

export const FHE_LABELS = Object.freeze({ ints: 'fhe-k-limb-ints', lambda: 'fhe-lambda' });

/**
 * V = U_B + Σ_k λ^{k+1}·digit_k (k = seg·32 + e·8 + d) as a BabyBear ext vector, and the
 * powers λ^{k+1} (for the claimed sum).
 */
export function fheCombine(red: FheReduction, lambda: Uint32Array): { V: Uint32Array; powers: Uint32Array } {
  const E = BabyBearExt4;
  const UB = red.U[0]!;
  const UK = red.U[1]!;
  const nInts = red.segments.length * FHE_INTS_PER_SEGMENT;
  const powers = new Uint32Array(4 * nInts);
  let pw = E.copy(lambda);
  for (let k = 0; k < nInts; k++) {
    powers.set(pw, 4 * k);
    pw = E.mul(pw, lambda);
  }
  const V = UB.slice();
  const P = BabyBear.p;
  const digitVals = 1 << FHE_DIGIT_BITS;
  const table = new Uint32Array(4 * digitVals * FHE_INTS_PER_SEGMENT);
  red.segments.forEach((seg, si) => {
    // table[k][v] = v·λ^{k+1} for this segment, so V needs only additions per entry.
    for (let k = 0; k < FHE_INTS_PER_SEGMENT; k++) {
      const p = powers.subarray(4 * (si * FHE_INTS_PER_SEGMENT + k), 4 * (si * FHE_INTS_PER_SEGMENT + k) + 4);
      for (let val = 0; val < digitVals; val++) {
        const o = 4 * (k * digitVals + val);
        for (let u = 0; u < 4; u++) table[o + u] = BabyBear.mul(p[u]!, val);
      }
    }
    for (let x = seg.start; x < seg.start + seg.size; x++) {
      let a0 = V[4 * x]!, a1 = V[4 * x + 1]!, a2 = V[4 * x + 2]!, a3 = V[4 * x + 3]!;
      for (let e = 0; e < 4; e++) {
        const w = UK[4 * x + e]!;
        for (let d = 0; d < FHE_DIGITS; d++) {
          const val = (w >>> (FHE_DIGIT_BITS * d)) & (digitVals - 1);
          if (val === 0) continue;
          const o = 4 * ((e * FHE_DIGITS + d) * digitVals + val);
          a0 += table[o]!;
          a1 += table[o + 1]!;
          a2 += table[o + 2]!;
          a3 += table[o + 3]!;
        }
      }
      // ≤ 33 residues < 2^31 each: exact in doubles.
      V[4 * x] = a0 % P;
      V[4 * x + 1] = a1 % P;
      V[4 * x + 2] = a2 % P;
      V[4 * x + 3] = a3 % P;
    }
  });
  return { V, powers };
}

/** Claimed sum v_B + Σ_k λ^{k+1}·s_k (s_k as BabyBear elements). */
export function fheClaim(red: FheReduction, powers: Uint32Array, ints: Uint32Array): Uint32Array {
  const E = BabyBearExt4;
  const acc = E.copy(red.v[0]!);
  const tmp = new Uint32Array(4);
  for (let k = 0; k < ints.length; k++) {
    if (ints[k] === 0) continue;
    E.mulBaseAt(tmp, 0, powers, 4 * k, ints[k]!);
    E.addAt(acc, 0, acc, 0, tmp, 0);
  }
  return acc;
}

/** The KoalaBear-limb check on the stated integers (throws FheError with a reason). */
export function checkKoalaLimb(red: FheReduction, ints: Uint32Array): void {
  const K = KoalaBear;
  const segs = red.segments;
  if (ints.length !== segs.length * FHE_INTS_PER_SEGMENT) throw new FheError('wrong number of K-limb integers');
  const sums = [0, 0, 0, 0];
  const radix: number[] = [];
  for (let d = 0; d < FHE_DIGITS; d++) radix.push(K.fromBigInt(1n << BigInt(FHE_DIGIT_BITS * d)));
  segs.forEach((seg, si) => {
    for (let e = 0; e < 4; e++) {
      for (let d = 0; d < FHE_DIGITS; d++) {
        const s = BabyBear.toSigned(ints[si * FHE_INTS_PER_SEGMENT + e * FHE_DIGITS + d]!);
        if (Math.abs(s) > seg.bound) throw new FheError(`K-limb integer ${si}/${e}/${d} exceeds its bound`);
        sums[e] = K.add(sums[e]!, K.mul(K.fromInt(s), radix[d]!));
      }
    }
  });
  const vK = red.v[1]!;
  for (let e = 0; e < 4; e++) if (sums[e] !== vK[e]) throw new FheError('KoalaBear limb: the outputs are not the committed weights applied to the inputs');
}

export { hex as fheHex };
