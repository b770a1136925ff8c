/**
 * Four-way SHA-256 in WebAssembly SIMD for building Merkle trees: lane m of every vector
 * belongs to message m, so one pass of the compression function hashes four messages.
 *
 * Why: a tree over a 2^24-value codeword is ~2^19 hashes of 65–257 bytes, and node:crypto
 * costs a few hundred ns of call overhead per hash (more than the hashing itself). Here a
 * whole level is one call: messages are laid out padded in a staging area (tag byte, data
 * via memory.copy, 0x80, big-endian bit length), then compressed four at a time.
 * Same function as node:crypto / @noble/hashes SHA-256; tree.test.ts checks roots against both.
 */
import { I32_ADD, I32_LT_U, SPLAT, X_ADD, emitter, get, i32c, instanceWithMemory, set, sharedMemory, simd, simdKernels, uleb, wasmKernelSet } from '../pcs/wasm-asm.js';
import { parallelFor, proverThreads, type KernelArg } from '../parallel/pool.js';

// Exact constants: K[t] = frac(cbrt(prime_t))·2^32, IV[i] = frac(sqrt(prime_i))·2^32, with
// integer roots in BigInt (no floating-point rounding questions).
function iroot(x: bigint, k: bigint): bigint {
  let r = 1n << BigInt(Math.ceil(x.toString(2).length / Number(k)));
  for (;;) {
    const next = ((k - 1n) * r + x / r ** (k - 1n)) / k;
    if (next >= r) return r;
    r = next;
  }
}
function primes(count: number): number[] {
  const out: number[] = [];
  for (let c = 2; out.length < count; c++) if (out.every((q) => c % q !== 0)) out.push(c);
  return out;
}
const K = primes(64).map((q) => Number(iroot(BigInt(q) << 96n, 3n) & 0xffffffffn) | 0);
const IV = primes(8).map((q) => Number(iroot(BigInt(q) << 64n, 2n) & 0xffffffffn) | 0);

const V_XOR = simd(0x51);
const V_OR = simd(0x50);
const BITSELECT = simd(0x52);
const X_SHL = simd(0xab);
const X_SHR_U = simd(0xad);
const shuf32 = (lanes: number[]) => [...simd(0x0d), ...lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3])];
const BSWAP = [...simd(0x0d), 3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12];

/**
 * sha4(stage, out, groups, blocks, stride, k): for message i < 4·groups at stage + i·stride
 * (already padded, `blocks` blocks), writes its digest to out + 32·i. k: byte address of the
 * 64 round constants, each splatted to a v128 (one load per round instead of a splat).
 */
function buildSha4(): number[] {
  // params 0 stage, 1 out, 2 groups, 3 blocks, 4 stride, 5 k; i32 locals 6 g, 7 base, 8 b, 9 o
  const stage = 0, out = 1, groups = 2, blocks = 3, stride = 4, kAddr = 5, g = 6, base = 7, b = 8, o = 9;
  let nv = 10;
  const S = Array.from({ length: 8 }, () => nv++); // chaining state
  const R = Array.from({ length: 8 }, () => nv++); // working variables
  const W = Array.from({ length: 16 }, () => nv++);
  const T = Array.from({ length: 4 }, () => nv++);
  const t1 = nv++;
  const { code, e } = emitter();
  const rotr = (x: number, n: number) => e(get(x), i32c(n), X_SHR_U, get(x), i32c(32 - n), X_SHL, V_OR);
  const transpose = (v: number[], out4: number[]) => {
    e(get(v[0]!), get(v[1]!), shuf32([0, 4, 1, 5]), set(T[0]!));
    e(get(v[0]!), get(v[1]!), shuf32([2, 6, 3, 7]), set(T[1]!));
    e(get(v[2]!), get(v[3]!), shuf32([0, 4, 1, 5]), set(T[2]!));
    e(get(v[2]!), get(v[3]!), shuf32([2, 6, 3, 7]), set(T[3]!));
    e(get(T[0]!), get(T[2]!), shuf32([0, 1, 4, 5]), set(out4[0]!));
    e(get(T[0]!), get(T[2]!), shuf32([2, 3, 6, 7]), set(out4[1]!));
    e(get(T[1]!), get(T[3]!), shuf32([0, 1, 4, 5]), set(out4[2]!));
    e(get(T[1]!), get(T[3]!), shuf32([2, 3, 6, 7]), set(out4[3]!));
  };
  const msgAddr = (m: number) => e(get(base), get(stride), i32c(m), [0x6c] /* i32.mul */, I32_ADD, get(b), i32c(6), [0x74], I32_ADD);

  e(get(stage), set(base), get(out), set(o), i32c(0), set(g));
  e([0x02, 0x40], [0x03, 0x40]);
  e(get(g), get(groups), I32_LT_U, [0x45], [0x0d, 1]);
  for (let i = 0; i < 8; i++) e(i32c(IV[i]!), SPLAT, set(S[i]!));
  e(i32c(0), set(b));
  e([0x02, 0x40], [0x03, 0x40]);
  e(get(b), get(blocks), I32_LT_U, [0x45], [0x0d, 1]);
  // Message words: W[4k + i] lane m = big-endian word 4k + i of message m's block b.
  for (let k = 0; k < 4; k++) {
    const V = W.slice(4 * k, 4 * k + 4);
    for (let m = 0; m < 4; m++) {
      msgAddr(m);
      e([...simd(0x00), 0, 16 * k], set(R[m]!));
    }
    transpose(R.slice(0, 4), V);
    for (const w of V) e(get(w), get(w), BSWAP, set(w));
  }
  for (let i = 0; i < 8; i++) e(get(S[i]!), set(R[i]!));
  let L = R.slice(); // roles a..h → locals
  for (let t = 0; t < 64; t++) {
    const w = W[t % 16]!;
    if (t >= 16) {
      // W[t] = σ1(W[t−2]) + W[t−7] + σ0(W[t−15]) + W[t−16]
      const w2 = W[(t - 2) % 16]!, w7 = W[(t - 7) % 16]!, w15 = W[(t - 15) % 16]!;
      rotr(w2, 17);
      rotr(w2, 19);
      e(V_XOR, get(w2), i32c(10), X_SHR_U, V_XOR);
      e(get(w7), X_ADD);
      rotr(w15, 7);
      rotr(w15, 18);
      e(V_XOR, get(w15), i32c(3), X_SHR_U, V_XOR, X_ADD);
      e(get(w), X_ADD, set(w));
    }
    const [a, bb, c, d, ee, f, gg, h] = L as [number, number, number, number, number, number, number, number];
    // T1 = h + Σ1(e) + Ch(e, f, g) + K[t] + W[t]
    e(get(h));
    rotr(ee, 6);
    rotr(ee, 11);
    e(V_XOR);
    rotr(ee, 25);
    e(V_XOR, X_ADD);
    e(get(f), get(gg), get(ee), BITSELECT, X_ADD);
    e(get(kAddr), [...simd(0x00), 4, ...uleb(16 * t)], X_ADD, get(w), X_ADD, set(t1));
    // e' = d + T1 (into d's local), a' = T1 + Σ0(a) + Maj(a, b, c) (into h's local)
    e(get(d), get(t1), X_ADD, set(d));
    e(get(t1));
    rotr(a, 2);
    rotr(a, 13);
    e(V_XOR);
    rotr(a, 22);
    e(V_XOR, X_ADD);
    e(get(a), get(bb), get(bb), get(c), V_XOR, BITSELECT, X_ADD, set(h));
    L = [h, a, bb, c, d, ee, f, gg];
  }
  for (let i = 0; i < 8; i++) e(get(S[i]!), get(L[i]!), X_ADD, set(S[i]!));
  e(get(b), i32c(1), I32_ADD, set(b));
  e([0x0c, 0], [0x0b], [0x0b]);
  // Digests: transpose back so each vector holds 4 words of one message, big-endian.
  for (let half = 0; half < 2; half++) {
    transpose(S.slice(4 * half, 4 * half + 4), R.slice(0, 4));
    for (let m = 0; m < 4; m++) e(get(o), get(R[m]!), get(R[m]!), BSWAP, [...simd(0x0b), 0, 32 * m + 16 * half]);
  }
  e(get(o), i32c(128), I32_ADD, set(o));
  e(get(base), get(stride), i32c(2), [0x74], I32_ADD, set(base));
  e(get(g), i32c(1), I32_ADD, set(g));
  e([0x0c, 0], [0x0b], [0x0b]);
  return code;
}

/**
 * stage(src, dst, count, len, stride, tag, lenWord): message i = tag ‖ src[i·len ..+len)
 * padded into dst + i·stride (0x80, zeros already there, lenWord = the big-endian bit
 * length's last four bytes as a little-endian u32 at the end).
 */
function buildStage(): number[] {
  // params 0 src, 1 dst, 2 count, 3 len, 4 stride, 5 tag, 6 lenWord; i32 locals 7 i, 8 d, 9 s
  const i = 7, d = 8, s = 9;
  const { code, e } = emitter();
  e(i32c(0), set(i), get(1), set(d), get(0), set(s));
  e([0x02, 0x40], [0x03, 0x40]);
  e(get(i), get(2), I32_LT_U, [0x45], [0x0d, 1]);
  e(get(d), get(5), [0x3a, 0, 0] /* i32.store8 */);
  e(get(d), i32c(1), I32_ADD, get(s), get(3), [0xfc, 0x0a, 0, 0] /* memory.copy */);
  e(get(d), get(3), I32_ADD, i32c(0x80), [0x3a, 0, 1]);
  e(get(d), get(4), I32_ADD, i32c(4), [0x6b], get(6), [0x36, 0, 0] /* i32.store */);
  e(get(d), get(4), I32_ADD, set(d), get(s), get(3), I32_ADD, set(s));
  e(get(i), i32c(1), I32_ADD, set(i));
  e([0x0c, 0], [0x0b], [0x0b]);
  return code;
}

interface Sha4 {
  sha4: (stage: number, out: number, groups: number, blocks: number, stride: number, k: number) => void;
  stage: (src: number, dst: number, count: number, len: number, stride: number, tag: number, lenWord: number) => void;
}

/**
 * Hashes the tree levels of aHi down to aLo nodes (a level of a nodes is nodes [a, 2a); the
 * leaf level, a = numLeaves, hashes tag_leaf ‖ leaf data, the others tag_node ‖ children),
 * restricted to parts [start, end) of `parts` equal slices of every level: slice j of a
 * level is the parent level's slice j, so a part is a whole subtree and parts never share a
 * node. Staging (and for leaves the data copied in) uses this caller's own area of memory.
 * Runs on helper threads too: self-contained (its source text is the helpers' kernel).
 */
function merkleLevels(
  x: Sha4, mem: WebAssembly.Memory, leaves: Uint8Array, numLeaves: number, len: number, leafTag: number, nodeTag: number,
  kAt: number, stageAt: number, dataAt: number, stageBytes: number, chunk: number, aHi: number, aLo: number, parts: number, start: number, end: number,
): void {
  const heap = new Uint8Array(mem.buffer);
  for (let a = aHi; a >= aLo; a >>>= 1) {
    const leafLevel = a === numLeaves;
    const msgLen = leafLevel ? len : 64;
    const blocks = Math.ceil((1 + msgLen + 9) / 64);
    const stride = 64 * blocks;
    // Big-endian bit length's last four bytes, as the little-endian u32 the stage kernel stores.
    const bits = 8 * (1 + msgLen);
    const lenWord = ((bits & 0xff) << 24) | ((bits & 0xff00) << 8) | ((bits >>> 8) & 0xff00) | (bits >>> 24);
    // Padding relies on zeros between a message and its length: clear what an earlier
    // message length (or an earlier call) left in the staging area.
    if (a === aHi || a === numLeaves >>> 1) heap.fill(0, stageAt, stageAt + stageBytes);
    const per = a / parts;
    for (let part = start; part < end; part++) {
      for (let c0 = 0; c0 < per; c0 += chunk) {
        const cnt = Math.min(chunk, per - c0);
        const i0 = part * per + c0;
        let src = 32 * (2 * a + 2 * i0);
        if (leafLevel) {
          heap.set(leaves.subarray(i0 * len, (i0 + cnt) * len), dataAt);
          src = dataAt;
        }
        x.stage(src, stageAt, cnt, msgLen, stride, leafLevel ? leafTag : nodeTag, lenWord);
        x.sha4(stageAt, 32 * (a + i0), cnt >>> 2, blocks, stride, kAt);
      }
    }
  }
}

const kernels = wasmKernelSet<Sha4>(
  'merkle-sha4',
  () => [
    { name: 'sha4', params: 6, i32Locals: 4, v128Locals: 37, code: buildSha4() },
    { name: 'stage', params: 7, i32Locals: 3, v128Locals: 0, code: buildStage() },
  ],
  [merkleLevels],
);

/** Messages per staging round (bounds the staging area; a multiple of 4). */
const CHUNK = 1024;

/** From this size on a tree keeps its nodes in the memory they were hashed in (staging is ≤ 2 MB). */
const VIEW_MIN_BYTES = 1 << 22;

/** Below this many leaves per thread a tree is hashed on the calling thread alone. */
const MIN_PARALLEL_LEAVES = 1 << 12;

/**
 * The heap-ordered nodes (32 bytes per node, node 1 the root; for large trees a view of
 * the wasm memory they were hashed in, so no fresh copy) for the leaves tag_leaf ‖ leafBytes[k·len ..+len):
 * leaves and every level with at least four nodes by four-way SIMD hashing; nodes 1 .. 3
 * are left for the caller (levels of fewer than four nodes). Null when SIMD is unavailable
 * or numLeaves < 4.
 *
 * Large trees are split into one subtree per thread (a power of two of them; leaf data must
 * then be in shared memory, else it is hashed on this thread); the calling thread hashes
 * the levels above the subtrees. The nodes do not depend on the split.
 */
export function simdMerkleLevels(leafBytes: Uint8Array, numLeaves: number, len: number, leafTag: number, nodeTag: number): Uint8Array | null {
  if (numLeaves < 4 || !simdKernels.enabled) return null;
  let parts = 1;
  if (leafBytes.buffer instanceof SharedArrayBuffer && kernels.sharedModule()) {
    while (2 * parts <= proverThreads() && numLeaves / (2 * parts) >= MIN_PARALLEL_LEAVES) parts *= 2;
  }
  const stageBytes = CHUNK * 64 * Math.ceil((1 + Math.max(len, 64) + 9) / 64);
  const slotBytes = stageBytes + CHUNK * len;
  const nodeBytes = 2 * numLeaves * 32;
  const kAt = nodeBytes;
  const slotAt = (slot: number) => kAt + 1024 + slot * slotBytes;
  const total = slotAt(parts) + 64;
  let mem = parts > 1 ? sharedMemory(total) : null;
  let x: Sha4;
  if (mem) {
    x = kernels.exportsFor(mem);
  } else {
    parts = 1;
    const mod = kernels.module();
    const inst = mod && instanceWithMemory(mod, total);
    if (!inst) return null;
    mem = inst.mem;
    x = inst.exports as unknown as Sha4;
  }
  const m = mem;
  const kWords = new Uint32Array(m.buffer, kAt, 256);
  for (let t = 0; t < 64; t++) kWords.fill(K[t]!, 4 * t, 4 * t + 4);
  const args = (slot: number, aHi: number, aLo: number, p: number, s: number, e: number) =>
    [m, leafBytes, numLeaves, len, leafTag, nodeTag, kAt, slotAt(slot), slotAt(slot) + stageBytes, stageBytes, CHUNK, aHi, aLo, p, s, e];
  const local = (a: KernelArg[]) => (merkleLevels as (x: Sha4, ...rest: KernelArg[]) => void)(x, ...a);
  // Subtrees (every level whose slice per part still has ≥ 4 nodes), then the levels above.
  parallelFor(kernels.bundle(), 'merkleLevels', parts, 1, (slot, s, e) => args(slot, numLeaves, 4 * parts, parts, s, e), local);
  if (parts > 1) local(args(0, 2 * parts, 4, 1, 0, 1));
  // Nodes 4 .. 2·numLeaves−1 are hashed; nodes 1 .. 3 are for the caller. Small trees
  // get a copy (their memory would be mostly staging area).
  const view = new Uint8Array(m.buffer, 0, nodeBytes);
  return nodeBytes >= VIEW_MIN_BYTES ? view : view.slice();
}


/** Nonces per batch of the proof-of-work search (a multiple of 4). */
const POW_BATCH = 1024;

let powInstance: { x: Sha4; heap: Uint8Array } | null | undefined;

/**
 * The search's instance: over the shared module when there is one (the Merkle trees of the
 * commit have already warmed its compiled code up; a fresh module's first calls run in
 * the baseline tier, several times slower), else the plain one.
 */
function powKernels(): { x: Sha4; heap: Uint8Array } | null {
  if (powInstance !== undefined) return powInstance;
  const bytes = 1024 + POW_BATCH * (64 + 64 + 32);
  let mem = kernels.sharedModule() ? sharedMemory(bytes) : null;
  let x: Sha4 | null = mem ? kernels.exportsFor(mem) : null;
  if (!mem) {
    const mod = kernels.module();
    const inst = mod && instanceWithMemory(mod, bytes);
    if (inst) {
      mem = inst.mem;
      x = inst.exports as unknown as Sha4;
    }
  }
  if (!mem || !x) return (powInstance = null);
  const k = new Uint32Array(mem.buffer, 0, 256);
  for (let t = 0; t < 64; t++) k.fill(K[t]!, 4 * t, 4 * t + 4);
  return (powInstance = { x, heap: new Uint8Array(mem.buffer) });
}

/**
 * Smallest nonce < 2^32 whose SHA-256(tag ‖ prefix ‖ u32le(nonce)) starts with `bits` zero
 * bits (the transcript's proof-of-work digest for prefix = its 32-byte state), searched in
 * batches of four-way SIMD hashes; −1 without wasm SIMD or for a message longer than one
 * block. Same smallest nonce as a sequential search: batches go in order and each batch is
 * scanned in order.
 */
export function simdPowSearch(tag: number, prefix: Uint8Array, bits: number): number {
  const len = prefix.length + 4;
  if (!simdKernels.enabled || 1 + len + 9 > 64 || bits < 1 || bits > 32) return -1;
  const kx = powKernels();
  if (!kx) return -1;
  const { x, heap } = kx;
  // Layout: K [0, 1024), messages prefix ‖ nonce back to back [1024, +64·B), staged blocks
  // [.., +64·B), digests [.., +32·B).
  const srcAt = 1024;
  const stageAt = srcAt + 64 * POW_BATCH;
  const outAt = stageAt + 64 * POW_BATCH;
  heap.fill(0, srcAt, outAt);
  for (let i = 0; i < POW_BATCH; i++) heap.set(prefix, srcAt + len * i);
  const msgBits = 8 * (1 + len);
  const lenWord = ((msgBits & 0xff) << 24) | ((msgBits & 0xff00) << 8) | ((msgBits >>> 8) & 0xff00) | (msgBits >>> 24);
  const fullBytes = bits >>> 3;
  const mask = (0xff00 >>> (bits & 7)) & 0xff;
  // About twice the expected number of tries per batch (few wasted hashes for small bits).
  const batch = Math.min(POW_BATCH, Math.max(64, 2 << bits));
  for (let base = 0; base < 2 ** 32; base += batch) {
    for (let i = 0; i < batch; i++) {
      const o = srcAt + len * i + prefix.length;
      const nonce = base + i;
      heap[o] = nonce & 0xff;
      heap[o + 1] = (nonce >>> 8) & 0xff;
      heap[o + 2] = (nonce >>> 16) & 0xff;
      heap[o + 3] = nonce >>> 24;
    }
    x.stage(srcAt, stageAt, batch, len, 64, tag, lenWord);
    x.sha4(stageAt, outAt, batch >>> 2, 1, 64, 0);
    for (let i = 0; i < batch; i++) {
      const d = outAt + 32 * i;
      let ok = true;
      for (let b = 0; b < fullBytes && ok; b++) ok = heap[d + b] === 0;
      if (ok && mask !== 0) ok = (heap[d + fullBytes]! & mask) === 0;
      if (ok) return base + i;
    }
  }
  return -1;
}
