import { afterAll, describe, expect, it } from 'vitest';
import { ParallelKernelError, parallelFor, proverThreads, setProverThreads, sharedU32, type KernelBundle } from './pool.js';

const BUNDLE: KernelBundle = {
  id: 'pool-test/v1',
  source: `return {
    square(out, start, end) { for (let i = start; i < end; i++) out[i] = i * i; },
    fail(out, start, end) { if (start > 0) throw new Error('boom at ' + start); },
    fillMem(mem, start, end) { const v = new Uint32Array(mem.buffer); for (let i = start; i < end; i++) v[i] = 3 * i; },
  };`,
};
const square = (out: Uint32Array, start: number, end: number) => {
  for (let i = start; i < end; i++) out[i] = i * i;
};

describe('parallel kernel pool', () => {
  const before = proverThreads();
  afterAll(() => setProverThreads(before));

  it('splits a range across threads; every index is written once, by the right code', () => {
    setProverThreads(3);
    const out = sharedU32(1000);
    const slots: number[] = [];
    const used = parallelFor(BUNDLE, 'square', 1000, 100, (slot, a, b) => (slots.push(slot), [out, a, b]), (x) => square(...(x as [Uint32Array, number, number])));
    expect(used).toBe(3);
    expect(slots).toEqual([0, 1, 2]);
    for (let i = 0; i < 1000; i++) expect(out[i]).toBe(i * i);
  });

  it('helpers keep working after collecting their garbage while idle', async () => {
    setProverThreads(3);
    for (let round = 0; round < 3; round++) {
      const out = sharedU32(600);
      expect(parallelFor(BUNDLE, 'square', 600, 100, (_, a, b) => [out, a, b], (x) => square(...(x as [Uint32Array, number, number])))).toBe(3);
      for (let i = 0; i < 600; i++) expect(out[i]).toBe(i * i);
      await new Promise((r) => setTimeout(r, 120)); // idle long enough for the helpers to collect
    }
  });

  it('keeps small jobs on the calling thread', () => {
    setProverThreads(2);
    const out = new Uint32Array(50); // unshared is fine when no helper is involved
    expect(parallelFor(BUNDLE, 'square', 50, 100, (_, a, b) => [out, a, b], (x) => square(...(x as [Uint32Array, number, number])))).toBe(1);
    expect(out[7]).toBe(49);
  });

  it('refuses unshared memory for helpers and reports a helper failure with its message', () => {
    setProverThreads(2);
    expect(() => parallelFor(BUNDLE, 'square', 1000, 10, (_, a, b) => [new Uint32Array(1000), a, b], () => {})).toThrow(ParallelKernelError);
    expect(() => parallelFor(BUNDLE, 'fail', 1000, 10, (_, a, b) => [sharedU32(1), a, b], () => {})).toThrow(/failed on a helper thread: Error: boom at 500/);
    // The pool still works afterwards.
    const out = sharedU32(1000);
    parallelFor(BUNDLE, 'square', 1000, 10, (_, a, b) => [out, a, b], (x) => square(...(x as [Uint32Array, number, number])));
    expect(out[999]).toBe(999 * 999);
  });

  it('passes shared wasm memories to helpers and refuses unshared ones', () => {
    setProverThreads(2);
    const fill = (x: unknown[]) => {
      const v = new Uint32Array((x[0] as WebAssembly.Memory).buffer);
      for (let i = x[1] as number; i < (x[2] as number); i++) v[i] = 3 * i;
    };
    const mem = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    expect(parallelFor(BUNDLE, 'fillMem', 1000, 10, (_, a, b) => [mem, a, b], fill)).toBe(2);
    const v = new Uint32Array(mem.buffer);
    for (let i = 0; i < 1000; i++) expect(v[i]).toBe(3 * i);
    expect(() => parallelFor(BUNDLE, 'fillMem', 1000, 10, (_, a, b) => [new WebAssembly.Memory({ initial: 1 }), a, b], fill)).toThrow(ParallelKernelError);
  });

  it('validates thread counts', () => {
    expect(() => setProverThreads(0)).toThrow(RangeError);
    expect(() => setProverThreads(1.5)).toThrow(RangeError);
  });
});
