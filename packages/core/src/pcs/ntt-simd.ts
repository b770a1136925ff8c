/**
 * WebAssembly SIMD kernel for the large radix-4 passes of the DIF NTT (see lde.ts).
 *
 * Why: the NTT of the rate-1/4 LDE is the prover's single hottest loop, and scalar JS pays
 * float conversions for every modular product. In wasm SIMD four products take one
 * Montgomery reduction on i32x4 lanes:
 *   q = x·(w·μ) mod 2^32 (one i32x4.mul, μ = p^−1 mod 2^32 precomputed per twiddle),
 *   x·w·2^−32 ≡ hi32(x·w) − hi32(q·p) ∈ (−p, p),
 * so with twiddles stored as w·2^32 mod p the result is the canonical product x·w after one
 * branchless correction. Inputs and outputs stay canonical, so passes mix freely with the
 * JS kernel (which handles the small passes) and the output is bit-identical.
 *
 * The module (a few hundred bytes) is assembled here rather than shipped as a binary; it
 * imports its memory so JS can size it and read results through typed-array views.
 */
import type { PrimeField } from '@zkllm/verifier';
import {
  EXTMUL_HI_U,
  EXTMUL_LO_U,
  I32_ADD,
  I32_LT_U,
  I32_SHR_U,
  SHUF_HI,
  SPLAT,
  V_AND,
  V_LOAD,
  V_STORE,
  X_ADD,
  X_MUL,
  X_SHR_S,
  X_SUB,
  emitter,
  get,
  i32c,
  moduleBytes,
  montMu,
  normalised,
  recycledMemory,
  set,
  sharedMemory,
  simd,
  simdKernels,
  tee,
  wasmKernelSet,
  type WasmFunc,
} from './wasm-asm.js';
import { parallelFor, proverThreads, sharedU32, type KernelArg } from '../parallel/pool.js';

/**
 * pass4(data, n, h, tw, mu, p): one radix-4 DIF pass (stages h and h/2) over n elements at
 * byte address data; tw is the byte address of the Montgomery twiddles (index h + j ↔
 * ω_{2h}^j, as in lde.ts), mu = p^−1 mod 2^32 (q = (x·w)·μ: the same q as a table of w·μ,
 * without its memory). Requires h/2 to be a multiple of 4.
 */
function buildPass4(): number[] {
  // params: 0 data, 1 n, 2 h, 3 tw, 4 mu, 5 p; then 9 i32 and 12 v128 locals
  const L = {
    end: 6, hb: 7, h2b: 8, s: 9, jb: 10, a: 11, ta: 12, tb: 13, tc: 14,
    P: 15, x0: 16, x1: 17, x2: 18, x3: 19, s02: 20, s13: 21, y2: 22, y3: 23, t: 24, MU: 25, w: 26,
  };
  const { code, e } = emitter();
  // Canonical (x + y) mod p of the two vectors on the stack: t = x + y − P; t + (P & (t >> 31)).
  const addNorm = () => e(X_ADD, get(L.P), X_SUB, tee(L.t), get(L.P), get(L.t), i32c(31), X_SHR_S, V_AND, X_ADD);
  const subNorm = () => e(X_SUB, tee(L.t), get(L.P), get(L.t), i32c(31), X_SHR_S, V_AND, X_ADD);
  // Montgomery product of the vector in local `x` by the twiddles at byte address in local `addr`.
  const mont = (x: number, twAddr: number) => {
    // hi(x·w)
    e(get(twAddr), V_LOAD, set(L.w));
    e(get(x), get(L.w), EXTMUL_LO_U, get(x), get(L.w), EXTMUL_HI_U, SHUF_HI);
    // q = (x·w)·μ; hi(q·p)
    e(get(x), get(L.w), X_MUL, get(L.MU), X_MUL, tee(L.t), get(L.P), EXTMUL_LO_U, get(L.t), get(L.P), EXTMUL_HI_U, SHUF_HI);
    subNorm();
  };
  e(get(0), get(1), i32c(2), [0x74] /* shl */, I32_ADD, set(L.end));
  e(get(2), i32c(2), [0x74], set(L.hb));
  e(get(L.hb), i32c(1), I32_SHR_U, set(L.h2b));
  e(get(5), SPLAT, set(L.P), get(4), SPLAT, set(L.MU));
  e(get(0), set(L.s));
  e([0x02, 0x40], [0x03, 0x40]); // block loop (over blocks)
  e(get(L.s), get(L.end), I32_LT_U, [0x45] /* eqz */, [0x0d, 1] /* br_if 1 */);
  e(i32c(0), set(L.jb));
  e([0x02, 0x40], [0x03, 0x40]); // block loop (over j)
  e(get(L.jb), get(L.h2b), I32_LT_U, [0x45], [0x0d, 1]);
  e(get(L.s), get(L.jb), I32_ADD, set(L.a));
  e(get(L.a), V_LOAD, set(L.x0));
  e(get(L.a), get(L.h2b), I32_ADD, V_LOAD, set(L.x1));
  e(get(L.a), get(L.hb), I32_ADD, V_LOAD, set(L.x2));
  e(get(L.a), get(L.hb), I32_ADD, get(L.h2b), I32_ADD, V_LOAD, set(L.x3));
  e(get(L.x0), get(L.x2)); addNorm(); e(set(L.s02));
  e(get(L.x1), get(L.x3)); addNorm(); e(set(L.s13));
  e(get(L.x0), get(L.x2)); subNorm(); e(set(L.x0)); // d02
  e(get(L.x1), get(L.x3)); subNorm(); e(set(L.x1)); // d13
  // twiddle addresses: w1 at hb + jb, w3 at hb + h2b + jb, w2 at h2b + jb
  e(get(L.hb), get(L.jb), I32_ADD, set(L.tc));
  e(get(3), get(L.tc), I32_ADD, set(L.ta));
  mont(L.x0, L.ta);
  e(set(L.y2));
  e(get(L.ta), get(L.h2b), I32_ADD, set(L.ta));
  mont(L.x1, L.ta);
  e(set(L.y3));
  e(get(L.h2b), get(L.jb), I32_ADD, set(L.tc));
  e(get(3), get(L.tc), I32_ADD, set(L.ta));
  // a0 = s02 + s13
  e(get(L.a), get(L.s02), get(L.s13)); addNorm(); e(V_STORE);
  // a1 = (s02 − s13)·w2
  e(get(L.s02), get(L.s13)); subNorm(); e(set(L.x2));
  e(get(L.a), get(L.h2b), I32_ADD);
  mont(L.x2, L.ta);
  e(V_STORE);
  // a2 = y2 + y3
  e(get(L.a), get(L.hb), I32_ADD, get(L.y2), get(L.y3)); addNorm(); e(V_STORE);
  // a3 = (y2 − y3)·w2
  e(get(L.y2), get(L.y3)); subNorm(); e(set(L.x3));
  e(get(L.a), get(L.hb), I32_ADD, get(L.h2b), I32_ADD);
  mont(L.x3, L.ta);
  e(V_STORE);
  e(get(L.jb), i32c(16), I32_ADD, set(L.jb));
  e([0x0c, 0], [0x0b], [0x0b]); // br 0; end loop; end block
  e(get(L.s), get(L.hb), get(L.hb), I32_ADD, I32_ADD, set(L.s));
  e([0x0c, 0], [0x0b], [0x0b]);
  return code;
}

/**
 * pass2(data, n, h, tw, mu, p): one radix-2 DIF stage of half-size h over n elements at
 * byte address data (x, y = a[j], a[j + h]: a[j] = x + y, a[j + h] = (x − y)·ω_{2h}^j),
 * twiddles as in pass4. Requires h to be a multiple of 4. Odd sizes use it for the stage of
 * h = 4, which the radix-4 passes (h ≥ 8) and last4 (stages 2 and 1) leave over.
 */
function buildPass2(): number[] {
  // params: 0 data, 1 n, 2 h, 3 tw, 4 mu, 5 p; i32 locals 6 end, 7 hb, 8 s, 9 jb, 10 a, 11 ta;
  // v128 locals 12 P, 13 x, 14 y, 15 t, 16 MU
  const end = 6, hb = 7, s = 8, jb = 9, a = 10, ta = 11, P = 12, x = 13, y = 14, t = 15, MU = 16;
  const { code, e } = emitter();
  const normalise = () => e(normalised(t, P));
  e(get(0), get(1), i32c(2), [0x74], I32_ADD, set(end));
  e(get(2), i32c(2), [0x74], set(hb));
  e(get(5), SPLAT, set(P), get(4), SPLAT, set(MU));
  e(get(0), set(s));
  e([0x02, 0x40], [0x03, 0x40]);
  e(get(s), get(end), I32_LT_U, [0x45], [0x0d, 1]);
  e(i32c(0), set(jb));
  e([0x02, 0x40], [0x03, 0x40]);
  e(get(jb), get(hb), I32_LT_U, [0x45], [0x0d, 1]);
  e(get(s), get(jb), I32_ADD, tee(a), V_LOAD, set(x));
  e(get(a), get(hb), I32_ADD, V_LOAD, set(y));
  e(get(hb), get(jb), I32_ADD, set(ta));
  e(get(a), get(x), get(y), X_ADD, get(P), X_SUB);
  normalise();
  e(V_STORE);
  e(get(x), get(y), X_SUB);
  normalise();
  e(set(x));
  e(get(a), get(hb), I32_ADD);
  // hi(x·w) − hi(q·p), q = (x·w)·μ (y holds w)
  e(get(3), get(ta), I32_ADD, V_LOAD, set(y));
  e(get(x), get(y), EXTMUL_LO_U, get(x), get(y), EXTMUL_HI_U, SHUF_HI);
  e(get(x), get(y), X_MUL, get(MU), X_MUL, tee(t), get(P), EXTMUL_LO_U, get(t), get(P), EXTMUL_HI_U, SHUF_HI, X_SUB);
  normalise();
  e(V_STORE);
  e(get(jb), i32c(16), I32_ADD, set(jb));
  e([0x0c, 0], [0x0b], [0x0b]);
  e(get(s), get(hb), get(hb), I32_ADD, I32_ADD, set(s));
  e([0x0c, 0], [0x0b], [0x0b]);
  return code;
}

/**
 * evens(src, dst, count): dst[j] = src[2j] for j < count (count a multiple of 4; u32 at byte
 * addresses, dst not overlapping src). Builds each lower twiddle level from the one above
 * (ω_h^j = ω_{2h}^{2j}).
 */
function buildEvens(): number[] {
  // params 0 src, 1 dst, 2 count; i32 locals 3 s, 4 d, 5 end
  const s = 3, d = 4, end = 5;
  const { code, e } = emitter();
  e(get(0), set(s), get(1), set(d), get(2), i32c(2), [0x74], get(1), I32_ADD, set(end));
  e([0x02, 0x40], [0x03, 0x40]);
  e(get(d), get(end), I32_LT_U, [0x45], [0x0d, 1]);
  e(get(d), get(s), V_LOAD, get(s), [...simd(0x00), 4, 16], shuf32([0, 2, 4, 6]), V_STORE);
  e(get(s), i32c(32), I32_ADD, set(s), get(d), i32c(16), I32_ADD, set(d));
  e([0x0c, 0], [0x0b], [0x0b]);
  return code;
}

/** evensVec(src, dst, count): v128 j of dst = v128 2j of src for j < count (the ext twiddle levels). */
function buildEvensVec(): number[] {
  // params 0 src, 1 dst, 2 count; i32 locals 3 s, 4 d, 5 end
  const s = 3, d = 4, end = 5;
  const { code, e } = emitter();
  e(get(0), set(s), get(1), set(d), get(2), i32c(4), [0x74], get(1), I32_ADD, set(end));
  e([0x02, 0x40], [0x03, 0x40]);
  e(get(d), get(end), I32_LT_U, [0x45], [0x0d, 1]);
  e(get(d), get(s), V_LOAD, V_STORE);
  e(get(s), i32c(32), I32_ADD, set(s), get(d), i32c(16), I32_ADD, set(d));
  e([0x0c, 0], [0x0b], [0x0b]);
  return code;
}

function kernelFuncs(): WasmFunc[] {
  return [
    { name: 'pass4', params: 6, i32Locals: 9, v128Locals: 12, code: buildPass4() },
    { name: 'twist', params: 8, i32Locals: 2, v128Locals: 7, code: buildTwist() },
    { name: 'last4', params: 5, i32Locals: 2, v128Locals: 14, code: buildLast4() },
    { name: 'mobius', params: 4, i32Locals: 5, v128Locals: 8, code: buildMobius() },
    { name: 'pass2', params: 6, i32Locals: 6, v128Locals: 5, code: buildPass2() },
    { name: 'evens', params: 3, i32Locals: 3, v128Locals: 0, code: buildEvens() },
    { name: 'evensVec', params: 3, i32Locals: 3, v128Locals: 0, code: buildEvensVec() },
  ];
}

/** i8x16.shuffle selecting i32 lanes (0–3 from the first operand, 4–7 from the second). */
const shuf32 = (lanes: number[]) => [...simd(0x0d), ...lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3])];

/**
 * last4(data, n, w4, w4mu, p): the final radix-4 pass (h = 2: twiddles 1, ω_4, 1) over n
 * elements, 16 at a time: a 4×4 transpose puts element k of four groups in one vector, the
 * butterfly runs lane-wise (one Montgomery product by ω_4), and a transpose writes back.
 */
function buildLast4(): number[] {
  // params 0 data, 1 n, 2 w4 (Montgomery), 3 w4mu, 4 p; i32 locals 5 a, 6 end;
  // v128 locals 7 P, 8 W, 9 WMU, 10 t, 11..14 V0..V3, 15..18 T0..T3, 19 s02, 20 s13
  const a = 5, end = 6, P = 7, W = 8, WMU = 9, t = 10, V = 11, T = 15, s02 = 19, s13 = 20;
  const { code, e } = emitter();
  const normalise = () => e(normalised(t, P));
  const addN = (x: number, y: number) => {
    e(get(x), get(y), X_ADD, get(P), X_SUB);
    normalise();
  };
  const subN = (x: number, y: number) => {
    e(get(x), get(y), X_SUB);
    normalise();
  };
  // (V0..V3) → (V0..V3) transposed, via T.
  const transpose = () => {
    e(get(V), get(V + 1), shuf32([0, 4, 1, 5]), set(T));
    e(get(V), get(V + 1), shuf32([2, 6, 3, 7]), set(T + 1));
    e(get(V + 2), get(V + 3), shuf32([0, 4, 1, 5]), set(T + 2));
    e(get(V + 2), get(V + 3), shuf32([2, 6, 3, 7]), set(T + 3));
    e(get(T), get(T + 2), shuf32([0, 1, 4, 5]), set(V));
    e(get(T), get(T + 2), shuf32([2, 3, 6, 7]), set(V + 1));
    e(get(T + 1), get(T + 3), shuf32([0, 1, 4, 5]), set(V + 2));
    e(get(T + 1), get(T + 3), shuf32([2, 3, 6, 7]), set(V + 3));
  };
  e(get(4), SPLAT, set(P), get(2), SPLAT, set(W), get(3), SPLAT, set(WMU));
  e(get(1), i32c(2), [0x74], get(0), I32_ADD, set(end), get(0), set(a));
  e([0x02, 0x40], [0x03, 0x40]);
  e(get(a), get(end), I32_LT_U, [0x45], [0x0d, 1]);
  for (let k = 0; k < 4; k++) e(get(a), [...simd(0x00), 4, 16 * k], set(V + k));
  transpose();
  addN(V, V + 2);
  e(set(s02));
  addN(V + 1, V + 3);
  e(set(s13));
  subN(V, V + 2);
  e(set(T)); // y2
  subN(V + 1, V + 3);
  e(set(T + 1)); // d13
  // y3 = d13·ω_4: hi(d13·W) − hi(q·p), q = d13·(W·μ)
  e(get(T + 1), get(W), EXTMUL_LO_U, get(T + 1), get(W), EXTMUL_HI_U, SHUF_HI);
  e(get(T + 1), get(WMU), X_MUL, tee(t), get(P), EXTMUL_LO_U, get(t), get(P), EXTMUL_HI_U, SHUF_HI, X_SUB);
  normalise();
  e(set(T + 1));
  addN(s02, s13);
  e(set(V));
  subN(s02, s13);
  e(set(V + 1));
  addN(T, T + 1);
  e(set(V + 2));
  subN(T, T + 1);
  e(set(V + 3));
  transpose();
  for (let k = 0; k < 4; k++) e(get(a), get(V + k), [...simd(0x0b), 4, 16 * k]);
  e(get(a), i32c(64), I32_ADD, set(a));
  e([0x0c, 0], [0x0b], [0x0b]);
  return code;
}

/**
 * mobius(c, n, h, p): Möbius-transform stages (x_hi −= x_lo) on n elements at byte address c.
 * h = 0: the stages of strides 1 and 2, inside each vector; h ≥ 4: the stages of strides h
 * and 2h in one pass (h = 2^k elements); h < 0: the single stage of stride −h.
 */
function buildMobius(): number[] {
  // params 0 c, 1 n, 2 h, 3 p; i32 locals 4 s (block start), 5 j, 6 end, 7 hb, 8 jend;
  // v128 locals 9 P, 10 t, 11 a0, 12 a1, 13 a2, 14 a3, 15 M1, 16 M2
  const c = 0, n = 1, h = 2, s = 4, j = 5, end = 6, hb = 7, jend = 8;
  const P = 9, t = 10, a0 = 11, a1 = 12, a2 = 13, a3 = 14, M1 = 15, M2 = 16;
  const { code, e } = emitter();
  const normalise = () => e(normalised(t, P));
  const subN = (x: number, y: number) => {
    e(get(x), get(y), X_SUB);
    normalise();
  };
  const I32_EQZ = [0x45];
  const I32_LT_S = [0x48];
  const I32_SUB = [0x6b];
  const SHL = [0x74];
  e(get(3), SPLAT, set(P));
  e(get(1), i32c(2), SHL, get(c), I32_ADD, set(end));
  // h == 0: in-vector stages with masks (0, −1, 0, −1) and (0, 0, −1, −1)
  e(get(h), I32_EQZ, [0x04, 0x40] /* if */);
  e(i32c(0), SPLAT, i32c(-1), [...simd(0x1c), 1], i32c(-1), [...simd(0x1c), 3], set(M1));
  e(i32c(0), SPLAT, i32c(-1), [...simd(0x1c), 2], i32c(-1), [...simd(0x1c), 3], set(M2));
  e(get(c), set(j));
  e([0x02, 0x40], [0x03, 0x40]);
  e(get(j), get(end), I32_LT_U, I32_EQZ, [0x0d, 1]);
  e(get(j), V_LOAD, set(a0));
  e(get(a0), get(a0), shuf32([0, 0, 2, 2]), get(M1), V_AND, set(a1));
  subN(a0, a1);
  e(set(a0));
  e(get(a0), get(a0), shuf32([0, 1, 0, 1]), get(M2), V_AND, set(a1));
  e(get(j));
  subN(a0, a1);
  e(V_STORE);
  e(get(j), i32c(16), I32_ADD, set(j));
  e([0x0c, 0], [0x0b], [0x0b]);
  e([0x0f] /* return */, [0x0b] /* end if */);
  // h < 0: one stage of stride −h
  e(get(h), i32c(0), I32_LT_S, [0x04, 0x40]);
  e(i32c(0), get(h), I32_SUB, i32c(2), SHL, set(hb));
  e(get(c), set(s));
  e([0x02, 0x40], [0x03, 0x40]);
  e(get(s), get(end), I32_LT_U, I32_EQZ, [0x0d, 1]);
  e(get(s), get(hb), I32_ADD, set(jend), get(s), set(j));
  e([0x02, 0x40], [0x03, 0x40]);
  e(get(j), get(jend), I32_LT_U, I32_EQZ, [0x0d, 1]);
  e(get(j), get(hb), I32_ADD, V_LOAD, set(a1), get(j), V_LOAD, set(a0));
  e(get(j), get(hb), I32_ADD);
  subN(a1, a0);
  e(V_STORE);
  e(get(j), i32c(16), I32_ADD, set(j));
  e([0x0c, 0], [0x0b], [0x0b]);
  e(get(s), get(hb), i32c(1), SHL, I32_ADD, set(s));
  e([0x0c, 0], [0x0b], [0x0b]);
  e([0x0f], [0x0b]);
  // h ≥ 4: strides h and 2h
  e(get(h), i32c(2), SHL, set(hb));
  e(get(c), set(s));
  e([0x02, 0x40], [0x03, 0x40]);
  e(get(s), get(end), I32_LT_U, I32_EQZ, [0x0d, 1]);
  e(get(s), get(hb), I32_ADD, set(jend), get(s), set(j));
  e([0x02, 0x40], [0x03, 0x40]);
  e(get(j), get(jend), I32_LT_U, I32_EQZ, [0x0d, 1]);
  e(get(j), V_LOAD, set(a0));
  e(get(j), get(hb), I32_ADD, V_LOAD, set(a1));
  e(get(j), get(hb), i32c(1), SHL, I32_ADD, V_LOAD, set(a2));
  e(get(j), get(hb), i32c(3), [0x6c] /* i32.mul */, I32_ADD, V_LOAD, set(a3));
  subN(a1, a0);
  e(set(a1));
  subN(a3, a2);
  e(set(a3));
  e(get(j), get(hb), I32_ADD, get(a1), V_STORE);
  e(get(j), get(hb), i32c(1), SHL, I32_ADD);
  subN(a2, a0);
  e(V_STORE);
  e(get(j), get(hb), i32c(3), [0x6c], I32_ADD);
  subN(a3, a1);
  e(V_STORE);
  e(get(j), i32c(16), I32_ADD, set(j));
  e([0x0c, 0], [0x0b], [0x0b]);
  e(get(s), get(hb), i32c(2), SHL, I32_ADD, set(s));
  e([0x0c, 0], [0x0b], [0x0b]);
  return code;
}

/**
 * twist(src, dst, n, init, step, stepmu, mu): dst[i] = src[i]·g^i for i < n (byte addresses;
 * n a multiple of 4). Four lanes carry g^i·2^32 mod p for i ≡ 0..3 (mod 4), read from the
 * 16 bytes at `init`; each step multiplies them by g^4 (step = g^4·2^32 mod p, stepmu =
 * step·μ mod 2^32), so every element costs one product and a quarter of the recurrence.
 */
function buildTwist(): number[] {
  // params: 0 src, 1 dst, 2 n, 3 init, 4 step, 5 stepmu, 6 mu, 7 p; i32 locals 8 off, 9 end;
  // v128 locals 10 P, 11 cur, 12 S, 13 SMU, 14 MU, 15 c, 16 t
  const { code, e } = emitter();
  const off = 8, end = 9, P = 10, cur = 11, S = 12, SMU = 13, MU = 14, c = 15, t = 16;
  const norm = () => e(normalised(t, P));
  e(get(7), SPLAT, set(P));
  e(get(4), SPLAT, set(S), get(5), SPLAT, set(SMU), get(6), SPLAT, set(MU));
  e(get(3), V_LOAD, set(cur));
  e(get(2), i32c(2), [0x74], set(end), i32c(0), set(off));
  e([0x02, 0x40], [0x03, 0x40]);
  e(get(off), get(end), I32_LT_U, [0x45], [0x0d, 1]);
  e(get(0), get(off), I32_ADD, V_LOAD, set(c));
  e(get(1), get(off), I32_ADD);
  // c·cur·2^−32: q = (c·cur)·μ; hi(c·cur) − hi(q·p)
  e(get(c), get(cur), EXTMUL_LO_U, get(c), get(cur), EXTMUL_HI_U, SHUF_HI);
  e(get(c), get(cur), X_MUL, get(MU), X_MUL, tee(t), get(P), EXTMUL_LO_U, get(t), get(P), EXTMUL_HI_U, SHUF_HI, X_SUB);
  norm();
  e(V_STORE);
  // cur ← cur·g^4 (stays in Montgomery form)
  e(get(cur), get(S), EXTMUL_LO_U, get(cur), get(S), EXTMUL_HI_U, SHUF_HI);
  e(get(cur), get(SMU), X_MUL, tee(t), get(P), EXTMUL_LO_U, get(t), get(P), EXTMUL_HI_U, SHUF_HI, X_SUB);
  norm();
  e(set(cur));
  e(get(off), i32c(16), I32_ADD, set(off));
  e([0x0c, 0], [0x0b], [0x0b]);
  return code;
}

/**
 * Every pass of the DIF NTT of n ≥ 16 elements at byte address data, in SIMD: radix-4
 * passes while h ≥ 8, for odd sizes the radix-2 stage h = 4, then (`last`) last4 (stages 2
 * and 1). Once a pass's butterflies span at most BLOCK elements (128 KiB: L2-resident),
 * blocks of that size are independent for all later passes, so each block runs them back to
 * back while it is in cache instead of each pass streaming the whole array through memory.
 *
 * Without `last` this is the NTT of n/4 extension elements (four limbs each, interleaved)
 * when the twiddle tables have every entry repeated four times: a stage of half-size h on
 * elements is the stage of half-size 4h on their words with each element's twiddle in all
 * four lanes, and the element stages 2 and 1 are the word passes h = 8 (and 4).
 * Self-contained (the helper threads run its source).
 */
function nttPasses(x: NttExports, data: number, n: number, tw: number, mu: number, p: number, w4: number, w4mu: number, last: boolean): void {
  const BLOCK = 1 << 15;
  let h = n >>> 1;
  for (; h >= 8 && 2 * h > BLOCK; h >>>= 2) x.pass4(data, n, h, tw, mu, p);
  const len = Math.min(n, BLOCK);
  for (let b = 0; b < n; b += len) {
    const at = data + 4 * b;
    let k = h;
    for (; k >= 8; k >>>= 2) x.pass4(at, len, k, tw, mu, p);
    if (k === 4) x.pass2(at, len, 4, tw, mu, p);
    if (last) x.last4(at, len, w4, w4mu, p);
  }
}

// ---- runtime ----

interface NttExports {
  pass4: (data: number, n: number, h: number, tw: number, mu: number, p: number) => void;
  twist: (src: number, dst: number, n: number, init: number, step: number, stepmu: number, mu: number, p: number) => void;
  last4: (data: number, n: number, w4: number, w4mu: number, p: number) => void;
  mobius: (c: number, n: number, h: number, p: number) => void;
  pass2: (data: number, n: number, h: number, tw: number, mu: number, p: number) => void;
  evens: (src: number, dst: number, count: number) => void;
  evensVec: (src: number, dst: number, count: number) => void;
}

interface SimdNtt extends NttExports {
  mem: WebAssembly.Memory;
}

let instance: SimdNtt | null | undefined;
let loaded: { tw: Uint32Array | null; n: number; buffer: ArrayBuffer | null } = { tw: null, n: 0, buffer: null };

function load(): SimdNtt | null {
  if (instance !== undefined) return instance;
  try {
    const mem = new WebAssembly.Memory({ initial: 1 });
    const mod = new WebAssembly.Module(moduleBytes(kernelFuncs()));
    const inst = new WebAssembly.Instance(mod, { env: { mem } });
    instance = { mem, ...(inst.exports as unknown as NttExports) };
  } catch {
    instance = null;
  }
  return instance;
}

/**
 * [g^0, g^1, …, g^(count−1)] (times 2^32 mod p when `montgomery`) by the twist kernel over a
 * constant input (1, or 2^32 mod p), into `out` at `at`; false (nothing written) without wasm
 * SIMD or for a count that is not a multiple of 4. Exact arithmetic: the same canonical
 * values as a JS power table, at a fraction of the cost (twiddle tables of the largest
 * commitments have millions of entries).
 */
export function simdPowers(F: PrimeField, g: number, count: number, montgomery: boolean, out: Uint32Array, at = 0): boolean {
  if (count < 4 || count % 4 !== 0 || F.p >= 2 ** 31 || !simdKernels.enabled) return false;
  const w = load();
  if (!w) return false;
  const need = 4 * (2 * count + 4);
  if (w.mem.buffer.byteLength < need) {
    try {
      w.mem.grow(Math.ceil((need - w.mem.buffer.byteLength) / 65536));
    } catch {
      return false;
    }
  }
  // The area's twiddles are overwritten: reload them on the next simdArea call.
  loaded = { tw: null, n: 0, buffer: null };
  const heap = new Uint32Array(w.mem.buffer);
  const p = F.p;
  const mu = montMu(p);
  const r = F.reduce(2 ** 32);
  heap.fill(montgomery ? r : 1, 0, count);
  let gi = r;
  for (let k = 0; k < 4; k++) {
    heap[2 * count + k] = gi;
    gi = F.mul(gi, g);
  }
  const step = F.mul(F.pow(g, 4), r);
  w.twist(0, 4 * count, count, 8 * count, step, Math.imul(step, mu), mu, p);
  out.set(heap.subarray(count, 2 * count), at);
  return true;
}

/** Montgomery twiddles w·2^32 mod p, per (field, table). */
const montCache = new WeakMap<Uint32Array, Uint32Array>();

function montTwiddles(F: PrimeField, tw: Uint32Array): Uint32Array {
  let mt = montCache.get(tw);
  if (mt) return mt;
  const p = F.p;
  mt = new Uint32Array(tw.length);
  // The top level (ω^j·2^32 for ω of order tw.length) as Montgomery powers; the lower
  // levels are strided copies of it, as in the plain table (tw[h + j] = tw[2h + 2j]).
  const top = tw.length >>> 1;
  if (!simdPowers(F, F.rootOfUnity(31 - Math.clz32(tw.length)), top, true, mt, top)) {
    const r = F.reduce(2 ** 32);
    const rq = r * F.invP;
    for (let i = top; i < tw.length; i++) {
      const x = tw[i]!;
      const w = (Math.imul(x, r) - Math.imul(Math.floor(x * rq), p)) | 0;
      mt[i] = w < 0 ? w + p : w >= p ? w - p : w;
    }
  }
  for (let h = top >>> 1; h >= 1; h >>>= 1) for (let j = 0; j < h; j++) mt[h + j] = mt[2 * h + 2 * j]!;
  montCache.set(tw, mt);
  return mt;
}

/**
 * Wasm working area for NTTs of size n = 2^logN, or null when wasm SIMD is unavailable or
 * the size is too small for the vector passes. Word layout of `heap` (a view of wasm memory,
 * valid until the next `simdArea` call): data [0, n), twiddles [n, 2n) (then n unused words), coefficients
 * [3n, 4n), four scratch words at 4n.
 */
export interface SimdArea {
  readonly heap: Uint32Array;
  readonly n: number;
  /** Every pass of the DIF NTT of data (see {@link nttPasses}); returns 0 (no pass left for JS). */
  passes(): number;
  /** data[i] = coefficients[i]·g^i. */
  twist(g: number): void;
  /** In-place Möbius transform of the coefficient region (evaluations → coefficients). */
  mobius(): void;
}

export function simdArea(F: PrimeField, logN: number, tw: Uint32Array): SimdArea | null {
  const n = 1 << logN;
  if (n < 16 || F.p >= 2 ** 31 || !simdKernels.enabled) return null;
  const w = load();
  if (!w) return null;
  const m = montTwiddles(F, tw);
  const bytes = 4 * n;
  const need = 4 * bytes + 16;
  if (w.mem.buffer.byteLength < need) {
    try {
      w.mem.grow(Math.ceil((need - w.mem.buffer.byteLength) / 65536));
    } catch {
      return null; // beyond wasm32's 4 GB (or out of memory): the JS kernel takes over
    }
  }
  const heap = new Uint32Array(w.mem.buffer);
  // Several NTTs of one size run in a row: copy the twiddles only when they change.
  if (loaded.tw !== m || loaded.n !== n || loaded.buffer !== w.mem.buffer) {
    heap.set(m.subarray(0, n), n);
    loaded = { tw: m, n, buffer: w.mem.buffer };
  }
  const p = F.p;
  const mu = montMu(p);
  const r = F.reduce(2 ** 32);
  return {
    heap,
    n,
    passes(): number {
      nttPasses(w, 0, n, bytes, mu, p, m[3]!, Math.imul(m[3]!, mu), true);
      return 0;
    },
    twist(g: number): void {
      let gi = r;
      for (let k = 0; k < 4; k++) {
        heap[4 * n + k] = gi;
        gi = F.mul(gi, g);
      }
      const step = F.mul(F.pow(g, 4), r);
      w.twist(3 * bytes, 0, n, 4 * bytes, step, Math.imul(step, mu), mu, p);
    },
    mobius(): void {
      w.mobius(3 * bytes, n, 0, p);
      let h = 4;
      for (; 4 * h <= n; h <<= 2) w.mobius(3 * bytes, n, h, p);
      if (2 * h <= n) w.mobius(3 * bytes, n, -h, p);
    },
  };
}

/**
 * Runs the radix-4 passes of half-size h ≥ 8 of the DIF NTT on `a` (length 2^logN) through
 * wasm SIMD, in place (copying through wasm memory). Returns the half-size of the next pass
 * still to run (the JS kernel finishes), or −1 when wasm SIMD is not available.
 */
export function simdRadix4Passes(F: PrimeField, a: Uint32Array, logN: number, tw: Uint32Array): number {
  const area = simdArea(F, logN, tw);
  if (!area) return -1;
  area.heap.set(a, 0);
  const h = area.passes();
  a.set(area.heap.subarray(0, area.n));
  return h;
}

// ---- the commit's and the opening layers' LDEs on several threads ----

/**
 * The DIF passes of lde.ts difNtt from half-size h down (h = 2^(logN−1−2k)), in JS: the
 * passes too small for the SIMD kernel. Self-contained (the helper threads run its source).
 */
export function difPassesJs(p: number, invP: number, a: Uint32Array, off: number, logN: number, h: number, tw: Uint32Array): void {
  const n = 1 << logN;
  const end = off + n;
  for (; h >= 4; h >>>= 2) {
    const h2 = h >>> 1;
    for (let start = off; start < end; start += 2 * h) {
      for (let j = 0; j < h2; j++) {
        const i0 = start + j;
        const i1 = i0 + h2;
        const i2 = i0 + h;
        const i3 = i1 + h;
        const x0 = a[i0]!;
        const x1 = a[i1]!;
        const x2 = a[i2]!;
        const x3 = a[i3]!;
        // Stage h: (i0, i2) with ω_{2h}^j, (i1, i3) with ω_{2h}^{j+h/2}.
        let s02 = x0 + x2 - p;
        s02 += p & (s02 >> 31);
        let s13 = x1 + x3 - p;
        s13 += p & (s13 >> 31);
        const d02 = x0 - x2;
        const d13 = x1 - x3;
        let w = tw[h + j]!;
        let y2 = (Math.imul(d02, w) - Math.imul(Math.floor(d02 * w * invP), p)) | 0;
        y2 += p & (y2 >> 31);
        w = tw[h + j + h2]!;
        let y3 = (Math.imul(d13, w) - Math.imul(Math.floor(d13 * w * invP), p)) | 0;
        y3 += p & (y3 >> 31);
        // Stage h/2: (i0, i1) and (i2, i3), both with ω_h^j. y2, y3 ∈ [0, p + 2^11).
        w = tw[h2 + j]!;
        let t = s02 + s13 - p;
        a[i0] = t + (p & (t >> 31));
        t = s02 - s13;
        t = (Math.imul(t, w) - Math.imul(Math.floor(t * w * invP), p)) | 0;
        t += p & (t >> 31);
        t -= p;
        a[i1] = t + (p & (t >> 31));
        t = y2 + y3 - p;
        t += p & (t >> 31);
        t -= p;
        a[i2] = t + (p & (t >> 31));
        t = y2 - y3;
        t = (Math.imul(t, w) - Math.imul(Math.floor(t * w * invP), p)) | 0;
        t += p & (t >> 31);
        t -= p;
        a[i3] = t + (p & (t >> 31));
      }
    }
  }
  if (h === 2) {
    const w4 = tw[3]!;
    const q4 = w4 * invP;
    for (let i0 = off; i0 < end; i0 += 4) {
      const x0 = a[i0]!;
      const x1 = a[i0 + 1]!;
      const x2 = a[i0 + 2]!;
      const x3 = a[i0 + 3]!;
      let s02 = x0 + x2 - p;
      s02 += p & (s02 >> 31);
      let s13 = x1 + x3 - p;
      s13 += p & (s13 >> 31);
      let y2 = x0 - x2;
      y2 += p & (y2 >> 31);
      const d13 = x1 - x3;
      let y3 = (Math.imul(d13, w4) - Math.imul(Math.floor(d13 * q4), p)) | 0;
      y3 += p & (y3 >> 31);
      let t = s02 + s13 - p;
      a[i0] = t + (p & (t >> 31));
      t = s02 - s13;
      a[i0 + 1] = t + (p & (t >> 31));
      t = y2 + y3 - p;
      t += p & (t >> 31);
      t -= p;
      a[i0 + 2] = t + (p & (t >> 31));
      t = y2 - y3;
      t += p & (t >> 31);
      a[i0 + 3] = t + (p & (t >> 31));
    }
  } else if (h === 1) {
    for (let i = off; i < end; i += 2) {
      const u = a[i]!;
      const v = a[i + 1]!;
      const s = u + v - p;
      a[i] = s + (p & (s >> 31));
      const d = u - v;
      a[i + 1] = d + (p & (d >> 31));
    }
  }
}


/**
 * LDE blocks [start, end) (see lde.ts: block b = DIF NTT of the coefficients twisted by
 * g_b): twist into this caller's data area, every NTT pass (nttPasses; `last` false for an
 * ext vector's interleaved limbs), copy to out[b·n ..]. Per block, 8 words at `constsAt`: the
 * twist's four initial lanes, step, step·μ, and 1 when g_b = 1 (plain copy). Self-contained:
 * its source text is the helper threads' kernel.
 */
function ldeBlocks(
  x: NttExports, mem: WebAssembly.Memory, n: number, p: number, mu: number, coefAt: number, twAt: number,
  constsAt: number, dataAt: number, w4: number, w4mu: number, last: boolean, out: Uint32Array, start: number, end: number,
): void {
  const heap = new Uint32Array(mem.buffer);
  const d = dataAt >>> 2;
  for (let b = start; b < end; b++) {
    const c = (constsAt >>> 2) + 8 * b;
    if (heap[c + 6] === 1) heap.copyWithin(d, coefAt >>> 2, (coefAt >>> 2) + n);
    else x.twist(coefAt, dataAt, n, 4 * c, heap[c + 4]!, heap[c + 5]!, mu, p);
    nttPasses(x, dataAt, n, twAt, mu, p, w4, w4mu, last);
    out.set(heap.subarray(d, d + n), b * n);
  }
}

/**
 * Codeword blocks [start, end) in place: block b (n words at outAt + 4·n·b) = the twisted
 * coefficients (or a copy for g_b = 1; block constants as in ldeBlocks), then every NTT
 * pass on it. Self-contained (the helper threads run its source).
 */
function ldeBlocksInPlace(
  x: NttExports, mem: WebAssembly.Memory, n: number, p: number, mu: number, coefAt: number, twAt: number,
  constsAt: number, outAt: number, w4: number, w4mu: number, start: number, end: number,
): void {
  const heap = new Uint32Array(mem.buffer);
  for (let b = start; b < end; b++) {
    const c = (constsAt >>> 2) + 8 * b;
    const dst = outAt + 4 * n * b;
    if (heap[c + 6] === 1) heap.copyWithin(dst >>> 2, coefAt >>> 2, (coefAt >>> 2) + n);
    else x.twist(coefAt, dst, n, 4 * c, heap[c + 4]!, heap[c + 5]!, mu, p);
    nttPasses(x, dst, n, twAt, mu, p, w4, w4mu, true);
  }
}

/** The Möbius stages of stride < m on chunks [start, end) of m elements at word `at` (all stages of each chunk). */
function mobiusChunks(x: NttExports, _mem: WebAssembly.Memory, at: number, m: number, p: number, start: number, end: number): void {
  for (let s = start; s < end; s++) {
    const c = 4 * (at + s * m);
    x.mobius(c, m, 0, p);
    let h = 4;
    for (; 4 * h <= m; h <<= 2) x.mobius(c, m, h, p);
    if (2 * h <= m) x.mobius(c, m, -h, p);
  }
}

/** The Möbius stage of stride H (x[j + H] −= x[j], x at word `at`) on the pairs q ∈ [start, end), j = q + ⌊q/H⌋·H. */
function mobiusStride(_x: NttExports, mem: WebAssembly.Memory, at: number, H: number, p: number, start: number, end: number): void {
  const heap = new Uint32Array(mem.buffer);
  for (let q = start; q < end; q++) {
    const j = at + q + (q & ~(H - 1));
    const d = heap[j + H]! - heap[j]!;
    heap[j + H] = d + (p & (d >> 31));
  }
}

const kernels = wasmKernelSet<NttExports>('ntt-simd', kernelFuncs, [ldeBlocks, ldeBlocksInPlace, mobiusChunks, mobiusStride], [nttPasses]);

/** Ext LDE areas by size (twiddles in place), reused: the opening layers' of each size. */
const extAreas = new Map<number, { mem: WebAssembly.Memory; blocks: number; slots: number }>();

/** Extension elements below which {@link extLde} declines (the per-limb path is as fast). */
const EXT_MIN_SIZE = 1 << 6;

/**
 * Bit-reversed codeword (rate 2^−logBlowup) of an extension-field coefficient vector
 * (4 interleaved limbs per element), limbs interleaved the same way: one NTT over the
 * interleaved words (see nttPasses) instead of four limb NTTs with their gathers and
 * scatters; the blocks are split across the pool's threads. The codeword is shared memory
 * when there are helper threads (the Merkle tree over it is split too). Null without shared
 * wasm SIMD memory or below EXT_MIN_SIZE elements.
 */
export function extLde(F: PrimeField, coeffs: Uint32Array, logBlowup: number, rev: (x: number, bits: number) => number): Uint32Array | null {
  const n = coeffs.length; // words, 4 per element
  const elems = n >>> 2;
  const blocks = 1 << logBlowup;
  if (elems < EXT_MIN_SIZE || (elems & (elems - 1)) !== 0 || F.p >= 2 ** 31 || !simdKernels.enabled || !kernels.sharedModule()) return null;
  const slots = Math.min(proverThreads(), blocks);
  const logElems = 31 - Math.clz32(elems);
  const p = F.p;
  const mu = montMu(p);
  const r = F.reduce(2 ** 32);
  // Words: coefficients [0, n), twiddles [n, 2n), block constants (8 per block), then one
  // data area of n per slot.
  const twAt = n;
  const constsAt = 2 * n;
  const dataAt = (slot: number) => constsAt + 8 * blocks + slot * n;
  let area = extAreas.get(n);
  if (!area || area.blocks !== blocks || area.slots !== slots) {
    extAreas.delete(n);
    const mem = sharedMemory(4 * dataAt(slots));
    if (!mem) return null;
    const heap = new Uint32Array(mem.buffer);
    const x = kernels.exportsFor(mem);
    // Twiddles of the element NTT, each in all four lanes (index h + j ↔ ω_{2h}^j at words
    // 4(h + j) ..+4, Montgomery form): the top level by the twist kernel (every lane the
    // same power, stepping by ω) over a constant 2^32 mod p, each lower level every other
    // vector of the one above.
    const h = elems >>> 1;
    const w = F.rootOfUnity(logElems);
    heap.fill(r, twAt + 4 * h, twAt + n);
    heap.fill(r, constsAt, constsAt + 4);
    const step = F.mul(w, r);
    x.twist(4 * (twAt + 4 * h), 4 * (twAt + 4 * h), 4 * h, 4 * constsAt, step, Math.imul(step, mu), mu, p);
    for (let hh = h >>> 1; hh >= 1; hh >>>= 1) x.evensVec(4 * (twAt + 8 * hh), 4 * (twAt + 4 * hh), hh);
    area = { mem, blocks, slots };
    // A few sizes kept (the witness's and the weights' opening layers).
    if (extAreas.size >= 6) extAreas.delete(extAreas.keys().next().value!);
    extAreas.set(n, area);
  }
  const mem = area.mem;
  const heap = new Uint32Array(mem.buffer);
  const x = kernels.exportsFor(mem);
  const local = <A extends KernelArg[]>(f: (x: NttExports, ...rest: never[]) => void) => (a: A) => (f as (x: NttExports, ...rest: KernelArg[]) => void)(x, ...a);
  heap.set(coeffs, 0);
  const omegaN = F.rootOfUnity(logElems + logBlowup);
  for (let b = 0; b < blocks; b++) {
    const g = F.pow(omegaN, rev(b, logBlowup));
    const c = constsAt + 8 * b;
    // The twist's lanes: each element's four limbs by the same power, stepping by g.
    heap.fill(r, c, c + 4);
    const st = F.mul(g, r);
    heap[c + 4] = st;
    heap[c + 5] = Math.imul(st, mu);
    heap[c + 6] = g === 1 ? 1 : 0;
  }
  const codeword = slots > 1 ? sharedU32(n << logBlowup) : new Uint32Array(n << logBlowup);
  parallelFor(
    kernels.bundle(),
    'ldeBlocks',
    blocks,
    1,
    (slot, s, e) => [mem, n, p, mu, 0, 4 * twAt, 4 * constsAt, 4 * dataAt(slot), 0, 0, false, codeword, s, e],
    local(ldeBlocks),
  );
  return codeword;
}

/**
 * The commit's encoding (as lde.ts mobiusLde): Möbius transform of `values`, then the LDE
 * at rate 2^−logBlowup, in one fresh shared wasm memory that the results stay in: the
 * codeword blocks are transformed in place where they are returned (no data areas, no
 * copies out) and the coefficients are a view too; the Möbius chunks and the LDE blocks are
 * split across the pool's threads. The twiddles are computed into the same memory by the
 * twist kernel (no JS tables). Null without shared wasm SIMD memory (or a memory that
 * large). Same output as the other paths.
 */
export function commitLde(F: PrimeField, values: Uint32Array, logBlowup: number, rev: (x: number, bits: number) => number): { coeffs: Uint32Array; codeword: Uint32Array } | null {
  const n = values.length;
  const logN = 31 - Math.clz32(n);
  const blocks = 1 << logBlowup;
  if (n < 16 || F.p >= 2 ** 31 || !simdKernels.enabled || !kernels.sharedModule()) return null;
  const total = n * blocks;
  // Words: codeword [0, total), coefficients [total, +n), twiddles [+n, +2n), block
  // constants (8 per block).
  const coefAt = total;
  const twAt = coefAt + n;
  const constsAt = twAt + n;
  // Every word below constsAt is written before it is read, so a recycled memory serves
  // (pcs/wasm-asm.ts recycleMemory); the constants block is zeroed.
  const bytes = 4 * (constsAt + 8 * blocks + 8);
  const spare = recycledMemory(bytes);
  const mem = spare?.mem ?? sharedMemory(bytes);
  if (!mem) return null;
  const heap = new Uint32Array(mem.buffer);
  if (spare) {
    heap[twAt] = 0; // the twiddle table's unused entry 0
    heap.fill(0, constsAt, Math.min(heap.length, Math.ceil(spare.dirty / 4)));
  }
  const x = kernels.exportsFor(mem);
  const local = <A extends KernelArg[]>(f: (x: NttExports, ...rest: never[]) => void) => (a: A) => (f as (x: NttExports, ...rest: KernelArg[]) => void)(x, ...a);
  const p = F.p;
  const mu = montMu(p);
  const r = F.reduce(2 ** 32);
  // Twiddles (index h + j ↔ ω_{2h}^j, Montgomery form): the top level as powers of ω_n by
  // the twist kernel over a constant 2^32 mod p (in place), each lower level a strided copy.
  const h = n >>> 1;
  const w = F.rootOfUnity(logN);
  heap.fill(r, twAt + h, twAt + n);
  let gi = r;
  for (let k = 0; k < 4; k++) {
    heap[constsAt + k] = gi;
    gi = F.mul(gi, w);
  }
  const step = F.mul(F.pow(w, 4), r);
  x.twist(4 * (twAt + h), 4 * (twAt + h), h, 4 * constsAt, step, Math.imul(step, mu), mu, p);
  for (let hh = h >>> 1; hh >= 1; hh >>>= 1) {
    if (hh >= 4) x.evens(4 * (twAt + 2 * hh), 4 * (twAt + hh), hh);
    else for (let j = 0; j < hh; j++) heap[twAt + hh + j] = heap[twAt + 2 * hh + 2 * j]!;
  }
  heap.set(values, coefAt);
  // Every Möbius stage inside chunks of n/parts, then the strides ≥ n/parts across the threads.
  const slots = Math.min(proverThreads(), blocks);
  let parts = 1;
  while (2 * parts <= slots) parts *= 2;
  const chunk = n / parts;
  parallelFor(kernels.bundle(), 'mobiusChunks', parts, 1, (_, s, e) => [mem, coefAt, chunk, p, s, e], local(mobiusChunks));
  for (let H = chunk; H < n; H *= 2) parallelFor(kernels.bundle(), 'mobiusStride', n / 2, 1 << 12, (_, s, e) => [mem, coefAt, H, p, s, e], local(mobiusStride));
  const omegaN = F.rootOfUnity(logN + logBlowup);
  for (let b = 0; b < blocks; b++) {
    const g = F.pow(omegaN, rev(b, logBlowup));
    const c = constsAt + 8 * b;
    let gb = r;
    for (let k = 0; k < 4; k++) {
      heap[c + k] = gb;
      gb = F.mul(gb, g);
    }
    const st = F.mul(F.pow(g, 4), r);
    heap[c + 4] = st;
    heap[c + 5] = Math.imul(st, mu);
    heap[c + 6] = g === 1 ? 1 : 0;
  }
  parallelFor(
    kernels.bundle(),
    'ldeBlocksInPlace',
    blocks,
    1,
    (_, s, e) => [mem, n, p, mu, 4 * coefAt, 4 * twAt, 4 * constsAt, 0, heap[twAt + 3]!, Math.imul(heap[twAt + 3]!, mu), s, e],
    local(ldeBlocksInPlace),
  );
  return { coeffs: heap.subarray(coefAt, coefAt + n), codeword: heap.subarray(0, total) };
}
