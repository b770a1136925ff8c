/**
 * Fork–join over the machine's cores for the prover's hot loops, callable from synchronous
 * code: the calling thread posts one range of a kernel to each helper thread, runs the first
 * range itself, then blocks (Atomics.wait) until every helper has finished its range.
 *
 * Kernels come in bundles of plain-JS source (`new Function(source)()` must return an object
 * of functions), so helpers need no module loader: the same bundle works from the built
 * package and from TypeScript sources under a test runner. The calling thread runs its own
 * range through the typed twin of the kernel (same code, from the same template or the
 * same function).
 * Every array a helper touches must live in a SharedArrayBuffer ({@link sharedU32}, {@link toShared});
 * wasm kernels get a shared WebAssembly.Memory and instantiate their module over it (pcs/wasm-asm.ts).
 *
 * Threads: `ZKLLM_THREADS` (1 disables the helpers), else min(available cores, 4); or
 * {@link setProverThreads}. Helpers are unref'd: they never keep a process alive.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/** A kernel bundle: `new Function(source)()` returns `{ [name]: (...args) => void }`. */
export interface KernelBundle {
  readonly id: string;
  readonly source: string;
}

/**
 * What a kernel may take: shared typed arrays, numbers, and shared WebAssembly memories
 * (a helper instantiates its wasm kernels over the caller's memory: see pcs/wasm-asm.ts).
 */
export type KernelArg = Uint8Array | Uint32Array | Int32Array | Float64Array | number | boolean | readonly Uint32Array[] | WebAssembly.Memory;

/**
 * A helper keeps up to this many shared wasm memories it was sent (each at most
 * {@link MEMORY_CACHE_MAX_BYTES}; {@link MEMORY_CACHE_BYTES} in all), so later kernels on
 * the same memory get a bare id and run on the wasm instance it made for it the first time:
 * a structured-cloned memory is a new object on every message, and instantiating a kernel
 * module over it cost ~60 µs per call (~700 calls per 32-token proof). Both sides evict in
 * arrival order, so the caller always knows what a helper holds. A held memory stays alive
 * in the helper, so the bounds are tight and the generation prover lets go after each proof
 * ({@link forgetHelperMemories}).
 */
const MEMORY_CACHE_COUNT = 12;
const MEMORY_CACHE_BYTES = 512 * 2 ** 20;
const MEMORY_CACHE_MAX_BYTES = 256 * 2 ** 20;
const HELPER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const bundles = new Map();
// Shared wasm memories the caller sent before, by id, with their size when they came (see
// forHelper in pool.ts: the same first-in-first-out bookkeeping on both sides, so a bare id
// always names one this holds).
const memories = new Map();
let memoryBytes = 0;
function keepMemory(id, mem) {
  const bytes = mem.buffer.byteLength;
  memories.set(id, { mem, bytes });
  memoryBytes += bytes;
  for (const [old, m] of memories) {
    if (memories.size <= ${MEMORY_CACHE_COUNT} && memoryBytes <= ${MEMORY_CACHE_BYTES}) break;
    memories.delete(old);
    memoryBytes -= m.bytes;
  }
}
function resolve(a) {
  if (a === null || typeof a !== 'object' || !('$memory' in a)) return a;
  if (a.memory) keepMemory(a.$memory, a.memory);
  const m = memories.get(a.$memory);
  if (!m) throw new Error('unknown shared memory ' + a.$memory);
  return m.mem;
}
// A helper allocates almost nothing, so its heap is rarely collected and the dead kernel
// arguments it received would keep shared buffers and wasm memories alive (repeated proofs
// in one process grew and slowed down): it collects once it has been idle for a moment.
let collect = null;
try {
  require('node:v8').setFlagsFromString('--expose-gc');
  collect = require('node:vm').runInNewContext('gc');
} catch {}
let idle = null;
parentPort.on('message', (m) => {
  if (m.forgetMemories) {
    memories.clear();
    memoryBytes = 0;
    return;
  }
  if (collect) {
    if (idle) clearTimeout(idle);
    idle = setTimeout(collect, 50);
  }
  try {
    let k = bundles.get(m.id);
    if (!k) {
      k = new Function(m.source)();
      bundles.set(m.id, k);
    }
    k[m.name](...m.args.map(resolve));
    Atomics.store(m.flags, m.slot, 1);
  } catch (e) {
    const text = new TextEncoder().encode(String((e && e.stack) || e));
    m.error.set(text.subarray(0, m.error.length));
    Atomics.store(m.flags, m.slot, 2);
  }
  Atomics.notify(m.flags, m.slot);
});
`;

export class ParallelKernelError extends Error {
  override name = 'ParallelKernelError';
}

interface Helper {
  readonly worker: Worker;
  readonly bundles: Set<string>;
  /** The shared wasm memories this helper holds (ids, in arrival order) and their bytes. */
  readonly memories: Map<number, number>;
  memoryBytes: number;
}

const memoryIds = new WeakMap<WebAssembly.Memory, number>();
let nextMemoryId = 1;

/** The helper's form of a kernel argument: shared wasm memories by reference when it holds them. */
function forHelper(h: Helper, a: KernelArg): unknown {
  if (!(a instanceof WebAssembly.Memory)) return a;
  const bytes = a.buffer.byteLength;
  if (bytes > MEMORY_CACHE_MAX_BYTES) return a;
  let id = memoryIds.get(a);
  if (id === undefined) memoryIds.set(a, (id = nextMemoryId++));
  if (h.memories.has(id)) return { $memory: id };
  h.memories.set(id, bytes);
  h.memoryBytes += bytes;
  for (const [old, b] of h.memories) {
    if (h.memories.size <= MEMORY_CACHE_COUNT && h.memoryBytes <= MEMORY_CACHE_BYTES) break;
    h.memories.delete(old);
    h.memoryBytes -= b;
  }
  return { $memory: id, memory: a };
}

/**
 * Helpers let go of the shared memories they hold: a memory nobody else uses must not stay
 * alive in a helper (called after each generation proof and when the recycling pool drops
 * its memories).
 */
export function forgetHelperMemories(): void {
  for (const h of helpers) {
    if (h.memories.size === 0) continue;
    h.memories.clear();
    h.memoryBytes = 0;
    h.worker.postMessage({ forgetMemories: true });
  }
}

function defaultThreads(): number {
  const env = process.env['ZKLLM_THREADS'];
  if (env !== undefined && env !== '') {
    const n = Number(env);
    if (!Number.isInteger(n) || n < 1 || n > 64) throw new RangeError(`ZKLLM_THREADS must be an integer in [1, 64], got '${env}'`);
    return n;
  }
  return Math.max(1, Math.min(availableParallelism(), 4));
}

let threads = -1;
let helperJobs = 0;
const helpers: Helper[] = [];
const flags = new Int32Array(new SharedArrayBuffer(4 * 64));
const errorText = new Uint8Array(new SharedArrayBuffer(2048));

/** Threads the prover's parallel kernels use (the calling thread included). */
export function proverThreads(): number {
  if (threads < 0) threads = defaultThreads();
  return threads;
}

/** How many kernel ranges have run on helper threads so far (tests, benchmarks). */
export function helperJobCount(): number {
  return helperJobs;
}

/** Sets the thread count (1 = no helpers); helpers beyond it are stopped. */
export function setProverThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new RangeError(`thread count must be an integer in [1, 64], got ${n}`);
  threads = n;
  while (helpers.length > n - 1) void helpers.pop()!.worker.terminate();
}

function helper(i: number): Helper {
  while (helpers.length <= i) {
    const worker = new Worker(HELPER_SOURCE, { eval: true, name: `zkllm-kernel-${helpers.length + 1}` });
    worker.unref();
    helpers.push({ worker, bundles: new Set(), memories: new Map(), memoryBytes: 0 });
  }
  return helpers[i]!;
}

/** A zeroed Uint32Array in shared memory (visible to the helper threads). */
export function sharedU32(length: number): Uint32Array {
  return new Uint32Array(new SharedArrayBuffer(4 * length));
}

/** A zeroed Float64Array in shared memory. */
export function sharedF64(length: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(8 * length));
}

/** `a` itself if it is in shared memory, else a shared copy (for small read-only inputs). */
export function toShared<T extends Uint8Array | Int32Array | Uint32Array>(a: T): T {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const c = new (a.constructor as new (buffer: SharedArrayBuffer) => T)(new SharedArrayBuffer(a.byteLength));
  c.set(a);
  return c;
}

/**
 * Shared copies of many arrays in ONE SharedArrayBuffer (views into it); arrays already
 * shared are kept. Each SharedArrayBuffer is a separate allocation with its own backing
 * store, so hundreds of small ones per sumcheck round cost more than the copy.
 */
export function toSharedAll(arrays: readonly Uint32Array[]): Uint32Array[] {
  let total = 0;
  for (const a of arrays) if (!(a.buffer instanceof SharedArrayBuffer)) total += a.length;
  if (total === 0) return [...arrays];
  const pool = sharedU32(total);
  let at = 0;
  return arrays.map((a) => {
    if (a.buffer instanceof SharedArrayBuffer) return a;
    const v = pool.subarray(at, at + a.length);
    v.set(a);
    at += a.length;
    return v;
  });
}

/** `count` zeroed shared views of `length` entries each, carved from one buffer. */
export function sharedU32Views(count: number, length: number): Uint32Array[] {
  const pool = sharedU32(count * length);
  return Array.from({ length: count }, (_, i) => pool.subarray(i * length, (i + 1) * length));
}

function isShared(a: KernelArg): boolean {
  if (typeof a === 'number' || typeof a === 'boolean') return true;
  if (Array.isArray(a)) return a.every((x: Uint32Array) => x.buffer instanceof SharedArrayBuffer);
  return (a as Uint32Array | WebAssembly.Memory).buffer instanceof SharedArrayBuffer;
}

/**
 * Runs `kernel` over [0, n) split into contiguous ranges, one per thread, each range at
 * least `minRange` long (small jobs stay on the calling thread). `argsFor(slot, start, end)`
 * gives a range's arguments; `local` runs slot 0 on the calling thread (the typed twin of
 * `bundle[name]`). Ranges must write disjoint memory; per-slot outputs (e.g. partial sums)
 * go to slot-indexed places the caller combines afterwards. Returns the number of slots used.
 */
export function parallelFor(
  bundle: KernelBundle,
  name: string,
  n: number,
  minRange: number,
  argsFor: (slot: number, start: number, end: number) => KernelArg[],
  local: (args: KernelArg[]) => void,
): number {
  const want = Math.min(proverThreads(), Math.floor(n / Math.max(1, minRange)));
  if (want <= 1) {
    local(argsFor(0, 0, n));
    return 1;
  }
  const chunk = Math.ceil(n / want);
  const jobs: KernelArg[][] = [];
  for (let s = 0; s < want; s++) jobs.push(argsFor(s, Math.min(n, s * chunk), Math.min(n, (s + 1) * chunk)));
  jobs.forEach((a) =>
    a.forEach((x, i) => {
      // A programming error, not a data error: helpers cannot see unshared memory.
      if (!isShared(x)) throw new ParallelKernelError(`${bundle.id}/${name}: argument ${i} is not in shared memory (use sharedU32/sharedF64)`);
    }),
  );
  for (let s = 1; s < want; s++) {
    const h = helper(s - 1);
    Atomics.store(flags, s, 0);
    const first = !h.bundles.has(bundle.id);
    h.bundles.add(bundle.id);
    helperJobs++;
    h.worker.postMessage({ id: bundle.id, source: first ? bundle.source : '', name, args: jobs[s]!.map((a) => forHelper(h, a)), flags, slot: s, error: errorText });
  }
  let failure: unknown;
  try {
    local(jobs[0]!);
  } catch (e) {
    failure = e;
  }
  for (let s = 1; s < want; s++) {
    while (Atomics.load(flags, s) === 0) Atomics.wait(flags, s, 0);
    if (Atomics.load(flags, s) === 2 && failure === undefined) {
      const end = errorText.indexOf(0);
      failure = new ParallelKernelError(`kernel ${bundle.id}/${name} failed on a helper thread: ${new TextDecoder().decode(errorText.slice(0, end < 0 ? errorText.length : end))}`);
      errorText.fill(0);
    }
  }
  if (failure !== undefined) throw failure;
  return want;
}
