/**
 * WebAssembly SIMD kernels for the PCS opening's products by a fixed extension element
 * (BabyBear-ext4 or any p < 2^31 with x^4 = w): table folds and eq-table levels.
 *
 * One v128 holds the four limbs of one ext element. A product x·r by a fixed r is
 * Σ_i x_i·R_i with the rows R_0 = (r0, r1, r2, r3), R_1 = (w·r3, r0, r1, r2),
 * R_2 = (w·r2, w·r3, r0, r1), R_3 = (w·r1, w·r2, w·r3, r0) stored in Montgomery form
 * (·2^32 mod p). Two lane products x_i·R_i (< 2p² ≤ p·2^32) are summed as 64-bit lanes and
 * reduced once: with q = lo32(S)·p^−1 mod 2^32, S·2^−32 ≡ hi32(S) − hi32(q·p) ∈ (−p, p).
 * All stored values are canonical, so these kernels interleave freely with the JS ones and
 * produce identical tables.
 *
 * Tables live in an {@link ExtArena}: one wasm memory per prover process, laid out per opening.
 */
import type { PrimeField } from '@zkllm/verifier';
import {
  EXTMUL_HI_U,
  EXTMUL_LO_U,
  I32_ADD,
  I32_LT_U,
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
  instanceWithMemory,
  montMu,
  normalised,
  recycleMemory,
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

const I64X2_ADD = simd(0xce);
// Even i32 lanes of (a ‖ b): the low halves of two i64x2 values.
const SHUF_LO = [...simd(0x0d), 0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27];
const splatLane = (k: number) => [...simd(0x0d), ...[0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3].map((b) => 4 * k + b)];
const VLOAD_AT = (offset: number) => [...simd(0x00), 4, offset];

/** Locals shared by the kernels' product code (indices after the 7 params and 3 i32 locals). */
interface ProdLocals {
  P: number;
  MU: number;
  R: number; // R0..R3 at R, R+1, R+2, R+3
  t: number;
  SL: number;
  SH: number;
  X: number;
}

/**
 * Montgomery reduction of the 64-bit lane sums S in locals SL (low) and SH (high) halves:
 * pushes hi32(S) − hi32(q·p), q = lo32(S)·μ, normalised to [0, p) (`t` scratch).
 */
function montReduced(SL: number, SH: number, MU: number, P: number, t: number): number[] {
  return [
    ...get(SL), ...get(SH), ...SHUF_HI,
    ...get(SL), ...get(SH), ...SHUF_LO, ...get(MU), ...X_MUL, ...tee(t), ...get(P), ...EXTMUL_LO_U, ...get(t), ...get(P), ...EXTMUL_HI_U, ...SHUF_HI, ...X_SUB,
    ...normalised(t, P),
  ];
}

/** acc ← acc + the canonical value on the stack, mod p (a + b − p, normalised; `t` scratch). */
function addedInto(acc: number, P: number, t: number): number[] {
  return [...get(acc), ...X_ADD, ...get(P), ...X_SUB, ...normalised(t, P), ...set(acc)];
}

/** Pushes x·r (canonical) for the ext element in local `x`. */
function product(e: (...p: number[][]) => void, L: ProdLocals, x: number): void {
  const normalise = () => e(normalised(L.t, L.P));
  for (let half = 0; half < 2; half++) {
    const i = 2 * half;
    e(get(x), get(x), splatLane(i), tee(L.X), get(L.R + i), EXTMUL_LO_U, get(L.X), get(L.R + i), EXTMUL_HI_U, set(L.SH), set(L.SL));
    e(get(x), get(x), splatLane(i + 1), tee(L.X), get(L.R + i + 1), EXTMUL_LO_U, get(L.SL), I64X2_ADD, set(L.SL));
    e(get(L.X), get(L.R + i + 1), EXTMUL_HI_U, get(L.SH), I64X2_ADD, set(L.SH));
    e(montReduced(L.SL, L.SH, L.MU, L.P, L.t));
  }
  // sum of the two halves, both canonical: t = a + b − p; t + (p & (t >> 31))
  e(X_ADD, get(L.P), X_SUB);
  normalise();
}

/**
 * fold(src, dst, half, consts, sub, p, mu): dst[i] = l + r·(h − sub·l) for (l, h) =
 * (src[2i], src[2i+1]) (ext elements; byte addresses). sub = 1 folds an evaluation table,
 * sub = 0 folds monomial coefficients. dst may alias src.
 * consts: R0..R3 (64 bytes).
 */
function buildFold(): number[] {
  // params 0 src, 1 dst, 2 half, 3 consts, 4 sub, 5 p, 6 mu; i32 locals 7 i, 8 o, 9 end
  const i = 7, o = 8, end = 9;
  const L: ProdLocals = { P: 10, MU: 11, R: 12, t: 16, SL: 17, SH: 18, X: 19 };
  const l = 20, d = 21, MASK = 22;
  const { code, e } = emitter();
  e(get(5), SPLAT, set(L.P), get(6), SPLAT, set(L.MU));
  for (let k = 0; k < 4; k++) e(get(3), VLOAD_AT(16 * k), set(L.R + k));
  e(i32c(0), get(4), [0x6b] /* i32.sub */, SPLAT, set(MASK));
  e(get(0), set(i), get(1), set(o));
  e(get(2), i32c(5), [0x74], get(0), I32_ADD, set(end));
  e([0x02, 0x40], [0x03, 0x40]);
  e(get(i), get(end), I32_LT_U, [0x45], [0x0d, 1]);
  e(get(i), V_LOAD, set(l));
  e(get(i), VLOAD_AT(16), get(l), get(MASK), V_AND, X_SUB, tee(L.t), get(L.P), get(L.t), i32c(31), X_SHR_S, V_AND, X_ADD, set(d));
  e(get(o));
  product(e, L, d);
  e(get(l), X_ADD, get(L.P), X_SUB, tee(L.t), get(L.P), get(L.t), i32c(31), X_SHR_S, V_AND, X_ADD);
  e(V_STORE);
  e(get(i), i32c(32), I32_ADD, set(i), get(o), i32c(16), I32_ADD, set(o));
  e([0x0c, 0], [0x0b], [0x0b]);
  return code;
}

/**
 * eqLevel(t, size, consts, p, mu, dst): for j < size, hi = t[j]·z and lo = t[j] − hi (ext
 * elements at byte address t; consts: R0..R3 of z). Without accumulation (dst unused):
 * t[j] = lo, t[j + size] = hi, one level of the eq expansion. The accumulating variant
 * eqLevelAdd does dst[j] += lo, dst[j + size] += hi: the last level, added straight into
 * the batched table (a separate function, so the inner levels pay nothing for it).
 */
function buildEqLevel(accumulate: boolean): number[] {
  // params 0 t, 1 size, 2 consts, 3 p, 4 mu, 5 dst; i32 locals 6 j, 7 end, 8 hiOff, 9 dj
  const j = 6, end = 7, hiOff = 8, dj = 9;
  const L: ProdLocals = { P: 10, MU: 11, R: 12, t: 16, SL: 17, SH: 18, X: 19 };
  const lo = 20, hi = 21;
  const { code, e } = emitter();
  const normalise = () => e(normalised(L.t, L.P));
  e(get(3), SPLAT, set(L.P), get(4), SPLAT, set(L.MU));
  for (let k = 0; k < 4; k++) e(get(2), VLOAD_AT(16 * k), set(L.R + k));
  e(get(1), i32c(4), [0x74], tee(hiOff), get(0), I32_ADD, set(end));
  e(get(0), set(j), get(accumulate ? 5 : 0), set(dj));
  e([0x02, 0x40], [0x03, 0x40]);
  e(get(j), get(end), I32_LT_U, [0x45], [0x0d, 1]);
  e(get(j), V_LOAD, set(lo));
  product(e, L, lo);
  e(set(hi));
  if (accumulate) {
    e(get(dj), get(hiOff), I32_ADD, get(hi), get(dj), get(hiOff), I32_ADD, V_LOAD, X_ADD, get(L.P), X_SUB);
    normalise();
    e(V_STORE);
    e(get(dj), get(lo), get(hi), X_SUB);
    normalise();
    e(get(dj), V_LOAD, X_ADD, get(L.P), X_SUB);
    normalise();
    e(V_STORE);
  } else {
    e(get(dj), get(hiOff), I32_ADD, get(hi), V_STORE);
    e(get(dj), get(lo), get(hi), X_SUB);
    normalise();
    e(V_STORE);
  }
  e(get(j), i32c(16), I32_ADD, set(j), get(dj), i32c(16), I32_ADD, set(dj));
  e([0x0c, 0], [0x0b], [0x0b]);
  return code;
}

/**
 * foldBase(src, dst, half, consts, sub, p, mu): dst[i] = l + r·(h − sub·l) for base
 * (l, h) = (src[2i], src[2i+1]) (u32 each), ext dst (byte addresses). One lane product
 * d·R0 per entry. consts: R0 = r in Montgomery form. dst must not overlap src.
 */
function buildFoldBase(): number[] {
  // params 0 src, 1 dst, 2 half, 3 consts, 4 sub, 5 p, 6 mu; i32 locals 7 i, 8 o, 9 end, 10 l, 11 d
  const i = 7, o = 8, end = 9, l = 10, d = 11;
  // v128 locals 12 P, 13 MU, 14 R0, 15 t, 16 X, 17 LANE0
  const P = 12, MU = 13, R0 = 14, t = 15, X = 16, LANE0 = 17;
  const { code, e } = emitter();
  const normalise = () => e(normalised(t, P));
  e(get(5), SPLAT, set(P), get(6), SPLAT, set(MU), get(3), V_LOAD, set(R0));
  // (−1, 0, 0, 0): keeps lane 0 of a splat
  e(i32c(0), SPLAT, i32c(-1), [...simd(0x1c), 0] /* i32x4.replace_lane 0 */, set(LANE0));
  e(get(0), set(i), get(1), set(o));
  e(get(2), i32c(3), [0x74], get(0), I32_ADD, set(end));
  e([0x02, 0x40], [0x03, 0x40]);
  e(get(i), get(end), I32_LT_U, [0x45], [0x0d, 1]);
  // d = h − sub·l, normalised (scalar: l, h < p < 2^31)
  e(get(i), [0x28, 2, 0] /* i32.load */, tee(l));
  e(get(i), [0x28, 2, 4], get(l), get(4), [0x6c] /* i32.mul */, [0x6b] /* i32.sub */, tee(d));
  e(i32c(31), [0x75] /* i32.shr_s */, get(5), [0x71] /* i32.and */, get(d), I32_ADD, set(d));
  e(get(o));
  // X = splat(d); hi(X·R0) − hi(q·p), q = lo(X·R0)·μ = X·(R0·μ) computed from the product
  e(get(d), SPLAT, tee(X), get(R0), EXTMUL_LO_U, get(X), get(R0), EXTMUL_HI_U, SHUF_HI);
  e(get(X), get(R0), X_MUL, get(MU), X_MUL, tee(t), get(P), EXTMUL_LO_U, get(t), get(P), EXTMUL_HI_U, SHUF_HI, X_SUB);
  normalise();
  // + (l, 0, 0, 0)
  e(get(l), SPLAT, get(LANE0), V_AND, X_ADD, get(P), X_SUB);
  normalise();
  e(V_STORE);
  e(get(i), i32c(8), I32_ADD, set(i), get(o), i32c(16), I32_ADD, set(o));
  e([0x0c, 0], [0x0b], [0x0b]);
  return code;
}

/**
 * Round polynomial sums of Σ v·W (degree-2 sumcheck of the opening), two pairs per step.
 * Per pair (lo, hi) it needs g(0) = Σ v_lo·W_lo and g(2) = Σ (2v_hi − v_lo)(2W_hi − W_lo).
 * Instead of forming ext products it accumulates the 16 limb cross sums T_ij = Σ x_i·y_j
 * (lane j of accumulator i): the lane products of two pairs (< 2p² ≤ p·2^32) are summed as
 * 64-bit lanes and Montgomery-reduced once, then added into canonical i32 accumulators.
 * The caller combines T into ext limbs (x^4 = w) and undoes the 2^−32 of the reductions.
 *
 * roundExt(v, W, half, out, p, mu): ext v and W of 2·half entries (half even); out gets
 * T(g0) then T(g2), 4 vectors each (128 bytes).
 * roundBase(v, W, half, out, p, mu): base v (u32 entries), ext W; out gets the lane sums of
 * g0 then g2 (2 vectors, 32 bytes).
 */
function buildRound(base: boolean): number[] {
  // params 0 v, 1 W, 2 half, 3 out, 4 p, 5 mu; i32 locals 6 wo (W byte offset), 7 end, 8 vo, 9 s0, 10 s1
  const wo = 6, end = 7, vo = 8;
  let nv = 11;
  const P = nv++, MU = nv++, t = nv++, SL = nv++, SH = nv++, X = nv++;
  const a0 = nv++, b0 = nv++, a1 = nv++, b1 = nv++, c0 = nv++, f0 = nv++, c1 = nv++, f1 = nv++;
  const terms = base ? 1 : 4;
  const R0 = nv;
  nv += terms;
  const R2 = nv;
  nv += terms;
  const { code, e } = emitter();
  const normalise = () => e(normalised(t, P));
  // 2·hi − lo for canonical vectors: (hi − lo) normalised, + hi − p, normalised.
  const twiceMinus = (hiLocal: number, loLocal: number, dst: number) => {
    e(get(hiLocal), get(loLocal), X_SUB);
    normalise();
    e(get(hiLocal), X_ADD, get(P), X_SUB);
    normalise();
    e(set(dst));
  };
  // acc += reduce(Σ over the two pairs of X·y) where X = lane i of x (or the vector x itself when base)
  const accumulate = (x0: number, y0: number, x1: number, y1: number, acc: number, lane: number) => {
    const xs = (x: number) => (base ? e(get(x)) : e(get(x), get(x), splatLane(lane)));
    xs(x0);
    e(tee(X), get(y0), EXTMUL_LO_U, get(X), get(y0), EXTMUL_HI_U, set(SH), set(SL));
    xs(x1);
    e(tee(X), get(y1), EXTMUL_LO_U, get(SL), I64X2_ADD, set(SL));
    e(get(X), get(y1), EXTMUL_HI_U, get(SH), I64X2_ADD, set(SH));
    e(montReduced(SL, SH, MU, P, t), addedInto(acc, P, t));
  };
  e(get(4), SPLAT, set(P), get(5), SPLAT, set(MU));
  e(get(1), set(wo), get(0), set(vo));
  e(get(2), i32c(5), [0x74], get(1), I32_ADD, set(end));
  e([0x02, 0x40], [0x03, 0x40]);
  e(get(wo), get(end), I32_LT_U, [0x45], [0x0d, 1]);
  if (base) {
    // v entries are scalars: a = splat(v_lo), c = splat(2·v_hi − v_lo)
    e(get(vo), [0x28, 2, 0], SPLAT, set(a0), get(vo), [0x28, 2, 4], SPLAT, set(c0));
    e(get(vo), [0x28, 2, 8], SPLAT, set(a1), get(vo), [0x28, 2, 12], SPLAT, set(c1));
    twiceMinus(c0, a0, c0);
    twiceMinus(c1, a1, c1);
  } else {
    e(get(vo), V_LOAD, set(a0), get(vo), VLOAD_AT(16), set(c0));
    e(get(vo), VLOAD_AT(32), set(a1), get(vo), VLOAD_AT(48), set(c1));
    twiceMinus(c0, a0, c0);
    twiceMinus(c1, a1, c1);
  }
  e(get(wo), V_LOAD, set(b0), get(wo), VLOAD_AT(16), set(f0));
  e(get(wo), VLOAD_AT(32), set(b1), get(wo), VLOAD_AT(48), set(f1));
  twiceMinus(f0, b0, f0);
  twiceMinus(f1, b1, f1);
  for (let i = 0; i < terms; i++) accumulate(a0, b0, a1, b1, R0 + i, i);
  for (let i = 0; i < terms; i++) accumulate(c0, f0, c1, f1, R2 + i, i);
  e(get(wo), i32c(64), I32_ADD, set(wo));
  e(get(vo), i32c(base ? 16 : 64), I32_ADD, set(vo));
  e([0x0c, 0], [0x0b], [0x0b]);
  for (let i = 0; i < 2 * terms; i++) e(get(3), get(R0 + i), [...simd(0x0b), 4, 16 * i]);
  return code;
}

/**
 * multiFoldBase(src, dst, count, T, size, p, mu): dst[i] = Σ_{b < size} src[size·i + b]·T[b]
 * for i < count: base src (u32 each), ext T (size entries, Montgomery form) and dst (byte
 * addresses). With T the tensor product of (1, r_j) over `a` challenges (size = 2^a) this is
 * `a` successive coefficient folds at once. Two lane products per reduction (as roundBase).
 */
function buildMultiFoldBase(): number[] {
  // params 0 src, 1 dst, 2 count, 3 T, 4 size, 5 p, 6 mu; i32 locals 7 sp, 8 dp, 9 dend, 10 tp, 11 tend
  const sp = 7, dp = 8, dend = 9, tp = 10, tend = 11;
  // v128 locals 12 P, 13 MU, 14 t, 15 SL, 16 SH, 17 X, 18 acc
  const P = 12, MU = 13, t = 14, SL = 15, SH = 16, X = 17, acc = 18;
  const { code, e } = emitter();
  e(get(5), SPLAT, set(P), get(6), SPLAT, set(MU));
  e(get(0), set(sp), get(1), set(dp), get(2), i32c(4), [0x74], get(1), I32_ADD, set(dend));
  e(get(4), i32c(4), [0x74], get(3), I32_ADD, set(tend));
  e([0x02, 0x40], [0x03, 0x40]);
  e(get(dp), get(dend), I32_LT_U, [0x45], [0x0d, 1]);
  e(i32c(0), SPLAT, set(acc), get(3), set(tp));
  e([0x02, 0x40], [0x03, 0x40]);
  e(get(tp), get(tend), I32_LT_U, [0x45], [0x0d, 1]);
  e(get(sp), [0x28, 2, 0], SPLAT, tee(X), get(tp), V_LOAD, EXTMUL_LO_U, get(X), get(tp), V_LOAD, EXTMUL_HI_U, set(SH), set(SL));
  e(get(sp), [0x28, 2, 4], SPLAT, tee(X), get(tp), VLOAD_AT(16), EXTMUL_LO_U, get(SL), I64X2_ADD, set(SL));
  e(get(X), get(tp), VLOAD_AT(16), EXTMUL_HI_U, get(SH), I64X2_ADD, set(SH));
  e(montReduced(SL, SH, MU, P, t), addedInto(acc, P, t));
  e(get(sp), i32c(8), I32_ADD, set(sp), get(tp), i32c(32), I32_ADD, set(tp));
  e([0x0c, 0], [0x0b], [0x0b]);
  e(get(dp), get(acc), V_STORE);
  e(get(dp), i32c(16), I32_ADD, set(dp));
  e([0x0c, 0], [0x0b], [0x0b]);
  return code;
}

/** Number of v128 locals of buildRound. */
const roundV128Locals = (base: boolean) => 14 + 2 * (base ? 1 : 4);

/** addVec(dst, src, bytes, p): dst += src lane-wise mod p (canonical; bytes a multiple of 16). */
function buildAdd(): number[] {
  // params 0 dst, 1 src, 2 bytes, 3 p; i32 locals 4 k; v128 5 P, 6 t
  const k = 4, P = 5, t = 6;
  const { code, e } = emitter();
  e(get(3), SPLAT, set(P), i32c(0), set(k));
  e([0x02, 0x40], [0x03, 0x40]);
  e(get(k), get(2), I32_LT_U, [0x45], [0x0d, 1]);
  e(get(0), get(k), I32_ADD);
  e(get(0), get(k), I32_ADD, V_LOAD, get(1), get(k), I32_ADD, V_LOAD, X_ADD, get(P), X_SUB);
  e(tee(t), get(P), get(t), i32c(31), X_SHR_S, V_AND, X_ADD, V_STORE);
  e(get(k), i32c(16), I32_ADD, set(k));
  e([0x0c, 0], [0x0b], [0x0b]);
  return code;
}

interface ExtExports {
  fold: (src: number, dst: number, half: number, consts: number, sub: number, p: number, mu: number) => void;
  eqLevel: (t: number, size: number, consts: number, p: number, mu: number, dst: number) => void;
  eqLevelAdd: (t: number, size: number, consts: number, p: number, mu: number, dst: number) => void;
  addVec: (dst: number, src: number, bytes: number, p: number) => void;
  foldBase: (src: number, dst: number, half: number, consts: number, sub: number, p: number, mu: number) => void;
  roundExt: (v: number, W: number, half: number, out: number, p: number, mu: number) => void;
  roundBase: (v: number, W: number, half: number, out: number, p: number, mu: number) => void;
  multiFoldBase: (src: number, dst: number, count: number, T: number, size: number, p: number, mu: number) => void;
}

interface ExtKernels extends ExtExports {
  mem: WebAssembly.Memory;
}

function kernelFuncs(): WasmFunc[] {
  return [
    { name: 'fold', params: 7, i32Locals: 3, v128Locals: 13, code: buildFold() },
    { name: 'eqLevel', params: 6, i32Locals: 4, v128Locals: 12, code: buildEqLevel(false) },
    { name: 'eqLevelAdd', params: 6, i32Locals: 4, v128Locals: 12, code: buildEqLevel(true) },
    { name: 'addVec', params: 4, i32Locals: 1, v128Locals: 2, code: buildAdd() },
    { name: 'foldBase', params: 7, i32Locals: 5, v128Locals: 6, code: buildFoldBase() },
    { name: 'roundExt', params: 6, i32Locals: 5, v128Locals: roundV128Locals(false), code: buildRound(false) },
    { name: 'roundBase', params: 6, i32Locals: 5, v128Locals: roundV128Locals(true), code: buildRound(true) },
    { name: 'multiFoldBase', params: 7, i32Locals: 5, v128Locals: 7, code: buildMultiFoldBase() },
  ];
}

// ---- kernels of the helper threads (self-contained: their source text is what helpers run) ----

/** Round sums over the pairs [2·start, 2·end) into the 32-word block at outAt (zeros when empty). */
function roundRange(x: ExtExports, mem: WebAssembly.Memory, base: number, v: number, W: number, outAt: number, p: number, mu: number, start: number, end: number): void {
  if (end <= start) {
    new Uint32Array(mem.buffer, outAt, 32).fill(0);
    return;
  }
  (base ? x.roundBase : x.roundExt)(v + (base ? 16 : 64) * start, W + 64 * start, 2 * (end - start), outAt, p, mu);
}

/** fold / foldBase of the output entries [start, end); dst is the byte address of output entry 0. */
function foldRange(x: ExtExports, _mem: WebAssembly.Memory, base: number, src: number, dst: number, constsAt: number, sub: number, p: number, mu: number, start: number, end: number): void {
  if (end > start) (base ? x.foldBase : x.fold)(src + (base ? 8 : 32) * start, dst + 16 * start, end - start, constsAt, sub, p, mu);
}

/** multiFoldBase of the output entries [start, end) (size inputs each). */
function multiFoldRange(x: ExtExports, _mem: WebAssembly.Memory, src: number, dst: number, T: number, size: number, p: number, mu: number, start: number, end: number): void {
  if (end > start) x.multiFoldBase(src + 4 * size * start, dst + 16 * start, end - start, T, size, p, mu);
}

/**
 * Runs every kernel 24 times on 2^15 words of scratch at word `at` + 2^15·slot (zeros or
 * leftovers: the results are thrown away): a fresh wasm module runs in V8's baseline tier
 * until each function has used up its tier-up budget, and an opening's largest calls (the
 * first rounds') come first — measured 2–4× slower than after tier-up (40 vs 10–16 ms for
 * one 2^21-entry fold). Each helper compiles its own copy of the module, so each primes its
 * own. Self-contained (its source text is the helpers' kernel).
 */
function primeRange(x: ExtExports, _mem: WebAssembly.Memory, at: number, p: number, mu: number, start: number, end: number): void {
  for (let slot = start; slot < end; slot++) {
    const b = 4 * (at + (slot << 15)); // 256 bytes of constants / round output, then tables
    const t = b + 256;
    for (let c = 0; c < 24; c++) {
      x.fold(t, t, 1024, b, 1, p, mu);
      x.foldBase(t, t + 32768, 1024, b, 1, p, mu);
      x.roundExt(t, t + 32768, 1024, b + 64, p, mu);
      x.roundBase(t, t + 32768, 1024, b + 64, p, mu);
      x.multiFoldBase(t, t + 65536, 64, b, 16, p, mu);
      x.eqLevel(t, 1024, b, p, mu, 0);
      x.eqLevelAdd(t, 1024, b, p, mu, t + 65536);
    }
  }
}

/** Zeroes words [at + start, at + end) of the memory (plain stores: see ExtArena.prefault). */
function zeroRange(_x: ExtExports, mem: WebAssembly.Memory, at: number, start: number, end: number): void {
  new Uint32Array(mem.buffer).fill(0, at + start, at + end);
}

/**
 * Claims [start, end) of `list` (3 words each: k, dst byte address, byte address of the
 * claim's scale (4 words) followed by its k levels of product constants (16 words each)):
 * dst[0 .. 2^k) += scale·eq(z, ·), expanded in the scratch at scratchAt (as addScaledEq).
 */
function eqClaims(x: ExtExports, mem: WebAssembly.Memory, list: Uint32Array, scratchAt: number, p: number, mu: number, start: number, end: number): void {
  const heap = new Uint32Array(mem.buffer);
  for (let c = start; c < end; c++) {
    const k = list[3 * c]!;
    const dst = list[3 * c + 1]!;
    const area = list[3 * c + 2]!;
    if (k === 0) {
      for (let q = 0; q < 4; q++) {
        const t = heap[(dst >>> 2) + q]! + heap[(area >>> 2) + q]! - p;
        heap[(dst >>> 2) + q] = t + (p & (t >> 31));
      }
      continue;
    }
    heap.copyWithin(scratchAt >>> 2, area >>> 2, (area >>> 2) + 4);
    for (let lvl = 0; lvl < k - 1; lvl++) x.eqLevel(scratchAt, 1 << lvl, area + 16 + 64 * lvl, p, mu, 0);
    x.eqLevelAdd(scratchAt, 1 << (k - 1), area + 16 + 64 * (k - 1), p, mu, dst);
  }
}

const kernels = wasmKernelSet<ExtExports>('ext-simd', kernelFuncs, [roundRange, foldRange, eqClaims, multiFoldRange, zeroRange, primeRange]);

/** Thread counts (1: the unshared module) whose kernels have been primed (see primeRange). */
const primed = new Set<number>();

/** Below this many pairs (or eq entries) an arena kernel stays on the calling thread. */
const PARALLEL_MIN = 1 << 13;

/**
 * A fresh instance with its own memory of at least `bytes`: the memory (hundreds of MB for
 * a large opening) is garbage once the arena is dropped, instead of staying reserved.
 * `shared`: a shared memory the pool's helper threads work on too (null if unavailable).
 */
function instantiate(bytes: number, shared: boolean): ExtKernels | null {
  if (shared) {
    const mem = kernels.sharedModule() && sharedMemory(bytes);
    return mem ? { mem, ...kernels.exportsFor(mem) } : null;
  }
  const mod = kernels.module();
  const inst = mod && instanceWithMemory(mod, bytes);
  if (!inst) return null;
  return { mem: inst.mem, ...(inst.exports as unknown as ExtExports) };
}

/** A block claim for {@link ExtArena.addScaledEqMany}: dst += scale·eq(z, ·). */
export interface EqBlockClaim {
  dst: Uint32Array;
  z: Uint32Array;
  scale: Uint32Array;
}

/**
 * Bump allocator over a wasm memory of fixed size for one opening; tables handed out are
 * Uint32Array views of it.
 */
export class ExtArena {
  private readonly k: ExtKernels;
  /** Threads whose kernels share this arena (1: no helpers). */
  private readonly slots: number;
  private readonly F: PrimeField;
  private readonly w: number;
  private readonly mu: number;
  private readonly r2: number;
  private heap: Uint32Array;
  private top = 0;
  /** Words the caller asked for: alloc refuses beyond them (a recycled memory may be larger). */
  private readonly limit: number;
  /** Words [0, dirty) hold a previous opening's data (a recycled memory): alloc zeroes them. */
  private dirty: number;
  /** Word offset of the 32-word constant / result block. */
  private readonly consts: number;

  private constructor(k: ExtKernels, F: PrimeField, w: number, slots: number, limit: number, dirty: number) {
    this.k = k;
    this.slots = slots;
    this.F = F;
    this.w = w;
    this.mu = montMu(F.p);
    this.r2 = F.reduce(2 ** 32);
    this.heap = new Uint32Array(k.mem.buffer);
    this.limit = Math.min(limit, this.heap.length);
    this.dirty = Math.min(dirty, this.heap.length);
    this.consts = 0;
    // Then one 32-word result block per thread (the round sums of a split round).
    this.top = 32 + 32 * slots;
    this.heap.fill(0, 0, Math.min(this.top, this.dirty));
  }

  /**
   * An arena for tables totalling at most `words` u32, or null without wasm SIMD. With
   * `parallelWords` > 0 and helper threads, the memory is shared and large kernels are split
   * across the threads; the arena then also holds `parallelWords` more words (their scratch:
   * see {@link parallelScratchWords}). A shared arena may come from {@link release}d ones.
   */
  static open(F: PrimeField, w: number, words: number, parallelWords = 0): ExtArena | null {
    if (F.p >= 2 ** 31 || !simdKernels.enabled) return null;
    const threads = parallelWords > 0 ? proverThreads() : 1;
    // Shared (with the helpers' scratch) when it can be; else as on one thread.
    if (threads > 1 && kernels.sharedModule()) {
      const total = words + parallelWords + 32 + 32 * threads;
      const spare = recycledMemory(4 * total);
      if (spare) return new ExtArena({ mem: spare.mem, ...kernels.exportsFor(spare.mem) }, F, w, threads, total, Math.ceil(spare.dirty / 4));
      const shared = instantiate(4 * total, true);
      if (shared) return new ExtArena(shared, F, w, threads, total, 0);
    }
    const k = instantiate(4 * (words + 64), false);
    return k ? new ExtArena(k, F, w, 1, words + 64, 0) : null;
  }

  /**
   * Ends the arena (its views must be dead: an opening's tables never leave pcsOpen); a
   * shared memory goes to the next opening (pcs/wasm-asm.ts recycleMemory: ~200 MB of first
   * touches per 32-token witness opening saved), which zeroes what it allocates of it.
   */
  release(): void {
    if (this.slots > 1) recycleMemory(this.k.mem, 4 * Math.max(this.top, this.dirty));
    this.heap = new Uint32Array(0);
    this.top = 0;
  }

  /**
   * Extra words an opening of 2^n entries with `claims` claims needs for splitting its
   * kernels across threads: per-thread eq scratch and the claims' product constants.
   */
  static parallelScratchWords(n: number, claims: number): number {
    const threads = proverThreads();
    if (threads < 2 || n < 14) return 0;
    return threads * 2 ** (n - 1) + claims * (4 + 16 * n) + 64;
  }

  /** A zeroed table of `words` u32 in wasm memory (fresh memory is zero; space is never reused). */
  alloc(words: number): Uint32Array {
    const off = this.top;
    this.top += (words + 3) & ~3;
    if (this.top > this.limit) throw new RangeError('ExtArena: out of space');
    if (off < this.dirty) this.zero(off, Math.min(off + words, this.dirty));
    return this.heap.subarray(off, off + words);
  }

  /** Zeroes words [from, to) of a recycled memory, split across the threads when large. */
  private zero(from: number, to: number): void {
    if (this.split((to - from) >>> 4)) {
      parallelFor(kernels.bundle(), 'zeroRange', to - from, 1 << 16, (_, s, e) => [this.k.mem, from, s, e], this.local(zeroRange));
    } else this.heap.fill(0, from, to);
  }

  private setConsts(r: Uint32Array, ro: number, at = this.consts): void {
    const F = this.F;
    const m = (x: number) => F.mul(x, this.r2);
    const r0 = m(r[ro]!), r1 = m(r[ro + 1]!), r2 = m(r[ro + 2]!), r3 = m(r[ro + 3]!);
    const w = this.w;
    const wr1 = F.mul(r1, w), wr2 = F.mul(r2, w), wr3 = F.mul(r3, w);
    this.heap.set([r0, r1, r2, r3, wr3, r0, r1, r2, wr2, wr3, r0, r1, wr1, wr2, wr3, r0], at);
  }

  /** Helper threads for a kernel over `n` items (1: run it here). */
  private split(n: number): boolean {
    // (The per-thread blocks and scratch were laid out for this thread count.)
    return this.slots > 1 && n >= 2 * PARALLEL_MIN && proverThreads() === this.slots;
  }

  private local(f: (x: ExtExports, mem: WebAssembly.Memory, ...rest: never[]) => void): (a: KernelArg[]) => void {
    return (a) => (f as (x: ExtExports, ...rest: KernelArg[]) => void)(this.k, ...a);
  }

  /**
   * fold / foldBase split across threads. In place (dst = src) thread t writes its outputs
   * at the start of its own inputs, copied down afterwards (in thread order, so no copy
   * overwrites a block still to be copied): a thread after the first would otherwise write
   * over inputs of an earlier one, and within its own inputs output k lands on input
   * entry 2·start + k ≤ 2·start + 2k, which it has already read.
   */
  private splitFold(base: boolean, dst: Uint32Array, src: Uint32Array, half: number, coeffs: boolean): void {
    const inPlace = src.byteOffset === dst.byteOffset;
    const ranges: [number, number][] = [];
    parallelFor(kernels.bundle(), 'foldRange', half, PARALLEL_MIN, (slot, s, e) => {
      ranges[slot] = [s, e];
      // foldRange writes output entry i at out + 16·i
      const out = inPlace && slot > 0 ? src.byteOffset + 16 * s : dst.byteOffset;
      return [this.k.mem, base ? 1 : 0, src.byteOffset, out, 4 * this.consts, coeffs ? 0 : 1, this.F.p, this.mu, s, e];
    }, this.local(foldRange));
    if (inPlace) for (let t = 1; t < ranges.length; t++) {
      const [s, e] = ranges[t]!;
      if (e > s) dst.copyWithin(4 * s, 8 * s, 8 * s + 4 * (e - s));
    }
  }

  /** dst[i] = src[2i] + r·(src[2i+1] − src[2i]) (or c[2i] + r·c[2i+1] when coeffs), ext, half entries out. */
  fold(dst: Uint32Array, src: Uint32Array, half: number, r: Uint32Array, coeffs: boolean): void {
    this.setConsts(r, 0);
    if (this.split(half)) this.splitFold(false, dst, src, half, coeffs);
    else this.k.fold(src.byteOffset, dst.byteOffset, half, 4 * this.consts, coeffs ? 0 : 1, this.F.p, this.mu);
  }

  /**
   * `rs.length` coefficient folds of the base coefficients `src` (in the arena) at once:
   * dst[i] = Σ_b src[2^a·i + b]·Π_{j: bit j of b} r_j (ext, `count` entries; a = rs.length),
   * the same values as folding by r_0, r_1, … in turn.
   */
  multiFoldBase(dst: Uint32Array, src: Uint32Array, count: number, rs: readonly Uint32Array[]): void {
    const F = this.F;
    const size = 1 << rs.length;
    // T = ⊗_j (1, r_j), then in Montgomery form for the kernel.
    const T = new Uint32Array(4 * size);
    T[0] = 1;
    for (let j = 0; j < rs.length; j++) {
      const r = rs[j]!;
      const half = 1 << j;
      for (let b = 0; b < half; b++) {
        const o = 4 * b;
        const x0 = T[o]!, x1 = T[o + 1]!, x2 = T[o + 2]!, x3 = T[o + 3]!;
        const w = this.w;
        const r0 = r[0]!, r1 = r[1]!, r2 = r[2]!, r3 = r[3]!;
        const m = (a: number, c: number) => F.mul(a, c);
        T[4 * (b + half)] = F.add(m(x0, r0), m(w, F.add(F.add(m(x1, r3), m(x2, r2)), m(x3, r1))));
        T[4 * (b + half) + 1] = F.add(F.add(m(x0, r1), m(x1, r0)), m(w, F.add(m(x2, r3), m(x3, r2))));
        T[4 * (b + half) + 2] = F.add(F.add(F.add(m(x0, r2), m(x1, r1)), m(x2, r0)), m(w, m(x3, r3)));
        T[4 * (b + half) + 3] = F.add(F.add(F.add(m(x0, r3), m(x1, r2)), m(x2, r1)), m(x3, r0));
      }
    }
    const Tm = this.alloc(4 * size);
    for (let i = 0; i < 4 * size; i++) Tm[i] = F.mul(T[i]!, this.r2);
    const split = this.slots > 1 && count * size >= 4 * PARALLEL_MIN && proverThreads() === this.slots;
    if (split) {
      parallelFor(kernels.bundle(), 'multiFoldRange', count, Math.max(1, (PARALLEL_MIN / size) | 0), (_, s, e) =>
        [this.k.mem, src.byteOffset, dst.byteOffset, Tm.byteOffset, size, F.p, this.mu, s, e], this.local(multiFoldRange));
    } else {
      this.k.multiFoldBase(src.byteOffset, dst.byteOffset, count, Tm.byteOffset, size, F.p, this.mu);
    }
  }

  /** Words {@link prime} needs in the arena. */
  static primeWords(): number {
    return proverThreads() << 15;
  }

  /**
   * Primes the kernels on every thread this arena uses, once per process and thread count
   * (see primeRange): for openings large enough that their first rounds would otherwise run
   * in the baseline tier. Uses 2^15 words of the arena per thread.
   */
  prime(): void {
    if (primed.has(this.slots) || this.top + (this.slots << 15) > this.limit) return;
    primed.add(this.slots);
    const at = this.alloc(this.slots << 15).byteOffset >>> 2;
    if (this.slots > 1) {
      parallelFor(kernels.bundle(), 'primeRange', this.slots, 1, (_, s, e) => [this.k.mem, at, this.F.p, this.mu, s, e], this.local(primeRange));
    } else {
      primeRange(this.k, this.k.mem, at, this.F.p, this.mu, 0, 1);
    }
  }

  /**
   * Faults the fresh pages of table `t` in by writing zeros, split across the threads, before
   * kernels split across threads read them. On this kind of memory a page first *read* by one
   * of several running threads and then written costs two faults and a TLB shootdown to
   * the other cores (measured: 2–3× the single-threaded cost of the whole kernel for a
   * 64 MB table), while plain stores fault each page in once and scale with the threads.
   * No-op (the kernels fault pages in themselves) without helper threads.
   */
  prefault(t: Uint32Array): void {
    const from = t.byteOffset >>> 2;
    // A recycled memory's pages are in already (and alloc zeroed them).
    if (from + t.length <= this.dirty || !this.split(t.length >>> 4)) return;
    this.zero(from, from + t.length);
  }

  /** A copy of `src` in the arena. */
  stage(src: Uint32Array): Uint32Array {
    const t = this.alloc(src.length);
    t.set(src);
    return t;
  }

  /**
   * As {@link fold} for a base table or base coefficients `src` (staged into the arena
   * unless it is there already): dst (ext, in the arena) gets half entries.
   */
  foldBase(dst: Uint32Array, src: Uint32Array, half: number, r: Uint32Array, coeffs: boolean): void {
    const staged = src.buffer === this.heap.buffer ? src : this.stage(src.subarray(0, 2 * half));
    this.setConsts(r, 0);
    if (this.split(half)) this.splitFold(true, dst, staged, half, coeffs);
    else this.k.foldBase(staged.byteOffset, dst.byteOffset, half, 4 * this.consts, coeffs ? 0 : 1, this.F.p, this.mu);
  }

  /**
   * g(0), g(2) limbs (8 values) of Σ v·W into `out`, v base (`vIsBase`) or ext, both in the
   * arena, 2·half entries each. Returns false (nothing done) when half is odd.
   */
  roundPoly(out: Uint32Array, v: Uint32Array, vIsBase: boolean, W: Uint32Array, half: number): boolean {
    if (half & 1) return false;
    const F = this.F;
    let T = this.heap.subarray(this.consts, this.consts + 32);
    if (this.split(half)) {
      // Two pairs per kernel step: split in units of two pairs; each thread sums into its
      // own block, and the blocks' sums (each canonical) are added here.
      const blocks = 32 + this.consts;
      const used = parallelFor(kernels.bundle(), 'roundRange', half >>> 1, PARALLEL_MIN >>> 1, (slot, s, e) =>
        [this.k.mem, vIsBase ? 1 : 0, v.byteOffset, W.byteOffset, 4 * (blocks + 32 * slot), F.p, this.mu, s, e], this.local(roundRange));
      const sums = new Array<number>(32).fill(0);
      for (let s = 0; s < used; s++) for (let i = 0; i < 32; i++) sums[i]! += this.heap[blocks + 32 * s + i]!;
      T = Uint32Array.from(sums, (x) => F.reduce(x));
    } else {
      (vIsBase ? this.k.roundBase : this.k.roundExt)(v.byteOffset, W.byteOffset, half, 4 * this.consts, F.p, this.mu);
    }
    // The reductions divided every sum by 2^32: multiply back by 2^32 mod p (= r2).
    const r2 = this.r2;
    if (vIsBase) {
      for (let k = 0; k < 8; k++) out[k] = F.mul(T[k]!, r2);
      return true;
    }
    const w = this.w;
    for (let g = 0; g < 2; g++) {
      for (let k = 0; k < 4; k++) {
        let lo = 0;
        let hi = 0;
        for (let i = 0; i < 4; i++) {
          const j = k - i;
          if (j >= 0) lo += T[16 * g + 4 * i + j]!;
          else hi += T[16 * g + 4 * i + j + 4]!;
        }
        out[4 * g + k] = F.mul(F.add(F.reduce(lo), F.mul(F.reduce(hi), w)), r2);
      }
    }
    return true;
  }

  /** t[0 .. 4·2^k) = scale · eq(z, ·) for z of k ext coordinates. */
  scaledEq(t: Uint32Array, z: Uint32Array, scale: Uint32Array): void {
    t[0] = scale[0]!;
    t[1] = scale[1]!;
    t[2] = scale[2]!;
    t[3] = scale[3]!;
    const k = z.length >>> 2;
    for (let lvl = 0; lvl < k; lvl++) {
      this.setConsts(z, 4 * lvl);
      this.k.eqLevel(t.byteOffset, 1 << lvl, 4 * this.consts, this.F.p, this.mu, 0);
    }
  }

  /**
   * dst[0 .. 4·2^k) += scale · eq(z, ·), using `scratch` (≥ 4·2^(k−1) words) for all but the
   * last level, which accumulates straight into dst.
   */
  addScaledEq(dst: Uint32Array, scratch: Uint32Array, z: Uint32Array, scale: Uint32Array): void {
    const k = z.length >>> 2;
    if (k === 0) {
      const F = this.F;
      for (let c = 0; c < 4; c++) dst[c] = F.add(dst[c]!, scale[c]!);
      return;
    }
    this.scaledEq(scratch, z.subarray(0, 4 * (k - 1)), scale);
    this.setConsts(z, 4 * (k - 1));
    this.k.eqLevelAdd(scratch.byteOffset, 1 << (k - 1), 4 * this.consts, this.F.p, this.mu, dst.byteOffset);
  }

  /**
   * addScaledEq for many claims: dst_j[0 .. 4·2^k_j) += scale_j · eq(z_j, ·). Claims whose
   * destinations overlap go to the same thread (additions into one entry commute: every
   * value is canonical, so the table does not depend on the split).
   */
  addScaledEqMany(claims: readonly EqBlockClaim[]): void {
    const cost = claims.reduce((c, x) => c + 2 ** (x.z.length >>> 2), 0);
    const maxK = claims.reduce((m, x) => Math.max(m, x.z.length >>> 2), 0);
    if (!this.split(cost) || claims.length < 2) {
      const scratch = maxK > 0 ? this.alloc(2 << maxK) : this.alloc(4);
      for (const c of claims) this.addScaledEq(c.dst, scratch, c.z, c.scale);
      return;
    }
    // Groups of claims with overlapping destinations (sorted by start), biggest first to
    // the least loaded thread.
    const order = claims.map((c, i) => i).sort((a, b) => claims[a]!.dst.byteOffset - claims[b]!.dst.byteOffset || a - b);
    const groups: { members: number[]; cost: number }[] = [];
    let end = -1;
    for (const i of order) {
      const c = claims[i]!;
      if (c.dst.byteOffset >= end) groups.push({ members: [], cost: 0 });
      const g = groups[groups.length - 1]!;
      g.members.push(i);
      g.cost += 2 ** (c.z.length >>> 2);
      end = Math.max(end, c.dst.byteOffset + c.dst.byteLength);
    }
    const slots = this.slots;
    const load = new Array<number>(slots).fill(0);
    const perSlot: number[][] = Array.from({ length: slots }, () => []);
    groups.sort((a, b) => b.cost - a.cost || a.members[0]! - b.members[0]!);
    for (const g of groups) {
      let s = 0;
      for (let t = 1; t < slots; t++) if (load[t]! < load[s]!) s = t;
      load[s]! += g.cost;
      perSlot[s]!.push(...g.members);
    }
    // Each claim's scale and product constants, in the arena (the kernels read them there).
    const list = sharedU32(3 * claims.length);
    const bounds: number[] = [0];
    let at = 0;
    for (const members of perSlot) {
      for (const i of members) {
        const c = claims[i]!;
        const k = c.z.length >>> 2;
        const area = this.alloc(4 + 16 * k);
        area.set(c.scale.subarray(0, 4));
        for (let lvl = 0; lvl < k; lvl++) this.setConsts(c.z, 4 * lvl, area.byteOffset / 4 + 4 + 16 * lvl);
        list[3 * at] = k;
        list[3 * at + 1] = c.dst.byteOffset;
        list[3 * at + 2] = area.byteOffset;
        at++;
      }
      bounds.push(at);
    }
    const scratch = Array.from({ length: slots }, () => this.alloc(Math.max(4, 2 << maxK)));
    parallelFor(kernels.bundle(), 'eqClaims', slots, 1, (slot) =>
      [this.k.mem, list, scratch[slot]!.byteOffset, this.F.p, this.mu, bounds[slot]!, bounds[slot + 1]!], this.local(eqClaims));
  }

  /** dst += src (canonical vectors, length a multiple of 4). */
  add(dst: Uint32Array, src: Uint32Array): void {
    this.k.addVec(dst.byteOffset, src.byteOffset, 4 * src.length, this.F.p);
  }
}
