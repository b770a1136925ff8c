/**
 * The verifier's column of the op table: trace op kind → the argument that checks it.
 * The prover's generation/registry.ts has the matching rows.
 */
import type { LayerContext } from '../layers/context.js';
import { verifyArgmax, type ArgmaxSpec } from '../layers/argmax.js';
import { verifyPv, verifyQk, type PvSpec, type QkSpec } from '../layers/attention.js';
import { verifyAdd, verifyCenter, verifyMul, verifyRowmul, verifySumsq, type AddSpec, type CenterSpec, type RowmulSpec, type SumsqSpec } from '../layers/elementwise.js';
import { verifyEmbed, verifyPosembed, type EmbedSpec } from '../layers/embed.js';
import { verifyLookupOp, type LookupOpSpec } from '../layers/lookup-op.js';
import { verifyMatmul, type MatmulSpec } from '../layers/matmul.js';
import { verifyRequant, type RequantLayerSpec } from '../layers/requant.js';
import { verifyRope, type RopeLayerSpec } from '../layers/rope.js';
import { verifyRows, type RowsSpec } from '../layers/rows.js';
import { verifySoftmax, type SoftmaxSpec } from '../layers/softmax.js';

export type VerifyRow = (ctx: LayerContext, spec: unknown) => void;

/** Specs come from the authenticated circuit template, so the casts are to their own type. */
export const VERIFIERS: Readonly<Record<string, VerifyRow>> = {
  embed: (c, s) => verifyEmbed(c, s as EmbedSpec),
  posembed: (c, s) => verifyPosembed(c, s as EmbedSpec),
  matmul: (c, s) => verifyMatmul(c, s as MatmulSpec),
  requant: (c, s) => verifyRequant(c, s as RequantLayerSpec),
  lookup: (c, s) => verifyLookupOp(c, s as LookupOpSpec),
  rope: (c, s) => verifyRope(c, s as RopeLayerSpec),
  add: (c, s) => verifyAdd(c, s as AddSpec),
  mul: (c, s) => verifyMul(c, s as AddSpec),
  center: (c, s) => verifyCenter(c, s as CenterSpec),
  sumsq: (c, s) => verifySumsq(c, s as SumsqSpec),
  rowmul: (c, s) => verifyRowmul(c, s as RowmulSpec),
  qk: (c, s) => verifyQk(c, s as QkSpec),
  softmax: (c, s) => verifySoftmax(c, s as SoftmaxSpec),
  pv: (c, s) => verifyPv(c, s as PvSpec),
  rows: (c, s) => verifyRows(c, s as RowsSpec),
  argmax: (c, s) => verifyArgmax(c, s as ArgmaxSpec),
};
