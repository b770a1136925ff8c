import { describe, expect, it } from 'vitest';
import { BabyBearExt4, Transcript, TranscriptError } from '@zkllm/verifier';
import { nodeSha256 } from './sha256.js';

/** A run over every kind of move a transcript makes (absorbs of all sizes, challenges, PoW). */
function script(t: Transcript): unknown[] {
  const out: unknown[] = [];
  t.absorbBytes('empty', new Uint8Array(0));
  t.absorbBytes('long', Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) & 255));
  t.absorbU32('n', 0xfedcba98);
  t.absorbFields('fields', Uint32Array.from({ length: 37 }, (_, i) => i * 1_000_003));
  t.absorbExt('ext', new Uint32Array(4 * 9).fill(5).subarray(4));
  out.push([...t.challengeExts('c', 3)]);
  out.push(t.challengeIndices('q', 20, 17));
  out.push([...t.challengeBytes('b', 70)]);
  out.push(t.grind(6));
  out.push([...t.digest()]);
  return out;
}

describe('nodeSha256 transcript', () => {
  it('is the same transcript as the default (@noble/hashes) one', () => {
    const a = script(new Transcript('zkllm/test', BabyBearExt4));
    const b = script(new Transcript('zkllm/test', BabyBearExt4, { sha256: nodeSha256 }));
    expect(b).toEqual(a);
  });

  it('digests are copies (a later absorb does not change an earlier digest)', () => {
    const t = new Transcript('zkllm/test', BabyBearExt4, { sha256: nodeSha256 });
    const d = t.digest();
    const copy = [...d];
    t.absorbU32('x', 1);
    expect([...d]).toEqual(copy);
    expect([...t.digest()]).not.toEqual(copy);
  });

  it('refuses a hash function that does not return 32 bytes', () => {
    expect(() => new Transcript('zkllm/test', BabyBearExt4, { sha256: (d) => nodeSha256(d).subarray(0, 31) })).toThrow(TranscriptError);
  });
});
