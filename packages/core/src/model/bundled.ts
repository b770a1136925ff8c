/**
 * Locates the bundled model shipped under `models/` at the repository root (trained by
 * `scripts/train/train.mjs`). Resolved relative to this file so it works from both
 * `src/` (tests) and `dist/` (the built CLI).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Preferred bundled model directory name. */
export const BUNDLED_MODEL_NAME = 'tiny-moby';

export function modelsRoot(): string {
  // <root>/packages/core/{src,dist}/model/bundled.{ts,js} → <root>/models
  return fileURLToPath(new URL('../../../../models/', import.meta.url));
}

/** The bundled model directory, or undefined when none has been trained/checked in. */
export function bundledModelDir(): string | undefined {
  const env = process.env['ZKLLM_MODEL'];
  if (env) return env;
  const root = modelsRoot();
  const preferred = join(root, BUNDLED_MODEL_NAME);
  if (existsSync(join(preferred, 'config.json'))) return preferred;
  if (!existsSync(root)) return undefined;
  const dirs = readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(root, e.name, 'config.json')))
    .map((e) => e.name)
    .sort();
  return dirs.length > 0 ? join(root, dirs[0]!) : undefined;
}
