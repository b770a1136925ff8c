import {
  BabyBear,
  BabyBearExt4,
  DEFAULT_FHE_PARAMS,
  FHE_LINK_LABELS,
  encodeFheLinkProof,
  fheCommitmentToJson,
  evalMleBase,
  fheLinkFactor,
  fheLinkTerms,
  fheLinkTranscript,
  fheRangeClaim,
  fheRangeSegments,
  fheRangeTable,
  fheBiasRange,
  type EvalClaim,
  type Transcript,
  lookupChallenges,
  type FheCommitment,
  bundleLayout,
  makeCommitmentFile,
  makeFheCommitment,
  parseModelCommitment,
  verifyFheLink,
  type Json,
} from '@zkllm/verifier';
import { describe, expect, it } from 'vitest';
import type { CommittedModel } from '../generation/commit.js';
import { packBundle, type IntTensorData } from '../layers/bundle.js';
import { prng } from '../model/fixtures.js';
import type { QLinear } from '../model/quant/quantize.js';
import { pcsCommit, pcsOpen, type PcsProverState } from '../pcs/index.js';
import { proveSumcheck, sumOverHypercube } from '../sumcheck/index.js';
import { lookupMultiplicities, proveLookup } from '../lookup/index.js';
import { proveFheBiasRange, proveFheLink } from './link.js';
import { FheClient, FheVerificationError, LocalFheTransport, type FheTransport } from './client.js';
import { FheServer } from './server.js';
import { randomLinear } from './testing.js';
import { encodeWeights } from './weights.js';

/** A C_W over these linears plus an embedding-like tensor the encoding does not use. */
function commitLinears(lins: readonly QLinear[], opts: { dropBias?: string; extraBias?: string } = {}): CommittedModel {
  const tensors = new Map<string, IntTensorData>();
  const rand = prng(99);
  tensors.set('w:embed', { shape: [33, 24], data: Int32Array.from({ length: 33 * 24 }, () => Math.floor(rand() * 255) - 127) });
  for (const l of lins) {
    tensors.set(`w:${l.name}`, { shape: [l.rows, l.cols], data: l.w });
    if (l.bias && opts.dropBias !== l.name) tensors.set(`w:${l.name}.bias`, { shape: [l.rows], data: l.bias });
    if (opts.extraBias === l.name) tensors.set(`w:${l.name}.bias`, { shape: [l.rows], data: new Int32Array(l.rows).fill(3) });
  }
  const refs = [...tensors].map(([id, t]) => ({ id, shape: t.shape }));
  const { vector, tables } = packBundle(BabyBear, bundleLayout(refs), tensors);
  const { commitment, state } = pcsCommit(vector);
  return { file: makeCommitmentFile(commitment, refs, { test: 'fhe-link' } as Json), state, tables };
}

/**
 * A cheating link prover for an encoded vector that is not M·W. 'claim': states the value
 * the sumcheck can prove (that of M·W) and opens E at it; 'weights': states the true Ẽ(r)
 * and runs the sumcheck over the weights it actually encoded, opening C_W at their value.
 */
function forgeLink(
  fhe: FheCommitment,
  encState: PcsProverState,
  cw: CommittedModel,
  actual: Uint32Array,
  strategy: 'claim' | 'weights' | 'factor',
  range: 'honest' | 'clamp-multiplicities' | 'clamp-column' = 'honest',
  biasMode: BiasForge = 'honest',
): Uint8Array {
  const pinned = parseModelCommitment(cw.file);
  const { transcript: t, point: r } = fheLinkTranscript(fhe, pinned);
  const m = fheLinkFactor(fhe, pinned.layout, r);
  const W = strategy === 'weights' ? actual : cw.state.values;
  if (strategy === 'factor') {
    // 'factor': true Ẽ(r), genuine W, and a placement table changed at one entry so that
    // Σ W·m' = Ẽ(r); only the verifier's own evaluation of m at s can catch it.
    const E4 = BabyBearExt4;
    const have = sumOverHypercube([{ kind: 'base', data: W }, { kind: 'ext', data: m }], fheLinkTerms(), E4);
    const delta = E4.sub(evalMleBase(E4, encState.values, r), have);
    const k = W.findIndex((x) => x !== 0);
    E4.addAt(m, 4 * k, m, 4 * k, E4.mulBase(delta, BabyBear.inv(W[k]!)), 0);
  }
  const tables = [
    { kind: 'base' as const, data: W },
    { kind: 'ext' as const, data: m },
  ];
  const value = sumOverHypercube(tables, fheLinkTerms(), BabyBearExt4);
  if (strategy !== 'claim') expect(BabyBearExt4.equals(value, evalMleBase(BabyBearExt4, encState.values, r))).toBe(true);
  t.absorbExt(FHE_LINK_LABELS.value, value);
  const sc = proveSumcheck({ numVars: pinned.weights.numVars, tables, terms: fheLinkTerms(), claim: value }, t, { ext: BabyBearExt4 });
  // Range part. 'clamp-*': count (or look up) out-of-range entries as if clamped into range.
  const segs = fheRangeSegments(fhe.layout);
  const table = fheRangeTable();
  const clamp = (v: Uint32Array) => v.map((x) => BabyBear.fromInt(Math.max(-128, Math.min(127, BabyBear.toSigned(x)))));
  const cols = segs.map((x) => encState.values.subarray(x.offset, x.offset + 2 ** x.logSize));
  const seg = (c: readonly Uint32Array[]) => segs.map((x, i) => ({ shape: [2 ** x.logSize], columns: [c[i]!] }));
  const multiplicities = lookupMultiplicities(table, seg(range === 'honest' ? cols : cols.map(clamp)));
  t.absorbFields(FHE_LINK_LABELS.multiplicities, multiplicities);
  const lk = proveLookup(BabyBearExt4, table, seg(range === 'clamp-column' ? cols.map(clamp) : cols), multiplicities, t);
  const claims = [{ point: r, value }, ...segs.map((x, i) => fheRangeClaim(fhe.layout.numVars, x, lk.claims.segments[i]!.point, lk.claims.segments[i]!.values))];
  const biasPart = biasMode === 'honest' ? proveFheBiasRange(fhe, encState.values, t, claims) : forgeBias(fhe, encState.values, t, claims, biasMode);
  const encodedOpening = pcsOpen(encState, claims, t);
  const weightOpening = pcsOpen(cw.state, [{ point: sc.point, value: sc.finalEvals.slice(0, 4) }], t);
  return encodeFheLinkProof({ value, sumcheck: sc.proof, multiplicities, range: lk.proof, ...biasPart, encodedOpening, weightOpening });
}

type BiasForge = 'honest' | 'clamp-lo' | 'clamp-hi' | 'clamp-multiplicities' | 'after-alpha';

/**
 * A cheating bias range part: 'clamp-lo' / 'clamp-hi' look up a copy of that column clamped
 * into the table (the other column genuine); 'clamp-multiplicities' looks up the genuine
 * columns with the multiplicities of clamped ones.
 */
function forgeBias(fhe: FheCommitment, encoded: Uint32Array, t: Transcript, claims: EvalClaim[], mode: Exclude<BiasForge, 'honest'>) {
  const bias = fheBiasRange(fhe)!;
  const B = BabyBear.fromInt(bias.bound);
  const top = bias.table.size - 1;
  const clamp = (v: Uint32Array) => v.map((x) => BabyBear.fromInt(Math.max(0, Math.min(top, BabyBear.toSigned(x)))));
  const genuine = bias.pieces.map((x) => {
    const b = encoded.subarray(x.offset, x.offset + 2 ** x.logSize);
    return [b.map((v) => BabyBear.add(v, B)), b.map((v) => BabyBear.sub(B, v))] as const;
  });
  const used = genuine.flatMap(([lo, hi]) => [mode === 'clamp-lo' ? clamp(lo) : lo, mode === 'clamp-hi' ? clamp(hi) : hi]);
  const counted = mode === 'clamp-multiplicities' ? used.map(clamp) : used;
  const seg = (cols: Uint32Array[]) => cols.map((c) => ({ shape: [c.length], columns: [c] }));
  const stated = lookupMultiplicities(bias.table, seg(mode === 'after-alpha' ? used.map(clamp) : counted));
  const dense = mode === 'after-alpha' ? multiplicitiesAfterAlpha(t, bias, stated, used) : stated;
  const pairs: number[] = [];
  stated.forEach((c, i) => {
    if (c !== 0) pairs.push(i, c);
  });
  const biasMultiplicities = Uint32Array.from(pairs);
  t.absorbFields(FHE_LINK_LABELS.biasMultiplicities, biasMultiplicities);
  const bl = proveLookup(BabyBearExt4, bias.table, seg(used), dense, t);
  // Claims on E from the lo column only (what a verifier without the agreement check would use).
  const BE = BabyBearExt4.fromBase(B);
  bias.pieces.forEach((piece, i) => claims.push(fheRangeClaim(fhe.layout.numVars, piece, bl.claims.segments[2 * i]!.point, BabyBearExt4.sub(bl.claims.segments[2 * i]!.values, BE))));
  return { biasMultiplicities, biasRange: bl.proof };
}

/**
 * A forger's multiplicities after seeing α: `stated` with m_0..m_3 replaced so that
 * Σ_j m_j/(α − t_j) = Σ_{x in cols} 1/(α − x) — 4 base unknowns for the 4 base coordinates
 * of one ext equation (t_j = rowValue(j)). Checks the solution, so a forgery test cannot
 * pass on a broken forgery.
 */
function solveFourMultiplicities(alpha: Uint32Array, stated: Uint32Array, rowValue: (j: number) => number, cols: readonly Uint32Array[]): Uint32Array {
  const E4 = BabyBearExt4;
  const F = BabyBear;
  const inv = (x: number) => E4.inv(E4.sub(alpha, E4.fromBase(x)));
  const Q = E4.zero();
  for (const c of cols) for (const x of c) E4.addAt(Q, 0, Q, 0, inv(x), 0);
  const J = [0, 1, 2, 3];
  const m = stated.slice();
  const R = Q.slice();
  for (let j = 0; j < m.length; j++) if (!J.includes(j) && m[j] !== 0) E4.subAt(R, 0, R, 0, E4.mulBase(inv(rowValue(j)), m[j]!), 0);
  const A = [0, 1, 2, 3].map((u) => [...J.map((j) => inv(rowValue(j))[u]!), R[u]!]);
  for (let c = 0; c < 4; c++) {
    const piv = A.findIndex((row, i) => i >= c && row[c] !== 0);
    [A[c], A[piv]] = [A[piv]!, A[c]!];
    const iv = F.inv(A[c]![c]!);
    A[c] = A[c]!.map((x) => F.mul(x, iv));
    for (let i = 0; i < 4; i++) if (i !== c) A[i] = A[i]!.map((x, k) => F.sub(x, F.mul(A[i]![c]!, A[c]![k]!)));
  }
  J.forEach((j, c) => (m[j] = A[c]![4]!));
  const lhs = E4.zero();
  for (let j = 0; j < m.length; j++) if (m[j] !== 0) E4.addAt(lhs, 0, lhs, 0, E4.mulBase(inv(rowValue(j)), m[j]!), 0);
  if (!E4.equals(lhs, Q)) throw new Error('forged multiplicities do not solve the logUp equation');
  return m;
}

/**
 * 'after-alpha': states (and absorbs) `stated` (in pairs form, as forgeBias does), but
 * looks up with multiplicities solved after seeing α so that the logUp sums match for the
 * genuine columns: 4 base unknowns for the 4 base coordinates of one ext equation. Reads
 * α from a copy of the transcript (its state is one digest, replaced on every absorb).
 */
function multiplicitiesAfterAlpha(t: Transcript, bias: NonNullable<ReturnType<typeof fheBiasRange>>, stated: Uint32Array, cols: readonly Uint32Array[]): Uint32Array {
  const pairs: number[] = [];
  stated.forEach((c, i) => {
    if (c !== 0) pairs.push(i, c);
  });
  const fork = Object.assign(Object.create(Object.getPrototypeOf(t) as object), t) as Transcript;
  fork.absorbFields(FHE_LINK_LABELS.biasMultiplicities, Uint32Array.from(pairs));
  const { alpha } = lookupChallenges(fork, bias.table, bias.shapes);
  return solveFourMultiplicities(alpha, stated, (j) => j, cols);
}

/** FHE commitment over `lins`' encoding that names `cw` (what a cheating server publishes). */
function encodedFor(lins: readonly QLinear[], cw: CommittedModel, patch?: (v: Uint32Array) => void, maxBias?: number) {
  const enc = encodeWeights(DEFAULT_FHE_PARAMS, lins);
  const committed = enc.committed.slice();
  patch?.(committed);
  const { commitment, state } = pcsCommit(committed);
  const fhe = makeFheCommitment(DEFAULT_FHE_PARAMS, enc.specs, maxBias ?? enc.maxBias, parseModelCommitment(cw.file).digest, commitment);
  return { fhe, state, enc };
}

const LINS = [randomLinear('a', 40, 100, 1, true), randomLinear('b', 300, 64, 2), randomLinear('c', 7, 300, 3, true)];

describe('FHE link to the model commitment', () => {
  const cw = commitLinears(LINS);
  const pinned = parseModelCommitment(cw.file, cw.file.digest);
  const server = new FheServer(LINS, { model: cw });

  it('an honest server links its encoded weights to C_W', () => {
    expect(server.linkProof).toBeDefined();
    expect(verifyFheLink(server.commitment, pinned, server.linkProof!)).toEqual({ valid: true });
  });

  it('a server that changed one weight before encoding is rejected against the genuine C_W', () => {
    for (const [li, idx] of [
      [0, 0],
      [1, 300 * 64 - 1],
      [2, 1234],
    ] as const) {
      const lins = LINS.map((l) => ({ ...l, w: l.w.slice() }));
      const w = lins[li]!.w;
      w[idx] = w[idx]! === 127 ? 126 : w[idx]! + 1;
      // The honest prover refuses; a forged proof is rejected by the client.
      expect(() => new FheServer(lins, { model: cw })).toThrow(/not the placement/);
      const { fhe, state } = encodedFor(lins, cw);
      const actual = commitLinears(lins).state.values;
      for (const strategy of ['claim', 'weights', 'factor'] as const) {
        const res = verifyFheLink(fhe, pinned, forgeLink(fhe, state, cw, actual, strategy));
        expect(res.valid, `${li}/${idx}/${strategy}`).toBe(false);
      }
    }
    // The forger itself is sound: on the honest encoding both strategies verify.
    const { fhe, state } = encodedFor(LINS, cw);
    for (const strategy of ['claim', 'weights', 'factor'] as const) expect(verifyFheLink(fhe, pinned, forgeLink(fhe, state, cw, cw.state.values, strategy)).valid).toBe(true);
    for (const range of ['clamp-multiplicities', 'clamp-column'] as const) expect(verifyFheLink(fhe, pinned, forgeLink(fhe, state, cw, cw.state.values, 'claim', range)).valid).toBe(true);
  });

  it('a changed bias is rejected', () => {
    const lins = LINS.map((l) => ({ ...l, bias: l.bias?.slice() }));
    lins[2]!.bias![6]! += 1;
    expect(() => new FheServer(lins, { model: cw })).toThrow(/not the placement/);
    const { fhe, state } = encodedFor(lins, cw);
    const actual = commitLinears(lins).state.values;
    for (const strategy of ['claim', 'weights', 'factor'] as const) expect(verifyFheLink(fhe, pinned, forgeLink(fhe, state, cw, actual, strategy)).valid).toBe(false);
  });

  it('a nonzero entry outside the placement map (unused coefficient or padding) is rejected', () => {
    const N = DEFAULT_FHE_PARAMS.polyDegree;
    const enc = encodeWeights(DEFAULT_FHE_PARAMS, LINS);
    // Linear b: 64 columns, 64 rows per block; its last block holds 300 − 4·64 = 44 rows,
    // so its coefficients from 44·64 on are unused. The last entry is padding.
    for (const idx of [(enc.layout.byName.get('b')!.firstBlock + 4) * N + 44 * 64 + 5, enc.layout.length - 1]) {
      expect(enc.signed[idx]).toBe(0);
      const { fhe, state } = encodedFor(LINS, cw, (v) => {
        v[idx] = BabyBear.fromInt(1);
      });
      expect(() => proveFheLink(fhe, state, cw)).toThrow(/not the placement/);
      for (const strategy of ['claim', 'factor'] as const) expect(verifyFheLink(fhe, pinned, forgeLink(fhe, state, cw, cw.state.values, strategy)).valid).toBe(false);
    }
  });

  it('a weight outside [−128, 128) is rejected even when C_W holds the same value', () => {
    for (const bad of [200, -129, 128]) {
      // C_W commits field elements: nothing stops a bundle from holding a non-int8 value.
      const lins = LINS.map((l) => ({ ...l, w: Int32Array.from(l.w) as unknown as Int8Array }));
      (lins[0]!.w as unknown as Int32Array)[17] = bad;
      const cwBad = commitLinears(lins);
      const pinnedBad = parseModelCommitment(cwBad.file);
      expect(() => new FheServer(lins, { model: cwBad })).toThrow(/outside/);
      const { fhe, state } = encodedFor(lins, cwBad);
      for (const range of ['clamp-multiplicities', 'clamp-column'] as const) {
        const res = verifyFheLink(fhe, pinnedBad, forgeLink(fhe, state, cwBad, cwBad.state.values, 'claim', range));
        expect(res.valid, `${bad}/${range}`).toBe(false);
      }
    }
  });

  it('range multiplicities chosen after α (not the stated ones) are rejected', () => {
    const lins = LINS.map((l) => ({ ...l, w: Int32Array.from(l.w) as unknown as Int8Array }));
    (lins[1]!.w as unknown as Int32Array)[3] = 300;
    const cwBad = commitLinears(lins);
    const pinnedBad = parseModelCommitment(cwBad.file);
    const { fhe, state } = encodedFor(lins, cwBad);
    const E4 = BabyBearExt4;
    const table = fheRangeTable();
    const segs = fheRangeSegments(fhe.layout);
    const cols = segs.map((x) => state.values.subarray(x.offset, x.offset + 2 ** x.logSize));
    const segments = segs.map((x, i) => ({ shape: [2 ** x.logSize], columns: [cols[i]!] }));
    // Stated (and absorbed) multiplicities: the entry counted as 127.
    const clamp = (v: Uint32Array) => v.map((x) => BabyBear.fromInt(Math.max(-128, Math.min(127, BabyBear.toSigned(x)))));
    const stated = lookupMultiplicities(table, segs.map((x, i) => ({ shape: [2 ** x.logSize], columns: [clamp(cols[i]!)] })));
    const run = (m: Uint32Array | undefined): Uint8Array | Uint32Array => {
      const { transcript: t, point: r } = fheLinkTranscript(fhe, pinnedBad);
      const mr = fheLinkFactor(fhe, pinnedBad.layout, r);
      const tables = [
        { kind: 'base' as const, data: cwBad.state.values },
        { kind: 'ext' as const, data: mr },
      ];
      const value = sumOverHypercube(tables, fheLinkTerms(), E4);
      t.absorbExt(FHE_LINK_LABELS.value, value);
      const sc = proveSumcheck({ numVars: pinnedBad.weights.numVars, tables, terms: fheLinkTerms(), claim: value }, t, { ext: E4 });
      t.absorbFields(FHE_LINK_LABELS.multiplicities, stated);
      if (!m) return lookupChallenges(t, table, segments.map((x) => x.shape)).alpha;
      const lk = proveLookup(E4, table, segments, m, t);
      const claims = [{ point: r, value }, ...segs.map((x, i) => fheRangeClaim(fhe.layout.numVars, x, lk.claims.segments[i]!.point, lk.claims.segments[i]!.values))];
      const biasPart = proveFheBiasRange(fhe, state.values, t, claims);
      const encodedOpening = pcsOpen(state, claims, t);
      const weightOpening = pcsOpen(cwBad.state, [{ point: sc.point, value: sc.finalEvals.slice(0, 4) }], t);
      return encodeFheLinkProof({ value, sumcheck: sc.proof, multiplicities: stated, range: lk.proof, ...biasPart, encodedOpening, weightOpening });
    };
    // Knowing α (the transcript is deterministic), solve for 4 multiplicities so that
    // Σ_j m_j/(α − t_j) = Σ_i 1/(α − s_i) holds with the out-of-range entry: 4 base unknowns
    // for the 4 base coordinates of one ext equation.
    const alpha = run(undefined) as Uint32Array;
    const m = solveFourMultiplicities(alpha, stated, (j) => BabyBear.fromInt(-128 + j), cols);
    const proof = run(m) as Uint8Array;
    const res = verifyFheLink(fhe, pinnedBad, proof);
    expect(res.valid).toBe(false);
    expect(res.reason).toMatch(/multiplicity claim/);
  });

  it('a layout naming a linear C_W lacks, or another shape, is refused before any work over E', () => {
    for (const specs of [
      [...server.commitment.specs, { name: 'zzz', rows: 8, cols: 8, hasBias: false }],
      server.commitment.specs.map((x) => (x.name === 'b' ? { ...x, rows: x.rows + 1 } : x)),
    ]) {
      const enc = encodeWeights(DEFAULT_FHE_PARAMS, specs.map((x, i) => randomLinear(x.name, x.rows, x.cols, 50 + i, x.hasBias)));
      const fhe = makeFheCommitment(DEFAULT_FHE_PARAMS, enc.specs, enc.maxBias, pinned.digest, pcsCommit(enc.committed).commitment);
      expect(() => fheLinkTranscript(fhe, pinned)).toThrow(/no \d+×\d+ weight tensor/);
      expect(verifyFheLink(fhe, pinned, server.linkProof!).valid).toBe(false);
    }
  });

  it('a bias beyond the stated maxBias is rejected', () => {
    for (const bad of [105, -105]) {
      const rand = prng(11);
      const lin: QLinear = { ...randomLinear('p', 8, 16, 7), bias: Int32Array.from({ length: 8 }, () => Math.floor(rand() * 201) - 100) };
      lin.bias![5] = bad;
      const lins = [lin, LINS[1]!];
      const cwB = commitLinears(lins);
      const pinnedB = parseModelCommitment(cwB.file);
      // Stated honestly (105) it links; stated as 100 the honest prover refuses.
      const ok = encodedFor(lins, cwB);
      expect(ok.fhe.maxBias).toBe(105);
      expect(verifyFheLink(ok.fhe, pinnedB, proveFheLink(ok.fhe, ok.state, cwB).bytes).valid).toBe(true);
      const { fhe, state } = encodedFor(lins, cwB, undefined, 100);
      expect(() => proveFheLink(fhe, state, cwB)).toThrow(/exceeds maxBias 100/);
      // b = 105: b + 100 is in the table, 100 − b is not; b = −105 the other way round.
      const modes = bad > 0 ? (['clamp-hi', 'clamp-multiplicities', 'after-alpha'] as const) : (['clamp-lo', 'clamp-multiplicities', 'after-alpha'] as const);
      for (const mode of modes) {
        const res = verifyFheLink(fhe, pinnedB, forgeLink(fhe, state, cwB, cwB.state.values, 'claim', 'honest', mode));
        expect(res.valid, `${bad}/${mode}`).toBe(false);
        if (mode === 'clamp-hi' || mode === 'clamp-lo') expect(res.reason).toMatch(/disagree/);
        if (mode === 'after-alpha') expect(res.reason).toMatch(/bias range check: multiplicity claim/);
      }
      // The forger is sound on honest data: every mode verifies when nothing is clamped.
      for (const mode of ['clamp-lo', 'clamp-hi', 'clamp-multiplicities', 'after-alpha'] as const) {
        expect(verifyFheLink(ok.fhe, pinnedB, forgeLink(ok.fhe, ok.state, cwB, cwB.state.values, 'claim', 'honest', mode)).valid).toBe(true);
      }
    }
  });

  it('rejects flipped, truncated and extended proofs', () => {
    const p = server.linkProof!;
    for (const pos of [0, 4, 5, 9, 40, Math.floor(p.length / 3), Math.floor(p.length / 2), p.length - 5, p.length - 1]) {
      const bad = p.slice();
      bad[pos]! ^= 1;
      expect(verifyFheLink(server.commitment, pinned, bad).valid, `byte ${pos}`).toBe(false);
    }
    expect(verifyFheLink(server.commitment, pinned, p.subarray(0, p.length - 1)).valid).toBe(false);
    expect(verifyFheLink(server.commitment, pinned, p.subarray(0, 100)).valid).toBe(false);
    const ext = new Uint8Array(p.length + 1);
    ext.set(p);
    expect(verifyFheLink(server.commitment, pinned, ext).valid).toBe(false);
  });

  it('a link proof for another C_W is rejected', () => {
    const lins2 = LINS.map((l) => ({ ...l, w: l.w.slice() }));
    lins2[0]!.w[5] = lins2[0]!.w[5] === 0 ? 1 : 0;
    const cw2 = commitLinears(lins2);
    const other = new FheServer(lins2, { model: cw2 });
    const pinned2 = parseModelCommitment(cw2.file);
    // Valid for its own C_W ...
    expect(verifyFheLink(other.commitment, pinned2, other.linkProof!).valid).toBe(true);
    // ... but not for the pinned one: neither with its own FHE commitment nor with the honest one.
    expect(verifyFheLink(other.commitment, pinned, other.linkProof!).valid).toBe(false);
    expect(verifyFheLink(server.commitment, pinned, other.linkProof!).valid).toBe(false);
    expect(verifyFheLink(server.commitment, pinned2, server.linkProof!).valid).toBe(false);
  });

  it('a bias present in C_W but not encoded (or the reverse) is rejected', () => {
    const noBias = commitLinears(LINS, { dropBias: 'a' });
    expect(() => new FheServer(LINS, { model: noBias })).toThrow(/bias/);
    const pinnedNoBias = parseModelCommitment(noBias.file);
    expect(pinnedNoBias.weights.numVars).toBe(pinned.weights.numVars);
    const fhe = makeFheCommitment(DEFAULT_FHE_PARAMS, server.commitment.specs, server.commitment.maxBias, pinnedNoBias.digest, server.commitment.weights);
    const res = verifyFheLink(fhe, pinnedNoBias, server.linkProof!);
    expect(res.valid).toBe(false);
    expect(res.reason).toMatch(/bias/);
    const lins = LINS.map((l) => (l.name === 'b' ? { ...l, bias: undefined } : l));
    expect(() => new FheServer(lins, { model: commitLinears(lins, { extraBias: 'b' }) })).toThrow(/bias/);
  });

  it('FheClient checks the link against the pinned C_W at connect', async () => {
    const genuine = new LocalFheTransport(server);
    const withLink = (t: FheTransport, link: Uint8Array | undefined, commitment = () => t.commitment()): FheTransport => ({
      commitment,
      link: async () => link,
      openSession: () => t.openSession(),
      evaluate: (id, req) => t.evaluate(id, req),
      prove: (id) => t.prove(id),
    });
    // Rejections first: a verified (FHE, C_W) pair is remembered for later connections.
    const flipped = server.linkProof!.slice();
    flipped[flipped.length >> 1]! ^= 4;
    await expect(FheClient.connect(withLink(genuine, flipped), { model: pinned })).rejects.toThrow(FheVerificationError);
    await expect(FheClient.connect(withLink(genuine, server.linkProof!.subarray(1)), { model: pinned })).rejects.toThrow(/link to the model commitment rejected/);
    await expect(FheClient.connect(withLink(genuine, undefined), { model: pinned })).rejects.toThrow(/no link proof/);
    // A server without a link (only naming C_W) is refused; so is one naming another model.
    const unlinked = new FheServer(LINS, { modelDigest: cw.file.digest });
    await expect(FheClient.connect(new LocalFheTransport(unlinked), { model: pinned })).rejects.toThrow(/no link proof/);
    const cw2 = commitLinears(LINS.slice(1));
    const other = new FheServer(LINS.slice(1), { model: cw2 });
    await expect(FheClient.connect(new LocalFheTransport(other), { model: pinned })).rejects.toThrow(/names model/);
    // A forged link for a commitment to changed weights, served with that commitment.
    const lins = LINS.map((l) => ({ ...l, w: l.w.slice() }));
    lins[1]!.w[77] = lins[1]!.w[77] === 5 ? 6 : 5;
    const evil = encodedFor(lins, cw);
    const forged = forgeLink(evil.fhe, evil.state, cw, commitLinears(lins).state.values, 'factor');
    const evilTransport = withLink(genuine, forged, async () => fheCommitmentToJson(evil.fhe));
    await expect(FheClient.connect(evilTransport, { model: pinned })).rejects.toThrow(/link to the model commitment rejected/);
    // The honest server connects (with or without the FHE pin).
    const client = await FheClient.connect(genuine, { model: pinned });
    expect(client.commitment.digest).toEqual(server.commitment.digest);
    await client.close();
    const pinnedBoth = await FheClient.connect(genuine, { model: pinned, pin: server.commitmentJson().digest });
    await pinnedBoth.close();
  });
});
