/**
 * Builds the circuit template stored in the model commitment (see the verifier's
 * generation/circuit.ts): the traced pass is run for two statement shapes and every
 * spec value that differs between them must be explained by a placeholder; anything else
 * is an error at commit time, long before a proof could depend on it.
 */
import { canonicalJson, circuitValues, specToJson, type CircuitInputs, type Json } from '@zkllm/verifier';
import { quantForward, type QuantizedModel } from '../model/index.js';
import type { ProverEnv, ProverRegistry } from './registry.js';

export class TemplateError extends Error {
  override name = 'TemplateError';
}

/** The specs of one traced pass over `inputs`, in trace order. */
export function traceSpecs(
  model: QuantizedModel,
  registry: ProverRegistry,
  inputs: CircuitInputs,
): { ops: Array<{ kind: string; name: string; spec: unknown }>; env: ProverEnv; trace: NonNullable<ReturnType<typeof quantForward>['trace']> } {
  const vals = circuitValues(inputs);
  // The head runs only on the statement's rows (a `rows` op), so argmax's rows are the
  // selected tensor's rows 0 … R − 1, standing for positions rows[0 … R − 1] of the pass.
  const env: ProverEnv = { model, argmaxRows: vals.arrays['selected']!, argmaxTokens: vals.arrays['outputs']! };
  const trace = quantForward(model, inputs.tokens, { trace: true, rows: vals.arrays['rows']! }).trace!;
  const ops = trace.ops.map((op) => {
    const row = registry[op.op];
    if (!row) throw new TemplateError(`no prover for trace op '${op.op}' (${op.name})`);
    return { kind: op.op, name: op.name, spec: row.spec(op, env) };
  });
  return { ops, env, trace };
}

function sampleInputs(vocab: number, promptLength: number, generated: number, seed: number): CircuitInputs {
  let s = seed;
  const tokens = Array.from({ length: promptLength + generated }, () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s % vocab;
  });
  return { tokens, promptLength, generated };
}

function generalize(a: Json, b: Json, A: ReturnType<typeof circuitValues>, B: ReturnType<typeof circuitValues>, path: string): Json {
  if (typeof a === 'number' && typeof b === 'number') {
    if (a === b) return a;
    if (a - A.T === b - B.T) return { $n: 'T', c: a - A.T };
    if (a - A.R === b - B.R) return { $n: 'R', c: a - A.R };
    throw new TemplateError(`circuit value at ${path} depends on the input in an unsupported way (${a} vs ${b})`);
  }
  const asArray = (x: Json): number[] | undefined => {
    if (x !== null && typeof x === 'object' && !Array.isArray(x) && '$i32' in x && Array.isArray(x['$i32'])) return x['$i32'] as number[];
    return undefined;
  };
  const ia = asArray(a);
  const ib = asArray(b);
  if (ia && ib) {
    if (canonicalJson(ia) === canonicalJson(ib)) return a;
    for (const name of Object.keys(A.arrays)) {
      if (canonicalJson(ia) === canonicalJson(Array.from(A.arrays[name]!)) && canonicalJson(ib) === canonicalJson(Array.from(B.arrays[name]!))) {
        return { $a: name };
      }
    }
    throw new TemplateError(`array at ${path} is not a known public input`);
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) throw new TemplateError(`array at ${path} changes length with the input`);
    return a.map((x, i) => generalize(x, b[i]!, A, B, `${path}[${i}]`));
  }
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    if (canonicalJson(ka) !== canonicalJson(kb)) throw new TemplateError(`object at ${path} changes keys with the input`);
    const out: Record<string, Json> = {};
    for (const k of ka) out[k] = generalize(a[k]!, b[k]!, A, B, `${path}.${k}`);
    return out;
  }
  if (a === b) return a;
  throw new TemplateError(`circuit value at ${path} differs between inputs (${JSON.stringify(a)} vs ${JSON.stringify(b)})`);
}

/** The template: one entry per trace op, with T/R/public-array placeholders. */
export function buildCircuitTemplate(model: QuantizedModel, registry: ProverRegistry): Json {
  const vocab = model.config.vocabSize;
  const inA = sampleInputs(vocab, 3, 2, 17);
  const inB = sampleInputs(vocab, 5, 5, 91);
  const a = traceSpecs(model, registry, inA).ops;
  const b = traceSpecs(model, registry, inB).ops;
  if (a.length !== b.length) throw new TemplateError('the number of trace ops depends on the input length');
  const A = circuitValues(inA);
  const B = circuitValues(inB);
  return a.map((opA, i) => {
    const opB = b[i]!;
    if (opA.kind !== opB.kind || opA.name !== opB.name) throw new TemplateError(`trace op ${i} differs between inputs`);
    return { kind: opA.kind, name: opA.name, spec: generalize(specToJson(opA.spec), specToJson(opB.spec), A, B, `${opA.name}`) };
  });
}
