import { readFileSync } from 'node:fs';
import { parseFlags, UsageError } from '../args.js';
import type { Command } from './command.js';
import { defaultEvalText, evaluateAccuracy, quantizeLoaded } from '../../model/eval.js';
import { loadForCli, progress } from './model-flags.js';

const FLAGS = { model: 'string', tokenizer: 'string', text: 'string', json: 'boolean' } as const;

export const evalCommand: Command = {
  name: 'eval',
  summary: 'Accuracy of the quantized pass vs the float pass (teacher-forced agreement, logit error, perplexity).',
  usage: '[--model DIR|FILE.bin] [--tokenizer DIR] [--text FILE] [--json]',
  async run(argv) {
    const f = parseFlags(argv, FLAGS);
    const model = loadForCli(f.model, f.tokenizer);
    let text: string | undefined;
    if (f.text !== undefined) {
      try {
        text = readFileSync(f.text, 'utf8');
      } catch (e) {
        throw new UsageError(`cannot read --text ${f.text}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
      }
    } else text = defaultEvalText(model);
    if (text === undefined) throw new UsageError(`no eval.txt in ${model.dir}; pass --text FILE`);
    progress('quantizing (calibration)');
    const quantized = quantizeLoaded(model);
    progress('evaluating float and quantized passes');
    const r = evaluateAccuracy(model, text, { quantized });
    const out = {
      agreement: r.agreement,
      maxLogitError: r.maxLogitError,
      meanLogitError: r.meanLogitError,
      perplexityFloat: r.perplexityFloat,
      perplexityQuantized: r.perplexityQuantized,
      positions: r.positions,
      saturated: r.saturated,
    };
    if (f.json) process.stdout.write(JSON.stringify(out) + '\n');
    else {
      process.stdout.write(
        [
          `agreement            ${(100 * r.agreement).toFixed(2)}% of ${r.positions} positions`,
          `max logit error      ${r.maxLogitError.toFixed(4)}`,
          `mean logit error     ${r.meanLogitError.toFixed(4)}`,
          `perplexity float     ${r.perplexityFloat.toFixed(3)}`,
          `perplexity quantized ${r.perplexityQuantized.toFixed(3)}`,
          `saturated outputs    ${r.saturated}`,
        ].join('\n') + '\n',
      );
    }
    return 0;
  },
};
