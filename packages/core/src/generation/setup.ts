/** Commitment of a model for proving: weights, public quantization parameters, circuit, token table. */
import { encodeCompactI32, type Json } from '@zkllm/verifier';
import { publicQuantParams, type QuantizedModel } from '../model/index.js';
import { commitModel, type CommittedModel } from './commit.js';
import { PROVERS } from './registry.js';
import { buildCircuitTemplate } from './template.js';
import { buildTokenTable, type TokenizerSource } from './tokens.js';

export interface ProvableParams {
  readonly quant: Json;
  readonly circuit: Json;
  readonly eosTokenId: number | null;
  /** Committed token decoding table (verifier's generation/tokens.ts), or null without one. */
  readonly tokens: Json;
}

export interface ProvableOptions {
  readonly eosTokenId?: number;
  /** The tokenizer whose decoding table is committed; without it the commitment has none. */
  readonly tokenizer?: TokenizerSource;
}

function options(o: number | ProvableOptions | undefined): ProvableOptions {
  return typeof o === 'number' ? { eosTokenId: o } : (o ?? {});
}

/** Arrays shorter than this stay inline `$i32` literals: a constant entry would not pay off. */
const COMPACT_MIN = 64;

/**
 * Stores every long integer array of the template once, compactly: lookup tables repeat
 * in every op that reads them (the rsqrt table in every norm). Each distinct array becomes
 * a `$const` entry (`$i32z`-encoded) at the front of the template and every use a `$c`
 * reference; `quant.tables` (the same tables, listed for readers) refer to those constants
 * too. Instantiation yields exactly the specs of the uncompacted template.
 */
export function compactTemplate(circuit: Json, quant: Json): { circuit: Json; quant: Json } {
  const pool = new Map<string, string>();
  const consts: Json[] = [];
  const ref = (values: readonly number[]): Json => {
    const key = values.join(',');
    let name = pool.get(key);
    if (name === undefined) {
      const spec = encodeCompactI32(values);
      if (spec === undefined) return { $i32: [...values] };
      name = `k${pool.size}`;
      pool.set(key, name);
      consts.push({ kind: '$const', name, spec });
    }
    return { $c: name };
  };
  const walk = (v: Json): Json => {
    if (Array.isArray(v)) return v.map(walk);
    if (v === null || typeof v !== 'object') return v;
    const lit = v['$i32'];
    if (Array.isArray(lit) && Object.keys(v).length === 1) return lit.length >= COMPACT_MIN ? ref(lit as number[]) : v;
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
  };
  if (!Array.isArray(circuit)) return { circuit, quant };
  const ops = circuit.map(walk);
  let q = quant;
  const tables = typeof quant === 'object' && quant !== null && !Array.isArray(quant) ? quant['tables'] : undefined;
  if (Array.isArray(tables)) {
    const compacted = tables.map((t) => {
      if (typeof t !== 'object' || t === null || Array.isArray(t) || !Array.isArray(t['values']) || t['values'].length < COMPACT_MIN) return t;
      return { ...t, values: ref(t['values'] as number[]) };
    });
    q = { ...(quant as Record<string, Json>), tables: compacted };
  }
  return { circuit: [...consts, ...ops], quant: q };
}

/** The public params hashed into the digest. A bare number is the EOS token id. */
export function provableParams(model: QuantizedModel, opts?: number | ProvableOptions): ProvableParams {
  const o = options(opts);
  const { circuit, quant } = compactTemplate(buildCircuitTemplate(model, PROVERS), publicQuantParams(model) as Json);
  return {
    quant,
    circuit,
    eosTokenId: o.eosTokenId ?? null,
    tokens: o.tokenizer !== undefined ? buildTokenTable(o.tokenizer, model.config.vocabSize).table : null,
  };
}

export function commitProvable(model: QuantizedModel, opts?: number | ProvableOptions): CommittedModel {
  return commitModel(model, provableParams(model, opts) as unknown as Json);
}
