/** Commitment of a model for proving: weights, public quantization parameters, circuit. */
import type { Json } from '@zkllm/verifier';
import { publicQuantParams, type QuantizedModel } from '../model/index.js';
import { commitModel, type CommittedModel } from './commit.js';
import { PROVERS } from './registry.js';
import { buildCircuitTemplate } from './template.js';

export interface ProvableParams {
  readonly quant: Json;
  readonly circuit: Json;
  readonly eosTokenId: number | null;
}

export function provableParams(model: QuantizedModel, eosTokenId?: number): ProvableParams {
  return {
    quant: publicQuantParams(model) as Json,
    circuit: buildCircuitTemplate(model, PROVERS),
    eosTokenId: eosTokenId ?? null,
  };
}

export function commitProvable(model: QuantizedModel, eosTokenId?: number): CommittedModel {
  return commitModel(model, provableParams(model, eosTokenId) as unknown as Json);
}
