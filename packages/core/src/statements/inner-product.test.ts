import { BabyBear as F, PROTOCOL_VERSION, verifyInnerProductProof } from '@zkllm/verifier';
import { describe, expect, it } from 'vitest';
import { proveInnerProduct } from './index.js';

function vectors(logSize: number, seed: number) {
  let s = seed;
  const next = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) % F.p;
  const n = 1 << logSize;
  return [Uint32Array.from({ length: n }, next), Uint32Array.from({ length: n }, next)] as const;
}

describe('inner-product statement (sumcheck + batched PCS opening)', () => {
  const [a, b] = vectors(6, 1);
  const { bytes, statement } = proveInnerProduct(a, b);

  it('verifies and reports the statement', () => {
    const r = verifyInnerProductProof(bytes, statement.commitment.root);
    expect(r).toMatchObject({ valid: true });
    expect(r.statement?.value).toBe(F.innerProduct(a, b));
    expect(r.statement?.numVars).toBe(6);
  });

  it('works for the smallest sizes', () => {
    for (const logSize of [0, 1, 2]) {
      const [x, y] = vectors(logSize, 7 + logSize);
      const p = proveInnerProduct(x, y);
      expect(verifyInnerProductProof(p.bytes, p.statement.commitment.root).valid).toBe(true);
    }
  });

  it('rejects a wrong claimed value', () => {
    const t = bytes.slice();
    t[40]! ^= 1; // low byte of c (header 7 + numVars 1 + root 32)
    const r = verifyInnerProductProof(t, statement.commitment.root);
    expect(r.valid).toBe(false);
    expect(r.reason).toMatch(/sumcheck|claimed|round/i);
  });

  it('rejects a proof about another commitment', () => {
    const [x, y] = vectors(6, 99);
    const other = proveInnerProduct(x, y);
    expect(verifyInnerProductProof(other.bytes, statement.commitment.root)).toMatchObject({
      valid: false,
      reason: 'proof is about a different commitment',
    });
    // A forged root inside the proof breaks the opening.
    const t = bytes.slice();
    t[8]! ^= 0x80;
    expect(verifyInnerProductProof(t).valid).toBe(false);
  });

  it('rejects wrong magic, version and kind', () => {
    const bad = (i: number, v: number) => {
      const t = bytes.slice();
      t[i] = v;
      return verifyInnerProductProof(t);
    };
    expect(bad(0, 0).reason).toMatch(/magic/);
    expect(bad(4, PROTOCOL_VERSION + 1).reason).toMatch(/unsupported protocol version/);
    expect(bad(6, 2).reason).toMatch(/kind/);
  });

  it('rejects flipped bytes in every region, truncation and extension', () => {
    // Sample positions across the whole proof so every section (statement, sumcheck
    // rounds, final values, PCS layers, Merkle paths, final polynomial) is hit.
    const step = Math.max(1, Math.floor(bytes.length / 400));
    for (let i = 0; i < bytes.length; i += step) {
      const t = bytes.slice();
      t[i]! ^= 1 << (i % 8);
      expect(verifyInnerProductProof(t, statement.commitment.root).valid, `flip at byte ${i}`).toBe(false);
    }
    for (const cut of [1, 4, 17, bytes.length - 1]) {
      expect(verifyInnerProductProof(bytes.subarray(0, bytes.length - cut)).valid).toBe(false);
    }
    const ext = new Uint8Array(bytes.length + 1);
    ext.set(bytes);
    expect(verifyInnerProductProof(ext).reason).toMatch(/trailing/);
    expect(verifyInnerProductProof(new Uint8Array(0)).valid).toBe(false);
  });
});
