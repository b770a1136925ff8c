#!/usr/bin/env node
// Writes the deterministic tiny test models (HF directories; plus a llama2.c .bin of the
// llama2.c-compatible one) into a directory. Tests generate the same models in a temp dir
// at run time, so nothing here needs to be checked in.
//
//   npm run build && node scripts/make-fixtures.mjs [OUT_DIR]   (default: .cache/fixtures)
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, writeFixture } from '../packages/core/dist/model/fixtures.js';
import { writeLlama2c } from '../packages/core/dist/model/llama2c.js';

const out = process.argv[2] ?? '.cache/fixtures';
for (const name of Object.keys(FIXTURES)) {
  const dir = join(out, name);
  const { config, weights } = writeFixture(name, dir);
  if (config.family === 'llama' && config.numHeads * config.headDim === config.hiddenSize) {
    writeFileSync(join(dir, 'model.bin'), writeLlama2c(config, weights));
  }
  process.stderr.write(`wrote ${dir}\n`);
}
