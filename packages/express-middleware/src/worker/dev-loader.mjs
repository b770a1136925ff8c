// Module hooks for prove workers started from TypeScript sources (the monorepo's tests,
// which run without a build). Production runs the compiled dist/ and never loads this.
// Resolves workspace packages through their "source" export condition, maps the `.js`
// specifiers of TypeScript sources to their `.ts` files, and strips types with the
// TypeScript compiler (a dev dependency of the monorepo). Transpiled files are cached
// by content hash under node_modules/.cache, because every worker start would otherwise
// transpile the whole prover again.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

let ts;
const cacheDir = fileURLToPath(new URL('../../../../node_modules/.cache/zkllm-dev-loader/', import.meta.url));

export async function resolve(specifier, context, next) {
  const ctx = { ...context, conditions: [...new Set(['source', ...context.conditions])] };
  try {
    return await next(specifier, ctx);
  } catch (e) {
    if (specifier.endsWith('.js') && context.parentURL?.endsWith('.ts')) return next(`${specifier.slice(0, -3)}.ts`, ctx);
    throw e;
  }
}

async function transpile(fileName, source) {
  ts ??= (await import('typescript')).default;
  const key = createHash('sha256').update(`${ts.version}\0${fileName}\0${source}`).digest('hex');
  const cached = `${cacheDir}${key}.js`;
  try {
    return await readFile(cached, 'utf8');
  } catch {
    // not cached yet
  }
  const out = ts.transpileModule(source, {
    fileName,
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true, sourceMap: false },
  }).outputText;
  try {
    await mkdir(cacheDir, { recursive: true });
    const tmp = `${cached}.${process.pid}.${Math.random().toString(36).slice(2)}`;
    await writeFile(tmp, out);
    await rename(tmp, cached);
  } catch {
    // The cache is an optimisation only.
  }
  return out;
}

export async function load(url, context, next) {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return next(url, context);
  const fileName = fileURLToPath(url);
  return { format: 'module', source: await transpile(fileName, await readFile(fileName, 'utf8')), shortCircuit: true };
}
