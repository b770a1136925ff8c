/** The `zkllm` CLI as a user runs it (built sources): exit codes, one-line errors, files. */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('..', import.meta.url));
const cli = join(repo, 'packages/core/dist/cli/main.js');
const dir = mkdtempSync(join(tmpdir(), 'zkllm-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd: repo });

describe('zkllm CLI', () => {
  beforeAll(() => {
    // The CLI runs from dist: build once (incremental, fast when up to date).
    execFileSync(process.execPath, [join(repo, 'node_modules/typescript/bin/tsc'), '-b'], { cwd: repo, stdio: 'inherit' });
  }, 300_000);

  it('commit → prove → verify round trip, and verify fails on a tampered proof', () => {
    const c = run('commit', '--out', join(dir, 'model.commit.json'), '--json');
    expect(c.status, c.stderr).toBe(0);
    const digest = (JSON.parse(c.stdout) as { digest: string }).digest;
    const p = run('prove', '--prompt', 'Call me Ishmael.', '--max-tokens', '3', '--out', join(dir, 'p.bin'), '--commitment', join(dir, 'model.commit.json'), '--json');
    expect(p.status, p.stderr).toBe(0);
    const proved = JSON.parse(p.stdout) as { text: string; commitment: string };
    expect(proved.commitment).toBe(digest);
    const v = run('verify', '--proof', join(dir, 'p.bin'), '--commitment', join(dir, 'model.commit.json'), '--digest', digest, '--json');
    expect(v.status, v.stderr).toBe(0);
    const verified = JSON.parse(v.stdout) as { valid: boolean; text: string };
    expect(verified).toMatchObject({ valid: true, text: proved.text });
    const bytes = readFileSync(join(dir, 'p.bin'));
    bytes[bytes.length >> 1]! ^= 4;
    writeFileSync(join(dir, 'bad.bin'), bytes);
    const bad = run('verify', '--proof', join(dir, 'bad.bin'), '--commitment', join(dir, 'model.commit.json'));
    expect(bad.status).toBe(1);
    expect(bad.stdout).toMatch(/^INVALID: /);
  }, 300_000);

  it('bad flags and missing files exit non-zero with one line', () => {
    for (const args of [['verify'], ['verify', '--proof', 'x'], ['prove', '--out', 'x'], ['nope'], ['verify', '--proof', join(dir, 'missing'), '--commitment', join(dir, 'missing')], ['demo', '--max-tokens', 'abc']]) {
      const r = run(...args);
      expect(r.status, args.join(' ')).not.toBe(0);
      expect(r.stderr.trim().split('\n').filter((l) => l.startsWith('zkllm:')).length).toBeGreaterThanOrEqual(1);
    }
  });
});
