/**
 * One row per trace op: how the prover turns a trace op into the verifier's spec, which
 * auxiliary witnesses it commits, and which argument proves it. The verifier's
 * generation/registry.ts has the matching `verify` column. Adding an op or an
 * architecture is adding rows here, not editing the driver.
 */
import type { ArgmaxSpec } from '@zkllm/verifier';
import type { QuantizedModel, QuantTraceOp } from '../model/index.js';
import type { IntTensorData } from '../layers/bundle.js';
import type { ProverContext } from '../layers/context.js';
import {
  proveAdd,
  proveArgmax,
  proveCenter,
  proveEmbed,
  proveLookupOp,
  proveMatmul,
  proveMul,
  provePv,
  proveQk,
  proveRequant,
  proveRope,
  proveRowmul,
  proveRows,
  proveSoftmax,
  proveSumsq,
  specAdd,
  specArgmax,
  specCenter,
  specEmbed,
  specLookupOp,
  specMatmul,
  specMul,
  specPv,
  specQk,
  specRequant,
  specRope,
  specRowmul,
  specRows,
  specSoftmax,
  specSumsq,
  witnessArgmax,
  witnessLookupOp,
  witnessRequant,
  witnessRope,
  witnessSoftmax,
} from '../layers/index.js';

/** What every row may need besides the op itself. */
export interface ProverEnv {
  readonly model: QuantizedModel;
  /** Rows (of the argmax op's input) whose argmax is a public output token, and those tokens. */
  readonly argmaxRows: Int32Array;
  readonly argmaxTokens: Int32Array;
}

export interface ProverRow<S = unknown> {
  spec(op: QuantTraceOp, env: ProverEnv): S;
  witness(op: QuantTraceOp, env: ProverEnv): Map<string, IntTensorData>;
  prove(ctx: ProverContext, spec: S): void;
}

export type ProverRegistry = Readonly<Record<string, ProverRow>>;

export type { ArgmaxSpec };

type Op<K extends string> = Extract<QuantTraceOp, { op: K }>;
const none = (): Map<string, IntTensorData> => new Map();
const asData = (m: ReadonlyMap<string, { shape: readonly number[]; data: ArrayLike<number> }>): Map<string, IntTensorData> =>
  new Map([...m].map(([k, v]) => [k, { shape: v.shape, data: v.data }]));

function row<K extends string, S>(r: {
  spec: (op: Op<K>, env: ProverEnv) => S;
  witness?: (op: Op<K>, env: ProverEnv) => Map<string, IntTensorData>;
  prove: (ctx: ProverContext, spec: S) => void;
}): ProverRow {
  return {
    spec: (op, env) => r.spec(op as Op<K>, env),
    witness: (op, env) => (r.witness ? r.witness(op as Op<K>, env) : none()),
    prove: (ctx, spec) => r.prove(ctx, spec as S),
  };
}

const argmaxOpts = (env: ProverEnv) => ({ bound: env.model.bounds.logit, rows: env.argmaxRows, tokens: env.argmaxTokens });

/** The prover's op table (see the verifier's generation/registry.ts for the other column). */
export const PROVERS: ProverRegistry = {
  embed: row<'embed', ReturnType<typeof specEmbed>>({ spec: (op, env) => specEmbed(op, env.model.config.vocabSize), prove: proveEmbed }),
  posembed: row<'posembed', ReturnType<typeof specEmbed>>({ spec: (op, env) => specEmbed(op, env.model.config.maxPositions), prove: proveEmbed }),
  matmul: row<'matmul', ReturnType<typeof specMatmul>>({ spec: (op) => specMatmul(op), prove: proveMatmul }),
  requant: row<'requant', ReturnType<typeof specRequant>>({
    spec: (op) => specRequant(op),
    witness: (op) => asData(witnessRequant(op)),
    prove: (ctx, s) => proveRequant(ctx, s),
  }),
  lookup: row<'lookup', ReturnType<typeof specLookupOp>>({
    spec: (op, env) => specLookupOp(op, env.model.tables),
    witness: (op, env) => asData(witnessLookupOp(op, env.model.tables)),
    prove: proveLookupOp,
  }),
  rope: row<'rope', ReturnType<typeof specRope>>({
    spec: (op) => specRope(op),
    witness: (op) => asData(witnessRope(op)),
    prove: (ctx, s) => proveRope(ctx, s),
  }),
  add: row<'add', ReturnType<typeof specAdd>>({ spec: (op) => specAdd(op), prove: proveAdd }),
  mul: row<'mul', ReturnType<typeof specMul>>({ spec: (op) => specMul(op), prove: proveMul }),
  center: row<'center', ReturnType<typeof specCenter>>({ spec: (op) => specCenter(op), prove: proveCenter }),
  sumsq: row<'sumsq', ReturnType<typeof specSumsq>>({ spec: (op) => specSumsq(op), prove: proveSumsq }),
  rowmul: row<'rowmul', ReturnType<typeof specRowmul>>({ spec: (op) => specRowmul(op), prove: proveRowmul }),
  qk: row<'qk', ReturnType<typeof specQk>>({ spec: (op) => specQk(op), prove: proveQk }),
  softmax: row<'softmax', ReturnType<typeof specSoftmax>>({
    spec: (op, env) => specSoftmax(op, env.model.tables),
    witness: (op, env) => witnessSoftmax(op, env.model.tables),
    prove: proveSoftmax,
  }),
  pv: row<'pv', ReturnType<typeof specPv>>({ spec: (op) => specPv(op), prove: provePv }),
  rows: row<'rows', ReturnType<typeof specRows>>({ spec: (op) => specRows(op), prove: proveRows }),
  argmax: row<'argmax', ReturnType<typeof specArgmax>>({
    spec: (op, env) => specArgmax(op, argmaxOpts(env)),
    witness: (op, env) => witnessArgmax(op, argmaxOpts(env)),
    prove: proveArgmax,
  }),
};
