/**
 * `zkllm-verify` as a user runs it (built, in a child process) against the real
 * @zkllm/express server on loopback (tiny fixture model, sync proofs), and through a
 * proxy that rewrites the answer. The CLI runs asynchronously so the in-process server
 * can answer it.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { writeFixture } from '@zkllm/core';
import { zkllm, type ZkllmRouter } from '@zkllm/express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeKey, generateSigningKey } from '../http/keys.js';

const repo = fileURLToPath(new URL('../../../../', import.meta.url));
const cli = join(repo, 'packages/verifier/dist/cli/main.js');
const dir = mkdtempSync(join(tmpdir(), 'zkllm-verify-cli-'));
let zk: ZkllmRouter;
let server: Server;
let proxy: Server;
let base: string;
let proxyBase: string;
let info: { id: string; digest: string; public_key: string; commitment: object };
const commitFile = join(dir, 'model.commit.json');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}
function run(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { cwd: repo, encoding: 'utf8', timeout: 120_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

const listen = (s: Server) => new Promise<string>((r) => s.listen(0, '127.0.0.1', () => r(`http://127.0.0.1:${(s.address() as AddressInfo).port}`)));

beforeAll(async () => {
  // The CLI runs from dist: build the verifier alone (incremental).
  execFileSync(process.execPath, [join(repo, 'node_modules/typescript/bin/tsc'), '-b', 'packages/verifier'], { cwd: repo, stdio: 'inherit' });
  writeFixture('llama-l2c', join(dir, 'tiny'));
  zk = zkllm({ model: join(dir, 'tiny'), storeDir: join(dir, 'store'), proofMode: 'sync', maxTokens: 4 });
  const app = express();
  app.use(zk);
  server = createServer(app);
  base = await listen(server);
  info = (await (await fetch(`${base}/v1/zkllm/model`)).json()) as typeof info;
  writeFileSync(commitFile, JSON.stringify(info.commitment));
  // A man in the middle: forwards everything, but rewrites the assistant's answer.
  proxy = createServer((req, res) => {
    const up = request(`${base}${req.url}`, { method: req.method, headers: req.headers }, (ur) => {
      const parts: Buffer[] = [];
      ur.on('data', (c: Buffer) => parts.push(c));
      ur.on('end', () => {
        let body = Buffer.concat(parts);
        if (req.url === '/v1/chat/completions' && ur.statusCode === 200) {
          const json = JSON.parse(body.toString('utf8')) as { choices: Array<{ message: { content: string } }> };
          json.choices[0]!.message.content = 'rewritten by the proxy';
          body = Buffer.from(JSON.stringify(json));
        }
        const headers = { ...ur.headers, 'content-length': String(body.length) };
        delete headers['transfer-encoding'];
        res.writeHead(ur.statusCode ?? 502, headers);
        res.end(body);
      });
    });
    req.pipe(up);
  });
  proxyBase = await listen(proxy);
}, 300_000);

afterAll(async () => {
  await zk?.close();
  await new Promise((r) => server?.close(r));
  await new Promise((r) => proxy?.close(r));
  rmSync(dir, { recursive: true, force: true });
});

describe('zkllm-verify', { timeout: 120_000 }, () => {
  let proofId: string;
  let text: string;

  it('asks a server, verifies the signed response and proof, prints the verified text (--json)', async () => {
    const r = await run('--url', base, '--prompt', 'a ship', '--max-tokens', '2', '--commitment', commitFile, '--public-key', info.public_key, '--json');
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { valid: boolean; text: string; proofId: string; model: string; prompt: string; outputTokens: number[] };
    expect(out).toMatchObject({ valid: true, model: info.digest });
    expect(out.prompt).toContain('a ship');
    expect(out.outputTokens.length).toBeGreaterThan(0);
    expect(r.stderr).toBe('');
    proofId = out.proofId;
    text = out.text;
  });

  it('pins by --digest alone (the key is taken from the server, with a note) and verifies a stream', async () => {
    const r = await run('--url', base + '/', '--prompt', 'a ship', '--max-tokens', '2', '--digest', info.digest.toUpperCase(), '--stream');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`VALID (model ${info.digest}, proof ${/proof ([A-Za-z0-9_-]{22})/.exec(r.stdout)![1]}, ${/, (\d+) ms\)/.exec(r.stdout)![1]} ms)\n${text}\n`);
    expect(r.stderr).toMatch(/^zkllm-verify: note: server key \S+ is not pinned/);
  });

  it('verifies a proof file, and rejects a flipped one', async () => {
    const res = await fetch(`${base}/v1/zkllm/proofs/${proofId}`);
    expect(res.status).toBe(200);
    const proof = new Uint8Array(await res.arrayBuffer());
    writeFileSync(join(dir, 'p.bin'), proof);
    const ok = await run('--proof', join(dir, 'p.bin'), '--commitment', commitFile, '--digest', info.digest, '--json');
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ valid: true, text });
    writeFileSync(join(dir, 'p.b64'), Buffer.from(proof).toString('base64url') + '\n');
    expect((await run('--proof', join(dir, 'p.b64'), '--commitment', commitFile)).code).toBe(0);
    proof[proof.length >> 1]! ^= 8;
    writeFileSync(join(dir, 'bad.bin'), proof);
    const bad = await run('--proof', join(dir, 'bad.bin'), '--commitment', commitFile);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/^INVALID: .+\n$/);
  });

  it('exits 1 with INVALID for a wrong pinned digest, a wrong pinned key and a rewritten answer', async () => {
    const wrongDigest = await run('--url', base, '--digest', 'ab'.repeat(32));
    expect(wrongDigest.code).toBe(1);
    expect(wrongDigest.stdout).toMatch(/^INVALID: the server's commitment does not match --digest/);
    const wrongKey = await run('--url', base, '--commitment', commitFile, '--public-key', encodeKey(generateSigningKey().publicKey), '--json');
    expect(wrongKey.code).toBe(1);
    expect(JSON.parse(wrongKey.stdout)).toMatchObject({ valid: false, reason: expect.stringMatching(/not the pinned key/) });
    const mitm = await run('--url', proxyBase, '--prompt', 'a ship', '--max-tokens', '2', '--commitment', commitFile, '--public-key', info.public_key);
    expect(mitm.code).toBe(1);
    expect(mitm.stdout).toBe('INVALID: Content-Digest does not match the bytes\n');
  });

  it('usage errors exit 2 and operational errors exit 1, each with one line', async () => {
    const usage = [
      [],
      ['--url', base],
      ['--url', 'ftp://x', '--digest', info.digest],
      ['--url', base, '--digest', 'abc'],
      ['--url', base, '--digest', info.digest, '--max-tokens', 'many'],
      ['--url', base, '--digest', info.digest, '--public-key', 'AAAA'],
      ['--proof', 'x'],
      ['--proof', 'x', '--commitment', 'y', '--url', base],
      ['--proof', 'x', '--commitment', 'y', '--prompt', 'hi'],
      ['--frobnicate'],
      ['--json', '--json'],
      ['--url'],
    ];
    for (const args of usage) {
      const r = await run(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(/^zkllm-verify: usage error: [^\n]+\n$/);
    }
    const missing = await run('--proof', join(dir, 'missing.bin'), '--commitment', commitFile);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^zkllm-verify: error: cannot read proof .*ENOENT\n$/);
    writeFileSync(join(dir, 'junk.json'), '{"format":"zkllm-model-commitment"');
    const junk = await run('--proof', join(dir, 'p.bin'), '--commitment', join(dir, 'junk.json'));
    expect(junk.code).toBe(1);
    expect(junk.stderr).toMatch(/^zkllm-verify: error: commitment .* is not JSON\n$/);
    // A port nothing listens on: the proxy's port after closing a throwaway server.
    const s = createServer();
    const dead = await listen(s);
    await new Promise((r) => s.close(r));
    const down = await run('--url', dead, '--digest', info.digest);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/^zkllm-verify: error: cannot reach [^\n]+\n$/);
    expect((await run('--help')).code).toBe(0);
    expect(readFileSync(cli, 'utf8').startsWith('#!/usr/bin/env node')).toBe(true);
  });
});
