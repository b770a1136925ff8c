/**
 * The circuit a generation proof follows, as data. At commit time the prover runs the
 * traced forward pass twice with different lengths and turns the per-op specs into a
 * template whose only free parameters are named placeholders:
 *
 *   {"$n": "T", "c": k}     the number T + k (T = tokens fed to the forward pass)
 *   {"$n": "R", "c": k}     the number R + k (R = generated tokens)
 *   {"$a": name}            a public array: "tokens", "positions", "rows", "outputs",
 *                           "selected" (see {@link circuitValues})
 *   {"$i32": [...]}         an Int32Array literal
 *   {"$i32z": b64, "n": k}  the same, compactly (generation/compact.ts)
 *   {"$c": name}            a copy of the template constant `name`: an entry
 *                           {"kind": "$const", "name", "spec": Int32Array literal} placed
 *                           before its first use (tables used by many ops are stored once)
 *
 * The template is part of the model's public parameters (hashed into C_W), so the verifier
 * knows exactly which relations to check for a given statement, and the prover checks
 * that its own trace instantiates to the same list before it proves anything.
 */
import type { Json } from './canonical.js';
import { CompactArrayError, decodeCompactI32 } from './compact.js';

export interface CircuitInputs {
  /** Tokens fed to the traced pass: prompt followed by every output token. */
  readonly tokens: readonly number[];
  /** Number of generated tokens. */
  readonly generated: number;
  /** Prompt length. */
  readonly promptLength: number;
}

export interface CircuitOp {
  /** Trace op kind (matmul, requant, …). */
  readonly kind: string;
  readonly name: string;
  readonly spec: unknown;
}

export class CircuitError extends Error {
  override name = 'CircuitError';
}

/**
 * The public arrays and numbers a template may refer to. `rows` are the positions t_k of
 * the pass whose next token is output k (k < R); `selected` numbers the R rows of tensors
 * that hold only those positions (the model head after the `rows` op), 0 … R − 1.
 */
export function circuitValues(inp: CircuitInputs): { T: number; R: number; arrays: Record<string, Int32Array> } {
  const T = inp.tokens.length;
  const R = inp.generated;
  const first = inp.promptLength - 1;
  return {
    T,
    R,
    arrays: {
      tokens: Int32Array.from(inp.tokens),
      positions: Int32Array.from({ length: T }, (_, i) => i),
      rows: Int32Array.from({ length: R }, (_, i) => first + i),
      outputs: Int32Array.from(inp.tokens.slice(inp.promptLength, inp.promptLength + R)),
      selected: Int32Array.from({ length: R }, (_, i) => i),
    },
  };
}

const MAX_DEPTH = 64;

type Values = ReturnType<typeof circuitValues> & { readonly consts: ReadonlyMap<string, Int32Array> };

function instantiateValue(v: Json, vals: Values, depth: number): unknown {
  if (depth > MAX_DEPTH) throw new CircuitError('circuit template nested too deep');
  if (Array.isArray(v)) return v.map((x) => instantiateValue(x, vals, depth + 1));
  if (v === null || typeof v !== 'object') return v;
  if ('$n' in v) {
    const c = v['c'];
    if (typeof c !== 'number' || !Number.isInteger(c)) throw new CircuitError('bad $n placeholder');
    if (v['$n'] === 'T') return vals.T + c;
    if (v['$n'] === 'R') return vals.R + c;
    throw new CircuitError(`unknown number placeholder ${String(v['$n'])}`);
  }
  if ('$a' in v) {
    const a = vals.arrays[String(v['$a'])];
    if (!a) throw new CircuitError(`unknown array placeholder ${String(v['$a'])}`);
    return a.slice();
  }
  if ('$i32' in v) {
    const arr = v['$i32'];
    if (!Array.isArray(arr) || !arr.every((x) => typeof x === 'number' && Number.isInteger(x) && Math.abs(x) < 2 ** 31)) {
      throw new CircuitError('bad $i32 literal');
    }
    return Int32Array.from(arr as number[]);
  }
  if ('$i32z' in v) {
    try {
      return decodeCompactI32(v);
    } catch (e) {
      throw new CircuitError((e as CompactArrayError).message);
    }
  }
  if ('$c' in v) {
    const c = vals.consts.get(String(v['$c']));
    if (!c) throw new CircuitError(`unknown template constant ${String(v['$c'])}`);
    return c.slice();
  }
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = instantiateValue(x, vals, depth + 1);
  return out;
}

/** Instantiates a template (from the commitment's params) for one statement. */
export function instantiateCircuit(template: Json, inputs: CircuitInputs): CircuitOp[] {
  if (!Array.isArray(template)) throw new CircuitError('circuit template must be an array');
  const consts = new Map<string, Int32Array>();
  const vals: Values = { ...circuitValues(inputs), consts };
  const ops: CircuitOp[] = [];
  template.forEach((entry, i) => {
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) throw new CircuitError(`circuit op ${i} malformed`);
    const kind = entry['kind'];
    const name = entry['name'];
    if (typeof kind !== 'string' || typeof name !== 'string') throw new CircuitError(`circuit op ${i} lacks kind/name`);
    const spec = instantiateValue(entry['spec'] ?? null, vals, 0);
    if (kind !== '$const') ops.push({ kind, name, spec });
    else if (!(spec instanceof Int32Array) || consts.has(name)) throw new CircuitError(`template constant ${name} malformed or repeated`);
    else consts.set(name, spec);
  });
  return ops;
}

/** Spec → JSON with typed arrays marked, the form templates and comparisons use. */
export function specToJson(v: unknown, depth = 0): Json {
  if (depth > MAX_DEPTH) throw new CircuitError('spec nested too deep');
  if (v === null || v === undefined) return null;
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  if (v instanceof Int32Array) return { $i32: Array.from(v) };
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>);
  if (Array.isArray(v)) return v.map((x) => specToJson(x, depth + 1));
  if (typeof v === 'object') {
    const out: Record<string, Json> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (x === undefined || typeof x === 'function') continue;
      out[k] = specToJson(x, depth + 1);
    }
    return out;
  }
  throw new CircuitError(`spec value of type ${typeof v} cannot be serialised`);
}
