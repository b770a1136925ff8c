import { defineConfig } from 'vitest/config';

// Tests import sibling packages through their "source" export condition, so a fresh
// clone runs the TypeScript sources directly without a build step.
const resolve = { conditions: ['source', 'module', 'node', 'import', 'default'] };

export default defineConfig({
  test: {
    projects: [
      {
        resolve,
        test: { name: 'verifier', include: ['packages/verifier/src/**/*.test.ts'] },
      },
      {
        resolve,
        test: { name: 'core', include: ['packages/core/src/**/*.test.ts'], testTimeout: 120_000 },
      },
      {
        resolve,
        test: { name: 'express', include: ['packages/express-middleware/src/**/*.test.ts'] },
      },
      {
        resolve,
        test: { name: 'langchain', include: ['packages/langchain-adapter/src/**/*.test.ts'] },
      },
      {
        resolve,
        test: { name: 'e2e', include: ['test/**/*.test.ts', 'examples/**/*.test.ts'], testTimeout: 300_000 },
      },
    ],
  },
});
