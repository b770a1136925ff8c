import { describe, expect, it } from 'vitest';
import {
  BabyBear,
  BabyBearExt4,
  ByteReader,
  ByteWriter,
  KoalaBearExt4,
  ProofFormatError,
  SumcheckError,
  Transcript,
  decodeSumcheckProof,
  encodeSumcheckProof,
  evalMleBase,
  evalMleExt,
  sumcheckDegree,
  sumcheckProofBytes,
  verifySumcheck,
  verifySumcheckRounds,
  type QuarticExtension,
  type SumcheckProof,
  type SumcheckStatement,
  type SumcheckTerm,
} from '@zkllm/verifier';
import { helperJobCount, proverThreads, setProverThreads } from '../parallel/pool.js';
import { proveSumcheck, proveSumcheckRounds, sumOverHypercube, type MleTable } from './prover.js';

const E = BabyBearExt4;
const DOMAIN = 'zkllm/test/sumcheck';

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

function baseTable(n: number, next: () => number, Ex: QuarticExtension = E): MleTable {
  const d = new Uint32Array(2 ** n);
  for (let i = 0; i < d.length; i++) d[i] = Ex.base.randomFrom(next);
  return { kind: 'base', data: d };
}

function extTable(n: number, next: () => number, Ex: QuarticExtension = E): MleTable {
  const d = new Uint32Array(4 * 2 ** n);
  for (let i = 0; i < d.length; i++) d[i] = Ex.base.randomFrom(next);
  return { kind: 'ext', data: d };
}

function randExt(next: () => number, Ex: QuarticExtension = E): Uint32Array {
  return Uint32Array.of(...[0, 1, 2, 3].map(() => Ex.base.randomFrom(next)));
}

function mleAt(t: MleTable, r: Uint32Array, Ex: QuarticExtension = E): Uint32Array {
  return t.kind === 'base' ? evalMleBase(Ex, t.data, r) : evalMleExt(Ex, t.data, r);
}

interface Case {
  numVars: number;
  tables: MleTable[];
  terms: SumcheckTerm[];
}

function statementOf(c: Case, claim: Uint32Array) {
  return { numVars: c.numVars, numTables: c.tables.length, terms: c.terms, claim };
}

/** Proves, encodes, decodes, verifies; checks the returned point/values against the tables. */
function roundTrip(c: Case, opts: { kernel?: 'auto' | 'generic'; ext?: QuarticExtension } = {}) {
  const Ex = opts.ext ?? E;
  const copies = c.tables.map((t) => t.data.slice());
  const out = proveSumcheck(c, new Transcript(DOMAIN, Ex), opts);
  // Inputs untouched.
  c.tables.forEach((t, k) => expect(t.data).toEqual(copies[k]));
  expect(out.claim).toEqual(sumOverHypercube(c.tables, c.terms, Ex));
  const degree = sumcheckDegree(c.terms);
  const w = new ByteWriter();
  encodeSumcheckProof(w, out.proof);
  const bytes = w.finish();
  expect(bytes.length).toBe(sumcheckProofBytes(c.numVars, degree, c.tables.length));
  const reader = new ByteReader(bytes);
  const proof = decodeSumcheckProof(reader, c.numVars, degree, c.tables.length, Ex.base);
  reader.finish();
  const res = verifySumcheck(statementOf(c, out.claim), proof, new Transcript(DOMAIN, Ex), Ex);
  expect(res.point).toEqual(out.point);
  expect(res.finalEvals).toEqual(out.finalEvals);
  c.tables.forEach((t, k) => expect(res.finalEvals.subarray(4 * k, 4 * k + 4)).toEqual(mleAt(t, res.point, Ex)));
  return { out, bytes };
}

function productCase(n: number, k: number, seed: number, kind: 'base' | 'ext' = 'base'): Case {
  const next = rng(seed);
  const tables = Array.from({ length: k }, () => (kind === 'base' ? baseTable(n, next) : extTable(n, next)));
  return { numVars: n, tables, terms: [{ coeff: E.one(), factors: tables.map((_, i) => i) }] };
}

describe('sumcheck prover/verifier: completeness', () => {
  for (const k of [1, 2, 3, 4]) {
    for (const kind of ['base', 'ext'] as const) {
      it(`product of ${k} ${kind} tables, n = 0..7 and 11`, () => {
        for (const n of [0, 1, 2, 3, 5, 7, 11]) {
          const c = productCase(n, k, 1000 * k + n + (kind === 'ext' ? 77 : 0), kind);
          const auto = roundTrip(c);
          const generic = roundTrip(c, { kernel: 'generic' });
          // The specialised kernels produce exactly the generic proof.
          expect(auto.bytes).toEqual(generic.bytes);
        }
      });
    }
  }

  it('coefficient on a single product (specialised kernel path)', () => {
    const next = rng(5);
    for (const k of [2, 3]) {
      const c = productCase(6, k, 42 + k);
      c.terms = [{ coeff: randExt(next), factors: c.terms[0]!.factors }];
      expect(roundTrip(c).bytes).toEqual(roundTrip(c, { kernel: 'generic' }).bytes);
    }
  });

  it('single products over a base/ext mix (specialised after the first fold)', () => {
    const next = rng(17);
    for (const n of [1, 2, 3, 8]) {
      for (const kinds of [['base', 'ext'], ['ext', 'base', 'base'], ['ext', 'ext', 'base']]) {
        const tables = kinds.map((k) => (k === 'base' ? baseTable(n, next) : extTable(n, next)));
        const c: Case = { numVars: n, tables, terms: [{ coeff: randExt(next), factors: tables.map((_, i) => i).reverse() }] };
        expect(roundTrip(c).bytes).toEqual(roundTrip(c, { kernel: 'generic' }).bytes);
      }
    }
  });

  it('mixed base/ext tables, repeated tables, linear combinations, constant terms', () => {
    const next = rng(99);
    for (const n of [0, 1, 2, 4, 9]) {
      const tables = [baseTable(n, next), extTable(n, next), baseTable(n, next), extTable(n, next), baseTable(n, next)];
      const terms: SumcheckTerm[] = [
        { coeff: randExt(next), factors: [0, 1] },
        { coeff: randExt(next), factors: [2, 2, 0] },
        { coeff: randExt(next), factors: [1, 3, 1, 4] },
        { coeff: randExt(next), factors: [4] },
        { coeff: randExt(next), factors: [0, 0, 0, 0] },
        { coeff: randExt(next), factors: [] },
        { coeff: E.zero(), factors: [3, 2] },
      ];
      roundTrip({ numVars: n, tables, terms });
    }
  });

  it('the generic kernel and folds split across helper threads give byte-identical proofs', () => {
    const before = proverThreads();
    const next = rng(2024);
    // Zero-check-like: many members, each an ext weight times products of base tables.
    const n = 13;
    const tables: MleTable[] = [];
    const terms: SumcheckTerm[] = [];
    for (let m = 0; m < 6; m++) {
      const b = tables.length;
      tables.push(extTable(n, next), baseTable(n, next), baseTable(n, next));
      terms.push({ coeff: randExt(next), factors: [b, b + 1] }, { coeff: randExt(next), factors: [b, b + 1, b + 1, b + 2] }, { coeff: randExt(next), factors: [b, b + 2] });
    }
    const prove = (threads: number) => {
      setProverThreads(threads);
      const jobs = helperJobCount();
      const out = proveSumcheck({ numVars: n, tables, terms }, new Transcript(DOMAIN, E));
      const w = new ByteWriter();
      encodeSumcheckProof(w, out.proof);
      return { bytes: Buffer.from(w.finish()), helped: helperJobCount() - jobs };
    };
    try {
      const one = prove(1);
      const two = prove(2);
      expect(one.helped).toBe(0);
      expect(two.helped).toBeGreaterThan(0);
      expect(two.bytes.equals(one.bytes)).toBe(true);
      roundTrip({ numVars: n, tables, terms });
    } finally {
      setProverThreads(before);
    }
  });

  it('the same table repeated in a single product (f², f·f·g) and tables not used by any term', () => {
    const next = rng(7);
    const f = baseTable(6, next);
    const g = extTable(6, next);
    roundTrip({ numVars: 6, tables: [f], terms: [{ coeff: E.one(), factors: [0, 0] }] });
    roundTrip({ numVars: 6, tables: [f, g], terms: [{ coeff: E.one(), factors: [0, 0, 1] }] });
    roundTrip({ numVars: 6, tables: [f, g, baseTable(6, next)], terms: [{ coeff: E.one(), factors: [2, 0] }] });
  });

  it('the same array passed as two different tables (folds must not alias)', () => {
    const next = rng(31);
    for (const kind of ['base', 'ext'] as const) {
      const f = kind === 'base' ? baseTable(7, next) : extTable(7, next);
      const g = kind === 'base' ? baseTable(7, next) : extTable(7, next);
      roundTrip({ numVars: 7, tables: [f, f], terms: [{ coeff: E.one(), factors: [0, 1] }] });
      roundTrip({ numVars: 7, tables: [f, g, f], terms: [{ coeff: E.one(), factors: [0, 1, 2] }] });
    }
  });

  it('a given claim is used as is; a wrong given claim makes the prover throw', () => {
    const c = productCase(5, 3, 11);
    const claim = sumOverHypercube(c.tables, c.terms);
    const a = proveSumcheck({ ...c, claim }, new Transcript(DOMAIN, E));
    const b = proveSumcheck(c, new Transcript(DOMAIN, E));
    expect(a.proof).toEqual(b.proof);
    const bad = claim.slice();
    bad[2] = (bad[2]! + 1) % BabyBear.p;
    expect(() => proveSumcheck({ ...c, claim: bad }, new Transcript(DOMAIN, E))).toThrow(SumcheckError);
    expect(() => proveSumcheck({ ...productCase(0, 2, 1), claim: bad }, new Transcript(DOMAIN, E))).toThrow(SumcheckError);
  });

  it('an explicit larger degree is honoured by prover and verifier', () => {
    const c = productCase(4, 2, 3);
    const out = proveSumcheck({ ...c, degree: 4 }, new Transcript(DOMAIN, E));
    expect(out.proof.roundMessages[0]!.length).toBe(16);
    verifySumcheck({ ...statementOf(c, out.claim), degree: 4 }, out.proof, new Transcript(DOMAIN, E));
    expect(() => verifySumcheck(statementOf(c, out.claim), out.proof, new Transcript(DOMAIN, E))).toThrow(SumcheckError);
  });

  it('works over KoalaBear', () => {
    const next = rng(3);
    const Ex = KoalaBearExt4;
    const tables = [baseTable(5, next, Ex), baseTable(5, next, Ex), extTable(5, next, Ex)];
    roundTrip({ numVars: 5, tables: tables.slice(0, 2), terms: [{ coeff: Ex.one(), factors: [0, 1] }] }, { ext: Ex });
    roundTrip({ numVars: 5, tables, terms: [{ coeff: randExt(next, Ex), factors: [0, 1, 2] }] }, { ext: Ex });
  });

  it('extreme values (0 and p−1 everywhere) do not break the lazy reductions', () => {
    const p = BabyBear.p;
    for (const v of [0, 1, p - 1, p - 2]) {
      const n = 6;
      const base: MleTable = { kind: 'base', data: new Uint32Array(2 ** n).fill(v) };
      const alt: MleTable = { kind: 'base', data: Uint32Array.from({ length: 2 ** n }, (_, i) => (i & 1 ? p - 1 : v)) };
      const ext: MleTable = { kind: 'ext', data: new Uint32Array(4 * 2 ** n).fill(v) };
      for (const tables of [[base, alt, base], [ext, ext, alt], [ext, ext]]) {
        const terms = [{ coeff: E.of(-1, -1, -1, -1), factors: tables.map((_, i) => i) }];
        roundTrip({ numVars: n, tables, terms });
      }
    }
  });

  it('rounds-only prover pairs with verifySumcheckRounds', () => {
    const c = productCase(6, 2, 8);
    const out = proveSumcheckRounds(c, new Transcript(DOMAIN, E));
    const res = verifySumcheckRounds(new Transcript(DOMAIN, E), 6, 2, out.claim, out.roundMessages);
    expect(res.point).toEqual(out.point);
    expect(res.finalClaim).toEqual(out.finalClaim);
    const fr = E.mul(mleAt(c.tables[0]!, res.point), mleAt(c.tables[1]!, res.point));
    expect(res.finalClaim).toEqual(fr);
  });
});

describe('sumcheck: soundness', () => {
  const next = rng(1234);
  const n = 5;
  const tables = [baseTable(n, next), extTable(n, next), baseTable(n, next)];
  const terms: SumcheckTerm[] = [
    { coeff: randExt(next), factors: [0, 1, 2] },
    { coeff: randExt(next), factors: [1, 1] },
  ];
  const c: Case = { numVars: n, tables, terms };
  const honest = proveSumcheck(c, new Transcript(DOMAIN, E));
  const st = statementOf(c, honest.claim);
  const verify = (proof: SumcheckProof, s: SumcheckStatement = st) => verifySumcheck(s, proof, new Transcript(DOMAIN, E));

  it('honest proof verifies', () => {
    expect(() => verify(honest.proof)).not.toThrow();
  });

  it('a wrong claimed sum is rejected', () => {
    for (let l = 0; l < 4; l++) {
      const claim = honest.claim.slice();
      claim[l] = (claim[l]! + 1) % BabyBear.p;
      expect(() => verify(honest.proof, { ...st, claim })).toThrow(SumcheckError);
    }
  });

  it('a tampered round message is rejected (every round, every value, every limb)', () => {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < honest.proof.roundMessages[i]!.length; j++) {
        const msgs = honest.proof.roundMessages.map((m) => m.slice());
        msgs[i]![j] = (msgs[i]![j]! + 1) % BabyBear.p;
        expect(() => verify({ roundMessages: msgs, finalEvals: honest.proof.finalEvals })).toThrow(SumcheckError);
      }
    }
  });

  it('a tampered final evaluation is rejected', () => {
    for (let j = 0; j < honest.proof.finalEvals.length; j++) {
      const fe = honest.proof.finalEvals.slice();
      fe[j] = (fe[j]! + 1) % BabyBear.p;
      expect(() => verify({ roundMessages: honest.proof.roundMessages, finalEvals: fe })).toThrow(SumcheckError);
    }
  });

  it('a prover for a false claim fails: consistent rounds for a shifted claim still die at the end', () => {
    // Shift the round-0 message so that s(0)+s(1) matches a wrong claim; later rounds are honest.
    const claim = E.add(honest.claim, E.one());
    const msgs = honest.proof.roundMessages.map((m) => m.slice());
    E.addAt(msgs[0]!, 0, msgs[0]!, 0, E.one(), 0); // raises s(0) by 1 → s(1) unchanged
    expect(() => verify({ roundMessages: msgs, finalEvals: honest.proof.finalEvals }, { ...st, claim })).toThrow(
      SumcheckError,
    );
  });

  it('every flipped byte of the encoding is rejected by the decoder or the verifier', () => {
    const w = new ByteWriter();
    encodeSumcheckProof(w, honest.proof);
    const bytes = w.finish();
    const degree = sumcheckDegree(terms);
    for (let pos = 0; pos < bytes.length; pos++) {
      for (const mask of [0x01, 0x80]) {
        const bad = bytes.slice();
        bad[pos]! ^= mask;
        expect(() => {
          const reader = new ByteReader(bad);
          const proof = decodeSumcheckProof(reader, n, degree, tables.length);
          reader.finish();
          verify(proof);
        }, `byte ${pos} mask ${mask}`).toThrow(/Sumcheck|not canonical|final check/);
      }
    }
  });

  it('truncated and extended encodings are rejected', () => {
    const w = new ByteWriter();
    encodeSumcheckProof(w, honest.proof);
    const bytes = w.finish();
    const degree = sumcheckDegree(terms);
    for (const len of [0, 1, 15, 16, bytes.length - 16, bytes.length - 1]) {
      expect(() => decodeSumcheckProof(new ByteReader(bytes.subarray(0, len)), n, degree, tables.length)).toThrow(
        ProofFormatError,
      );
    }
    const longer = new Uint8Array(bytes.length + 1);
    longer.set(bytes);
    const reader = new ByteReader(longer);
    decodeSumcheckProof(reader, n, degree, tables.length);
    expect(() => reader.finish()).toThrow(ProofFormatError);
  });

  it('wrong shapes are rejected: missing/extra rounds, short messages, wrong number of final values', () => {
    const p = honest.proof;
    expect(() => verify({ roundMessages: p.roundMessages.slice(1), finalEvals: p.finalEvals })).toThrow(SumcheckError);
    expect(() => verify({ roundMessages: [...p.roundMessages, p.roundMessages[0]!], finalEvals: p.finalEvals })).toThrow(
      SumcheckError,
    );
    const short = p.roundMessages.map((m, i) => (i === 2 ? m.subarray(0, m.length - 4) : m));
    expect(() => verify({ roundMessages: short, finalEvals: p.finalEvals })).toThrow(SumcheckError);
    expect(() => verify({ roundMessages: p.roundMessages, finalEvals: p.finalEvals.subarray(4) })).toThrow(SumcheckError);
    const nonCanon = p.finalEvals.slice();
    nonCanon[0] = BabyBear.p;
    expect(() => verify({ roundMessages: p.roundMessages, finalEvals: nonCanon })).toThrow(SumcheckError);
  });

  it('a different transcript (domain or prior messages) makes verification fail', () => {
    const t = new Transcript(DOMAIN, E);
    t.absorbU32('something-else', 1);
    expect(() => verifySumcheck(st, honest.proof, t)).toThrow(SumcheckError);
  });

  it('degree > 4 is rejected by prover and verifier; bad statements are rejected', () => {
    const t5 = [{ coeff: E.one(), factors: [0, 0, 1, 1, 2] }];
    expect(() => proveSumcheck({ ...c, terms: t5 }, new Transcript(DOMAIN, E))).toThrow(/degree > 4/);
    expect(() => verify(honest.proof, { ...st, terms: t5 })).toThrow(/degree > 4/);
    expect(() => verify(honest.proof, { ...st, degree: 5 })).toThrow(SumcheckError);
    expect(() => proveSumcheck({ ...c, degree: 5 }, new Transcript(DOMAIN, E))).toThrow(SumcheckError);
    expect(() => verify(honest.proof, { ...st, terms: [{ coeff: E.one(), factors: [3] }] })).toThrow(/out of range/);
    expect(() => proveSumcheck({ ...c, terms: [{ coeff: E.one(), factors: [3] }] }, new Transcript(DOMAIN, E))).toThrow(
      /out of range/,
    );
    expect(() => proveSumcheck({ ...c, numVars: 4 }, new Transcript(DOMAIN, E))).toThrow(SumcheckError);
    expect(() => decodeSumcheckProof(new ByteReader(new Uint8Array(1000)), 3, 5, 1)).toThrow(SumcheckError);
  });
});
