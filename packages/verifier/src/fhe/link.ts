/**
 * The link between the FHE commitment and the model commitment C_W: a one-time proof that
 * the encoded-weight vector E (committed by the FHE server) is exactly M·W, where W is
 * C_W's weight bundle and M the public placement map of the coefficient encoding
 * (layout.ts): weight w[r, c] of linear `name` goes from bundle tensor `w:name` to
 * coefficient `encodedPosition(r, c)` of its block, bias b[r] from `w:name.bias` to
 * `biasOffset + r`, and every other entry of E (unused coefficients, padding) is zero.
 * Both vectors hold the same signed integers mod BabyBear, so M is a 0/1 matrix.
 *
 * Protocol (Fiat–Shamir over both digests, which bind both roots and both layouts):
 *   1. r ← F⁴^{n_E}; the prover states y = Ẽ(r).
 *   2. Sumcheck over the bundle's n_W variables: Σ_i W(i)·m_r(i) = y, where
 *      m_r(i) = Σ_j eq(r, j)·M[j, i] is public; the verifier builds it itself in
 *      O(#weights) and evaluates it at the sumcheck point s.
 *   3. Opening of E at r (value y) and of W at s (the sumcheck's final value of W).
 *   4. Range: every entry of the weight blocks of E (unused coefficients included) lies in
 *      [−128, 128), by one logUp lookup (lookup/) into rangeTable(−128, 8) whose query
 *      segments are the aligned power-of-two pieces of [0, totalBlocks·N). The 256
 *      multiplicities travel in the clear (the verifier evaluates their MLE itself); the
 *      lookup's segment claims are claims on E at (point ‖ offset bits).
 *   5. One batched opening of E (r and the segment claims) and one of W at s.
 * If E ≠ M·W, Ẽ(r) = (M·W)~(r) holds with probability ≤ n_E/|F⁴| (both sides are
 * multilinear in r); the rest is the sumcheck, logUp and PCS soundness (SECURITY.md).
 *      With biases, a second lookup into rangeTable(0, k) (2^k > 2·maxBias) checks both
 *      b + maxBias and maxBias − b for every bias entry, i.e. |b| ≤ maxBias; its
 *      multiplicities travel sparsely (index, count), at most two per bias entry.
 * Step 4 is what the KoalaBear-limb argument of statement.ts needs from the committed
 * entries (|⟨W_seg, digit⟩| below its segment bound, itself < (p_B − 1)/2).
 *
 * Wire format: "ZKFL" ‖ version u8 ‖ y (ext) ‖ sumcheck proof (n_W rounds, degree 2,
 * 2 final values) ‖ 256 multiplicities ‖ lookup proof ‖ [with biases: count (LEB128) ‖
 * count × (index, multiplicity) ‖ bias lookup proof] ‖ PCS opening of E ‖ PCS opening of W.
 * No trailing bytes. E's opening uses the FHE commitment's parameters (`params` below);
 * W's uses `pcsParamsFor(n_W)`, the parameters C_W was committed with for generation proofs.
 */
import { ByteReader, ByteWriter } from '../codec/bytes.js';
import { BabyBear, BabyBearExt4 } from '../field/babybear.js';
import type { ModelCommitment } from '../generation/commitment.js';
import type { BundleEntry, BundleLayout } from '../layers/bundle.js';
import { DEFAULT_PCS_PARAMS, pcsParamsFor, type PcsParams } from '../pcs/config.js';
import { decodePcsProof, encodePcsProof, type PcsProof } from '../pcs/proof.js';
import { verifyOpening, type EvalClaim } from '../pcs/verifier.js';
import { eqTable, evalMleBase, evalMleExt } from '../poly/multilinear.js';
import { queryLayout } from '../lookup/layout.js';
import { decodeLookupProof, encodeLookupProof, type LookupProof } from '../lookup/proof.js';
import { rangeTable, type LookupTable } from '../lookup/table.js';
import { verifyLookup, type LookupClaims } from '../lookup/verifier.js';
import { decodeSumcheckProof, encodeSumcheckProof, type SumcheckProof, type SumcheckTerm } from '../sumcheck/proof.js';
import { verifySumcheck } from '../sumcheck/verifier.js';
import { Transcript } from '../transcript/transcript.js';
import { blockRows, encodedPosition, type FheLinearLayout, type FheWeightLayout } from './layout.js';
import { FheError } from './params.js';
import { fheHex, type FheCommitment } from './statement.js';

export const FHE_LINK_DOMAIN = 'zkllm/fhe-link/v1';
export const FHE_LINK_MAGIC = 'ZKFL';
export const FHE_LINK_VERSION = 3;
export const FHE_LINK_LABELS = Object.freeze({ point: 'fhe-link-point', value: 'fhe-link-value', multiplicities: 'fhe-range-multiplicities', biasMultiplicities: 'fhe-bias-range-multiplicities' });

/** Largest bias table the link proves against (2^24 rows: |b| < 2^23). */
export const FHE_BIAS_RANGE_MAX_VARS = 24;

/** Range of the weight-block entries: [−128, 128). */
export const fheRangeTable = (): LookupTable => rangeTable(BabyBear, -128, 8);

export interface FheLinkProof {
  /** Ẽ(r). */
  readonly value: Uint32Array;
  readonly sumcheck: SumcheckProof;
  /** How often each row of the range table occurs in the weight blocks. */
  readonly multiplicities: Uint32Array;
  readonly range: LookupProof;
  /** With biases: (index, count) pairs of the bias table's nonzero multiplicities, flat. */
  readonly biasMultiplicities?: Uint32Array;
  readonly biasRange?: LookupProof;
  /** E at r and at every range-segment claim, batched. */
  readonly encodedOpening: PcsProof;
  readonly weightOpening: PcsProof;
}

/** The weight region [0, totalBlocks·N) of E as aligned power-of-two pieces, largest first. */
export function fheRangeSegments(layout: FheWeightLayout): Array<{ offset: number; logSize: number }> {
  const total = layout.totalBlocks * layout.polyDegree;
  const out: Array<{ offset: number; logSize: number }> = [];
  let offset = 0;
  for (let k = layout.numVars; k >= 0; k--) {
    if (Math.floor(total / 2 ** k) % 2 === 1) {
      out.push({ offset, logSize: k });
      offset += 2 ** k;
    }
  }
  return out;
}

/** Aligned power-of-two pieces covering [start, end) exactly. */
function dyadicPieces(start: number, end: number): Array<{ offset: number; logSize: number }> {
  const out: Array<{ offset: number; logSize: number }> = [];
  let a = start;
  while (a < end) {
    let k = 0;
    while (a % 2 ** (k + 1) === 0 && a + 2 ** (k + 1) <= end) k++;
    out.push({ offset: a, logSize: k });
    a += 2 ** k;
  }
  return out;
}

export interface FheBiasRange {
  readonly bound: number;
  readonly table: LookupTable;
  readonly pieces: ReadonlyArray<{ offset: number; logSize: number }>;
  /** Lookup segment shapes: per piece, the columns b + bound and bound − b. */
  readonly shapes: ReadonlyArray<readonly number[]>;
}

/** The bias region of E and its range table, or undefined without biases. */
export function fheBiasRange(fhe: FheCommitment): FheBiasRange | undefined {
  const start = fhe.layout.totalBlocks * fhe.layout.polyDegree;
  let end = start;
  for (const l of fhe.layout.linears) if (l.hasBias) end = Math.max(end, l.biasOffset + l.rows);
  if (end === start) return undefined;
  let k = 1;
  while (2 ** k <= 2 * fhe.maxBias) k++;
  if (k > FHE_BIAS_RANGE_MAX_VARS) throw new FheError(`bias bound ${fhe.maxBias} too large to range-check (max ${2 ** (FHE_BIAS_RANGE_MAX_VARS - 1) - 1})`);
  const pieces = dyadicPieces(start, end);
  return { bound: fhe.maxBias, table: rangeTable(BabyBear, 0, k), pieces, shapes: pieces.flatMap((x) => [[2 ** x.logSize], [2 ** x.logSize]]) };
}

/** m̃(point) for sparse (index, count) pairs over the table's variables. */
function sparseMleEval(pairs: Uint32Array, point: Uint32Array, vars: number): Uint32Array {
  const E = BabyBearExt4;
  const acc = E.zero();
  const term = new Uint32Array(4);
  const one = E.one();
  for (let i = 0; i < pairs.length; i += 2) {
    term.set(E.fromBase(pairs[i + 1]!));
    for (let k = 0; k < vars; k++) {
      if ((pairs[i]! >>> k) & 1) E.mulAt(term, 0, term, 0, point, 4 * k);
      else E.mulAt(term, 0, term, 0, E.sub(one, point.subarray(4 * k, 4 * k + 4)), 0);
    }
    E.addAt(acc, 0, acc, 0, term, 0);
  }
  return acc;
}

/**
 * Bias lookup claims (columns b + B and B − b of each piece, at one point) as claims on E:
 * both must give the same b̃(point).
 */
export function fheBiasClaims(numVars: number, bias: FheBiasRange, segments: LookupClaims['segments']): EvalClaim[] {
  const E = BabyBearExt4;
  const B = E.fromBase(bias.bound);
  return bias.pieces.map((piece, i) => {
    const lo = segments[2 * i]!;
    const hi = segments[2 * i + 1]!;
    if (lo.point.length !== hi.point.length || lo.point.some((x, j) => x !== hi.point[j])) throw new FheError('bias range check: segment points differ');
    const b = E.sub(lo.values, B);
    if (!E.equals(b, E.sub(B, hi.values))) throw new FheError('bias range check: the two columns of a bias piece disagree');
    return fheRangeClaim(numVars, piece, lo.point, b);
  });
}

/** A lookup segment claim (point over the segment's variables) as a claim on all of E. */
export function fheRangeClaim(numVars: number, seg: { offset: number; logSize: number }, point: Uint32Array, value: Uint32Array): EvalClaim {
  const full = new Uint32Array(4 * numVars);
  full.set(point);
  const block = seg.offset / 2 ** seg.logSize;
  for (let k = seg.logSize; k < numVars; k++) full[4 * k] = Math.floor(block / 2 ** (k - seg.logSize)) % 2;
  return { point: full, value };
}

export const fheLinkTerms = (): SumcheckTerm[] => [{ coeff: BabyBearExt4.one(), factors: [0, 1] }];

export function encodeFheLinkProof(p: FheLinkProof): Uint8Array {
  const w = new ByteWriter(64 * 1024);
  for (const ch of FHE_LINK_MAGIC) w.u8(ch.charCodeAt(0));
  w.u8(FHE_LINK_VERSION).fields(p.value);
  encodeSumcheckProof(w, p.sumcheck);
  w.fields(p.multiplicities);
  encodeLookupProof(w, p.range);
  if (p.biasMultiplicities && p.biasRange) {
    w.varuint(p.biasMultiplicities.length / 2).fields(p.biasMultiplicities);
    encodeLookupProof(w, p.biasRange);
  }
  encodePcsProof(w, p.encodedOpening);
  encodePcsProof(w, p.weightOpening);
  return w.finish();
}

export function decodeFheLinkProof(bytes: Uint8Array, fhe: FheCommitment, model: ModelCommitment, params: PcsParams = DEFAULT_PCS_PARAMS): FheLinkProof {
  const r = new ByteReader(bytes);
  let magic = '';
  for (let i = 0; i < 4; i++) magic += String.fromCharCode(r.u8('magic'));
  if (magic !== FHE_LINK_MAGIC) throw new FheError('not an FHE link proof (bad magic)');
  const v = r.u8('version');
  if (v !== FHE_LINK_VERSION) throw new FheError(`unsupported FHE link proof version ${v}`);
  const value = r.fields(BabyBear, 4, 'link value');
  const sumcheck = decodeSumcheckProof(r, model.weights.numVars, 2, 2, BabyBear);
  const table = fheRangeTable();
  const multiplicities = r.fields(BabyBear, table.size, 'range multiplicities');
  const segs = fheRangeSegments(fhe.layout);
  const queryVars = queryLayout(segs.map((x) => x.logSize)).numVars;
  const range = decodeLookupProof(r, BabyBear, queryVars, table.logSize, segs.length, table.arity);
  const bias = fheBiasRange(fhe);
  let biasPart: { biasMultiplicities: Uint32Array; biasRange: LookupProof } | Record<string, never> = {};
  if (bias) {
    const maxPairs = 2 * bias.pieces.reduce((a, x) => a + 2 ** x.logSize, 0);
    const n = r.varuint(maxPairs, 'bias multiplicity pairs');
    const biasMultiplicities = r.fields(BabyBear, 2 * n, 'bias multiplicities');
    for (let i = 0; i < 2 * n; i += 2) {
      if (biasMultiplicities[i]! >= bias.table.size || (i > 0 && biasMultiplicities[i]! <= biasMultiplicities[i - 2]!)) throw new FheError('bias multiplicity indices must increase within the table');
    }
    const bVars = queryLayout(bias.shapes.map((x) => Math.log2(x[0]!))).numVars;
    biasPart = { biasMultiplicities, biasRange: decodeLookupProof(r, BabyBear, bVars, bias.table.logSize, bias.shapes.length, 1) };
  }
  const encodedOpening = decodePcsProof(r, fhe.layout.numVars, params);
  const weightOpening = decodePcsProof(r, model.weights.numVars, pcsParamsFor(model.weights.numVars));
  r.finish('FHE link proof');
  return { value, sumcheck, multiplicities, range, ...biasPart, encodedOpening, weightOpening };
}

/** C_W's tensors for linear `l`, checked against its shape and bias flag. */
function linkedTensors(l: FheLinearLayout, bundle: BundleLayout): { wt: BundleEntry; bt: BundleEntry | undefined } {
  const wt = bundle.entries.get(`w:${l.name}`);
  if (!wt || wt.shape.length !== 2 || wt.shape[0] !== l.rows || wt.shape[1] !== l.cols) {
    throw new FheError(`model commitment has no ${l.rows}×${l.cols} weight tensor 'w:${l.name}'`);
  }
  const bt = bundle.entries.get(`w:${l.name}.bias`);
  if (l.hasBias !== (bt !== undefined)) throw new FheError(`linear ${l.name}: bias ${l.hasBias ? 'encoded but not in' : 'in the model commitment but not encoded'}`);
  if (bt && (bt.shape.length !== 1 || bt.shape[0] !== l.rows)) throw new FheError(`model commitment's 'w:${l.name}.bias' is not a ${l.rows}-vector`);
  return { wt, bt };
}

/**
 * Calls `place(e, w)` for every nonzero column of M: entry e of the encoded vector is
 * bundle entry w. Throws if a linear of the FHE layout is not in the bundle with the
 * same shape, or if the bundle has a bias the encoding leaves out (the server would then
 * compute a different layer than C_W's).
 */
export function forEachLinkPlacement(fhe: FheCommitment, bundle: BundleLayout, place: (e: number, w: number) => void): void {
  const N = fhe.layout.polyDegree;
  for (const l of fhe.layout.linears) {
    const { wt, bt } = linkedTensors(l, bundle);
    // padTensor's layout: row r starts at r·2^⌈log2 cols⌉.
    let colsPad = 1;
    while (colsPad < l.cols) colsPad *= 2;
    for (let o = 0; o < l.blocks; o++) {
      const rows = blockRows(l, o);
      for (let rr = 0; rr < rows; rr++) {
        const row = o * l.rowsPerBlock + rr;
        for (let c = 0; c < l.cols; c++) {
          const { block, coeff } = encodedPosition(l, row, c);
          place(block * N + coeff, wt.offset + row * colsPad + c);
        }
      }
    }
    if (bt) {
      for (let row = 0; row < l.rows; row++) place(l.biasOffset + row, bt.offset + row);
    }
  }
}

/** m_r(i) = Σ_j eq(r, j)·M[j, i] over the bundle's 2^{n_W} entries (ext vector). */
export function fheLinkFactor(fhe: FheCommitment, bundle: BundleLayout, r: Uint32Array): Uint32Array {
  const E = BabyBearExt4;
  const eq = eqTable(E, r);
  const m = new Uint32Array(4 << bundle.numVars);
  forEachLinkPlacement(fhe, bundle, (e, w) => E.addAt(m, 4 * w, m, 4 * w, eq, 4 * e));
  return m;
}

/** Starts the link transcript and draws r (identical on both sides). */
export function fheLinkTranscript(fhe: FheCommitment, model: ModelCommitment): { transcript: Transcript; point: Uint32Array } {
  if (fheHex(fhe.modelDigest) !== fheHex(model.digest)) throw new FheError('the FHE commitment names another model commitment');
  // Shapes first: the layout comes from the server, and only once every linear matches a
  // C_W tensor is E's size (and the verifier's work over it) bounded by the pinned model.
  for (const l of fhe.layout.linears) linkedTensors(l, model.layout);
  const t = new Transcript(FHE_LINK_DOMAIN, BabyBearExt4);
  t.absorbDigest('fhe-commitment', fhe.digest);
  t.absorbDigest('model-commitment', model.digest);
  return { transcript: t, point: t.challengeExts(FHE_LINK_LABELS.point, fhe.layout.numVars) };
}

export interface FheLinkResult {
  readonly valid: boolean;
  readonly reason?: string;
}

/**
 * Verifies that the FHE commitment's encoded weights are the encoding of the weights in
 * `model` (a parsed, pinned C_W). `params` are the FHE commitment's PCS parameters.
 * Never throws on bad input.
 */
export function verifyFheLink(fhe: FheCommitment, model: ModelCommitment, proofBytes: Uint8Array, params: PcsParams = DEFAULT_PCS_PARAMS): FheLinkResult {
  let proof: FheLinkProof;
  try {
    proof = decodeFheLinkProof(proofBytes, fhe, model, params);
  } catch (e) {
    return { valid: false, reason: `malformed link proof: ${(e as Error).message}` };
  }
  try {
    const { transcript: t, point: r } = fheLinkTranscript(fhe, model);
    t.absorbExt(FHE_LINK_LABELS.value, proof.value);
    const m = fheLinkFactor(fhe, model.layout, r);
    const numVars = model.weights.numVars;
    const { point: s, finalEvals } = verifySumcheck({ numVars, numTables: 2, terms: fheLinkTerms(), claim: proof.value }, proof.sumcheck, t, BabyBearExt4);
    if (!BabyBearExt4.equals(evalMleExt(BabyBearExt4, m, s), finalEvals.subarray(4, 8))) throw new FheError('link sumcheck: final value of the placement map is wrong');
    t.absorbFields(FHE_LINK_LABELS.multiplicities, proof.multiplicities);
    const segs = fheRangeSegments(fhe.layout);
    const claims = verifyLookup(BabyBearExt4, fheRangeTable(), segs.map((x) => [2 ** x.logSize]), proof.range, t);
    if (!BabyBearExt4.equals(evalMleBase(BabyBearExt4, proof.multiplicities, claims.multiplicity.point), claims.multiplicity.value)) {
      throw new FheError('range check: multiplicity claim does not match the stated multiplicities');
    }
    const encodedClaims: EvalClaim[] = [{ point: r, value: proof.value }];
    segs.forEach((seg, i) => encodedClaims.push(fheRangeClaim(fhe.layout.numVars, seg, claims.segments[i]!.point, claims.segments[i]!.values)));
    const bias = fheBiasRange(fhe);
    if (bias) {
      if (!proof.biasMultiplicities || !proof.biasRange) throw new FheError('bias range part missing');
      t.absorbFields(FHE_LINK_LABELS.biasMultiplicities, proof.biasMultiplicities);
      const bc = verifyLookup(BabyBearExt4, bias.table, bias.shapes, proof.biasRange, t);
      if (!BabyBearExt4.equals(sparseMleEval(proof.biasMultiplicities, bc.multiplicity.point, bias.table.logSize), bc.multiplicity.value)) {
        throw new FheError('bias range check: multiplicity claim does not match the stated multiplicities');
      }
      encodedClaims.push(...fheBiasClaims(fhe.layout.numVars, bias, bc.segments));
    }
    verifyOpening(fhe.weights, encodedClaims, proof.encodedOpening, t, params);
    verifyOpening(model.weights, [{ point: s, value: finalEvals.slice(0, 4) }], proof.weightOpening, t, pcsParamsFor(numVars));
    return { valid: true };
  } catch (e) {
    return { valid: false, reason: (e as Error).message };
  }
}
