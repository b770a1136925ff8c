/**
 * End to end through the public packages: the bundled model and a LLaMA fixture with GQA
 * and odd sizes are committed, generate with proofs, and verify with @zkllm/verifier from
 * the commitment JSON alone.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ZkModel, writeFixture } from '@zkllm/core';
import { verifyProof, toBase64Url } from '@zkllm/verifier';
import { afterAll, describe, expect, it } from 'vitest';

const root = mkdtempSync(join(tmpdir(), 'zkllm-e2e-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('bundled model', () => {
  const model = ZkModel.load();
  const commitment = JSON.parse(JSON.stringify(model.commit())) as { digest: string };
  const g = model.generate('Call me Ishmael.', { maxTokens: 4, proof: true });

  it('proves a generation that verifies against the commitment JSON', () => {
    expect(g.text.length).toBeGreaterThan(0);
    const r = verifyProof(g.proof!, commitment, { expectedDigest: commitment.digest });
    expect(r.reason).toBeUndefined();
    expect(r.valid).toBe(true);
    expect(r.statement!.outputTokens).toEqual(g.tokens);
    expect(model.decode(r.statement!.outputTokens)).toBe(g.text);
    // base64url transport gives the same answer.
    expect(verifyProof(toBase64Url(g.proof!), commitment).valid).toBe(true);
  });

  it('rejects a wrong pinned digest and a tampered commitment file', () => {
    expect(verifyProof(g.proof!, commitment, { expectedDigest: '00'.repeat(32) }).reason).toMatch(/pinned digest/);
    const bad = JSON.parse(JSON.stringify(commitment));
    bad.params.eosTokenId = 7;
    expect(verifyProof(g.proof!, bad).reason).toMatch(/paramsHash/);
  });
});

describe('LLaMA fixture with GQA and odd sizes', () => {
  it('proves and verifies two prompts; each proof states its own prompt', () => {
    const dir = join(root, 'llama');
    writeFixture('llama-gqa-odd', dir);
    const model = ZkModel.load(dir);
    const commitment = JSON.parse(JSON.stringify(model.commit()));
    const a = model.generate('the sea', { maxTokens: 3, proof: true });
    const ra = verifyProof(a.proof!, commitment);
    expect(ra.valid).toBe(true);
    expect(ra.statement!.promptTokens).toEqual(model.encode('the sea'));
    const b = model.generate('a ship', { maxTokens: 3, proof: true });
    const rb = verifyProof(b.proof!, commitment);
    expect(rb.valid).toBe(true);
    expect(rb.statement!.promptTokens).toEqual(model.encode('a ship'));
  });
});
