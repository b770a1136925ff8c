/**
 * A minimal WebAssembly binary encoder for the prover's SIMD kernels (ntt-simd.ts,
 * ext-simd.ts, merkle/sha256-simd.ts): LEB128, the few sections a kernel module needs, the
 * opcodes used, and compiling/instantiating such a module.
 * Kernels are written as flat opcode arrays; every module imports one memory as env.mem.
 */
import { forgetHelperMemories, type KernelBundle } from '../parallel/pool.js';

export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function str(s: string): number[] {
  return [...uleb(s.length), ...[...s].map((c) => c.charCodeAt(0))];
}

export const I32 = 0x7f;
export const V128 = 0x7b;

// Opcodes.
export const get = (i: number) => [0x20, ...uleb(i)];
export const set = (i: number) => [0x21, ...uleb(i)];
export const tee = (i: number) => [0x22, ...uleb(i)];
export const i32c = (v: number) => [0x41, ...sleb(v)];
export const I32_ADD = [0x6a];
export const I32_SHR_U = [0x76];
export const I32_LT_U = [0x49];
export const simd = (op: number) => [0xfd, ...uleb(op)];
export const V_LOAD = [...simd(0x00), 4, 0];
export const V_STORE = [...simd(0x0b), 4, 0];
export const SPLAT = simd(0x11);
export const V_AND = simd(0x4e);
export const X_SHR_S = simd(0xac);
export const X_ADD = simd(0xae);
export const X_SUB = simd(0xb1);
export const X_MUL = simd(0xb5);
export const EXTMUL_LO_U = simd(0xde);
export const EXTMUL_HI_U = simd(0xdf);
// Odd i32 lanes of (a ‖ b): the high halves of two i64x2 products.
export const SHUF_HI = [...simd(0x0d), 4, 5, 6, 7, 12, 13, 14, 15, 20, 21, 22, 23, 28, 29, 30, 31];

/** A function body under construction: `e(...parts)` appends instruction sequences to `code`. */
export function emitter(): { code: number[]; e: (...parts: number[][]) => void } {
  const code: number[] = [];
  return {
    code,
    e: (...parts) => {
      for (const p of parts) code.push(...p);
    },
  };
}

/**
 * Maps each i32 lane x ∈ (−p, p) on top of the stack to x mod p ∈ [0, p) (adds p where x is
 * negative); `t` is a scratch v128 local, `P` a local holding p in every lane.
 */
export function normalised(t: number, P: number): number[] {
  return [...tee(t), ...get(P), ...get(t), ...i32c(31), ...X_SHR_S, ...V_AND, ...X_ADD];
}

export interface WasmFunc {
  name: string;
  /** Number of i32 parameters (indices 0 .. params−1); no results. */
  params: number;
  /** i32 locals follow the parameters, then v128 locals. */
  i32Locals: number;
  v128Locals: number;
  /** Body instructions, without the final `end`. */
  code: number[];
}

/**
 * Module bytes: one memory import (env.mem), the functions, each exported by name. A
 * `shared` module imports a shared memory (the only kind helper threads can work on too).
 */
export function moduleBytes(funcs: readonly WasmFunc[], shared = false): Uint8Array<ArrayBuffer> {
  const types: number[] = [funcs.length];
  for (const f of funcs) types.push(0x60, ...uleb(f.params), ...new Array<number>(f.params).fill(I32), 0);
  const limits = shared ? [0x03, ...uleb(1), ...uleb(MAX_PAGES)] : [0x00, ...uleb(1)];
  const imp = section(2, [1, ...str('env'), ...str('mem'), 0x02, ...limits]);
  const func = section(3, [...uleb(funcs.length), ...funcs.map((_, i) => i)]);
  const exps: number[] = [...uleb(funcs.length)];
  funcs.forEach((f, i) => exps.push(...str(f.name), 0x00, ...uleb(i)));
  const bodies: number[] = [...uleb(funcs.length)];
  for (const f of funcs) {
    const body = [...uleb(2), ...uleb(f.i32Locals), I32, ...uleb(f.v128Locals), V128, ...f.code, 0x0b];
    bodies.push(...uleb(body.length), ...body);
  }
  return Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0, ...section(1, types), ...imp, ...func, ...section(7, exps), ...section(10, bodies)]);
}

/** wasm32's 4 GB in 64 KiB pages. */
const MAX_PAGES = 65536;

/** Montgomery μ = p^−1 mod 2^32 by Newton iteration (each step doubles the correct low bits). */
export function montMu(p: number): number {
  let mu = p;
  for (let i = 0; i < 5; i++) mu = Math.imul(mu, 2 - Math.imul(p, mu));
  return mu;
}

/** A kernel module compiled on first use; null from then on if this runtime cannot (no wasm SIMD). */
export function lazyModule(funcs: () => readonly WasmFunc[]): () => WebAssembly.Module | null {
  let compiled: WebAssembly.Module | null | undefined;
  return () => {
    if (compiled === undefined) {
      try {
        compiled = new WebAssembly.Module(moduleBytes(funcs()));
      } catch {
        compiled = null;
      }
    }
    return compiled;
  };
}

/**
 * A new instance of `module` over its own fresh memory of at least `bytes`, or null when that
 * memory cannot be allocated (beyond wasm32's 4 GB, or out of memory): callers then take
 * their JS paths.
 */
export function instanceWithMemory(module: WebAssembly.Module, bytes: number): { mem: WebAssembly.Memory; exports: WebAssembly.Exports } | null {
  let mem: WebAssembly.Memory;
  try {
    mem = new WebAssembly.Memory({ initial: Math.max(1, Math.ceil(bytes / 65536)) });
  } catch {
    return null;
  }
  return { mem, exports: new WebAssembly.Instance(module, { env: { mem } }).exports };
}

/**
 * A kernel module whose wasm functions can also run on the pool's helper threads, over a
 * shared memory. `js` are self-contained functions (no free variables: their source text is
 * what the helpers run) whose first two parameters are the instance's exports and the
 * memory; the calling thread runs the very same functions.
 */
export interface WasmKernelSet<X> {
  /** The module over an ordinary memory (single-threaded use), or null without wasm SIMD. */
  module(): WebAssembly.Module | null;
  /** The module over a shared memory, or null when this runtime cannot. */
  sharedModule(): WebAssembly.Module | null;
  /** The helpers' bundle: each js function by name, taking (memory, ...rest). */
  bundle(): KernelBundle;
  /** The exports of an instance of the shared module over `mem`, as the helpers see them. */
  exportsFor(mem: WebAssembly.Memory): X;
}

export function wasmKernelSet<X>(
  id: string,
  funcs: () => readonly WasmFunc[],
  js: readonly ((x: X, mem: WebAssembly.Memory, ...rest: never[]) => void)[],
  /** Self-contained plain functions the kernels call (their source goes along). */
  helpers: readonly ((...args: never[]) => void)[] = [],
): WasmKernelSet<X> {
  const module = lazyModule(funcs);
  let shared: WebAssembly.Module | null | undefined;
  let bytes: Uint8Array<ArrayBuffer> | undefined;
  let bundle: KernelBundle | undefined;
  const sharedBytes = () => (bytes ??= moduleBytes(funcs(), true));
  const cache = new WeakMap<WebAssembly.Memory, X>();
  return {
    module,
    sharedModule() {
      if (shared === undefined) {
        try {
          shared = new WebAssembly.Module(sharedBytes());
          // Fails where shared memories are unavailable (then everything stays on one thread).
          new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
        } catch {
          shared = null;
        }
      }
      return shared;
    },
    bundle() {
      bundle ??= {
        id: `${id}/wasm`,
        source:
          `const mod = new WebAssembly.Module(new Uint8Array([${sharedBytes().join(',')}]));\n` +
          `${[...helpers, ...js].map(String).join('\n')}\n` +
          // One instance per memory: the pool hands a helper the same memory object for every
          // call on it (parallel/pool.ts forHelper), and instantiating cost ~60 µs a call.
          `const instances = new WeakMap();\n` +
          `const run = (f) => (mem, ...a) => {\n` +
          `  let x = instances.get(mem);\n` +
          `  if (!x) instances.set(mem, (x = new WebAssembly.Instance(mod, { env: { mem } }).exports));\n` +
          `  return f(x, mem, ...a);\n` +
          `};\n` +
          `return { ${js.map((f) => `${f.name}: run(${f.name})`).join(', ')} };`,
      };
      return bundle;
    },
    exportsFor(mem) {
      let x = cache.get(mem);
      if (!x) {
        const m = this.sharedModule();
        if (!m) throw new Error(`${id}: shared wasm memory is unavailable`);
        x = new WebAssembly.Instance(m, { env: { mem } }).exports as X;
        cache.set(mem, x);
      }
      return x;
    },
  };
}

/**
 * A zeroed shared wasm memory of at least `bytes`, or null (no shared memories here, or too
 * large): callers then stay on one thread.
 */
export function sharedMemory(bytes: number): WebAssembly.Memory | null {
  const pages = Math.max(1, Math.ceil(bytes / 65536));
  if (pages > MAX_PAGES) return null;
  try {
    const mem = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
    memoryOf.set(mem.buffer, mem);
    return mem;
  } catch {
    return null;
  }
}

/** The memory behind each shared memory's buffer, so {@link recycleBuffer} can find it from a view. */
const memoryOf = new WeakMap<ArrayBufferLike, WebAssembly.Memory>();

/**
 * Shared memories given back by work that is done with them (see {@link recycleMemory}),
 * with how many of their bytes were used. A fresh memory costs the OS zeroing each page on
 * first touch (~0.4 ms per MB here; a 32-token proof first-touches ~300 MB in its PCS
 * alone), a recycled one only what its next user zeroes itself. Bounded: at most
 * {@link SPARE_COUNT} memories and {@link SPARE_TOTAL_BYTES} in all, each at most
 * {@link SPARE_MAX_BYTES} (proofs that need larger ones run for minutes, where first touches
 * cost little and held memory much), all dropped after {@link SPARE_IDLE_MS} without use
 * or when a request beyond that size comes.
 */
const spares: { mem: WebAssembly.Memory; dirty: number }[] = [];
const SPARE_MAX_BYTES = 512 * 2 ** 20;
/** A 32-token proof recycles ~10 memories (lookup trees, commitment, openings), ~0.5 GB. */
const SPARE_COUNT = 16;
const SPARE_TOTAL_BYTES = 1024 * 2 ** 20;
const SPARE_IDLE_MS = 10_000;
let spareTimer: ReturnType<typeof setTimeout> | undefined;

/**
 * A recycled shared memory of at least `bytes` and at most about twice that, and how many
 * of its leading bytes hold old data (the caller must not assume them zero), or null.
 */
export function recycledMemory(bytes: number): { mem: WebAssembly.Memory; dirty: number } | null {
  let best = -1;
  spares.forEach((s, i) => {
    const size = s.mem.buffer.byteLength;
    if (size >= bytes && size <= 2 * bytes + 65536 && (best < 0 || size < spares[best]!.mem.buffer.byteLength)) best = i;
  });
  if (best >= 0) return spares.splice(best, 1)[0]!;
  // Work too large to be recycled itself (a bigger model or a longer proof) would only
  // carry the spares into its peak memory.
  if (bytes > SPARE_MAX_BYTES) dropRecycledMemories();
  return null;
}

/**
 * Gives a shared memory back for reuse. The caller guarantees that nothing reads or writes
 * it any more (every view of it is dead). `dirty`: how many leading bytes were used.
 */
export function recycleMemory(mem: WebAssembly.Memory, dirty: number = mem.buffer.byteLength): void {
  if (mem.buffer.byteLength > SPARE_MAX_BYTES || spares.some((s) => s.mem === mem)) return;
  spares.push({ mem, dirty: Math.min(dirty, mem.buffer.byteLength) });
  // The oldest go first.
  let total = 0;
  for (const x of spares) total += x.mem.buffer.byteLength;
  while (spares.length > SPARE_COUNT || total > SPARE_TOTAL_BYTES) total -= spares.shift()!.mem.buffer.byteLength;
  if (spareTimer !== undefined) clearTimeout(spareTimer);
  spareTimer = setTimeout(dropRecycledMemories, SPARE_IDLE_MS);
  spareTimer.unref?.();
}

/** {@link recycleMemory} for the memory behind a view made by {@link sharedMemory}; false if there is none. */
export function recycleBuffer(view: ArrayBufferView): boolean {
  const mem = memoryOf.get(view.buffer);
  if (!mem) return false;
  recycleMemory(mem);
  return true;
}

/** Forgets every memory kept for reuse (they go with the next collection). */
export function dropRecycledMemories(): void {
  spares.length = 0;
  forgetHelperMemories();
  if (spareTimer !== undefined) clearTimeout(spareTimer);
  spareTimer = undefined;
}

/** How many memories wait for reuse (tests). */
export function recycledMemoryCount(): number {
  return spares.length;
}

/**
 * Tests compare the SIMD kernels with the JS ones by switching them off: when false, the
 * PCS prover takes its pure-JS paths (same output, slower).
 */
export const simdKernels = { enabled: true };
