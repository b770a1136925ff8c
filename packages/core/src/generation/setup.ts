/** Commitment of a model for proving: weights, public quantization parameters, circuit, token table. */
import type { Json } from '@zkllm/verifier';
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

/** The public params hashed into the digest. A bare number is the EOS token id. */
export function provableParams(model: QuantizedModel, opts?: number | ProvableOptions): ProvableParams {
  const o = options(opts);
  return {
    quant: publicQuantParams(model) as Json,
    circuit: buildCircuitTemplate(model, PROVERS),
    eosTokenId: o.eosTokenId ?? null,
    tokens: o.tokenizer !== undefined ? buildTokenTable(o.tokenizer, model.config.vocabSize).table : null,
  };
}

export function commitProvable(model: QuantizedModel, opts?: number | ProvableOptions): CommittedModel {
  return commitModel(model, provableParams(model, opts) as unknown as Json);
}
