import { defineConfig } from 'vitest/config';

// Tests import sibling packages through their "source" export condition, so a fresh
// clone runs the TypeScript sources directly without a build step.
const conditions = ['source', 'module', 'node', 'import', 'default'];
const resolve = { conditions };
// Vitest runs test files through Vite's SSR module graph, which resolves packages with
// its own conditions: without `source` there, workspace packages would load from a stale
// dist/. Vitest also starts its Node workers with one `--conditions` flag per SSR
// condition, and Node applies those to require() as well, so only conditions that are
// safe for CommonJS are listed: `import`/`module` would make express's router require()
// the ESM build of a dual package (is-promise) and break it. Vite adds import/require
// by itself.
const ssr = { resolve: { conditions: ['source', 'node'], externalConditions: ['source'] } };

export default defineConfig({
  test: {
    projects: [
      {
        resolve,
        ssr,
        test: { name: 'verifier', include: ['packages/verifier/src/**/*.test.ts'] },
      },
      {
        resolve,
        ssr,
        test: { name: 'core', include: ['packages/core/src/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 300_000 },
      },
      {
        resolve,
        ssr,
        test: { name: 'express', include: ['packages/express-middleware/src/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 300_000 },
      },
      {
        resolve,
        ssr,
        test: { name: 'langchain', include: ['packages/langchain-adapter/src/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 300_000 },
      },
      {
        resolve,
        ssr,
        test: { name: 'e2e', include: ['test/**/*.test.ts', 'examples/**/*.test.ts'], testTimeout: 300_000, hookTimeout: 300_000 },
      },
    ],
  },
});
