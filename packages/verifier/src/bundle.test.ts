/**
 * The verifier is the trusted base and must run in browsers: it may import only its own
 * modules and @noble/*, and its bundle must evaluate without any Node.js globals.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runInNewContext } from 'node:vm';
import { build } from 'vite';
import { describe, expect, it } from 'vitest';

const srcDir = fileURLToPath(new URL('.', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'testing' ? [] : sourceFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [p] : [];
  });
}

describe('verifier package boundary', () => {
  it('imports only relative modules and @noble/* (the node-only CLI may also use node:*)', () => {
    const bad: string[] = [];
    const cliDir = join(srcDir, 'cli');
    for (const file of sourceFiles(srcDir)) {
      const text = readFileSync(file, 'utf8');
      const inCli = file.startsWith(cliDir + sep);
      for (const m of text.matchAll(/(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)) {
        const spec = m[1] ?? m[2]!;
        const ok = spec.startsWith('.') || spec.startsWith('@noble/') || (inCli && spec.startsWith('node:'));
        if (!ok) bad.push(`${file}: ${spec}`);
        // Nothing outside cli/ may reach into it: cli/ is where Node-only code lives.
        if (!inCli && spec.startsWith('.') && resolve(dirname(file), spec).startsWith(cliDir)) bad.push(`${file}: ${spec}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('bundles for the browser and runs without Node globals', async () => {
    const result = await build({
      configFile: false,
      logLevel: 'silent',
      resolve: { conditions: ['source', 'browser', 'import', 'default'] },
      build: {
        write: false,
        minify: false,
        target: 'es2022',
        lib: { entry: join(srcDir, 'index.ts'), formats: ['iife'], name: 'zkllmVerifier', fileName: 'verifier' },
      },
    });
    const outputs = Array.isArray(result) ? result : [result];
    const chunk = outputs.flatMap((o) => ('output' in o ? o.output : [])).find((c) => c.type === 'chunk');
    expect(chunk).toBeDefined();
    const code = (chunk as { code: string }).code;
    expect(code).not.toMatch(/require\(["']node:|from ["']node:/);
    // Only what every browser has: no process, Buffer, require.
    const ctx: Record<string, unknown> = { TextEncoder, TextDecoder, Uint8Array, console, crypto: globalThis.crypto };
    runInNewContext(code + ';globalThis.zkllmVerifier = zkllmVerifier;', ctx);
    const lib = ctx['zkllmVerifier'] as typeof import('./index.js');
    expect(lib.BabyBear.mul(3, 5)).toBe(15);
    const t = new lib.Transcript('bundle-test', lib.BabyBearExt4);
    t.absorbU32('x', 1);
    expect(t.challengeExt('c')).toHaveLength(4);
    // The HTTP layer too: sign the contract's headers and check them, inside the bundle.
    const key = lib.generateSigningKey();
    const h = lib.proofResponseHeaders({ status: 200, body: '{}', proofId: lib.newProofId(), modelDigest: '0'.repeat(64), secretKey: key.secretKey });
    const get = (n: string) => Object.entries(h).find(([k]) => k.toLowerCase() === n)?.[1];
    const check = (status: string) =>
      lib.verifyMessageSignature({ signatureInput: h['Signature-Input'], signature: h['Signature'], publicKey: key.publicKey, resolve: (n) => (n === '@status' ? status : get(n)), required: lib.RESPONSE_COMPONENTS }).valid;
    expect(check('200')).toBe(true);
    expect(check('500')).toBe(false);
    expect(lib.checkDigestHeader(h['Content-Digest'], '{}')).toBeUndefined();
  }, 60_000);
});
