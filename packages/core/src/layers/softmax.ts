/**
 * Prover side of the zkAttn softmax (protocol, witnesses and the row-sum bound: the
 * verifier's layers/softmax.ts). Every transcript move mirrors a line of `verifySoftmax`.
 */
import {
  LayerError,
  ceilLog2,
  registerSoftmaxLookups,
  rowSumPoint,
  softmaxDims,
  softmaxLabels,
  softmaxRelationRefs,
  softmaxLinearCoeffs,
  softmaxProductIndices,
  softmaxSumcheckTerms,
  softmaxRowBound,
  softmaxWitnessIds,
  tensorVars,
  type Ext,
  type QuarticExtension,
  type SoftmaxSpec,
  type TensorRef,
} from '@zkllm/verifier';
import type { LookupTable as QuantLookupTable, TraceOp } from '../model/quant/trace.js';
import type { MleTable } from '../sumcheck/prover.js';
import { eqCausalMaskTable, proveLayerRounds } from './attention.js';
import type { IntTensorData } from './bundle.js';
import type { ProverContext } from './context.js';
import { eqTableFast } from '../poly/eq.js';

type SoftmaxOp = Extract<TraceOp, { op: 'softmax' }>;

function digitTables(op: SoftmaxOp, tables: ReadonlyMap<string, QuantLookupTable>): QuantLookupTable[] {
  return op.params.digitTables.map((name) => {
    const t = tables.get(name);
    if (!t) throw new LayerError(`softmax ${op.name}: unknown digit table ${name}`);
    if (t.inMin !== 0) throw new LayerError(`softmax ${op.name}: digit table ${name} starts at ${t.inMin}, not 0`);
    return t;
  });
}

/** The verifier's spec: refs of z, ŝ, p and the public digit tables (`tables` = the model's tables). */
export function specSoftmax(op: SoftmaxOp, tables: ReadonlyMap<string, QuantLookupTable>): SoftmaxSpec {
  const [H, T, Tk] = op.input.shape as [number, number, number];
  if (T !== Tk) throw new LayerError(`softmax ${op.name}: expected a pass from position 0 (scores [${op.input.shape}])`);
  const spec: SoftmaxSpec = {
    input: { id: `t${op.input.id}`, shape: [H, T, Tk] },
    shift: { id: `t${op.shift.id}`, shape: [H, T] },
    out: { id: `t${op.out.id}`, shape: [...op.out.shape] },
    fs: op.params.fs,
    fp: op.params.fp,
    baseBits: op.params.baseBits,
    tables: digitTables(op, tables).map((t) => ({ id: t.name, values: t.values })),
  };
  return spec;
}

/**
 * The auxiliary witnesses (ids: `softmaxWitnessIds` of the verifier) — digits, digit exps,
 * intermediate products, rescale remainders, row-sum slacks — plus the shift ŝ under its
 * trace id `t<shift.id>` (a trace tensor that is no op's output; committing it twice under
 * the same id is harmless). Throws if the trace's probabilities are not the zkAttn values.
 */
export function witnessSoftmax(op: SoftmaxOp, tables: ReadonlyMap<string, QuantLookupTable>): Map<string, IntTensorData> {
  const [H, T] = op.input.shape as [number, number, number];
  const tabs = digitTables(op, tables);
  const K = tabs.length;
  const { fp, fs, baseBits } = op.params;
  if (K < 2) throw new LayerError(`softmax ${op.name}: the argument needs K ≥ 2 digits`);
  const base = 2 ** baseBits;
  const one = 2 ** fp;
  const half = 2 ** (fp - 1);
  const n = H * T * T;
  const digit = Array.from({ length: K }, () => new Int32Array(n));
  const exp = Array.from({ length: K }, () => new Int32Array(n));
  const prod = Array.from({ length: K }, () => new Int32Array(n)); // prod[0] unused
  const rem = Array.from({ length: K }, () => new Int32Array(n)); // rem[0] unused
  const z = op.input.data;
  for (let h = 0; h < H; h++) {
    for (let t = 0; t < T; t++) {
      const shift = op.shift.data[h * T + t]!;
      for (let j = 0; j < T; j++) {
        const x = (h * T + t) * T + j;
        if (j > t) {
          for (let k = 0; k < K; k++) exp[k]![x] = tabs[k]!.values[0]!;
          if (op.out.data[x] !== 0) throw new LayerError(`softmax ${op.name}: masked entry (${h}, ${t}, ${j}) is ${op.out.data[x]}, not 0`);
          continue;
        }
        let e = shift - z[x]!;
        if (e < 0) throw new LayerError(`softmax ${op.name}: negative exponent ${e} at (${h}, ${t}, ${j})`);
        let P = 0;
        for (let k = 0; k < K; k++) {
          const d = k < K - 1 ? e % base : e;
          e = k < K - 1 ? (e - d) / base : 0;
          const Ek = tabs[k]!.values[d];
          if (Ek === undefined) throw new LayerError(`softmax ${op.name}: digit ${d} outside table ${tabs[k]!.name} at (${h}, ${t}, ${j})`);
          digit[k]![x] = d;
          exp[k]![x] = Ek;
          if (k === 0) P = Ek;
          else {
            const next = Math.floor((P * Ek + half) / one);
            rem[k]![x] = P * Ek - one * next;
            P = next;
          }
          prod[k]![x] = P;
        }
        if (op.out.data[x] !== P) throw new LayerError(`softmax ${op.name}: p(${h}, ${t}, ${j}) = ${op.out.data[x]}, zkAttn gives ${P}`);
      }
    }
  }
  const ids = softmaxWitnessIds(`t${op.out.id}`, K);
  const shape = [H, T, T];
  const w = new Map<string, IntTensorData>();
  w.set(`t${op.shift.id}`, { shape: [H, T], data: op.shift.data });
  for (let k = 0; k < K; k++) {
    w.set(ids.digit[k]!, { shape, data: digit[k]! });
    w.set(ids.exp[k]!, { shape, data: exp[k]! });
  }
  ids.prod.forEach((id, i) => w.set(id, { shape, data: prod[i + 1]! }));
  ids.rem.forEach((id, i) => w.set(id, { shape, data: rem[i + 1]! }));
  const lo = new Int32Array(H * T);
  const hi = new Int32Array(H * T);
  for (let h = 0; h < H; h++) {
    for (let t = 0; t < T; t++) {
      let sum = 0;
      for (let j = 0; j <= t; j++) sum += op.out.data[(h * T + t) * T + j]!;
      const B = softmaxRowBound(fs, fp, K, t + 1);
      lo[h * T + t] = sum - one + B;
      hi[h * T + t] = one + B - sum;
    }
  }
  w.set(ids.sumLo, { shape: [H, T], data: lo });
  w.set(ids.sumHi, { shape: [H, T], data: hi });
  return w;
}

/**
 * Σ_i coeffs[i]·tables[i] as an ext table (zero coefficients skipped): lazily reduced limb
 * products (each in (−2^11, p + 2^11)) summed exactly in doubles, reduced once at the end
 * (a handful of tables: far below the 2^21 terms a double holds exactly).
 */
function linearCombination(E: QuarticExtension, tables: readonly Uint32Array[], coeffs: readonly Ext[]): Uint32Array {
  const n = tables[0]!.length;
  const p = E.base.p, invP = E.base.invP;
  const acc = new Float64Array(4 * n);
  tables.forEach((t, i) => {
    const c = coeffs[i]!;
    if (E.isZero(c)) return;
    const c0 = c[0]!, c1 = c[1]!, c2 = c[2]!, c3 = c[3]!;
    const q0 = c0 * invP, q1 = c1 * invP, q2 = c2 * invP, q3 = c3 * invP;
    for (let x = 0; x < n; x++) {
      const v = t[x]!;
      if (v === 0) continue;
      const o = 4 * x;
      acc[o] += (Math.imul(c0, v) - Math.imul(Math.floor(q0 * v), p)) | 0;
      acc[o + 1] += (Math.imul(c1, v) - Math.imul(Math.floor(q1 * v), p)) | 0;
      acc[o + 2] += (Math.imul(c2, v) - Math.imul(Math.floor(q2 * v), p)) | 0;
      acc[o + 3] += (Math.imul(c3, v) - Math.imul(Math.floor(q3 * v), p)) | 0;
    }
  });
  const out = new Uint32Array(4 * n);
  for (let i = 0; i < out.length; i++) {
    const r = acc[i]! - Math.floor(acc[i]! * invP) * p;
    out[i] = r < 0 ? r + p : r >= p ? r - p : r;
  }
  return out;
}

/** ŝ broadcast along j over the padded [H, T, T] cube. */
function broadcastShift(shift: Uint32Array, heads: number, T: number): Uint32Array {
  const Tp = 2 ** ceilLog2(T);
  const Hp = 2 ** ceilLog2(heads);
  const out = new Uint32Array(Hp * Tp * Tp);
  for (let ht = 0; ht < Hp * Tp; ht++) out.fill(shift[ht]!, ht * Tp, ht * Tp + Tp);
  return out;
}

export function proveSoftmax(ctx: ProverContext, spec: SoftmaxSpec): void {
  const E = ctx.E;
  const dims = softmaxDims(spec, E.base);
  const shape = spec.input.shape;
  const nt = ceilLog2(dims.T);

  const r = ctx.randomPoint(shape, softmaxLabels.relation(spec));
  const beta = ctx.transcript.challengeExts(softmaxLabels.beta(spec), dims.K + 1);
  const refs = softmaxRelationRefs(spec);
  const tables = (): MleTable[] => {
    const data = refs.map((t, i) => (i === 0 ? broadcastShift(ctx.table(t), dims.H, dims.T) : ctx.table(t)));
    return [
      { kind: 'ext', data: eqCausalMaskTable(E, dims.H, dims.T, r) },
      { kind: 'ext', data: eqTableFast(E, r) },
      { kind: 'ext', data: linearCombination(E, data, softmaxLinearCoeffs(E, spec, beta)) },
      ...softmaxProductIndices(dims.K).map((i): MleTable => ({ kind: 'base', data: data[i]! })),
    ];
  };
  const sc = proveLayerRounds(ctx, tensorVars(shape), tables, softmaxSumcheckTerms(E, dims.K, beta));
  // The product tables (from index 3 on) were folded to the point: their final values are the claims'.
  const folded = new Map(softmaxProductIndices(dims.K).map((i, j) => [i, sc.finalEvals.subarray(4 * (3 + j), 4 * (4 + j))]));
  refs.forEach((t, i) => {
    const v = folded.get(i);
    if (v) ctx.claimFolded(t, sc.point, v);
    else ctx.claim(t, i === 0 ? sc.point.subarray(4 * nt) : sc.point);
  });

  const ids = softmaxWitnessIds(spec.out.id, dims.K);
  const rowShape = [dims.H, dims.T];
  const r2 = ctx.randomPoint(rowShape, softmaxLabels.rowSum(spec));
  const lo: TensorRef = { id: ids.sumLo, shape: rowShape };
  const hi: TensorRef = { id: ids.sumHi, shape: rowShape };
  ctx.claim(lo, r2);
  ctx.claim(hi, r2);
  ctx.claim(spec.out, rowSumPoint(E, r2, dims.T));

  registerSoftmaxLookups(ctx, spec, dims);
}
