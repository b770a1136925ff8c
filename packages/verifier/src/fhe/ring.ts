/**
 * Negacyclic polynomial arithmetic in F_p[X]/(X^N + 1) for an NTT-friendly prime
 * (2N | p − 1): twist by ψ (a primitive 2N-th root), cyclic NTT, untwist. The
 * "evaluation domain" used here is the twisted cyclic NTT, in which a negacyclic
 * product is pointwise.
 */
import { intt, ntt } from '../field/ntt.js';
import type { PrimeField } from '../field/prime.js';

interface Twist {
  readonly psi: Uint32Array;
  readonly psiInv: Uint32Array;
}

const cache = new WeakMap<PrimeField, Map<number, Twist>>();

function twist(F: PrimeField, N: number): Twist {
  let m = cache.get(F);
  if (!m) {
    m = new Map();
    cache.set(F, m);
  }
  let t = m.get(N);
  if (!t) {
    const log = Math.log2(N) + 1;
    const w = F.rootOfUnity(log);
    const wi = F.inv(w);
    const nInv = 1; // intt already divides by N
    const psi = new Uint32Array(N);
    const psiInv = new Uint32Array(N);
    let a = 1;
    let b = nInv;
    for (let i = 0; i < N; i++) {
      psi[i] = a;
      psiInv[i] = b;
      a = F.mul(a, w);
      b = F.mul(b, wi);
    }
    t = { psi, psiInv };
    m.set(N, t);
  }
  return t;
}

/** Coefficients → negacyclic evaluation domain (returns a new array). */
export function toEval(F: PrimeField, coeffs: Uint32Array): Uint32Array {
  const { psi } = twist(F, coeffs.length);
  const a = new Uint32Array(coeffs.length);
  F.mulVec(a, coeffs, psi);
  return ntt(F, a);
}

/** Negacyclic evaluation domain → coefficients, in place. */
export function fromEvalInPlace(F: PrimeField, evals: Uint32Array): Uint32Array {
  const { psiInv } = twist(F, evals.length);
  intt(F, evals);
  return F.mulVec(evals, evals, psiInv);
}

/** a(X)·b(X) mod (X^N + 1, p) by schoolbook — for tests and tiny sizes only. */
export function negacyclicMulNaive(F: PrimeField, a: Uint32Array, b: Uint32Array): Uint32Array {
  const N = a.length;
  const out = new Uint32Array(N);
  for (let i = 0; i < N; i++) {
    if (a[i] === 0) continue;
    for (let j = 0; j < N; j++) {
      const k = i + j;
      const v = F.mul(a[i]!, b[j]!);
      if (k < N) out[k] = F.add(out[k]!, v);
      else out[k - N] = F.sub(out[k - N]!, v);
    }
  }
  return out;
}

/** x(X^{-1}) in the negacyclic ring: x'[0] = x[0], x'[N−b] = −x[b]. */
export function reverseRing(F: PrimeField, x: Uint32Array): Uint32Array {
  const N = x.length;
  const out = new Uint32Array(N);
  out[0] = x[0]!;
  for (let b = 1; b < N; b++) out[N - b] = F.neg(x[b]!);
  return out;
}
