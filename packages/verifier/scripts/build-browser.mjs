#!/usr/bin/env node
/**
 * ESM browser build of @zkllm/verifier: one self-contained module (the package and
 * @noble/* bundled in) at dist/browser/zkllm-verifier.js, for a <script type="module">
 * or an import map. Built from the TypeScript sources with Vite's library mode.
 *
 *   node packages/verifier/scripts/build-browser.mjs        (or: npm run build:browser -w @zkllm/verifier)
 *
 * Also imported by tests and the browser example, which build in memory.
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';

const pkgDir = fileURLToPath(new URL('..', import.meta.url));
export const BROWSER_FILE = 'zkllm-verifier.js';
export const defaultOutDir = join(pkgDir, 'dist/browser');

/**
 * Builds the bundle. With `write: false` nothing touches the disk and the code is
 * returned; otherwise it is written to `outDir` and the path is returned too.
 * @param {{ outDir?: string, write?: boolean, minify?: boolean }} [opts]
 * @returns {Promise<{ code: string, path?: string }>}
 */
export async function buildBrowserBundle({ outDir = defaultOutDir, write = true, minify = true } = {}) {
  const { build } = await import('vite');
  const result = await build({
    configFile: false,
    logLevel: 'silent',
    // `browser` before `default` so no Node entry point of a dependency can slip in.
    resolve: { conditions: ['source', 'browser', 'import', 'default'] },
    build: {
      write,
      outDir,
      emptyOutDir: write,
      minify,
      target: 'es2022',
      lib: { entry: join(pkgDir, 'src/index.ts'), formats: ['es'], fileName: () => BROWSER_FILE },
    },
  });
  const outputs = Array.isArray(result) ? result : [result];
  const chunk = outputs.flatMap((o) => ('output' in o ? o.output : [])).find((c) => c.type === 'chunk');
  if (chunk === undefined) throw new Error('vite produced no chunk');
  return { code: chunk.code, ...(write ? { path: join(outDir, BROWSER_FILE) } : {}) };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { code, path } = await buildBrowserBundle();
  console.log(`${path} (${(code.length / 1024).toFixed(1)} KiB)`);
}
