/** Shared handling of `--model` / `--tokenizer` for the model commands (generate, eval, info). */
import { UsageError } from '../args.js';
import { bundledModelDir } from '../../model/bundled.js';
import { loadModel, type LoadedModel } from '../../model/load.js';

export function resolveModelDir(flag: string | undefined): string {
  if (flag !== undefined) return flag;
  const dir = bundledModelDir();
  if (dir === undefined) throw new UsageError('--model DIR is required (no bundled model found under models/)');
  return dir;
}

export function progress(msg: string): void {
  process.stderr.write(`zkllm: ${msg}\n`);
}

export function loadForCli(modelFlag: string | undefined, tokenizerFlag: string | undefined): LoadedModel {
  const dir = resolveModelDir(modelFlag);
  progress(`loading ${dir}`);
  return loadModel(dir, tokenizerFlag !== undefined ? { tokenizerDir: tokenizerFlag } : {});
}
