import { parseFlags } from '../args.js';
import type { Command } from './command.js';
import { parameterCount } from '../../model/config.js';
import { quantizeLoaded } from '../../model/eval.js';
import { BABYBEAR_P, FIELD_HALF } from '../../model/quant/field.js';
import { loadForCli, progress } from './model-flags.js';

const FLAGS = { model: 'string', tokenizer: 'string', json: 'boolean' } as const;

export const info: Command = {
  name: 'info',
  summary: 'Architecture, parameter count and quantization parameters of a model.',
  usage: '[--model DIR|FILE.bin] [--tokenizer DIR] [--json]',
  async run(argv) {
    const f = parseFlags(argv, FLAGS);
    const model = loadForCli(f.model, f.tokenizer);
    progress('quantizing (calibration)');
    const q = quantizeLoaded(model);
    const c = model.config;
    let tableEntries = 0;
    for (const t of q.tables.values()) tableEntries += t.values.length;
    const out = {
      dir: model.dir,
      format: model.format,
      architecture: c.architecture,
      family: c.family,
      parameters: parameterCount(c),
      config: {
        vocabSize: c.vocabSize,
        hiddenSize: c.hiddenSize,
        intermediateSize: c.intermediateSize,
        numLayers: c.numLayers,
        numHeads: c.numHeads,
        numKvHeads: c.numKvHeads,
        headDim: c.headDim,
        maxPositions: c.maxPositions,
        tiedEmbeddings: c.tiedEmbeddings,
        bosTokenId: c.bosTokenId ?? null,
        eosTokenId: c.eosTokenId ?? null,
      },
      quantization: {
        field: { name: 'BabyBear', p: BABYBEAR_P, maxAbs: FIELD_HALF },
        weights: 'int8 per output channel (norm gains folded in)',
        bounds: q.bounds,
        actBits: Math.log2(q.bounds.act + 1) + 1,
        logitScale: q.logitScale,
        calibrationTokens: q.calibrationTokens,
        tables: q.tables.size,
        tableEntries,
      },
    };
    if (f.json) process.stdout.write(JSON.stringify(out) + '\n');
    else {
      process.stdout.write(
        [
          `model        ${out.dir} (${out.format})`,
          `architecture ${out.architecture}`,
          `parameters   ${out.parameters}`,
          `shape        vocab ${c.vocabSize}, hidden ${c.hiddenSize}, ffn ${c.intermediateSize}, layers ${c.numLayers}, heads ${c.numHeads}/${c.numKvHeads} kv × ${c.headDim}, context ${c.maxPositions}`,
          `quantization int8 weights per channel; activations ±${q.bounds.act}, residual ±${q.bounds.resid}, logits ±${q.bounds.logit}; ${q.tables.size} lookup tables (${tableEntries} entries); field BabyBear, |x| ≤ ${FIELD_HALF}`,
          `calibration  ${q.calibrationTokens} tokens`,
        ].join('\n') + '\n',
      );
    }
    return 0;
  },
};
