/** Deterministic xorshift128+ style PRNG for tests and benchmarks (not cryptographic). */
export function makeRng(seed: number): () => number {
  let a = (seed ^ 0x9e3779b9) >>> 0 || 1;
  let b = (seed * 0x85ebca6b) >>> 0 || 2;
  let c = 0xc2b2ae35;
  let d = 0x27d4eb2f;
  return () => {
    const t = a ^ (a << 11);
    a = b;
    b = c;
    c = d;
    d = (d ^ (d >>> 19) ^ (t ^ (t >>> 8))) >>> 0;
    return d;
  };
}
