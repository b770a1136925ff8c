/**
 * Prover side of the attention matmuls `qk` and `pv` (protocol and layout: the verifier's
 * layers/attention.ts). Every transcript move here mirrors a line of `verifyQk` /
 * `verifyPv`.
 */
import {
  LayerError,
  attentionTerms,
  ceilLog2,
  attentionLabels,
  headOf,
  kvColumnOf,
  pvDims,
  qkDims,
  splitTensorPoint,
  sumcheckDegree,
  tensorPoint,
  type AttentionDims,
  type PvSpec,
  type QkSpec,
  type QuarticExtension,
  type SumcheckTerm,
  type TensorRef,
} from '@zkllm/verifier';
import type { IntTensor, TraceOp } from '../model/quant/trace.js';
import type { MleTable } from '../sumcheck/prover.js';
import type { IntTensorData } from './bundle.js';
import type { ProverContext } from './context.js';
import { proveRoundsSumcheck } from '../sumcheck/rounds.js';
import { eqTableFast } from '../poly/eq.js';

type QkOp = Extract<TraceOp, { op: 'qk' }>;
type PvOp = Extract<TraceOp, { op: 'pv' }>;

const ref = (t: IntTensor): TensorRef => ({ id: `t${t.id}`, shape: [...t.shape] });

// ---------------------------------------------------------------------------------------
// Shared prover helpers (also used by softmax.ts).

/**
 * Runs the rounds of one sumcheck (the prover computes the sum itself, so a dishonest
 * witness yields a proof the verifier rejects rather than an exception) and writes the
 * round messages; the final values are NOT sent (mirror of the verifier's `readLayerRounds`).
 */
export function proveLayerRounds(
  ctx: ProverContext,
  numVars: number,
  tables: readonly MleTable[] | (() => readonly MleTable[]),
  terms: readonly SumcheckTerm[],
): { point: Uint32Array; finalEvals: Uint32Array } {
  return proveRoundsSumcheck(ctx, numVars, sumcheckDegree(terms), tables, terms);
}

const finalAt = (f: Uint32Array, k: number) => f.slice(4 * k, 4 * k + 4);

/**
 * Contracts axis `axis` of a padded base table with the ext weights `w` (an eq table of
 * that axis): out[outer, inner] = Σ_x w[x]·table[outer, x, inner]. `vars` are the padded
 * axis sizes in log2, in axis order. Returns an ext table.
 */
export function contractAxis(E: QuarticExtension, table: Uint32Array, vars: readonly number[], axis: number, w: Uint32Array): Uint32Array {
  let inner = 1;
  for (let a = axis + 1; a < vars.length; a++) inner *= 2 ** vars[a]!;
  const len = 2 ** vars[axis]!;
  const outer = table.length / (inner * len);
  const out = new Uint32Array(4 * outer * inner);
  const t = new Uint32Array(4);
  for (let o = 0; o < outer; o++) {
    for (let x = 0; x < len; x++) {
      const base = (o * len + x) * inner;
      const wo = 4 * x;
      for (let i = 0; i < inner; i++) {
        const v = table[base + i]!;
        if (v === 0) continue;
        E.mulBaseAt(t, 0, w, wo, v);
        E.addAt(out, 4 * (o * inner + i), out, 4 * (o * inner + i), t, 0);
      }
    }
  }
  return out;
}

/** The gather weights V(y) = Σ_{c<C, map(c)=y} eqSigma[c] as an ext table of 2^vars entries. */
function gatherTable(E: QuarticExtension, vars: number, C: number, map: (c: number) => number, eqSigma: Uint32Array): Uint32Array {
  const out = new Uint32Array(4 << vars);
  for (let c = 0; c < C; c++) {
    const y = map(c);
    E.addAt(out, 4 * y, out, 4 * y, eqSigma, 4 * c);
  }
  return out;
}

/** eq(r, x)·M(x) over the padded [H, T, T] cube, M = [h < H][t < T][j ≤ t] (ext table). */
export function eqCausalMaskTable(E: QuarticExtension, heads: number, T: number, r: Uint32Array): Uint32Array {
  const eq = eqTableFast(E, r);
  const nt = ceilLog2(T);
  const Tp = 2 ** nt;
  for (let i = 0; i < eq.length >>> 2; i++) {
    const j = i % Tp;
    const t = Math.floor(i / Tp) % Tp;
    const h = Math.floor(i / (Tp * Tp));
    if (!(h < heads && t < T && j <= t)) eq.fill(0, 4 * i, 4 * i + 4);
  }
  return eq;
}

// ---------------------------------------------------------------------------------------
// qk

export function specQk(op: QkOp): QkSpec {
  const [H, T, Tk] = op.out.shape as [number, number, number];
  if (H !== op.heads || T !== Tk || op.q.shape[0] !== T || op.k.shape[0] !== T) {
    throw new LayerError(`qk ${op.name}: expected a pass from position 0 (scores [${op.out.shape}], q [${op.q.shape}], k [${op.k.shape}])`);
  }
  const spec: QkSpec = { q: ref(op.q), k: ref(op.k), out: ref(op.out), heads: op.heads, kvHeads: op.kvHeads, headDim: op.headDim };
  qkDims(spec);
  return spec;
}

/** qk needs no auxiliary witness: every table it sums over is computed from q and k. */
export function witnessQk(_op: QkOp): Map<string, IntTensorData> {
  return new Map();
}

/**
 * The unmasked per-head products bound to r_h: A_r(t, j) = Σ_h eq(r_h, h)·A[h, t, j] with
 * A[h, t, j] = Σ_i q[t, h·hd+i]·k[j, κ(h·hd+i)], as an ext table over the padded [T, T].
 * Dot products are computed exactly in doubles when every |q|·|k|·hd < 2^53 (always for
 * traces: hd·A² ≤ FIELD_SAFE), else in the field.
 */
function unmaskedScoresAt(E: QuarticExtension, d: AttentionDims, q: Uint32Array, k: Uint32Array, eqH: Uint32Array): Uint32Array {
  const F = E.base;
  const Tp = 2 ** ceilLog2(d.T);
  const Cp = 2 ** ceilLog2(d.C);
  const Ckp = 2 ** ceilLog2(d.Ck);
  const qs = new Float64Array(d.T * d.C);
  const ks = new Float64Array(d.T * d.Ck);
  let qMax = 0;
  let kMax = 0;
  for (let t = 0; t < d.T; t++) {
    for (let c = 0; c < d.C; c++) qMax = Math.max(qMax, Math.abs((qs[t * d.C + c] = F.toSigned(q[t * Cp + c]!))));
    for (let c = 0; c < d.Ck; c++) kMax = Math.max(kMax, Math.abs((ks[t * d.Ck + c] = F.toSigned(k[t * Ckp + c]!))));
  }
  const exact = qMax * kMax * d.hd < 2 ** 53;
  const out = new Uint32Array(4 * Tp * Tp);
  const tmp = new Uint32Array(4);
  for (let h = 0; h < d.H; h++) {
    const qOff = h * d.hd;
    const kOff = Math.floor(h / d.group) * d.hd;
    for (let t = 0; t < d.T; t++) {
      for (let j = 0; j < d.T; j++) {
        let a: number;
        if (exact) {
          let acc = 0;
          for (let i = 0; i < d.hd; i++) acc += qs[t * d.C + qOff + i]! * ks[j * d.Ck + kOff + i]!;
          a = F.fromInt(acc);
        } else {
          a = 0;
          for (let i = 0; i < d.hd; i++) a = F.add(a, F.mul(q[t * Cp + qOff + i]!, k[j * Ckp + kOff + i]!));
        }
        if (a === 0) continue;
        const x = 4 * (t * Tp + j);
        E.mulBaseAt(tmp, 0, eqH, 4 * h, a);
        E.addAt(out, x, out, x, tmp, 0);
      }
    }
  }
  return out;
}

export function proveQk(ctx: ProverContext, spec: QkSpec): void {
  const E = ctx.E;
  const d = qkDims(spec);
  const shape = spec.out.shape;
  const q = ctx.table(spec.q);
  const k = ctx.table(spec.k);
  const nt = ceilLog2(d.T);
  const r = ctx.randomPoint(shape, attentionLabels.qkPoint(spec.out.id));
  const rTJ = r.subarray(0, 8 * nt);
  const rH = r.subarray(8 * nt);
  ctx.claim(spec.out, r);

  const sc1 = proveLayerRounds(
    ctx,
    2 * nt,
    () => [
      { kind: 'ext', data: eqCausalMaskTable(E, 1, d.T, rTJ) },
      { kind: 'ext', data: unmaskedScoresAt(E, d, q, k, eqTableFast(E, rH)) },
    ],
    attentionTerms.mask(E),
  );
  ctx.exts(attentionLabels.qkUnmasked(spec.out.id), 1, finalAt(sc1.finalEvals, 1));
  const rhoJ = sc1.point.subarray(0, 4 * nt);
  const rhoT = sc1.point.subarray(4 * nt);

  const nc = ceilLog2(d.C);
  const nkc = ceilLog2(d.Ck);
  // k̃(ρ_j, ·), shared by the next two sumchecks (built only when they run).
  let kr: Uint32Array | undefined;
  const keysAtRho = () => (kr ??= contractAxis(E, k, [nt, nkc], 0, eqTableFast(E, rhoJ)));
  const sc2 = proveLayerRounds(
    ctx,
    nc,
    () => {
      const eqH = eqTableFast(E, rH);
      const wh = new Uint32Array(4 << nc);
      const kg = new Uint32Array(4 << nc);
      const kr = keysAtRho();
      for (let c = 0; c < d.C; c++) {
        wh.set(eqH.subarray(4 * headOf(d, c), 4 * headOf(d, c) + 4), 4 * c);
        const y = kvColumnOf(d, c);
        kg.set(kr.subarray(4 * y, 4 * y + 4), 4 * c);
      }
      return [
        { kind: 'ext', data: wh },
        { kind: 'ext', data: contractAxis(E, q, [nt, nc], 0, eqTableFast(E, rhoT)) },
        { kind: 'ext', data: kg },
      ];
    },
    attentionTerms.triple(E),
  );
  // The contracted tables' final values are the tensors' MLEs at the joined points.
  ctx.claimFolded(spec.q, tensorPoint([rhoT, sc2.point]), finalAt(sc2.finalEvals, 1));
  ctx.exts(attentionLabels.qkKeyGather(spec.out.id), 1, finalAt(sc2.finalEvals, 2));

  const g = proveLayerRounds(
    ctx,
    nkc,
    () => [
      { kind: 'ext', data: gatherTable(E, nkc, d.C, (c) => kvColumnOf(d, c), eqTableFast(E, sc2.point)) },
      { kind: 'ext', data: keysAtRho() },
    ],
    attentionTerms.gather(E),
  );
  ctx.claimFolded(spec.k, tensorPoint([rhoJ, g.point]), finalAt(g.finalEvals, 1));
}

// ---------------------------------------------------------------------------------------
// pv

export function specPv(op: PvOp): PvSpec {
  const spec: PvSpec = { p: ref(op.p), v: ref(op.v), out: ref(op.out), heads: op.heads, kvHeads: op.kvHeads, headDim: op.headDim };
  pvDims(spec);
  return spec;
}

/** pv needs no auxiliary witness. */
export function witnessPv(_op: PvOp): Map<string, IntTensorData> {
  return new Map();
}

export function provePv(ctx: ProverContext, spec: PvSpec): void {
  const E = ctx.E;
  const d = pvDims(spec);
  const p = ctx.table(spec.p);
  const v = ctx.table(spec.v);
  const r = ctx.randomPoint(spec.out.shape, attentionLabels.pvPoint(spec.out.id));
  const [rt, rc] = splitTensorPoint(r, spec.out.shape) as [Uint32Array, Uint32Array];
  ctx.claim(spec.out, r);

  const nt = ceilLog2(d.T);
  const nh = ceilLog2(d.H);
  const nkc = ceilLog2(d.Ck);
  const Tp = 2 ** nt;
  const Ckp = 2 ** nkc;
  const tmp = new Uint32Array(4);
  let eqRMemo: Uint32Array | undefined;
  const eqRc = () => (eqRMemo ??= eqTableFast(E, rc));
  // Y(h, j) = Σ_{c<C, h(c)=h} eq(r_c, c)·v[j, κ(c)].
  const values = (): Uint32Array => {
    const eqR = eqRc();
    const y = new Uint32Array(4 * (Tp << nh));
    for (let c = 0; c < d.C; c++) {
      const h = headOf(d, c);
      const kc = kvColumnOf(d, c);
      for (let j = 0; j < d.T; j++) {
        const val = v[j * Ckp + kc]!;
        if (val === 0) continue;
        E.mulBaseAt(tmp, 0, eqR, 4 * c, val);
        E.addAt(y, 4 * (h * Tp + j), y, 4 * (h * Tp + j), tmp, 0);
      }
    }
    return y;
  };
  const sc = proveLayerRounds(
    ctx,
    nt + nh,
    () => [
      // p(h, r_t, j) over the padded [H, T] (j in the low variables).
      { kind: 'ext', data: contractAxis(E, p, [nh, nt, nt], 1, eqTableFast(E, rt)) },
      { kind: 'ext', data: values() },
    ],
    attentionTerms.gather(E),
  );
  const tauJ = sc.point.subarray(0, 4 * nt);
  const tauH = sc.point.subarray(4 * nt);
  ctx.claimFolded(spec.p, tensorPoint([tauH, rt, tauJ]), finalAt(sc.finalEvals, 0));
  ctx.exts(attentionLabels.pvValueGather(spec.out.id), 1, finalAt(sc.finalEvals, 1));

  // y = Σ_{c'} V(c')·v(τ_j, c'),  V(c') = Σ_{c<C, κ(c)=c'} eq(τ_h, h(c))·eq(r_c, c).
  const columnWeights = (): Uint32Array => {
    const eqR = eqRc();
    const eqTauH = eqTableFast(E, tauH);
    const wv = new Uint32Array(4 << nkc);
    for (let c = 0; c < d.C; c++) {
      E.mulAt(tmp, 0, eqR, 4 * c, eqTauH, 4 * headOf(d, c));
      const kc = kvColumnOf(d, c);
      E.addAt(wv, 4 * kc, wv, 4 * kc, tmp, 0);
    }
    return wv;
  };
  const gv = proveLayerRounds(
    ctx,
    nkc,
    () => [
      { kind: 'ext', data: columnWeights() },
      { kind: 'ext', data: contractAxis(E, v, [nt, nkc], 0, eqTableFast(E, tauJ)) },
    ],
    attentionTerms.gather(E),
  );
  ctx.claimFolded(spec.v, tensorPoint([tauJ, gv.point]), finalAt(gv.finalEvals, 1));
}
