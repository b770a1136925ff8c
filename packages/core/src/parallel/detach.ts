/**
 * V8 compiles typed-array code under a process-wide assumption that no ArrayBuffer has
 * ever been detached (a "protector"). The prover's wasm memories grow, and growing detaches
 * the old buffer, so the first proof of a process used to break that assumption midway:
 * every hot kernel optimised so far (~95 functions on the bundled model) was deoptimised at
 * once and re-optimised over the rest of that proof and the next. Detaching one private
 * buffer before anything hot runs makes V8 compile each kernel once, for the state it will
 * run in. The assumption is lost for the whole process either way.
 */
let settled = false;

/** Idempotent; call before the first proof (ZkModel.load and proveGeneration do). */
export function settleDetachProtector(): void {
  if (settled) return;
  settled = true;
  const b = new ArrayBuffer(8);
  structuredClone(b, { transfer: [b] });
}
