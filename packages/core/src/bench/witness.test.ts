import { describe, expect, it } from 'vitest';
import type { ProveStats } from '../generation/prover.js';
import { witnessComposition, witnessRole } from './witness.js';

describe('witness composition', () => {
  it('names roles from the witness ids', () => {
    expect(witnessRole('t12')).toBe('trace');
    expect(witnessRole('m:range[0,65536)')).toBe('mult');
    expect(witnessRole('t12.rem1')).toBe('rem#');
    expect(witnessRole('t12.exc2.hi')).toBe('exc#.hi');
    expect(witnessRole('t12.t.rc[-524288,524287].a1')).toBe('limb(t)');
    expect(witnessRole('t40.rc[-3,131072].b0')).toBe('limb(trace)');
  });

  it('sums real and padded entries per role, largest first', () => {
    const stats = {
      witnessVars: 6,
      witnessLayout: [
        { id: 't1', shape: [3, 5], padded: 32 },
        { id: 't1.rem1', shape: [3, 5], padded: 32 },
        { id: 't2.rem2', shape: [2], padded: 2 },
      ],
    } as unknown as ProveStats;
    const c = witnessComposition(stats);
    expect(c.realEntries).toBe(32);
    expect(c.paddedEntries).toBe(66);
    expect(Object.keys(c.byRole)).toEqual(['rem#', 'trace']);
    expect(c.byRole['rem#']).toEqual({ tensors: 2, real: 17, padded: 34 });
    expect(c.conjecturedBits).toBeGreaterThan(100);
  });
});
