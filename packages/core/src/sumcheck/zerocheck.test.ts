import { describe, expect, it } from 'vitest';
import { BabyBearExt4, SumcheckError, Transcript, eqTable, verifySumcheckRounds, type Ext, type SumcheckTerm } from '@zkllm/verifier';
import { helperJobCount, proverThreads, setProverThreads } from '../parallel/pool.js';
import { proveSumcheckRounds, sumOverHypercube, type MleTable, type SumcheckInput, type SumcheckRoundsOutput } from './prover.js';
import { proveEqSumcheckRounds } from './zerocheck.js';

const E = BabyBearExt4;
const F = E.base;
const DOMAIN = 'zkllm/test/zerocheck';

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

const randExt = (next: () => number): Ext => Uint32Array.of(...[0, 1, 2, 3].map(() => F.randomFrom(next)));

interface Member {
  tables: MleTable[];
  /** Terms over the member's own tables (indices from 0). */
  terms: SumcheckTerm[];
}

/**
 * A member shaped like a requant relation, satisfied on every row: base tables of small
 * signed values a, b, a selector s ∈ {−1, 0, 1}, an optional per-channel multiplier m
 * (a public table repeating every `channels` rows), and x defined by
 * x = 3a − 5·m·b + s·s·b + s·a, batched by λ with s³ − s = 0.
 */
function requantLike(n: number, next: () => number, perChannel: boolean, satisfied: boolean): Member {
  const size = 2 ** n;
  const small = () => F.fromInt((next() % 2001) - 1000);
  const a = Uint32Array.from({ length: size }, small);
  const b = Uint32Array.from({ length: size }, small);
  const s = Uint32Array.from({ length: size }, () => F.fromInt((next() % 3) - 1));
  const channels = 1 << Math.min(n, 2);
  const mc = Array.from({ length: channels }, small);
  const m = Uint32Array.from({ length: size }, (_, i) => (perChannel ? mc[i % channels]! : F.fromInt(7)));
  const x = new Uint32Array(size);
  for (let i = 0; i < size; i++) {
    let v = F.mul(3, a[i]!);
    v = F.sub(v, F.mul(5, F.mul(m[i]!, b[i]!)));
    v = F.add(v, F.mul(F.mul(s[i]!, s[i]!), b[i]!));
    v = F.add(v, F.mul(s[i]!, a[i]!));
    x[i] = satisfied ? v : F.add(v, next() % 3 === 0 ? 1 : 0);
  }
  const lambda = randExt(next);
  const l2 = E.mul(lambda, lambda);
  const c = (k: number, l: Ext): Ext => E.mulBase(l, F.fromInt(k));
  // Tables: 0 x, 1 a, 2 b, 3 s, 4 m.
  const terms: SumcheckTerm[] = [
    { coeff: c(1, lambda), factors: [0] },
    { coeff: c(-3, lambda), factors: [1] },
    { coeff: c(5, lambda), factors: [4, 2] },
    { coeff: c(-1, lambda), factors: [3, 3, 2] },
    { coeff: c(-1, lambda), factors: [1, 3] },
    { coeff: c(1, l2), factors: [3, 3, 3] },
    { coeff: c(-1, l2), factors: [3] },
  ];
  const base = (data: Uint32Array): MleTable => ({ kind: 'base', data });
  return { tables: [base(x), base(a), base(b), base(s), base(m)], terms };
}

/** A member of random values and random terms (ext tables, constants, repeated factors). */
function randomMember(n: number, next: () => number, maxFactors: number): Member {
  const size = 2 ** n;
  const nt = 1 + (next() % 4);
  const tables: MleTable[] = Array.from({ length: nt }, () =>
    next() % 3 === 0
      ? { kind: 'ext', data: Uint32Array.from({ length: 4 * size }, () => F.randomFrom(next)) }
      : { kind: 'base', data: Uint32Array.from({ length: size }, () => F.randomFrom(next)) },
  );
  const terms: SumcheckTerm[] = [];
  const count = 1 + (next() % 5);
  for (let j = 0; j < count; j++) {
    const k = next() % (maxFactors + 1);
    terms.push({ coeff: randExt(next), factors: Array.from({ length: k }, () => next() % nt) });
  }
  return { tables, terms };
}

/** The batch statement: eq(r, ·) first, then the members' tables; terms μ^k·eq·R_k. */
function batch(n: number, members: Member[], r: Uint32Array, mu: Ext): { tables: MleTable[]; terms: SumcheckTerm[] } {
  const tables: MleTable[] = [{ kind: 'ext', data: eqTable(E, r) }];
  const terms: SumcheckTerm[] = [];
  let pow = E.one();
  for (const m of members) {
    const off = tables.length;
    for (const t of m.terms) terms.push({ coeff: E.mul(pow, t.coeff), factors: [0, ...t.factors.map((f) => f + off)] });
    tables.push(...m.tables);
    pow = E.mul(pow, mu);
  }
  expect(tables.every((t) => t.data.length === (t.kind === 'base' ? 1 : 4) << n)).toBe(true);
  return { tables, terms };
}

function randomPoint(n: number, next: () => number): Uint32Array {
  const r = new Uint32Array(4 * n);
  for (let i = 0; i < 4 * n; i++) r[i] = F.randomFrom(next);
  return r;
}

let eqHelperJobs = 0;

/** Both provers on fresh transcripts; returns the outputs and one challenge drawn after each. */
function both(input: SumcheckInput, r: Uint32Array): { eq: SumcheckRoundsOutput; gen: SumcheckRoundsOutput; after: [Ext, Ext] } {
  const copies = input.tables.map((t) => t.data.slice());
  const tg = new Transcript(DOMAIN, E);
  const gen = proveSumcheckRounds(input, tg, { ext: E });
  const te = new Transcript(DOMAIN, E);
  // A low work threshold, so that two threads split even these small rounds.
  const jobs = helperJobCount();
  const eq = proveEqSumcheckRounds(input, r, te, { ext: E, minWorkPerThread: 1 << 8 });
  eqHelperJobs += helperJobCount() - jobs;
  input.tables.forEach((t, k) => expect(t.data).toEqual(copies[k]));
  return { eq, gen, after: [tg.challengeExt('after'), te.challengeExt('after')] };
}

function expectSame(a: SumcheckRoundsOutput, b: SumcheckRoundsOutput): void {
  expect(a.roundMessages.length).toBe(b.roundMessages.length);
  a.roundMessages.forEach((m, i) => expect(m).toEqual(b.roundMessages[i]));
  expect(a.point).toEqual(b.point);
  expect(a.finalEvals).toEqual(b.finalEvals);
  expect(a.claim).toEqual(b.claim);
  expect(a.finalClaim).toEqual(b.finalClaim);
}

function withThreads(threads: number, body: () => void): void {
  const before = proverThreads();
  setProverThreads(threads);
  try {
    body();
  } finally {
    setProverThreads(before);
  }
}

describe('eq-aware zero-check prover', () => {
  for (const threads of [1, 2]) {
    it(`requant-shaped batches with claim 0: byte-identical to the generic prover (n = 1..14, ${threads} thread${threads > 1 ? 's' : ''})`, () => {
      withThreads(threads, () => {
        const jobs = eqHelperJobs;
        const next = rng(1000 + threads);
        for (let n = 1; n <= 14; n++) {
          const count = n >= 12 ? 3 : 1 + (next() % 4);
          const members = Array.from({ length: count }, (_, k) => requantLike(n, next, k % 2 === 1, true));
          const r = randomPoint(n, next);
          const { tables, terms } = batch(n, members, r, randExt(next));
          const input = { numVars: n, tables, terms, claim: E.zero(), degree: 4 };
          const { eq, gen, after } = both(input, r);
          expectSame(eq, gen);
          expect(after[1]).toEqual(after[0]);
          // And the verifier accepts the rounds.
          const vt = new Transcript(DOMAIN, E);
          const res = verifySumcheckRounds(vt, n, 4, E.zero(), eq.roundMessages, E);
          expect(res.point).toEqual(eq.point);
          expect(res.finalClaim).toEqual(eq.finalClaim);
        }
        // With two threads, helper threads ran some of the zero-check prover's rounds.
        expect(eqHelperJobs > jobs).toBe(threads > 1);
      });
    });
  }

  it('random members (ext tables, constant terms, repeated factors, degrees 1..4) without a claim: identical', () => {
    for (const threads of [1, 2]) {
      withThreads(threads, () => {
        const next = rng(77 + threads);
        for (let trial = 0; trial < 24; trial++) {
          const n = 1 + (trial % 11);
          const maxFactors = trial % 4;
          const members = Array.from({ length: 1 + (next() % 3) }, () => randomMember(n, next, maxFactors));
          const r = randomPoint(n, next);
          const { tables, terms } = batch(n, members, r, randExt(next));
          const need = Math.max(1, ...terms.map((t) => t.factors.length));
          const degree = Math.min(4, need + (trial % 2));
          const { eq, gen, after } = both({ numVars: n, tables, terms, degree }, r);
          expectSame(eq, gen);
          expect(after[1]).toEqual(after[0]);
        }
      });
    }
  });

  it('a zero (or one) coordinate of r: q(1) is evaluated instead of derived; identical', () => {
    const next = rng(5);
    for (const special of [E.zero(), E.one()]) {
      for (let n = 1; n <= 6; n++) {
        const r = randomPoint(n, next);
        for (let j = 0; j < n; j += 2) r.set(special, 4 * j);
        const { tables, terms } = batch(n, [requantLike(n, next, true, true), randomMember(n, next, 3)], r, randExt(next));
        const { eq, gen } = both({ numVars: n, tables, terms, degree: 4 }, r);
        expectSame(eq, gen);
      }
    }
  });

  it('terms without the eq factor (RoPE\'s w·x) are summed alongside, with or without a claim: identical (1 and 2 threads)', () => {
    for (const threads of [1, 2]) {
      withThreads(threads, () => {
        const next = rng(313 + threads);
        for (let trial = 0; trial < 16; trial++) {
          const n = 1 + (trial % 12);
          const members = [requantLike(n, next, trial % 2 === 0, true), randomMember(n, next, 2)];
          const r = randomPoint(n, next);
          if (trial % 5 === 4) r.set(E.zero(), 0);
          const { tables, terms } = batch(n, members, r, randExt(next));
          // Plain terms over any tables but eq: products of up to 3 factors (one of degree 4), a constant.
          const plain: SumcheckTerm[] = Array.from({ length: 1 + (next() % 3) }, (_, j) => ({
            coeff: randExt(next),
            factors: Array.from({ length: j === 2 ? 0 : 1 + (next() % 3) }, () => 1 + (next() % (tables.length - 1))),
          }));
          const all = [...terms, ...plain];
          const given = trial % 2 === 1;
          const input: SumcheckInput = { numVars: n, tables, terms: all, degree: 4, ...(given ? { claim: sumOverHypercube(tables, all, E) } : {}) };
          const { eq, gen, after } = both(input, r);
          expectSame(eq, gen);
          expect(after[1]).toEqual(after[0]);
        }
      });
    }
  });

  it('boundEvals are the final values of the folded tables; trustedEq skips the eq check with the same result', () => {
    const next = rng(21);
    const n = 7;
    const r = randomPoint(n, next);
    const { tables, terms } = batch(n, [requantLike(n, next, true, true), randomMember(n, next, 3)], r, randExt(next));
    const input = { numVars: n, tables, terms, degree: 4 };
    const a = proveEqSumcheckRounds(input, r, new Transcript(DOMAIN, E), { ext: E });
    const b = proveEqSumcheckRounds(input, r, new Transcript(DOMAIN, E), { ext: E, trustedEq: true });
    expectSame(a, b);
    let bound = 0;
    a.boundEvals.forEach((v, k) => {
      if (v === undefined) return;
      bound++;
      expect(v).toEqual(a.finalEvals.subarray(4 * k, 4 * k + 4));
    });
    // eq and the tables of nonlinear terms (s, b, m of the requant member, at least).
    expect(bound).toBeGreaterThanOrEqual(4);
    expect(a.boundEvals.length).toBe(tables.length);
  });

  it('a given claim that is wrong makes it throw, as the generic prover does', () => {
    const next = rng(9);
    const n = 6;
    const r = randomPoint(n, next);
    const { tables, terms } = batch(n, [requantLike(n, next, true, false)], r, randExt(next));
    const input = { numVars: n, tables, terms, claim: E.zero(), degree: 4 };
    expect(() => proveSumcheckRounds(input, new Transcript(DOMAIN, E), { ext: E })).toThrow(SumcheckError);
    expect(() => proveEqSumcheckRounds(input, r, new Transcript(DOMAIN, E), { ext: E })).toThrow(SumcheckError);
  });

  it('statements of another shape fall back to the generic prover (and still match)', () => {
    const next = rng(11);
    const n = 5;
    const r = randomPoint(n, next);
    const { tables, terms } = batch(n, [requantLike(n, next, false, true)], r, randExt(next));
    const cases: { input: SumcheckInput; r: Uint32Array }[] = [
      // No term with the eq factor.
      { input: { numVars: n, tables, terms: [{ coeff: E.one(), factors: [1, 2] }] }, r },
      // The eq factor twice.
      { input: { numVars: n, tables, terms: [...terms, { coeff: E.one(), factors: [0, 0] }] }, r },
      // tables[0] is not eq(r, ·) for the given r.
      { input: { numVars: n, tables, terms, claim: E.zero(), degree: 4 }, r: randomPoint(n, next) },
    ];
    for (const c of cases) {
      const gen = proveSumcheckRounds(c.input, new Transcript(DOMAIN, E), { ext: E });
      const eq = proveEqSumcheckRounds(c.input, c.r, new Transcript(DOMAIN, E), { ext: E });
      expectSame(eq, gen);
    }
  });
});
