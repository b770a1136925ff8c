// Module hooks for prove workers started from TypeScript sources (the monorepo's tests,
// which run without a build). Production runs the compiled dist/ and never loads this.
// Resolves workspace packages through their "source" export condition, maps the `.js`
// specifiers of TypeScript sources to their `.ts` files, and strips types with the
// TypeScript compiler (a dev dependency of the monorepo).
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

let ts;

export async function resolve(specifier, context, next) {
  const ctx = { ...context, conditions: [...new Set(['source', ...context.conditions])] };
  try {
    return await next(specifier, ctx);
  } catch (e) {
    if (specifier.endsWith('.js') && context.parentURL?.endsWith('.ts')) return next(`${specifier.slice(0, -3)}.ts`, ctx);
    throw e;
  }
}

export async function load(url, context, next) {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return next(url, context);
  ts ??= (await import('typescript')).default;
  const fileName = fileURLToPath(url);
  const out = ts.transpileModule(await readFile(fileName, 'utf8'), {
    fileName,
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true, sourceMap: false },
  });
  return { format: 'module', source: out.outputText, shortCircuit: true };
}
