import { describe, it, expect, beforeAll, vi } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFixture } from '../../model/fixtures.js';
import { UsageError } from '../args.js';
import { generate } from './generate.js';
import { evalCommand } from './eval.js';
import { info } from './info.js';

let root: string;
let llama: string;
let gpt2: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'zkllm-cli-'));
  llama = join(root, 'llama');
  gpt2 = join(root, 'gpt2');
  writeFixture('llama-gqa-odd', llama);
  writeFixture('gpt2-structured', gpt2);
  return () => rmSync(root, { recursive: true, force: true });
});

async function capture(fn: () => Promise<number>): Promise<{ code: number; stdout: string }> {
  let stdout = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    const code = await fn();
    return { code, stdout };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

describe('zkllm generate / eval / info', () => {
  it('generate --json prints only the JSON, quantized and float', async () => {
    for (const extra of [[], ['--float']]) {
      const r = await capture(() => generate.run(['--model', llama, '--prompt', 'Once upon', '--max-tokens', '4', '--json', ...extra]));
      expect(r.code).toBe(0);
      const j = JSON.parse(r.stdout) as { text: string; promptTokens: number[]; tokens: number[] };
      expect(j.promptTokens[0]).toBe(1); // LLaMA fixture's BOS rule
      expect(j.tokens.length).toBeLessThanOrEqual(4);
      expect(typeof j.text).toBe('string');
    }
    const g = await capture(() => generate.run(['--model', gpt2, '--prompt', 'Once upon', '--max-tokens', '3', '--json']));
    expect((JSON.parse(g.stdout) as { promptTokens: number[] }).promptTokens[0]).not.toBe(1); // GPT-2: no BOS
  });

  it('eval --json reports agreement and errors', async () => {
    const r = await capture(() => evalCommand.run(['--model', gpt2, '--json']));
    const j = JSON.parse(r.stdout) as Record<string, number>;
    for (const k of ['agreement', 'maxLogitError', 'meanLogitError', 'perplexityFloat', 'perplexityQuantized']) expect(typeof j[k]).toBe('number');
    expect(j['agreement']).toBeGreaterThanOrEqual(0.95);
  });

  it('info --json describes architecture and quantization', async () => {
    const r = await capture(() => info.run(['--model', gpt2, '--json']));
    const j = JSON.parse(r.stdout) as { architecture: string; parameters: number; quantization: { bounds: { act: number } } };
    expect(j.architecture).toBe('GPT2LMHeadModel');
    expect(j.parameters).toBeGreaterThan(0);
    expect(j.quantization.bounds.act).toBe(2047);
  });

  it('flag errors are usage errors with a one-line message', async () => {
    const cases: [typeof generate, string[]][] = [
      [generate, ['--model', llama]],
      [generate, ['--model', llama, '--prompt', 'x', '--max-tokens', '-3']],
      [generate, ['--model', llama, '--prompt', 'x', '--max-tokens', 'lots']],
      [generate, ['--model', llama, '--prompt']],
      [generate, ['--bogus']],
      [evalCommand, ['--model', llama, '--text', join(root, 'missing.txt')]],
      [info, ['--model', llama, '--json=yes']],
    ];
    for (const [cmd, argv] of cases) {
      const p = capture(() => cmd.run(argv));
      await expect(p).rejects.toBeInstanceOf(UsageError);
      const e = await p.catch((x: unknown) => x as Error);
      expect(e.message).not.toContain('\n');
    }
    await expect(capture(() => generate.run(['--model', join(root, 'nope'), '--prompt', 'x']))).rejects.toThrow(/does not exist/);
  });
});
