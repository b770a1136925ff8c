/**
 * Reference semantics of every trace op, written independently of the forward kernels:
 * `checkTrace` recomputes each op's output from its recorded inputs and the model's
 * public parameters and reports the first mismatch. The prover proves exactly these
 * relations; this checker is the executable form of docs/QUANTIZATION.md.
 */
import { FIELD_HALF } from './field.js';
import type { QLinear, QuantizedModel } from './quantize.js';
import type { IntTensor, LookupTable, RequantSpec, Trace, TraceOp } from './trace.js';

export function linearsByName(m: QuantizedModel): Map<string, QLinear> {
  const out = new Map<string, QLinear>();
  for (const L of m.layers) for (const lin of [L.wq, L.wk, L.wv, L.wo, L.gate, L.up, L.down]) if (lin) out.set(lin.name, lin);
  out.set(m.lmHead.name, m.lmHead);
  return out;
}

function rnd(v: number, s: number): number {
  return s === 0 ? v : Math.floor((v + 2 ** (s - 1)) / 2 ** s);
}

export function requantOne(x: number, spec: RequantSpec, m: number): number {
  const t = Math.max(-spec.q, Math.min(spec.q, rnd(x, spec.s1)));
  return Math.max(spec.lo, Math.min(spec.hi, rnd(t * m, spec.s2)));
}

function tableAt(t: LookupTable, x: number): number {
  const j = x - t.inMin;
  if (j < 0 || j >= t.values.length) throw new Error(`input ${x} outside table ${t.name}`);
  return t.values[j]!;
}

/** Returns undefined if every op checks, else a message naming the first bad op and index. */
export function checkTrace(m: QuantizedModel, trace: Trace): string | undefined {
  const lin = linearsByName(m);
  const seen = new Map<number, IntTensor>();
  for (let k = 0; k < trace.ops.length; k++) {
    const op = trace.ops[k]!;
    const bad = checkOp(m, lin, op, trace);
    if (bad !== undefined) return `op ${k} ${op.name} (${op.op}): ${bad}`;
    const out = op.out;
    for (const v of out.data) if (Math.abs(v) > FIELD_HALF) return `op ${k} ${op.name}: value ${v} exceeds the field bound`;
    if (seen.has(out.id)) return `op ${k} ${op.name}: tensor id ${out.id} produced twice`;
    seen.set(out.id, out);
  }
  return undefined;
}

function checkOp(m: QuantizedModel, lin: Map<string, QLinear>, op: TraceOp, trace: Trace): string | undefined {
  const c = m.config;
  const eq = (want: (i: number) => number, out: IntTensor): string | undefined => {
    for (let i = 0; i < out.data.length; i++) {
      const w = want(i);
      if (out.data[i] !== w) return `index ${i}: got ${out.data[i]}, want ${w}`;
    }
    return undefined;
  };
  switch (op.op) {
    case 'embed': {
      const d = c.hiddenSize;
      return eq((i) => m.embed[op.tokens[Math.floor(i / d)]! * d + (i % d)]!, op.out);
    }
    case 'posembed': {
      const d = c.hiddenSize;
      return eq((i) => m.posEmbed![op.positions[Math.floor(i / d)]! * d + (i % d)]!, op.out);
    }
    case 'matmul': {
      const L = lin.get(op.weight);
      if (!L) return `unknown weight ${op.weight}`;
      return eq((i) => {
        const t = Math.floor(i / L.rows);
        const o = i % L.rows;
        let acc = L.bias ? L.bias[o]! : 0;
        for (let j = 0; j < L.cols; j++) acc += L.w[o * L.cols + j]! * op.input.data[t * L.cols + j]!;
        return acc;
      }, op.out);
    }
    case 'requant': {
      const cols = op.input.shape[op.input.shape.length - 1]!;
      const s = op.spec;
      if (s.xMax !== undefined) {
        for (let i = 0; i < op.input.data.length; i++) {
          if (Math.abs(op.input.data[i]!) > s.xMax) return `input ${op.input.data[i]} at ${i} exceeds the declared bound ${s.xMax}`;
        }
      }
      return eq((i) => requantOne(op.input.data[i]!, s, s.m.length > 1 ? s.m[i % cols]! : s.m[0]!), op.out);
    }
    case 'lookup': {
      const t = m.tables.get(op.table);
      if (!t) return `unknown table ${op.table}`;
      return eq((i) => tableAt(t, op.input.data[i]!), op.out);
    }
    case 'add':
      return eq((i) => op.a.data[i]! + op.b.data[i]!, op.out);
    case 'mul':
      return eq((i) => op.a.data[i]! * op.b.data[i]!, op.out);
    case 'center': {
      const n = op.input.shape[1]!;
      return eq((i) => {
        const t = Math.floor(i / n);
        let s = 0;
        for (let j = 0; j < n; j++) s += op.input.data[t * n + j]!;
        return n * op.input.data[i]! - s;
      }, op.out);
    }
    case 'sumsq': {
      const n = op.input.shape[1]!;
      return eq((t) => {
        let s = op.c;
        for (let j = 0; j < n; j++) s += op.input.data[t * n + j]! ** 2;
        return s;
      }, op.out);
    }
    case 'rowmul': {
      const n = op.input.shape[1]!;
      return eq((i) => op.input.data[i]! * op.scale.data[Math.floor(i / n)]!, op.out);
    }
    case 'rope': {
      const hd = op.headDim;
      const half = hd / 2;
      const width = op.heads * hd;
      const one = 2 ** op.fr;
      return eq((idx) => {
        const t = Math.floor(idx / width);
        const r = idx % width;
        const h = Math.floor(r / hd);
        const i = r % hd;
        const j = i % half;
        const ang = op.positions[t]! * Math.pow(op.theta, (-2 * j) / hd);
        const C = Math.round(Math.cos(ang) * one);
        const S = Math.round(Math.sin(ang) * one);
        const base = t * width + h * hd;
        const a = op.input.data[base + j]!;
        const b = op.input.data[base + j + half]!;
        const v = i < half ? rnd(a * C - b * S, op.fr) : rnd(b * C + a * S, op.fr);
        return Math.max(-op.clamp, Math.min(op.clamp, v));
      }, op.out);
    }
    case 'qk': {
      const [H, T, Tk] = op.out.shape as [number, number, number];
      const hd = op.headDim;
      const g = H / op.kvHeads;
      return eq((idx) => {
        const h = Math.floor(idx / (T * Tk));
        const t = Math.floor(idx / Tk) % T;
        const j = idx % Tk;
        if (j > trace.positions[t]!) return 0;
        let s = 0;
        for (let i = 0; i < hd; i++) s += op.q.data[t * H * hd + h * hd + i]! * op.k.data[j * op.kvHeads * hd + Math.floor(h / g) * hd + i]!;
        return s;
      }, op.out);
    }
    case 'softmax': {
      const [H, T, Tk] = op.out.shape as [number, number, number];
      const P = op.params;
      const tabs = P.digitTables.map((n) => m.tables.get(n)!);
      const base = 2 ** P.baseBits;
      for (let h = 0; h < H; h++) {
        for (let t = 0; t < T; t++) {
          const row = (h * T + t) * Tk;
          const n = trace.positions[t]! + 1;
          const shift = op.shift.data[h * T + t]!;
          let sum = 0;
          for (let j = 0; j < Tk; j++) {
            let want = 0;
            if (j < n) {
              let e = shift - op.input.data[row + j]!;
              if (e < 0) return `row ${h},${t}: negative exponent ${e}`;
              let acc = 0;
              for (let k = 0; k < tabs.length; k++) {
                const d = k < tabs.length - 1 ? e % base : e;
                e = k < tabs.length - 1 ? (e - d) / base : 0;
                const E = tableAt(tabs[k]!, d);
                acc = k === 0 ? E : rnd(acc * E, P.fp);
              }
              want = acc;
            }
            if (op.out.data[row + j] !== want) return `row ${h},${t} entry ${j}: got ${op.out.data[row + j]}, want ${want}`;
            sum += want;
          }
          const err = Math.abs(sum - 2 ** P.fp);
          const K = tabs.length;
          const bound = 2 ** P.fp * (Math.exp(2 ** -(P.fs + 1)) - 1) + n * (K - 0.5);
          if (err > bound) return `row ${h},${t}: sum ${sum} is ${err} from 2^${P.fp}, bound ${bound}`;
        }
      }
      return undefined;
    }
    case 'pv': {
      const T = op.out.shape[0]!;
      const hd = op.headDim;
      const H = op.heads;
      const Tk = op.p.shape[2]!;
      const g = H / op.kvHeads;
      return eq((idx) => {
        const t = Math.floor(idx / (H * hd));
        const h = Math.floor((idx % (H * hd)) / hd);
        const i = idx % hd;
        let s = 0;
        for (let j = 0; j < Tk; j++) s += op.p.data[(h * T + t) * Tk + j]! * op.v.data[j * op.kvHeads * hd + Math.floor(h / g) * hd + i]!;
        return s;
      }, op.out);
    }
    case 'rows': {
      const d = op.input.shape[1]!;
      if (op.out.shape[0] !== op.rows.length || op.out.shape[1] !== d) return `output shape [${op.out.shape}] does not select ${op.rows.length} rows of width ${d}`;
      for (const t of op.rows) if (!(t >= 0 && t < op.input.shape[0]!)) return `row index ${t} outside the input`;
      return eq((i) => op.input.data[op.rows[Math.floor(i / d)]! * d + (i % d)]!, op.out);
    }
    case 'argmax': {
      const V = op.input.shape[1]!;
      return eq((t) => {
        let best = 0;
        for (let j = 1; j < V; j++) if (op.input.data[t * V + j]! > op.input.data[t * V + best]!) best = j;
        return best;
      }, op.out);
    }
  }
}
