/**
 * WebAssembly SIMD kernels of the fraction-tree prover (lookup/fraction.ts): the same
 * computations as fraction-kernel.ts (round sums, table folds, parent layers, eq
 * expansion), over a shared wasm memory that the pool's helper threads work on too.
 *
 * One v128 holds the four limbs of one ext element (x^4 = w). A product x·y is
 * Σ_i x_i·R_i(y) with the rows R_0 = (y0, y1, y2, y3), R_1 = (w·y3, y0, y1, y2),
 * R_2 = (w·y2, w·y3, y0, y1), R_3 = (w·y1, w·y2, w·y3, y0): four lane products summed as
 * 64-bit lanes (< 4p² < 2^64 for p < 2^31) and Montgomery-reduced once,
 * S·2^−32 ≡ hi32(S) − hi32(q·p) with q = lo32(S)·p^−1 mod 2^32, which lies in (−p, 2p)
 * and is brought to [0, p) with one unsigned compare and one unsigned min. A product by a
 * fixed element (λ, a fold challenge, an eq coordinate) uses rows stored in Montgomery form
 * (·2^32), so its result is exact; a product of two table entries carries a factor 2^−32
 * that the kernels remove (parents: one product by 2^64 mod p) or the caller does (round
 * sums: every term carries 2^−64, multiplied back once per sum). Every stored value is
 * canonical, so these kernels and the JS ones give identical tables and proofs.
 *
 * A {@link FractionArena} is one tree's memory: its layers (built here bottom-up) and the
 * scratch its layer sumchecks need (eq tables, folded tables), reused layer after layer.
 */
import type { PrimeField } from '@zkllm/verifier';
import { parallelFor, proverThreads, type KernelArg } from '../parallel/pool.js';
import {
  EXTMUL_HI_U,
  EXTMUL_LO_U,
  I32_ADD,
  I32_LT_U,
  SHUF_HI,
  SPLAT,
  V_AND,
  X_ADD,
  X_MUL,
  X_SHR_S,
  X_SUB,
  get,
  i32c,
  montMu,
  set,
  recycleMemory,
  recycledMemory,
  sharedMemory,
  simd,
  simdKernels,
  tee,
  uleb,
  wasmKernelSet,
  type WasmFunc,
} from '../pcs/wasm-asm.js';

const I64X2_ADD = simd(0xce);
const U32X4_LT = simd(0x3a);
const U32X4_MIN = simd(0xb7);
const I32_MUL = [0x6c];
const I32_SUB = [0x6b];
const I32_SHL = [0x74];
const I32_EQZ = [0x45];
const I32_EQ = [0x46];
const I32_LOAD = (offset: number) => [0x28, 2, ...uleb(offset)];
const I32_LOAD8_U = (offset: number) => [0x2d, 0, ...uleb(offset)];
const REPLACE_LANE0 = [...simd(0x1c), 0];
const EXTRACT_LANE0 = [...simd(0x1b), 0];
const IF = [0x04, 0x40];
const ELSE = [0x05];
const VLOAD = (offset: number) => [...simd(0x00), 4, ...uleb(offset)];
const VSTORE = (offset: number) => [...simd(0x0b), 4, ...uleb(offset)];
/** i8x16.shuffle picking i32 lanes: 0–3 from the first operand, 4–7 from the second. */
const lanes = (...l: number[]) => [...simd(0x0d), ...l.flatMap((x) => [4 * x, 4 * x + 1, 4 * x + 2, 4 * x + 3])];
const splatLane = (k: number) => lanes(k, k, k, k);
// Even i32 lanes of (a ‖ b): the low halves of two i64x2 values.
const SHUF_LO = lanes(0, 2, 4, 6);
const BLOCK = [0x02, 0x40];
const LOOP = [0x03, 0x40];
const END = [0x0b];
const BR_IF = (d: number) => [0x0d, d];
const BR = (d: number) => [0x0c, d];

/**
 * Words of the constants block each kernel reads (byte address K = 0): splats of p,
 * μ = p^−1 mod 2^32, w·2^32 mod p and its μ multiple, 2^64 mod p and its μ multiple.
 */
const K_WORDS = 24;

/** Code emitter with v128 locals allocated after `params` i32 params and `i32Locals` i32 locals. */
class Asm {
  readonly code: number[] = [];
  private nv = 0;
  constructor(
    readonly params: number,
    readonly i32Locals: number,
  ) {}
  e(...parts: number[][]): void {
    for (const p of parts) for (const b of p) this.code.push(b);
  }
  v(): number {
    return this.params + this.i32Locals + this.nv++;
  }
  func(name: string): WasmFunc {
    return { name, params: this.params, i32Locals: this.i32Locals, v128Locals: this.nv, code: this.code };
  }
}

/** The locals and code fragments every kernel shares (constants loaded from byte address `kParam`). */
class Field {
  readonly P: number;
  readonly MU: number;
  readonly WM: number;
  readonly WMMU: number;
  readonly C64: number;
  readonly C64MU: number;
  private readonly X: number;
  private readonly SL: number;
  private readonly SH: number;
  private readonly H: number;
  private readonly Q: number;
  private readonly T: number;
  private readonly WY: number;
  constructor(
    private readonly a: Asm,
    kParam: number,
  ) {
    this.P = a.v();
    this.MU = a.v();
    this.WM = a.v();
    this.WMMU = a.v();
    this.C64 = a.v();
    this.C64MU = a.v();
    this.X = a.v();
    this.SL = a.v();
    this.SH = a.v();
    this.H = a.v();
    this.Q = a.v();
    this.T = a.v();
    this.WY = a.v();
    [this.P, this.MU, this.WM, this.WMMU, this.C64, this.C64MU].forEach((l, i) => a.e(get(kParam), VLOAD(16 * i), set(l)));
  }

  /** x + (p & (x >> 31)) on the value on the stack (in (−p, p)). */
  normS(): void {
    const { a, T, P } = this;
    a.e(tee(T), get(P), get(T), i32c(31), X_SHR_S, V_AND, X_ADD);
  }

  /** Pops b, a (canonical); pushes a + b mod p. */
  add(): void {
    this.a.e(X_ADD, get(this.P), X_SUB);
    this.normS();
  }

  /** Pops b, a (canonical); pushes a − b mod p. */
  sub(): void {
    this.a.e(X_SUB);
    this.normS();
  }

  /** Pushes the canonical Montgomery reduction of the i64 lanes SL (lanes 0, 1), SH (2, 3), each < 4p². */
  private reduce(): void {
    const { a, SL, SH, H, Q, T, P, MU } = this;
    a.e(get(SL), get(SH), SHUF_HI, set(H));
    a.e(get(SL), get(SH), SHUF_LO, get(MU), X_MUL, tee(Q), get(P), EXTMUL_LO_U, get(Q), get(P), EXTMUL_HI_U, SHUF_HI, set(Q));
    // t = hi(S) − hi(qp) ∈ (−p, 2p): + p where hi(S) < hi(qp), then min(t, t − p) unsigned.
    a.e(get(H), get(Q), X_SUB, get(P), get(H), get(Q), U32X4_LT, V_AND, X_ADD, tee(T), get(T), get(P), X_SUB, U32X4_MIN);
  }

  /** Pushes Σ_i x_i·rows[i]·2^−32 (canonical) for the ext element in local x. */
  prod(x: number, rows: readonly number[]): void {
    const { a, X, SL, SH } = this;
    for (let i = 0; i < 4; i++) {
      a.e(get(x), get(x), splatLane(i), tee(X), get(rows[i]!), EXTMUL_LO_U);
      if (i > 0) a.e(get(SL), I64X2_ADD);
      a.e(set(SL), get(X), get(rows[i]!), EXTMUL_HI_U);
      if (i > 0) a.e(get(SH), I64X2_ADD);
      a.e(set(SH));
    }
    this.reduce();
  }

  /** Pushes splat(s0)·x + splat(s1)·y reduced (·2^−32), for i32 locals s0, s1 and v128 locals x, y. */
  baseProd2(s0: number, x: number, s1: number, y: number): void {
    const { a, X, SL, SH } = this;
    a.e(get(s0), SPLAT, tee(X), get(x), EXTMUL_LO_U, set(SL), get(X), get(x), EXTMUL_HI_U, set(SH));
    a.e(get(s1), SPLAT, tee(X), get(y), EXTMUL_LO_U, get(SL), I64X2_ADD, set(SL), get(X), get(y), EXTMUL_HI_U, get(SH), I64X2_ADD, set(SH));
    this.reduce();
  }

  /** Pushes splat(s0)·x reduced (·2^−32), for an i32 local s0 and a v128 local x. */
  baseProd1(s0: number, x: number): void {
    const { a, X, SL, SH } = this;
    a.e(get(s0), SPLAT, tee(X), get(x), EXTMUL_LO_U, set(SL), get(X), get(x), EXTMUL_HI_U, set(SH));
    this.reduce();
  }

  /** Pushes x·c·2^−32 lane-wise for a constant splat c (local) with cmu = c·μ. */
  constMul(x: number, c: number, cmu: number): void {
    const { a, H, Q, P } = this;
    a.e(get(x), get(c), EXTMUL_LO_U, get(x), get(c), EXTMUL_HI_U, SHUF_HI, set(H));
    a.e(get(x), get(cmu), X_MUL, tee(Q), get(P), EXTMUL_LO_U, get(Q), get(P), EXTMUL_HI_U, SHUF_HI, set(Q));
    a.e(get(H), get(Q), X_SUB);
    this.normS();
  }

  /** rows[1..3] of y (rows[0] is y itself): w·y exactly, then lane shuffles. */
  rowsOf(y: number, rows: readonly number[]): void {
    const { a, WY } = this;
    this.constMul(y, this.WM, this.WMMU);
    a.e(set(WY));
    a.e(get(y), get(WY), lanes(7, 0, 1, 2), set(rows[1]!));
    a.e(get(y), get(WY), lanes(6, 7, 0, 1), set(rows[2]!));
    a.e(get(y), get(WY), lanes(5, 6, 7, 0), set(rows[3]!));
  }
}

/** Loop `j` over [start, end) around `body`; `step` advances the pointers. */
function loop(a: Asm, j: number, end: number, body: () => void, step: () => void): void {
  a.e(BLOCK, LOOP, get(j), get(end), I32_LT_U, I32_EQZ, BR_IF(1));
  body();
  a.e(get(j), i32c(1), I32_ADD, set(j));
  step();
  a.e(BR(0), END, END);
}

/** The v128 locals of one round's pair terms (see {@link roundTerms}). */
interface RoundLocals {
  readonly lam: readonly number[];
  /** lo and hi of P₀, P₁, Q₀, Q₁: va, vA, vb, vB, vc, vC, vd, vD. */
  readonly v: readonly number[];
  readonly r1: readonly number[];
  readonly s: number;
  readonly u: number;
  readonly fv: number;
  readonly hv: number;
  readonly accS: number;
  readonly accT: number;
}

function roundLocals(a: Asm): RoundLocals {
  const lam = [a.v(), a.v(), a.v(), a.v()];
  const v = Array.from({ length: 8 }, () => a.v());
  const r1 = [a.v(), a.v(), a.v()];
  return { lam, v, r1, s: a.v(), u: a.v(), fv: a.v(), hv: a.v(), accS: a.v(), accT: a.v() };
}

/**
 * One pair's terms, with lo/hi of the four tables in the locals v: accS += eq·F(lo),
 * accT += eq·F(hi − lo) for e = eq at the i32 local ep (v's hi slots get hi − lo). F(lo)·2^−32
 * is computed, or pushed by `valueAt0` (then it must carry no 2^−32: see roundSumsParent).
 */
function roundTerms(a: Asm, f: Field, l: RoundLocals, ep: number, valueAt0?: () => void, baseA?: number): void {
  const { lam, r1, s, u, fv, hv, accS, accT } = l;
  const [va, vA, vb, vB, vc, vC, vd, vD] = l.v as [number, number, number, number, number, number, number, number];
  // F(a, b, c, d)·2^−32 = (a·d + c·(b + λ·d))·2^−32 into dst; with `base` (an i32 local), a
  // has zero limbs 1–3 and a·d is one base-by-ext product (no rows of d)
  const F = (xa: number, xb: number, xc: number, xd: number, dst: number, base?: number) => {
    const rd = [xd, ...r1];
    if (base === undefined) f.rowsOf(xd, rd);
    f.prod(xd, lam);
    a.e(get(xb));
    f.add();
    a.e(set(s));
    if (base === undefined) f.prod(xa, rd);
    else {
      a.e(get(xa), EXTRACT_LANE0, set(base));
      f.baseProd1(base, xd);
    }
    a.e(set(u));
    const rs = [s, ...r1];
    f.rowsOf(s, rs);
    f.prod(xc, rs);
    a.e(get(u));
    f.add();
    a.e(set(dst));
  };
  for (const [lo, hi] of [[va, vA], [vb, vB], [vc, vC], [vd, vD]] as const) {
    a.e(get(hi), get(lo));
    f.sub();
    a.e(set(hi));
  }
  if (valueAt0) {
    valueAt0();
    a.e(set(fv));
  } else F(va, vb, vc, vd, fv, baseA);
  F(vA, vB, vC, vD, hv, baseA);
  // e = eq[j]: its rows reuse va's slot and r1
  a.e(get(ep), VLOAD(0), set(va));
  const re = [va, ...r1];
  f.rowsOf(va, re);
  f.prod(fv, re);
  a.e(get(accS));
  f.add();
  a.e(set(accS));
  f.prod(hv, re);
  a.e(get(accT));
  f.add();
  a.e(set(accT));
}

/**
 * roundSums(P0, P1, Q0, Q1, strideB, gapB, eq, K, L, out, start, end): as fractionRoundSums
 * with byte addresses (P1/Q1 including their offset), strides in bytes, λ's Montgomery rows
 * at L; out gets the two sums, each term scaled by 2^−64 (canonical, 32 bytes).
 *
 * roundSumsParent(…, Pp, Qp): the same in a layer's first round, where the value at 0 needs
 * no products of children: F(lo) of pair j is P₀Q₁ + P₁Q₀ + λQ₀Q₁ of the siblings of parent
 * 2j, i.e. Pp[2j] + λ·Qp[2j] with (Pp, Qp) the parent layer (already built). Its sum
 * (out[0..16)) is scaled by 2^−32 only; the leading coefficient's as before.
 * roundSumsParentBase: the same for children whose numerators P have zero limbs 1–3 (a
 * tree's leaves): the P factors are base-by-ext products.
 */
function buildRound(parent: boolean, baseP = false): WasmFunc {
  const params = parent ? 14 : 12;
  const a = new Asm(params, 6);
  const [P0, P1, Q0, Q1, strideB, gapB, eq, K, L, out, start, end, Pp, Qp] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13];
  const j = params, off = params + 1, hiOff = params + 2, ep = params + 3, pp = params + 4, lane = params + 5;
  const f = new Field(a, K);
  const l = roundLocals(a);
  const [va, vA, vb, vB, vc, vC, vd, vD] = l.v as [number, number, number, number, number, number, number, number];
  l.lam.forEach((x, i) => a.e(get(L), VLOAD(16 * i), set(x)));
  a.e(get(start), set(j), get(strideB), get(start), I32_MUL, set(off), get(eq), get(start), i32c(4), I32_SHL, I32_ADD, set(ep));
  if (parent) a.e(get(start), i32c(5), I32_SHL, set(pp));
  // λ's rows are in Montgomery form: λ·Qp is exact, and so is Pp + λ·Qp
  const fromParent = () => {
    a.e(get(Qp), get(pp), I32_ADD, VLOAD(0), set(l.u));
    f.prod(l.u, l.lam);
    a.e(get(Pp), get(pp), I32_ADD, VLOAD(0));
    f.add();
  };
  loop(
    a,
    j,
    end,
    () => {
      a.e(get(off), get(gapB), I32_ADD, set(hiOff));
      for (const [base, lo, hi] of [[P0, va, vA], [P1, vb, vB], [Q0, vc, vC], [Q1, vd, vD]] as const) {
        a.e(get(base), get(off), I32_ADD, VLOAD(0), set(lo), get(base), get(hiOff), I32_ADD, VLOAD(0), set(hi));
      }
      roundTerms(a, f, l, ep, parent ? fromParent : undefined, baseP ? lane : undefined);
    },
    () => {
      a.e(get(off), get(strideB), I32_ADD, set(off), get(ep), i32c(16), I32_ADD, set(ep));
      if (parent) a.e(get(pp), i32c(32), I32_ADD, set(pp));
    },
  );
  a.e(get(out), get(l.accS), VSTORE(0), get(out), get(l.accT), VSTORE(16));
  return a.func(parent ? (baseP ? 'roundSumsParentBase' : 'roundSumsParent') : 'roundSums');
}

/**
 * foldRound(S0, S1, S2, S3, strideB, gapB, D0, D1, D2, D3, R, eq, L, K, out, start, end): a
 * round's fold and the next round's sums in one pass. For pairs start ≤ j < end of the next
 * round, entries 2j and 2j+1 of each table are folded as in {@link buildFold} (written to
 * D_m, 16 bytes each, plain layout) and then summed as roundSums does with the next round's
 * eq (stride 2, gap 1 over the folded tables): out as roundSums'. foldRoundBase: S0 and S1
 * (the P tables) have zero limbs 1–3.
 */
function buildFoldRound(baseP = false): WasmFunc {
  const a = new Asm(17, 7);
  const S = [0, 1, 2, 3], [strideB, gapB] = [4, 5], D = [6, 7, 8, 9], [R, eq, L, K, out, start, end] = [10, 11, 12, 13, 14, 15, 16];
  const j = 17, off = 18, o = 19, ep = 20, step = 21, at = 22, lane = 23;
  const f = new Field(a, K);
  const l = roundLocals(a);
  const rows = [a.v(), a.v(), a.v(), a.v()];
  const d = a.v();
  l.lam.forEach((x, i) => a.e(get(L), VLOAD(16 * i), set(x)));
  rows.forEach((x, i) => a.e(get(R), VLOAD(16 * i), set(x)));
  // two folded entries per pair: the sources advance two strides, the destinations 32 bytes
  a.e(get(strideB), i32c(1), I32_SHL, set(step));
  a.e(get(start), set(j), get(step), get(start), I32_MUL, set(off), get(start), i32c(5), I32_SHL, set(o), get(eq), get(start), i32c(4), I32_SHL, I32_ADD, set(ep));
  loop(
    a,
    j,
    end,
    () => {
      for (let m = 0; m < 4; m++) {
        for (let e = 0; e < 2; e++) {
          const x = l.v[2 * m + e]!;
          a.e(get(S[m]!), get(off), I32_ADD);
          if (e === 1) a.e(get(strideB), I32_ADD);
          a.e(tee(at), VLOAD(0), set(x), get(at), get(gapB), I32_ADD, VLOAD(0), get(x));
          f.sub();
          a.e(set(d));
          if (baseP && m < 2) a.e(get(d), EXTRACT_LANE0, set(lane));
          a.e(get(D[m]!), get(o), I32_ADD);
          if (e === 1) a.e(i32c(16), I32_ADD);
          // a base difference (P of a tree's leaves) times r: r's row 0 is r·2^32, limb by limb
          if (baseP && m < 2) f.baseProd1(lane, rows[0]!);
          else f.prod(d, rows);
          a.e(get(x));
          f.add();
          a.e(tee(x), VSTORE(0));
        }
      }
      roundTerms(a, f, l, ep);
    },
    () => a.e(get(off), get(step), I32_ADD, set(off), get(o), i32c(32), I32_ADD, set(o), get(ep), i32c(16), I32_ADD, set(ep)),
  );
  a.e(get(out), get(l.accS), VSTORE(0), get(out), get(l.accT), VSTORE(16));
  return a.func(baseP ? 'foldRoundBase' : 'foldRound');
}

/**
 * fold(S0, S1, S2, S3, strideB, gapB, D0, D1, D2, D3, R, K, start, end): for each of four
 * tables, D_m[j] = lo + r·(hi − lo) with lo at S_m + strideB·j and hi gapB bytes further;
 * r's Montgomery rows at R. One pass over all four: in round 0 they are the even and odd
 * halves of two interleaved child tables, read once instead of twice.
 */
function buildFold(): WasmFunc {
  const a = new Asm(14, 4);
  const S = [0, 1, 2, 3], [strideB, gapB] = [4, 5], D = [6, 7, 8, 9], [R, K, start, end] = [10, 11, 12, 13];
  const j = 14, off = 15, hiOff = 16, o = 17;
  const f = new Field(a, K);
  const rows = [a.v(), a.v(), a.v(), a.v()];
  const lo = a.v(), d = a.v();
  rows.forEach((l, i) => a.e(get(R), VLOAD(16 * i), set(l)));
  a.e(get(start), set(j), get(strideB), get(start), I32_MUL, set(off), get(start), i32c(4), I32_SHL, set(o));
  loop(
    a,
    j,
    end,
    () => {
      a.e(get(off), get(gapB), I32_ADD, set(hiOff));
      for (let m = 0; m < 4; m++) {
        a.e(get(S[m]!), get(off), I32_ADD, VLOAD(0), set(lo), get(S[m]!), get(hiOff), I32_ADD, VLOAD(0), get(lo));
        f.sub();
        a.e(set(d), get(D[m]!), get(o), I32_ADD);
        f.prod(d, rows);
        a.e(get(lo));
        f.add();
        a.e(VSTORE(0));
      }
    },
    () => a.e(get(off), get(strideB), I32_ADD, set(off), get(o), i32c(16), I32_ADD, set(o)),
  );
  return a.func('fold');
}

/**
 * parents(cp, cq, np, nq, K, start, end) and parentsBase (numerators with zero limbs 1–3):
 * np[x] = cp[2x]·cq[2x+1] + cp[2x+1]·cq[2x], nq[x] = cq[2x]·cq[2x+1].
 */
function buildParents(base: boolean): WasmFunc {
  const a = new Asm(7, 5);
  const [cp, cq, np, nq, K, start, end] = [0, 1, 2, 3, 4, 5, 6];
  const x = 7, ci = 8, oi = 9, a0 = 10, b0 = 11;
  const f = new Field(a, K);
  const va = a.v(), vb = a.v(), vc = a.v(), vd = a.v();
  const r1 = [a.v(), a.v(), a.v()];
  const u = a.v(), z = a.v(), n = a.v();
  a.e(get(start), set(x), get(start), i32c(5), I32_SHL, set(ci), get(start), i32c(4), I32_SHL, set(oi));
  loop(
    a,
    x,
    end,
    () => {
      a.e(get(cq), get(ci), I32_ADD, VLOAD(0), set(vc), get(cq), get(ci), I32_ADD, VLOAD(16), set(vd));
      const rd = [vd, ...r1];
      f.rowsOf(vd, rd);
      f.prod(vc, rd);
      a.e(set(z));
      if (base) {
        a.e(get(cp), get(ci), I32_ADD, I32_LOAD(0), set(a0), get(cp), get(ci), I32_ADD, I32_LOAD(16), set(b0));
        f.baseProd2(a0, vd, b0, vc);
        a.e(set(n));
      } else {
        a.e(get(cp), get(ci), I32_ADD, VLOAD(0), set(va), get(cp), get(ci), I32_ADD, VLOAD(16), set(vb));
        f.prod(va, rd);
        a.e(set(u));
        const rc = [vc, ...r1];
        f.rowsOf(vc, rc);
        f.prod(vb, rc);
        a.e(get(u));
        f.add();
        a.e(set(n));
      }
      // Both carry 2^−32: a product by 2^64 mod p makes them exact.
      a.e(get(np), get(oi), I32_ADD);
      f.constMul(n, f.C64, f.C64MU);
      a.e(VSTORE(0), get(nq), get(oi), I32_ADD);
      f.constMul(z, f.C64, f.C64MU);
      a.e(VSTORE(0));
    },
    () => a.e(get(ci), i32c(32), I32_ADD, set(ci), get(oi), i32c(16), I32_ADD, set(oi)),
  );
  return a.func(base ? 'parentsBase' : 'parents');
}

/** expandEq(v, n, R, K): as expandEqTable, in place from the top down; r's Montgomery rows at R. */
function buildExpandEq(): WasmFunc {
  const a = new Asm(4, 1);
  const [v, n, R, K] = [0, 1, 2, 3];
  const y = 4;
  const f = new Field(a, K);
  const rows = [a.v(), a.v(), a.v(), a.v()];
  const va = a.v(), m = a.v();
  rows.forEach((l, i) => a.e(get(R), VLOAD(16 * i), set(l)));
  a.e(get(n), set(y));
  a.e(BLOCK, LOOP, get(y), I32_EQZ, BR_IF(1), get(y), i32c(1), I32_SUB, set(y));
  a.e(get(v), get(y), i32c(4), I32_SHL, I32_ADD, VLOAD(0), set(va));
  f.prod(va, rows);
  a.e(set(m), get(v), get(y), i32c(5), I32_SHL, I32_ADD, get(va), get(m));
  f.sub();
  a.e(VSTORE(0), get(v), get(y), i32c(5), I32_SHL, I32_ADD, get(m), VSTORE(16));
  a.e(BR(0), END, END);
  return a.func('expandEq');
}

/**
 * leaves(P, pSrc, pKind, Q, src, srcStepB, col0, col1, G, K, start, end): the tagged leaves
 * of one block of a lookup tree, for start ≤ j < end:
 * Q[j] = S_j − (col0[j]·g0 + col1[j]·g1) with S_j the ext element at src + srcStepB·j (step 0:
 * one constant α − base; step 16: Q itself, a later pass over more columns), col0/col1 base
 * columns (col1 = 0: one column) and g0, g1 at G in Montgomery form (so the products are
 * exact); P[j] = (pSrc[j], 0, 0, 0) read as bytes (pKind 1: a validity mask) or u32 (pKind 2:
 * multiplicities); pKind 0 leaves P alone.
 */
function buildLeaves(): WasmFunc {
  const a = new Asm(12, 4);
  const [P, pSrc, pKind, Q, src, srcStepB, col0, col1, G, K, start, end] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const j = 12, v0 = 13, v1 = 14, pv = 15;
  const f = new Field(a, K);
  const g0 = a.v(), g1 = a.v(), zero = a.v(), s = a.v(), pr = a.v();
  a.e(get(G), VLOAD(0), set(g0), get(G), VLOAD(16), set(g1), get(start), set(j));
  loop(
    a,
    j,
    end,
    () => {
      a.e(get(src), get(j), get(srcStepB), I32_MUL, I32_ADD, VLOAD(0), set(s));
      a.e(get(col0), get(j), i32c(2), I32_SHL, I32_ADD, I32_LOAD(0), set(v0));
      a.e(get(col1), IF, get(col1), get(j), i32c(2), I32_SHL, I32_ADD, I32_LOAD(0), set(v1));
      f.baseProd2(v0, g0, v1, g1);
      a.e(set(pr), ELSE);
      f.baseProd1(v0, g0);
      a.e(set(pr), END);
      a.e(get(Q), get(j), i32c(4), I32_SHL, I32_ADD, get(s), get(pr));
      f.sub();
      a.e(VSTORE(0));
      a.e(get(pKind), IF);
      a.e(get(pKind), i32c(1), I32_EQ, IF, get(pSrc), get(j), I32_ADD, I32_LOAD8_U(0), set(pv));
      a.e(ELSE, get(pSrc), get(j), i32c(2), I32_SHL, I32_ADD, I32_LOAD(0), set(pv), END);
      // zero is never written: v128 locals start as 0
      a.e(get(P), get(j), i32c(4), I32_SHL, I32_ADD, get(zero), get(pv), REPLACE_LANE0, VSTORE(0), END);
    },
    () => {},
  );
  return a.func('leaves');
}

/**
 * dot(col, eq, out, K, start, end): out = Σ_{start ≤ j < end} col[j]·eq[j]·2^−32 for a base
 * column and an ext vector (canonical, 16 bytes at out).
 */
function buildDot(): WasmFunc {
  const a = new Asm(6, 2);
  const [col, eq, out, K, start, end] = [0, 1, 2, 3, 4, 5];
  const j = 6, v = 7;
  const f = new Field(a, K);
  const e = a.v(), acc = a.v();
  a.e(get(start), set(j));
  loop(
    a,
    j,
    end,
    () => {
      a.e(get(col), get(j), i32c(2), I32_SHL, I32_ADD, I32_LOAD(0), set(v), get(eq), get(j), i32c(4), I32_SHL, I32_ADD, VLOAD(0), set(e));
      a.e(get(acc));
      f.baseProd1(v, e);
      f.add();
      a.e(set(acc));
    },
    () => {},
  );
  a.e(get(out), get(acc), VSTORE(0));
  return a.func('dot');
}

function kernelFuncs(): WasmFunc[] {
  return [buildRound(false), buildRound(true), buildRound(true, true), buildFoldRound(), buildFoldRound(true), buildFold(), buildParents(false), buildParents(true), buildExpandEq(), buildLeaves(), buildDot()];
}

interface FractionExports {
  roundSums(P0: number, P1: number, Q0: number, Q1: number, strideB: number, gapB: number, eq: number, K: number, L: number, out: number, start: number, end: number): void;
  roundSumsParent(P0: number, P1: number, Q0: number, Q1: number, strideB: number, gapB: number, eq: number, K: number, L: number, out: number, start: number, end: number, Pp: number, Qp: number): void;
  roundSumsParentBase(P0: number, P1: number, Q0: number, Q1: number, strideB: number, gapB: number, eq: number, K: number, L: number, out: number, start: number, end: number, Pp: number, Qp: number): void;
  foldRound(
    s0: number, s1: number, s2: number, s3: number, strideB: number, gapB: number, d0: number, d1: number, d2: number, d3: number,
    R: number, eq: number, L: number, K: number, out: number, start: number, end: number,
  ): void;
  foldRoundBase(
    s0: number, s1: number, s2: number, s3: number, strideB: number, gapB: number, d0: number, d1: number, d2: number, d3: number,
    R: number, eq: number, L: number, K: number, out: number, start: number, end: number,
  ): void;
  fold(s0: number, s1: number, s2: number, s3: number, strideB: number, gapB: number, d0: number, d1: number, d2: number, d3: number, R: number, K: number, start: number, end: number): void;
  parents(cp: number, cq: number, np: number, nq: number, K: number, start: number, end: number): void;
  parentsBase(cp: number, cq: number, np: number, nq: number, K: number, start: number, end: number): void;
  expandEq(v: number, n: number, R: number, K: number): void;
  dot(col: number, eq: number, out: number, K: number, start: number, end: number): void;
  leaves(P: number, pSrc: number, pKind: number, Q: number, src: number, srcStepB: number, col0: number, col1: number, G: number, K: number, start: number, end: number): void;
}

// ---- the helper threads' kernels (self-contained: their source text is what helpers run) ----

function roundRange(x: FractionExports, _mem: WebAssembly.Memory, P0: number, P1: number, Q0: number, Q1: number, strideB: number, gapB: number, eq: number, K: number, L: number, out: number, start: number, end: number): void {
  x.roundSums(P0, P1, Q0, Q1, strideB, gapB, eq, K, L, out, start, end);
}

function roundParentRange(
  x: FractionExports, _mem: WebAssembly.Memory, base: number, P0: number, P1: number, Q0: number, Q1: number, strideB: number, gapB: number,
  eq: number, K: number, L: number, out: number, Pp: number, Qp: number, start: number, end: number,
): void {
  (base ? x.roundSumsParentBase : x.roundSumsParent)(P0, P1, Q0, Q1, strideB, gapB, eq, K, L, out, start, end, Pp, Qp);
}

function foldRoundRange(
  x: FractionExports, _mem: WebAssembly.Memory, base: number, s0: number, s1: number, s2: number, s3: number, strideB: number, gapB: number,
  d0: number, d1: number, d2: number, d3: number, R: number, eq: number, L: number, K: number, out: number, start: number, end: number,
): void {
  (base ? x.foldRoundBase : x.foldRound)(s0, s1, s2, s3, strideB, gapB, d0, d1, d2, d3, R, eq, L, K, out, start, end);
}

function foldRange(
  x: FractionExports, _mem: WebAssembly.Memory, s0: number, s1: number, s2: number, s3: number, strideB: number, gapB: number,
  d0: number, d1: number, d2: number, d3: number, R: number, K: number, start: number, end: number,
): void {
  x.fold(s0, s1, s2, s3, strideB, gapB, d0, d1, d2, d3, R, K, start, end);
}

function parentsRange(x: FractionExports, _mem: WebAssembly.Memory, base: number, cp: number, cq: number, np: number, nq: number, K: number, start: number, end: number): void {
  (base ? x.parentsBase : x.parents)(cp, cq, np, nq, K, start, end);
}

/**
 * The leaf passes (descriptors of 12 words at byte address `desc`: off, len, then the
 * leaves kernel's P … G, see {@link FractionArena.leaves}) restricted to the leaves [start, end) of the tree, in
 * descriptor order (a block's later pass runs after its first on the same thread).
 */
function leavesRange(x: FractionExports, mem: WebAssembly.Memory, desc: number, count: number, start: number, end: number): void {
  const h = new Uint32Array(mem.buffer, desc, 12 * count);
  for (let d = 0; d < count; d++) {
    const o = 12 * d;
    const off = h[o]!, len = h[o + 1]!;
    const lo = Math.max(start, off), hi = Math.min(end, off + len);
    if (lo < hi) x.leaves(h[o + 2]!, h[o + 3]!, h[o + 4]!, h[o + 5]!, h[o + 6]!, h[o + 7]!, h[o + 8]!, h[o + 9]!, h[o + 10]!, 0, lo - off, hi - off);
  }
}

/**
 * The dot products (descriptors of 4 words at byte address `desc`: virtual start, length,
 * column, eq vector) restricted to [start, end) of their concatenation; product d's part
 * goes to out + 16·d (the caller zeroes out and adds the threads' parts).
 */
function dotsRange(x: FractionExports, mem: WebAssembly.Memory, desc: number, count: number, out: number, start: number, end: number): void {
  const h = new Uint32Array(mem.buffer, desc, 4 * count);
  for (let d = 0; d < count; d++) {
    const at = h[4 * d]!, len = h[4 * d + 1]!;
    const lo = Math.max(start, at), hi = Math.min(end, at + len);
    if (lo < hi) x.dot(h[4 * d + 2]!, h[4 * d + 3]!, out + 16 * d, 0, lo - at, hi - at);
  }
}

const kernels = wasmKernelSet<FractionExports>('fraction-simd', kernelFuncs, [roundRange, roundParentRange, foldRoundRange, foldRange, parentsRange, leavesRange, dotsRange]);

/** Below this many pairs per thread a kernel call stays on the calling thread. */
const MIN_RANGE = 1 << 13;
/**
 * Fewest pairs of a round-sum call run side by side with another arena's (below, a dispatch
 * to a helper costs about as much as the work it takes off the calling thread).
 */
const MIN_SIDE_BY_SIDE = 1 << 11;
/** Round-sum result blocks (8 words each), one per possible thread. */
const MAX_SLOTS = 64;
/** Words before the tables: constants, λ rows, r rows, result blocks. */
const HEADER_WORDS = 32 + 16 + 16 + 8 * MAX_SLOTS;
const L_AT = 32;
const R_AT = 48;
const OUT_AT = 64;

/** Words of one leaf-pass descriptor (leavesRange reads them with this literal stride). */
const LEAF_DESC_WORDS = 12;

/**
 * One block of a lookup tree's leaves: for i < len, leaf offset + i is the fraction
 * numerators[i] / (start − Σ_c pows[c]·columns[c][i]) (see {@link FractionArena.leaves}).
 */
export interface LeafBlock {
  readonly offset: number;
  readonly len: number;
  /** Base-field columns of `len` entries each (at least one). */
  readonly columns: readonly Uint32Array[];
  /** α − (the block's constant part), an ext element. */
  readonly start: Uint32Array;
  /** A 0/1 validity mask (bytes) or canonical base-field numerators, `len` entries. */
  readonly numerators: Uint8Array | Uint32Array;
}

/** Words {@link FractionArena.leaves} stages in the arena (copies of the columns and numerators, constants, descriptors). */
export function leafStagingWords(blocks: readonly LeafBlock[]): number {
  const round = (w: number) => (w + 3) & ~3;
  let words = 0, arity = 0;
  for (const b of blocks) {
    const passes = Math.ceil(b.columns.length / 2);
    arity = Math.max(arity, b.columns.length);
    words += b.columns.length * round(b.len) + round(b.numerators instanceof Uint8Array ? Math.ceil(b.len / 4) : b.len) + 4;
    words += LEAF_DESC_WORDS * passes;
  }
  return words + 8 * Math.ceil(arity / 2) + 16;
}

/**
 * One round-sum kernel call over pairs [0, half) of an arena's tables, prepared (see
 * {@link FractionArena.roundSumsCall}) so that {@link runSumCalls} can run it alone or side by
 * side with other arenas' calls.
 */
export interface SumCall {
  readonly arena: FractionArena;
  /** The helper bundle's function. */
  readonly name: string;
  readonly half: number;
  /** Fewest pairs per thread when the call is split. */
  readonly range: number;
  /** Fewest pairs for running side by side with other calls (the work must outweigh a dispatch). */
  readonly sideBySide: number;
  /** Writes the call's constants (λ, r rows) into its arena's header. */
  readonly setup: () => void;
  readonly argsFor: (slot: number, start: number, end: number) => KernelArg[];
  readonly local: (args: KernelArg[]) => void;
  /** Reads the sums of `used` slots into the caller's output. */
  readonly finish: (used: number) => void;
}

/**
 * Runs the calls. Calls on distinct arenas and of one kernel run side by side: one per thread,
 * each over all its pairs (the trees of a layer have equal sizes, so the threads get equal
 * work). Rounds too small to split then still use every core, and big ones need one dispatch
 * per group instead of one per tree (each costs a helper wake-up). A call left over is split
 * across the threads down to its side-by-side size per thread.
 */
export function runSumCalls(calls: readonly SumCall[]): void {
  const threads = proverThreads();
  const alone = (c: SumCall, range = c.range) => {
    c.setup();
    c.finish(parallelFor(kernels.bundle(), c.name, c.half, range, c.argsFor, c.local));
  };
  const small = calls.filter((c) => c.half >= c.sideBySide);
  const together = threads >= 2 && small.length >= 2 && new Set(small.map((c) => c.arena)).size === small.length && new Set(small.map((c) => c.name)).size === 1;
  if (!together) {
    calls.forEach(alone);
    return;
  }
  calls.filter((c) => !small.includes(c)).forEach(alone);
  for (let at = 0; at < small.length; at += threads) {
    const group = small.slice(at, at + threads);
    if (group.length === 1) {
      // the odd one out: split finer than alone, or the other threads would idle through it
      alone(group[0]!, Math.min(group[0]!.range, group[0]!.sideBySide));
      continue;
    }
    for (const c of group) c.setup();
    // slot s runs group[s] whole (its own memory, its own header: slot 0's result block)
    parallelFor(kernels.bundle(), group[0]!.name, group.length, 1, (slot) => group[slot]!.argsFor(0, 0, group[slot]!.half), group[0]!.local);
    for (const c of group) c.finish(1);
  }
}

/**
 * Gives `arenas` back for reuse once nothing reads their views any more (the caller's trees
 * are dead): their memories go to the pool of pcs/wasm-asm.ts (recycleMemory), whence
 * {@link FractionArena.create} and the PCS take them. A fresh memory costs its first touch
 * (the OS zeroes every page, ~0.4 ms per MB here: a third of a warm 32-token lookup phase
 * went to it), a reused one does not.
 */
export function recycleFractionArenas(arenas: Iterable<FractionArena>): void {
  for (const a of new Set(arenas)) {
    // Its next user may not be an arena: fractionArenaOf must not find this one there.
    arenaOf.delete(a.mem.buffer);
    recycleMemory(a.mem);
  }
}

/** Arena of each memory buffer, to find the arena of a layer view. */
const arenaOf = new WeakMap<ArrayBufferLike, FractionArena>();

/** The arena `v` is a view of, if any. */
export function fractionArenaOf(v: Uint32Array): FractionArena | undefined {
  return arenaOf.get(v.buffer);
}

/** Words of proving scratch a tree of 2^n leaves needs for its largest layer (k = n − 1): eq tables and two fold buffers per table. */
export function fractionScratchWords(n: number): number {
  const k = Math.max(0, n - 1);
  return 4 * 2 ** k + 8 * 2 ** k + 4 * Math.max(4, 2 ** k) + 64;
}

/**
 * Bump allocator over one shared wasm memory of fixed size with the fraction kernels bound to
 * it; views handed out are Uint32Arrays of that memory (SharedArrayBuffer-backed, so the JS
 * kernels work on them too).
 */
export class FractionArena {
  readonly mem: WebAssembly.Memory;
  readonly heap: Uint32Array;
  private readonly x: FractionExports;
  private readonly F: PrimeField;
  private readonly w: number;
  private readonly r32: number;
  /** 2^64 mod p: the round sums' terms carry 2^−64. */
  readonly c64: number;
  private top = HEADER_WORDS;

  private constructor(mem: WebAssembly.Memory, F: PrimeField, w: number) {
    this.mem = mem;
    this.heap = new Uint32Array(mem.buffer);
    this.x = kernels.exportsFor(mem);
    this.F = F;
    this.w = w;
    this.r32 = F.reduce(2 ** 32);
    this.c64 = F.mul(this.r32, this.r32);
    const mu = montMu(F.p);
    const wm = F.mul(F.reduce(w), this.r32);
    const consts = [F.p, mu, wm, Math.imul(wm, mu), this.c64, Math.imul(this.c64, mu)];
    consts.forEach((c, i) => this.heap.fill(c >>> 0, 4 * i, 4 * i + 4));
    if (4 * consts.length !== K_WORDS) throw new Error('FractionArena: constants block layout');
    arenaOf.set(mem.buffer, this);
  }

  /**
   * An arena of `words` u32 for the field F with x^4 = w, or null: SIMD switched off, a
   * modulus beyond 2^31, no wasm SIMD or shared memory here, or no memory that large.
   */
  static create(F: PrimeField, w: number, words: number): FractionArena | null {
    if (!simdKernels.enabled || F.p >= 2 ** 31 || !kernels.sharedModule()) return null;
    // A recycled memory is fine as it is (every caller writes all it allocates); the
    // constructor rewrites the constants block.
    const bytes = 4 * (HEADER_WORDS + words);
    const mem = recycledMemory(bytes)?.mem ?? sharedMemory(bytes);
    return mem ? new FractionArena(mem, F, w) : null;
  }

  /**
   * A table of `words` u32 (16-byte aligned), or null when the arena is full. Not zeroed:
   * space is reused after {@link release} and memories are recycled, and every caller
   * writes all of it.
   */
  tryAlloc(words: number): Uint32Array | null {
    const need = (words + 3) & ~3;
    if (this.top + need > this.heap.length) return null;
    const v = this.heap.subarray(this.top, this.top + words);
    this.top += need;
    return v;
  }

  /** Free words left. */
  available(): number {
    return this.heap.length - this.top;
  }

  /** The allocation mark; {@link release} frees everything allocated after it. */
  mark(): number {
    return this.top;
  }

  release(mark: number): void {
    this.top = mark;
  }

  /** Montgomery rows of r (16 words) at word `at`. */
  private setRows(r: Uint32Array, at: number): void {
    const F = this.F;
    const m = (x: number) => F.mul(x, this.r32);
    const r0 = m(r[0]!), r1 = m(r[1]!), r2 = m(r[2]!), r3 = m(r[3]!);
    const wr1 = F.mul(r1, this.w), wr2 = F.mul(r2, this.w), wr3 = F.mul(r3, this.w);
    this.heap.set([r0, r1, r2, r3, wr3, r0, r1, r2, wr2, wr3, r0, r1, wr1, wr2, wr3, r0], at);
  }

  private local(f: (x: FractionExports, mem: WebAssembly.Memory, ...rest: never[]) => void): (a: KernelArg[]) => void {
    return (a) => (f as (x: FractionExports, ...rest: KernelArg[]) => void)(this.x, ...a);
  }

  private own(v: Uint32Array): number {
    if (v.buffer !== this.heap.buffer) throw new RangeError('FractionArena: table is not in this arena');
    return v.byteOffset;
  }

  /**
   * Parent layer (as fractionParents / fractionParentsBaseP) of `size` entries from the
   * children cp, cq (2·size entries), all in this arena.
   */
  parents(cp: Uint32Array, cq: Uint32Array, np: Uint32Array, nq: Uint32Array, size: number, baseP: boolean, minRange = MIN_RANGE): void {
    runSumCalls([this.parentsCall(cp, cq, np, nq, size, baseP, minRange)]);
  }

  /** {@link parents} as a call for {@link runSumCalls} (no sums). */
  parentsCall(cp: Uint32Array, cq: Uint32Array, np: Uint32Array, nq: Uint32Array, size: number, baseP: boolean, minRange = MIN_RANGE): SumCall {
    const args = [this.own(cp), this.own(cq), this.own(np), this.own(nq), 0];
    return {
      arena: this,
      name: 'parentsRange',
      half: size,
      range: minRange,
      // a parent costs a fifth of a fused round's pair
      sideBySide: 4 * MIN_SIDE_BY_SIDE,
      setup: () => {},
      finish: () => {},
      local: this.local(parentsRange),
      argsFor: (_, s, e) => [this.mem, baseP ? 1 : 0, ...args, s, e],
    };
  }

  /**
   * As fractionRoundSums over pairs [0, half), tables in this arena: out[0..8) gets the two
   * sums as canonical field elements (the kernel's scaling removed). With `parents` (the
   * parent layer of round 0's interleaved children, in this arena) the value at 0 comes
   * from it instead of products of the children; `baseP` (with parents only): the children's
   * numerators have zero limbs 1–3 (a tree's leaves), which the kernel exploits.
   */
  roundSums(
    P0: Uint32Array, P1: Uint32Array, Q0: Uint32Array, Q1: Uint32Array,
    o1: number, stride: number, gap: number, half: number, eq: Uint32Array, lam: Uint32Array, out: Uint32Array, minRange = MIN_RANGE,
    parents?: readonly [Uint32Array, Uint32Array], baseP = false,
  ): void {
    runSumCalls([this.roundSumsCall(P0, P1, Q0, Q1, o1, stride, gap, half, eq, lam, out, minRange, parents, baseP)]);
  }

  /** {@link roundSums} as a call for {@link runSumCalls}. */
  roundSumsCall(
    P0: Uint32Array, P1: Uint32Array, Q0: Uint32Array, Q1: Uint32Array,
    o1: number, stride: number, gap: number, half: number, eq: Uint32Array, lam: Uint32Array, out: Uint32Array, minRange = MIN_RANGE,
    parents?: readonly [Uint32Array, Uint32Array], baseP = false,
  ): SumCall {
    if (baseP && !parents) throw new RangeError('FractionArena.roundSums: base numerators only with parents');
    const outAt = 4 * OUT_AT;
    const base = [this.own(P0), this.own(P1) + 16 * o1, this.own(Q0), this.own(Q1) + 16 * o1, 16 * stride, 16 * gap, this.own(eq), 0, 4 * L_AT];
    const range = Math.max(minRange, Math.ceil(half / MAX_SLOTS));
    const setup = () => this.setRows(lam, L_AT);
    const finish = (used: number) => this.sumsOut(used, out, parents ? this.r32 : this.c64);
    if (parents) {
      if (stride !== 4 || gap !== 2 || o1 !== 1 || parents[0].length < 8 * half || parents[1].length < 8 * half) throw new RangeError('FractionArena.roundSums: parents need round 0 of a layer');
      const pq = [this.own(parents[0]), this.own(parents[1])];
      return { arena: this, name: 'roundParentRange', half, range, sideBySide: MIN_SIDE_BY_SIDE, setup, finish, local: this.local(roundParentRange), argsFor: (slot, s, e) => [this.mem, baseP ? 1 : 0, ...base, outAt + 32 * slot, ...pq, s, e] };
    }
    return { arena: this, name: 'roundRange', half, range, sideBySide: MIN_SIDE_BY_SIDE, setup, finish, local: this.local(roundRange), argsFor: (slot, s, e) => [this.mem, ...base, outAt + 32 * slot, s, e] };
  }

  /** out[0..4) = the slots' first sums times `scale0`, out[4..8) the second sums times 2^64 (the kernels' 2^−64 removed). */
  private sumsOut(used: number, out: Uint32Array, scale0: number): void {
    const F = this.F;
    for (let l = 0; l < 8; l++) {
      let v = 0;
      for (let slot = 0; slot < used; slot++) v += this.heap[OUT_AT + 8 * slot + l]!;
      out[l] = F.mul(F.reduce(v), l < 4 ? scale0 : this.c64);
    }
  }

  /**
   * {@link fold} of four tables with r (into dst, 2·half entries each) and then
   * {@link roundSums} over the folded tables (plain layout) with the next round's eq, in one
   * pass: out[0..8) as roundSums'. `baseP`: src[0] and src[1] (the P tables) have zero limbs 1–3.
   */
  foldRound(
    src: readonly Uint32Array[], base: readonly number[], stride: number, gap: number, dst: readonly Uint32Array[], half: number, r: Uint32Array,
    eq: Uint32Array, lam: Uint32Array, out: Uint32Array, minRange = MIN_RANGE, baseP = false,
  ): void {
    runSumCalls([this.foldRoundCall(src, base, stride, gap, dst, half, r, eq, lam, out, minRange, baseP)]);
  }

  /** {@link foldRound} as a call for {@link runSumCalls}. */
  foldRoundCall(
    src: readonly Uint32Array[], base: readonly number[], stride: number, gap: number, dst: readonly Uint32Array[], half: number, r: Uint32Array,
    eq: Uint32Array, lam: Uint32Array, out: Uint32Array, minRange = MIN_RANGE, baseP = false,
  ): SumCall {
    if (src.length !== 4 || base.length !== 4 || dst.length !== 4) throw new RangeError('FractionArena.foldRound: four tables');
    for (const t of dst) if (t.length < 8 * half) throw new RangeError('FractionArena.foldRound: destination too short');
    if (eq.length < 4 * half) throw new RangeError('FractionArena.foldRound: eq table too short');
    const outAt = 4 * OUT_AT;
    const args = [...src.map((t, m) => this.own(t) + 16 * base[m]!), 16 * stride, 16 * gap, ...dst.map((t) => this.own(t)), 4 * R_AT, this.own(eq), 4 * L_AT, 0];
    return {
      arena: this,
      name: 'foldRoundRange',
      half,
      range: Math.max(minRange, Math.ceil(half / MAX_SLOTS)),
      sideBySide: MIN_SIDE_BY_SIDE,
      setup: () => {
        this.setRows(r, R_AT);
        this.setRows(lam, L_AT);
      },
      finish: (used) => this.sumsOut(used, out, this.c64),
      local: this.local(foldRoundRange),
      argsFor: (slot, s, e) => [this.mem, baseP ? 1 : 0, ...args, outAt + 32 * slot, s, e],
    };
  }

  /**
   * foldFractionTable of four tables over [0, half): dst[m][j] = src[m][lo] + r·(src[m][hi] − src[m][lo])
   * with lo = base[m] + stride·j, hi = lo + gap; no dst may overlap a src.
   */
  fold(src: readonly Uint32Array[], base: readonly number[], stride: number, gap: number, dst: readonly Uint32Array[], half: number, r: Uint32Array, minRange = MIN_RANGE): void {
    if (src.length !== 4 || base.length !== 4 || dst.length !== 4) throw new RangeError('FractionArena.fold: four tables');
    this.setRows(r, R_AT);
    const args = [...src.map((t, m) => this.own(t) + 16 * base[m]!), 16 * stride, 16 * gap, ...dst.map((t) => this.own(t)), 4 * R_AT, 0];
    parallelFor(kernels.bundle(), 'foldRange', half, minRange, (_, s, e) => [this.mem, ...args, s, e], this.local(foldRange));
  }

  /**
   * Writes the leaf blocks into the layer (lp, lq) of this arena: lp[o + i] = numerators[i]
   * (limb 0), lq[o + i] = start − Σ_c pows[c]·columns[c][i] for o = offset, i < len; the
   * same values as the JS fill (lookup/leaves.ts). Columns and numerators are staged in the
   * arena (released again), then the blocks' leaf ranges are split across threads. Leaves
   * outside every block are not touched. False (nothing written) when the arena is too small.
   */
  leaves(lp: Uint32Array, lq: Uint32Array, blocks: readonly LeafBlock[], pows: readonly Uint32Array[], minRange = MIN_RANGE): boolean {
    const mark = this.mark();
    try {
      if (this.available() < leafStagingWords(blocks)) return false;
      const heap = this.heap;
      const bytes = new Uint8Array(heap.buffer);
      const stage = (v: Uint32Array | Uint8Array): number => {
        const t = this.tryAlloc(v instanceof Uint8Array ? Math.ceil(v.length / 4) : v.length)!;
        if (v instanceof Uint8Array) bytes.set(v, t.byteOffset);
        else t.set(v);
        return t.byteOffset;
      };
      const arity = Math.max(...blocks.map((b) => b.columns.length));
      // γ powers in Montgomery form, two per pass
      const G = this.tryAlloc(8 * Math.ceil(arity / 2))!;
      for (let c = 0; c < arity; c++) for (let l = 0; l < 4; l++) G[4 * c + l] = this.F.mul(pows[c]![l]!, this.r32);
      const desc: number[] = [];
      const P = this.own(lp), Q = this.own(lq);
      for (const b of blocks) {
        if (b.columns.length === 0) throw new RangeError('FractionArena.leaves: a block without columns');
        const start = this.tryAlloc(4)!;
        start.set(b.start.subarray(0, 4));
        const num = stage(b.numerators);
        const cols = b.columns.map(stage);
        for (let c = 0; c < b.columns.length; c += 2) {
          const first = c === 0;
          desc.push(
            b.offset, b.len, P + 16 * b.offset, first ? num : 0, first ? (b.numerators instanceof Uint8Array ? 1 : 2) : 0, Q + 16 * b.offset,
            first ? start.byteOffset : Q + 16 * b.offset, first ? 0 : 16, cols[c]!, cols[c + 1] ?? 0, G.byteOffset + 16 * c, 0,
          );
        }
      }
      const d = this.tryAlloc(desc.length)!;
      d.set(desc);
      const count = desc.length / LEAF_DESC_WORDS;
      parallelFor(kernels.bundle(), 'leavesRange', lq.length >>> 2, minRange, (_, s, e) => [this.mem, d.byteOffset, count, s, e], this.local(leavesRange));
      return true;
    } finally {
      this.release(mark);
    }
  }

  /**
   * Σ_j col[j]·eq[j] (an ext element, 4 limbs each in the result) for each (column, eq) pair:
   * base columns and ext vectors of at least the column's length, all in this arena. All
   * products form one range split across threads, so many short ones use both.
   */
  dots(pairs: ReadonlyArray<{ col: Uint32Array; eq: Uint32Array }>, minRange = MIN_RANGE): Uint32Array {
    const count = pairs.length;
    const result = new Uint32Array(4 * count);
    if (count === 0) return result;
    const mark = this.mark();
    try {
      const slots = Math.min(proverThreads(), MAX_SLOTS);
      const desc = this.tryAlloc(4 * count);
      const out = this.tryAlloc(4 * count * slots);
      if (!desc || !out) throw new RangeError('FractionArena.dots: arena full');
      out.fill(0);
      let total = 0;
      pairs.forEach(({ col, eq }, d) => {
        if (4 * col.length > eq.length) throw new RangeError('FractionArena.dots: eq vector shorter than the column');
        desc.set([total, col.length, this.own(col), this.own(eq)], 4 * d);
        total += col.length;
      });
      const used = parallelFor(kernels.bundle(), 'dotsRange', total, minRange, (slot, s, e) => [this.mem, desc.byteOffset, count, out.byteOffset + 16 * count * slot, s, e], this.local(dotsRange));
      const F = this.F;
      for (let l = 0; l < 4 * count; l++) {
        let v = 0;
        for (let slot = 0; slot < used; slot++) v += out[4 * count * slot + l]!;
        // the kernel's products carry 2^−32
        result[l] = F.mul(F.reduce(v), this.r32);
      }
      return result;
    } finally {
      this.release(mark);
    }
  }

  /** As expandEqTable: v (2n entries in this arena) holds eq(s, ·) in its first n entries and gets eq((r, s), ·). */
  expandEq(v: Uint32Array, n: number, r: Uint32Array): void {
    this.setRows(r, R_AT);
    this.x.expandEq(this.own(v), n, 4 * R_AT, 0);
  }
}
