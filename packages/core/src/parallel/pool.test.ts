import { afterAll, describe, expect, it } from 'vitest';
import { ParallelKernelError, forgetHelperMemories, parallelFor, proverThreads, setProverThreads, sharedU32, type KernelBundle } from './pool.js';

const BUNDLE: KernelBundle = {
  id: 'pool-test/v1',
  source: `return {
    square(out, start, end) { for (let i = start; i < end; i++) out[i] = i * i; },
    fail(out, start, end) { if (start > 0) throw new Error('boom at ' + start); },
    fillMem(mem, start, end) { const v = new Uint32Array(mem.buffer); for (let i = start; i < end; i++) v[i] = 3 * i; },
    copyMem(src, dst, start, end, tag) {
      const a = new Uint32Array(src.buffer), b = new Uint32Array(dst.buffer);
      for (let i = start; i < end; i++) b[i] = a[i] + tag;
    },
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

  it('helpers hold memories they were sent: many memories in rotation, one twice in a job, and after being told to forget', () => {
    setProverThreads(2);
    const copy = (x: unknown[]) => {
      const a = new Uint32Array((x[0] as WebAssembly.Memory).buffer), b = new Uint32Array((x[1] as WebAssembly.Memory).buffer);
      for (let i = x[2] as number; i < (x[3] as number); i++) b[i] = a[i]! + (x[4] as number);
    };
    // More distinct memories than a helper keeps (12), each used several times in a shuffled order.
    const mems = Array.from({ length: 20 }, (_, k) => {
      const m = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
      new Uint32Array(m.buffer).fill(k * 1000);
      return m;
    });
    const out = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    const o = new Uint32Array(out.buffer);
    let seed = 5;
    for (let round = 0; round < 120; round++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      const k = seed % 20;
      if (round === 60) forgetHelperMemories();
      expect(parallelFor(BUNDLE, 'copyMem', 2000, 10, (_, a, b) => [mems[k]!, out, a, b, round], copy)).toBe(2);
      expect(o[0]).toBe(k * 1000 + round);
      expect(o[1999]).toBe(k * 1000 + round); // written by the helper
    }
    // The same memory as source and destination of one job.
    const m = mems[3]!;
    parallelFor(BUNDLE, 'copyMem', 2000, 10, (_, a, b) => [m, m, a, b, 1], copy);
    expect(new Uint32Array(m.buffer)[1999]).toBe(3001);
  });

  it('validates thread counts', () => {
    expect(() => setProverThreads(0)).toThrow(RangeError);
    expect(() => setProverThreads(1.5)).toThrow(RangeError);
  });
});
