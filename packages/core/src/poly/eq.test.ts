import { BabyBearExt4 as E, eqTable } from '@zkllm/verifier';
import { describe, expect, it } from 'vitest';
import { eqTableFast } from './eq.js';

describe('eqTableFast', () => {
  it('equals the verifier eq table for every size up to 2^11, including zero and one coordinates', () => {
    let s = 12345;
    const rnd = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) % E.base.p;
    for (let n = 0; n <= 11; n++) {
      const z = new Uint32Array(4 * n);
      for (let i = 0; i < z.length; i++) z[i] = rnd();
      if (n > 2) z.set([0, 0, 0, 0], 4);
      if (n > 3) z.set([1, 0, 0, 0], 8);
      expect(eqTableFast(E, z)).toEqual(eqTable(E, z));
    }
  });
});
