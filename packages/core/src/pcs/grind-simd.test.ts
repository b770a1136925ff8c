import { afterEach, describe, expect, it } from 'vitest';
import { BabyBearExt4, Transcript } from '@zkllm/verifier';
import { grindPow } from '../transcript/grind.js';
import { grindPowSimd } from './grind-simd.js';
import { simdKernels } from './wasm-asm.js';

afterEach(() => {
  simdKernels.enabled = true;
});

/** Two transcripts in the same state, after `label` absorbed. */
function pair(label: string): [Transcript, Transcript] {
  const make = () => {
    const t = new Transcript('grind-simd-test', BabyBearExt4);
    t.absorbBytes(label, new TextEncoder().encode(label));
    return t;
  };
  return [make(), make()];
}

describe('SIMD proof-of-work grinding', () => {
  it('finds the same smallest nonce as grindPow and leaves the transcript in the same state', () => {
    for (const bits of [1, 3, 8, 9, 12]) {
      for (let k = 0; k < 4; k++) {
        const [a, b] = pair(`b${bits}-${k}`);
        const n = grindPowSimd(a, bits);
        expect(n).toBe(grindPow(b, bits));
        expect(a.digest()).toEqual(b.digest());
        expect(a.challengeIndices('next', 1, 20)).toEqual(b.challengeIndices('next', 1, 20));
      }
    }
  });

  it('checks out against the verifier (checkPow) and takes the fallback without SIMD', () => {
    const [a, b] = pair('fallback');
    simdKernels.enabled = false;
    const n = grindPowSimd(a, 10);
    simdKernels.enabled = true;
    expect(b.checkPow(10, n)).toBe(true);
    expect(a.digest()).toEqual(b.digest());
    expect(grindPowSimd(pair('zero')[0], 0)).toBe(0);
  });
});
