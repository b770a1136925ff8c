import { defineConfig } from 'vitest/config';

// Tests import sibling packages through their "source" export condition, so a fresh
// clone runs the TypeScript sources directly without a build step.
const conditions = ['source', 'module', 'node', 'import', 'default'];
const resolve = { conditions };
// Vitest runs test files through Vite's SSR module graph, which resolves packages with
// its own conditions: without these, workspace packages would load from a stale dist/.
const ssr = { resolve: { conditions, externalConditions: conditions } };

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
