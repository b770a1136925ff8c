import {
  BabyBear as F,
  BabyBearExt4 as E,
  ByteReader,
  ByteWriter,
  LookupError,
  LookupTable,
  RangeKeyedTable,
  Transcript,
  decodeLookupProof,
  encodeLookupProof,
  evalMleBase,
  queryLayout,
  rangeTable,
  padTensor,
  tensorVars,
  verifyLookup,
  type LookupProof,
  type LookupsProof,
  decodeLookupsProof,
  encodeLookupsProof,
  verifyLookups,
  lookupsChallenges,
  lookupsLayout,
  tensorMask,
} from '@zkllm/verifier';
import { buildFractionLayers, proveFractionTrees } from './fraction.js';
import { grindPow } from '../transcript/grind.js';
import { describe, expect, it } from 'vitest';
import { lookupMultiplicities, proveLookup, proveLookups, type LookupGroupWitness, type LookupSegment } from './index.js';

const tr = () => new Transcript('lookup-test/v1', E);

function rng(seed: number) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
}

const vec = (...columns: Uint32Array[]): LookupSegment => ({ shape: [columns[0]!.length], columns });

function roundTrip(proof: LookupProof, table: LookupTable, shapes: number[][]): LookupProof {
  const w = new ByteWriter();
  encodeLookupProof(w, proof);
  const r = new ByteReader(w.finish());
  const vars = queryLayout(shapes.map((s) => tensorVars(s))).numVars;
  const out = decodeLookupProof(r, F, vars, table.logSize, shapes.length, table.arity);
  r.finish();
  return out;
}

function proveAndVerify(table: LookupTable, segments: LookupSegment[], m?: Uint32Array) {
  const mult = m ?? lookupMultiplicities(table, segments);
  const { proof, claims } = proveLookup(E, table, segments, mult, tr());
  const shapes = segments.map((s) => [...s.shape]);
  const decoded = roundTrip(proof, table, shapes);
  return { proof, claims, shapes, mult, verify: (p: LookupProof = decoded) => verifyLookup(E, table, shapes, p, tr()) };
}

describe('tlookup', () => {
  const range = rangeTable(F, -8, 4);
  const next = rng(5);
  const inRange = (n: number) => Uint32Array.from({ length: n }, () => F.fromInt((next() % 16) - 8));

  it('proves range membership for segments of mixed sizes; claims match the witnesses', () => {
    const segments: LookupSegment[] = [vec(inRange(8)), vec(inRange(2)), vec(inRange(1)), vec(inRange(4)), vec(inRange(8))];
    const { claims, mult, verify } = proveAndVerify(range, segments);
    const out = verify();
    expect(Array.from(out.multiplicity.value)).toEqual(Array.from(claims.multiplicity.value));
    expect(Array.from(evalMleBase(E, mult.map((x) => F.fromInt(x)), out.multiplicity.point))).toEqual(
      Array.from(out.multiplicity.value),
    );
    segments.forEach((seg, i) => {
      expect(Array.from(evalMleBase(E, seg.columns[0]!, out.segments[i]!.point))).toEqual(Array.from(out.segments[i]!.values));
    });
  });

  it('proves a two-column function table and a single-row query', () => {
    const xs = new Uint32Array(32);
    const ys = new Uint32Array(32);
    for (let i = 0; i < 32; i++) {
      xs[i] = F.fromInt(i - 16);
      ys[i] = F.fromInt(((i - 16) * (i - 16)) % 37);
    }
    const table = new RangeKeyedTable(F, 'square-mod-37', -16, 5, [ys]);
    const pick = (n: number) => {
      const x = new Uint32Array(n);
      const y = new Uint32Array(n);
      for (let i = 0; i < n; i++) {
        const j = next() % 32;
        x[i] = xs[j]!;
        y[i] = ys[j]!;
      }
      return vec(x, y);
    };
    expect(() => proveAndVerify(table, [pick(16), pick(1)]).verify()).not.toThrow();
    // The generic (non-closed-form) key evaluation agrees with the closed form.
    const generic = new LookupTable('square-mod-37', [xs, ys]);
    const r = E.liftVec(Uint32Array.of(3, 5, 7, 11, 13));
    expect(Array.from(generic.evalColumn(E, 0, r))).toEqual(Array.from(table.evalColumn(E, 0, r)));
  });

  it('rejects a query value outside the table, even with doctored multiplicities', () => {
    const seg = inRange(8);
    seg[3] = F.fromInt(9); // outside [-8, 8)
    expect(() => lookupMultiplicities(range, [vec(seg)])).toThrow(/not in the table/);
    const good = seg.slice();
    good[3] = F.fromInt(7);
    const m = lookupMultiplicities(range, [vec(good)]);
    const { proof } = proveLookup(E, range, [vec(seg)], m, tr());
    expect(() => verifyLookup(E, range, [[8]], proof, tr())).toThrow(/sums differ/);
  });

  it('treats padding of non-power-of-two tensors as inactive (padding need not be in the table)', () => {
    // Table [1, 17): 0 is NOT a row, so zero padding would fail if it were looked up.
    const t = rangeTable(F, 1, 4);
    const shape = [3, 5];
    const data = Array.from({ length: 15 }, () => 1 + (next() % 16));
    const seg: LookupSegment = { shape, columns: [padTensor(F, data, shape)] };
    const { verify, mult } = proveAndVerify(t, [seg, vec(Uint32Array.of(F.fromInt(3)))]);
    expect(mult.reduce((a, b) => a + b, 0)).toBe(16);
    const out = verify();
    expect(Array.from(evalMleBase(E, seg.columns[0]!, out.segments[0]!.point))).toEqual(Array.from(out.segments[0]!.values));
    // A real entry outside the table is still caught.
    const bad = data.slice();
    bad[14] = 0;
    expect(() => lookupMultiplicities(t, [{ shape, columns: [padTensor(F, bad, shape)] }])).toThrow(/not in the table/);
  });

  it('multiplicities of a range-keyed table with a value column: counts real entries of padded 3-axis tensors, refuses a wrong value at the exact entry', () => {
    // Keys [-4, 4) with value column key² (a function table), and shifted queries.
    const t = new RangeKeyedTable(F, 'sq', -4, 3, [Uint32Array.from({ length: 8 }, (_, j) => F.fromInt((j - 4) ** 2))]);
    const shape = [2, 3, 5];
    const keys = Array.from({ length: 30 }, (_, i) => ((i * 7) % 8) - 4);
    const shifted = keys.map((x) => x + 2);
    const seg = (ks: number[], vals: number[], shift = 0): LookupSegment => ({ shape, shift, columns: [padTensor(F, ks, shape), padTensor(F, vals, shape)] });
    const m = lookupMultiplicities(t, [seg(keys, keys.map((x) => x * x)), seg(shifted, keys.map((x) => x * x), 2)]);
    const want = new Array<number>(8).fill(0);
    for (const x of keys) want[x + 4] += 2;
    expect(Array.from(m)).toEqual(want);
    const vals = keys.map((x) => x * x);
    vals[17] += 1;
    // Entry 17 of [2, 3, 5] is at [1, 0, 2]: padded index 1·(4·8) + 0·8 + 2 = 34.
    expect(() => lookupMultiplicities(t, [seg(keys, vals)])).toThrow(/entry 34 of segment 0 has column 1/);
    const ks = keys.slice();
    ks[29] = 4; // beyond the table's keys; entry 29 = [1, 2, 4] is padded index 32 + 16 + 4
    expect(() => lookupMultiplicities(t, [seg(keys, keys.map((x) => x * x)), seg(ks, ks.map((x) => x * x))])).toThrow(/value .* \(segment 1, entry 52,/);
  });

  it('rejects wrong multiplicities', () => {
    const seg = inRange(8);
    const m = lookupMultiplicities(range, [vec(seg)]);
    const j = m.findIndex((x) => x > 0);
    m[j]!--;
    m[(j + 1) % 16]!++;
    const { proof } = proveLookup(E, range, [vec(seg)], m, tr());
    expect(() => verifyLookup(E, range, [[8]], proof, tr())).toThrow(/sums differ/);
  });

  it('rejects tampered segment evaluations, roots and layer messages', () => {
    const segments: LookupSegment[] = [vec(inRange(4)), vec(inRange(2))];
    const { proof, verify } = proveAndVerify(range, segments);
    const bump = (v: Uint32Array, i: number) => {
      const c = v.slice();
      c[i] = F.add(c[i]!, 1);
      return c;
    };
    expect(() => verify({ ...proof, segmentEvals: bump(proof.segmentEvals, 0) })).toThrow(/query-side leaf/);
    expect(() => verify({ ...proof, query: { ...proof.query, root: bump(proof.query.root, 4) } })).toThrow();
    for (let v = 0; v < 16; v += 4) {
      const layers = proof.table.layers.slice();
      layers[2] = { ...layers[2]!, evals: bump(layers[2]!.evals, v) };
      expect(() => verify({ ...proof, table: { ...proof.table, layers } })).toThrow(/final check failed/);
    }
    const ql = proof.query.layers.slice();
    ql[1] = { ...ql[1]!, roundMessages: [bump(ql[1]!.roundMessages[0]!, 0)] };
    expect(() => verify({ ...proof, query: { ...proof.query, layers: ql } })).toThrow(/final check failed/);
  });

  it('rejects every sampled byte flip, truncation and extension of the encoding', () => {
    const segments: LookupSegment[] = [vec(inRange(4))];
    const { proof, shapes } = proveAndVerify(range, segments);
    const w = new ByteWriter();
    encodeLookupProof(w, proof);
    const bytes = w.finish();
    const check = (b: Uint8Array) => {
      const r = new ByteReader(b);
      const p = decodeLookupProof(r, F, 2, range.logSize, 1, 1);
      r.finish();
      verifyLookup(E, range, shapes, p, tr());
    };
    check(bytes);
    for (let i = 0; i < bytes.length; i += 7) {
      const b = bytes.slice();
      b[i]! ^= 1 << (i % 8);
      expect(() => check(b), `flip at ${i}`).toThrow();
    }
    expect(() => check(bytes.subarray(0, bytes.length - 1))).toThrow();
    expect(() => check(new Uint8Array([...bytes, 0]))).toThrow(/trailing/);
  });
});

describe('batched tlookup (all tables, one tagged logUp: a few query trees and one table tree)', () => {
  const next = rng(11);
  const range = rangeTable(F, -8, 4);
  const small = rangeTable(F, 0, 1);
  const single = rangeTable(F, 5, 0); // one row: a table tree of depth 0
  const xs = Uint32Array.from({ length: 32 }, (_, i) => F.fromInt(i - 16));
  const ys = Uint32Array.from({ length: 32 }, (_, i) => F.fromInt(((i - 16) * (i - 16)) % 37));
  const square = new RangeKeyedTable(F, 'square-mod-37', -16, 5, [ys]);
  const inRange = (n: number, lo: number, size: number) => Uint32Array.from({ length: n }, () => F.fromInt(lo + (next() % size)));
  const pick = (n: number) => {
    const x = new Uint32Array(n);
    const y = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      const j = next() % 32;
      x[i] = xs[j]!;
      y[i] = ys[j]!;
    }
    return vec(x, y);
  };
  const groups: LookupGroupWitness[] = [
    { table: range, segments: [vec(inRange(8, -8, 16)), vec(inRange(2, -8, 16)), vec(inRange(1, -8, 16))] },
    { table: small, segments: [vec(inRange(64, 0, 2))] },
    { table: single, segments: [vec(Uint32Array.of(F.fromInt(5)))] }, // query tree of depth 0 too
    { table: square, segments: [pick(16), pick(1)] },
  ];
  const statements = (gs: readonly LookupGroupWitness[]) => gs.map((g) => ({ table: g.table, segmentShapes: g.segments.map((s) => [...s.shape]) }));
  const encode = (p: LookupsProof) => {
    const w = new ByteWriter();
    encodeLookupsProof(w, p);
    return w.finish();
  };
  const decode = (b: Uint8Array, gs: readonly LookupGroupWitness[] = groups) => {
    const r = new ByteReader(b);
    const p = decodeLookupsProof(r, F, statements(gs));
    r.finish();
    return p;
  };
  const prove = (gs: readonly LookupGroupWitness[], ms?: Uint32Array[]) =>
    proveLookups(E, gs, ms ?? gs.map((g) => lookupMultiplicities(g.table, g.segments)), tr());
  const verify = (p: LookupsProof, gs: readonly LookupGroupWitness[] = groups) => verifyLookups(E, statements(gs), p, tr());
  const bump = (v: Uint32Array, i: number) => {
    const c = v.slice();
    c[i] = F.add(c[i]!, 1);
    return c;
  };

  it('proves several tables at once; claims match the witnesses and the prover', () => {
    const ms = groups.map((g) => lookupMultiplicities(g.table, g.segments));
    const { proof, claims } = prove(groups, ms);
    const out = verify(decode(encode(proof)));
    expect(out.length).toBe(groups.length);
    groups.forEach((g, i) => {
      expect(Array.from(out[i]!.multiplicity.value)).toEqual(Array.from(claims[i]!.multiplicity.value));
      expect(Array.from(evalMleBase(E, ms[i]!.map((x) => F.fromInt(x)), out[i]!.multiplicity.point))).toEqual(
        Array.from(out[i]!.multiplicity.value),
      );
      g.segments.forEach((seg, j) => {
        for (let c = 0; c < g.table.arity; c++) {
          expect(Array.from(evalMleBase(E, seg.columns[c]!, out[i]!.segments[j]!.point))).toEqual(
            Array.from(out[i]!.segments[j]!.values.subarray(4 * c, 4 * c + 4)),
          );
        }
      });
    });
    // Smaller than one single-table proof per table.
    let separate = 0;
    for (const g of groups) {
      const w = new ByteWriter();
      encodeLookupProof(w, proveLookup(E, g.table, g.segments, lookupMultiplicities(g.table, g.segments), tr()).proof);
      separate += w.finish().length;
    }
    expect(encode(proof).length).toBeLessThan(separate);
    expect(verify({ powNonce: 0, roots: new Uint32Array(0), layers: [], segmentEvals: [], multiplicityEvals: new Uint32Array(0) }, [])).toEqual([]);
    // 93 query rows = 64 + 16 + 8 + 5: three exact query trees, the last padded to 8 rows, and
    // the table tree (51 rows, depth 6); the deepest layer has the 64-row query tree and the table tree.
    expect(lookupsLayout(statements(groups)).queryTrees.map((t) => [t.numVars, t.padding])).toEqual([[6, 0], [4, 0], [3, 0], [3, 3]]);
    expect(proof.roots.length).toBe(8 * 5);
    expect(proof.layers.map((l) => l.evals.length / 16)).toEqual([5, 5, 5, 3, 2, 2]);
  });

  it('grinds before α, γ: a nonce off the target, or any nonce without tables, is rejected', () => {
    const { proof } = prove(groups);
    const ok = decode(encode(proof));
    expect(ok.powNonce).toBe(proof.powNonce);
    verify(ok);
    // The nonce is the first 4 bytes of the section; change it in the bytes, as an attacker would.
    const bytes = encode(proof);
    const bad = bytes.slice();
    new DataView(bad.buffer).setUint32(0, proof.powNonce ^ 1, true);
    expect(() => verify(decode(bad))).toThrow(/proof-of-work/);
    expect(() => verify({ ...proof, powNonce: 2 ** 32 })).toThrow(/proof-of-work/);
    expect(() => verify({ powNonce: 1, roots: new Uint32Array(0), layers: [], segmentEvals: [], multiplicityEvals: new Uint32Array(0) }, [])).toThrow(
      /not empty/,
    );
  });

  it('rejects a value outside its table and wrong multiplicities in any one group', () => {
    const seg = inRange(8, -8, 16);
    const good = seg.slice();
    seg[3] = F.fromInt(9);
    good[3] = F.fromInt(7);
    const bad = [{ ...groups[0]!, segments: [vec(seg), ...groups[0]!.segments.slice(1)] }, ...groups.slice(1)];
    const ms = groups.map((g) => lookupMultiplicities(g.table, g.segments));
    ms[0] = lookupMultiplicities(range, [vec(good), ...groups[0]!.segments.slice(1)]);
    expect(() => verify(prove(bad, ms).proof, bad)).toThrow(/sums differ/);
    const ms2 = groups.map((g) => lookupMultiplicities(g.table, g.segments));
    ms2[1]![0]!--;
    ms2[1]![1]!++;
    expect(() => verify(prove(groups, ms2).proof)).toThrow(/sums differ/);
  });

  it('rejects a table-side leaf that disagrees with the public table of the statement', () => {
    const { proof } = prove(groups);
    // Same id and size, one value changed: only the table-side leaf check can notice.
    const ys2 = ys.slice();
    ys2[3] = F.add(ys2[3]!, 1);
    const other = new RangeKeyedTable(F, 'square-mod-37', -16, 5, [ys2]);
    const withOther = groups.map((g) => (g.table === square ? { ...g, table: other } : g));
    expect(() => verify(proof, withOther)).toThrow(/table-side leaf/);
  });

  it('tags keep tables apart: a row of another table does not satisfy a lookup', () => {
    // 1 is a row of `range` and of `small`; 3 is a row of `range` only. Querying 3 against
    // `small` while counting it in `range` balances the untagged sums but not the tagged ones.
    const q = inRange(64, 0, 2);
    q[5] = F.fromInt(3);
    const bad = groups.map((g, i) => (i === 1 ? { ...g, segments: [vec(q)] } : g));
    const ms = groups.map((g) => lookupMultiplicities(g.table, g.segments));
    ms[1] = lookupMultiplicities(small, [vec(q.map((x) => (x === F.fromInt(3) ? 0 : x)))]);
    ms[1]![0]!--;
    ms[0]![3 + 8]!++;
    expect(() => verify(prove(bad, ms).proof, bad)).toThrow(/sums differ/);
  });

  it('rejects tampered roots, layer values, round messages and segment evaluations', () => {
    const { proof } = prove(groups);
    for (let i = 0; i < proof.roots.length; i += 4) {
      expect(() => verify({ ...proof, roots: bump(proof.roots, i) }), `root limb ${i}`).toThrow();
    }
    proof.layers.forEach((l, k) => {
      for (let v = 0; v < l.evals.length; v += 4) {
        const layers = proof.layers.slice();
        layers[k] = { ...l, evals: bump(l.evals, v) };
        expect(() => verify({ ...proof, layers }), `layer ${k} value ${v / 4}`).toThrow(/final check failed/);
      }
      l.roundMessages.forEach((m, i) => {
        const layers = proof.layers.slice();
        const msgs = l.roundMessages.slice();
        msgs[i] = bump(m, 4);
        layers[k] = { ...l, roundMessages: msgs };
        expect(() => verify({ ...proof, layers }), `layer ${k} round ${i}`).toThrow(/final check failed/);
      });
    });
    proof.segmentEvals.forEach((s, g) => {
      const segmentEvals = proof.segmentEvals.slice();
      segmentEvals[g] = bump(s, 0);
      expect(() => verify({ ...proof, segmentEvals }), `group ${g}`).toThrow(/query-side leaf/);
    });
    for (let g = 0; g < groups.length; g++) {
      expect(() => verify({ ...proof, multiplicityEvals: bump(proof.multiplicityEvals, 4 * g) }), `multiplicity ${g}`).toThrow(
        /table-side numerators/,
      );
    }
    // A proof for other statements (a group dropped) does not verify.
    expect(() => verify(proof, groups.slice(1))).toThrow();
  });

  it('rejects a forged numerator: a real row with numerator 0 (an out-of-table value hidden from the sum)', () => {
    // A cheating prover that zeroes the numerator of one real query row can look up any
    // value there: the fraction sums still balance. Only the verifier's check of the
    // query numerators against the public active-row mask stops it. This forger follows
    // proveLookups step by step except for that one leaf.
    const forge = (zeroNumerator: boolean): LookupsProof => {
      const bad = groups.map((g) => ({ ...g, segments: g.segments.map((sg) => ({ ...sg, columns: sg.columns.map((c) => c.slice()) })) }));
      const seg = bad[0]!.segments[0]!;
      (seg.columns[0] as Uint32Array)[3] = F.fromInt(100); // not in [−8, 8)
      const honest = bad.map((g, gi) => {
        if (gi !== 0) return lookupMultiplicities(g.table, g.segments);
        const fixed = { ...g, segments: g.segments.map((sg, si) => (si === 0 ? { ...sg, columns: [Uint32Array.from(sg.columns[0]!, (v, i) => (i === 3 ? F.fromInt(-8) : v))] } : sg)) };
        const m = lookupMultiplicities(fixed.table, fixed.segments);
        if (zeroNumerator) m[0]!--; // row −8 is table row 0: the forged entry is not counted
        return m;
      });
      const t = tr();
      const sts = statements(bad);
      const layout = lookupsLayout(sts);
      const { alpha, gamma, powNonce } = lookupsChallenges(t, sts, grindPow);
      const leafQ = (tag: number, cols: readonly number[]) => {
        let acc = E.fromBase(F.fromInt(tag));
        let pw = gamma;
        for (const c of cols) {
          acc = E.add(acc, E.mulBase(pw, c));
          pw = E.mul(pw, gamma);
        }
        return E.sub(alpha, acc);
      };
      const queryTrees = layout.queryTrees.map((tree) => {
        const nq = 1 << tree.numVars;
        const qp = new Uint32Array(4 * nq);
        const qq = new Uint32Array(4 * nq);
        for (let i = 0; i < nq; i++) qq.set(alpha, 4 * i);
        for (const pl of tree.placements) {
          const sg = layout.segments[pl.index]!;
          const cols = bad[sg.group]!.segments[sg.index]!.columns;
          const act = tensorMask(sg.shape);
          for (let i = 0; i < 2 ** pl.logSize; i++) {
            qq.set(leafQ(sg.group + 1, cols.map((c) => c[i]!)), 4 * (pl.offset + i));
            qp[4 * (pl.offset + i)] = act[i]!;
          }
          if (zeroNumerator && sg.group === 0 && sg.index === 0) qp[4 * (pl.offset + 3)] = 0;
        }
        return buildFractionLayers(E, qp, qq);
      });
      const nt = 1 << layout.table.numVars;
      const tp = new Uint32Array(4 * nt);
      const tq = new Uint32Array(4 * nt);
      for (let i = 0; i < nt; i++) tq.set(alpha, 4 * i);
      for (const pl of layout.table.placements) {
        const g = bad[pl.index]!;
        for (let j = 0; j < g.table.size; j++) {
          tp[4 * (pl.offset + j)] = F.fromInt(honest[pl.index]![j]!);
          tq.set(leafQ(pl.index + 1, g.table.columns.map((c) => c[j]!)), 4 * (pl.offset + j));
        }
      }
      const trees = [...queryTrees, buildFractionLayers(E, tp, tq)];
      const roots = new Uint32Array(8 * trees.length);
      trees.forEach((l, i) => {
        roots.set(l[0]![0].subarray(0, 4), 8 * i);
        roots.set(l[0]![1].subarray(0, 4), 8 * i + 4);
      });
      t.absorbExt('lookups/roots', roots);
      const { proof, leaves } = proveFractionTrees(E, trees, t);
      const segmentEvals = bad.map((g) => new Uint32Array(4 * g.table.arity * g.segments.length));
      layout.queryTrees.forEach((tree, k) => {
        for (const pl of tree.placements) {
          const sg = layout.segments[pl.index]!;
          const g = bad[sg.group]!;
          const pt = leaves[k]!.point.slice(0, 4 * pl.logSize);
          g.segments[sg.index]!.columns.forEach((c, ci) => segmentEvals[sg.group]!.set(evalMleBase(E, c, pt), 4 * (g.table.arity * sg.index + ci)));
        }
      });
      const rt = leaves[queryTrees.length]!.point;
      const multiplicityEvals = new Uint32Array(4 * bad.length);
      for (const pl of layout.table.placements) {
        multiplicityEvals.set(evalMleBase(E, Uint32Array.from(honest[pl.index]!, (x) => F.fromInt(x)), rt.slice(0, 4 * pl.logSize)), 4 * pl.index);
      }
      return { powNonce, roots, layers: proof.layers, segmentEvals, multiplicityEvals };
    };
    // Control: with honest numerators the out-of-table value unbalances the sums.
    expect(() => verify(forge(false))).toThrow(/query and table sums differ/);
    // The forgery balances the sums and passes every layer; only the numerator check fails.
    expect(() => verify(forge(true))).toThrow(/query numerators do not match the active rows/);
  });

  it('rejects every sampled byte flip, truncation and extension of the encoding', () => {
    const bytes = encode(prove(groups).proof);
    const check = (b: Uint8Array) => verify(decode(b));
    check(bytes);
    for (let i = 0; i < bytes.length; i += 13) {
      const b = bytes.slice();
      b[i]! ^= 1 << (i % 8);
      expect(() => check(b), `flip at ${i}`).toThrow();
    }
    expect(() => check(bytes.subarray(0, bytes.length - 1))).toThrow();
    expect(() => check(new Uint8Array([...bytes, 0]))).toThrow(/trailing/);
  });

  it('shifted segments: x − shift is looked up, so one table serves every offset; the shift is part of the statement', () => {
    const base = rangeTable(F, 0, 4);
    const segA = inRange(8, 100, 16); // [100, 116) through shift 100
    const segB = inRange(4, -8, 16); // [−8, 8) through shift −8
    const gs: LookupGroupWitness[] = [
      { table: base, segments: [{ ...vec(segA), shift: 100 }, { ...vec(segB), shift: -8 }] },
      { table: small, segments: [vec(inRange(4, 0, 2))] },
    ];
    const st = (shifts: number[], g = gs) =>
      g.map((x, i) => ({ table: x.table, segmentShapes: x.segments.map((q) => [...q.shape]), segmentShifts: i === 0 ? shifts : [0] }));
    const ms = gs.map((g) => lookupMultiplicities(g.table, g.segments));
    const { proof } = prove(gs, ms);
    expect(verifyLookups(E, st([100, -8]), proof, tr()).length).toBe(2);
    expect(() => verifyLookups(E, st([101, -8]), proof, tr())).toThrow(LookupError);
    expect(() => verifyLookups(E, st([0, 0]), proof, tr())).toThrow(LookupError);
    // 116 − 100 = 16 is not a row of range[0, 16): the prover cannot count it, and a proof with
    // the honest multiplicities fails.
    const bad = segA.slice();
    bad[2] = F.fromInt(116);
    const gBad: LookupGroupWitness[] = [{ table: base, segments: [{ ...vec(bad), shift: 100 }, gs[0]!.segments[1]!] }, gs[1]!];
    expect(() => lookupMultiplicities(base, gBad[0]!.segments)).toThrow(/not in the table/);
    expect(() => verifyLookups(E, st([100, -8], gBad), prove(gBad, ms).proof, tr())).toThrow(LookupError);
    // Shifts need the batched argument.
    expect(() => proveLookup(E, base, gs[0]!.segments, ms[0]!, tr())).toThrow(/batched/);
  });
});

describe('batched tlookup query forest (the query rows split into at most MAX_QUERY_TREES trees)', () => {
  const next = rng(23);
  const range = rangeTable(F, -8, 4);
  const flag = rangeTable(F, 0, 1);
  const inRange = (n: number, lo: number, size: number) => Uint32Array.from({ length: n }, () => F.fromInt(lo + (next() % size)));
  const statements = (gs: readonly LookupGroupWitness[]) => gs.map((g) => ({ table: g.table, segmentShapes: g.segments.map((s) => [...s.shape]) }));
  const prove = (gs: readonly LookupGroupWitness[], ms?: Uint32Array[]) =>
    proveLookups(E, gs, ms ?? gs.map((g) => lookupMultiplicities(g.table, g.segments)), tr());
  const verify = (p: LookupsProof, gs: readonly LookupGroupWitness[]) => verifyLookups(E, statements(gs), p, tr());
  const encode = (p: LookupsProof) => {
    const w = new ByteWriter();
    encodeLookupsProof(w, p);
    return w.finish();
  };
  const decode = (b: Uint8Array, gs: readonly LookupGroupWitness[]) => {
    const r = new ByteReader(b);
    const p = decodeLookupsProof(r, F, statements(gs));
    r.finish();
    return p;
  };
  const bump = (v: Uint32Array, i: number) => {
    const c = v.slice();
    c[i] = F.add(c[i]!, 1);
    return c;
  };
  // Two groups, segments of the given lengths alternating between them (a length that is
  // not a power of two is a padded tensor); N counts the padded sizes.
  const padded = (n: number, lo: number, size: number): LookupSegment => {
    const col = new Uint32Array(2 ** Math.ceil(Math.log2(n)));
    col.set(inRange(n, lo, size));
    return { shape: [n], columns: [col] };
  };
  const witness = (lengths: number[]): LookupGroupWitness[] => [
    { table: range, segments: lengths.filter((_, i) => i % 2 === 0).map((n) => padded(n, -8, 16)) },
    { table: flag, segments: lengths.filter((_, i) => i % 2 === 1).map((n) => padded(n, 0, 2)) },
  ];
  const trees = (gs: readonly LookupGroupWitness[]) => lookupsLayout(statements(gs)).queryTrees;

  const cases: Array<[string, number[], number]> = [
    ['1 tree (N = 32)', [16, 8, 3, 4], 1],
    ['2 trees (N = 20)', [16, 3], 2],
    ['3 trees (N = 26)', [16, 8, 2], 3],
    ['4 trees (N = 15)', [8, 4, 2, 1], 4],
    ['4 trees, the last padded (N = 63)', [32, 16, 8, 4, 2, 1], 4],
  ];
  for (const [name, lengths, count] of cases) {
    it(`round trip: ${name}`, () => {
      const gs = witness(lengths);
      expect(trees(gs).length).toBe(count);
      const { proof, claims } = prove(gs);
      expect(proof.roots.length).toBe(8 * (count + 1));
      const out = verify(decode(encode(proof), gs), gs);
      gs.forEach((g, i) =>
        g.segments.forEach((seg, j) => {
          expect(Array.from(out[i]!.segments[j]!.values)).toEqual(Array.from(claims[i]!.segments[j]!.values));
          expect(Array.from(evalMleBase(E, seg.columns[0]!, out[i]!.segments[j]!.point))).toEqual(Array.from(out[i]!.segments[j]!.values));
        }),
      );
    });
  }

  // N = 63 = 32 + 16 + 8 + 7: group 0 holds the 32-, 8- and 2-row segments, group 1 the 16-, 4- and 1-row ones.
  const gs = witness([32, 16, 8, 4, 2, 1]);
  const layout = lookupsLayout(statements(gs));
  const treeOf = (group: number, index: number) => layout.queryTrees.findIndex((t) => t.placements.some((pl) => layout.segments[pl.index]!.group === group && layout.segments[pl.index]!.index === index));

  it('rejects a changed root of each query tree and of the table tree', () => {
    const { proof } = prove(gs);
    const T = layout.queryTrees.length;
    for (let k = 0; k <= T; k++) {
      // Numerator and denominator: a changed P unbalances the sums outright; a changed Q too.
      expect(() => verify({ ...proof, roots: bump(proof.roots, 8 * k) }, gs), `tree ${k} P`).toThrow(/sums differ/);
      expect(() => verify({ ...proof, roots: bump(proof.roots, 8 * k + 4) }, gs), `tree ${k} Q`).toThrow(/sums differ/);
    }
    // Roots that still balance: scaling one tree's P and Q together keeps its fraction and
    // the sums, so only the tree's own layers can catch it.
    for (let k = 0; k <= T; k++) {
      const roots = proof.roots.slice();
      const two = E.fromBase(F.fromInt(2));
      roots.set(E.mul(roots.subarray(8 * k, 8 * k + 4), two), 8 * k);
      roots.set(E.mul(roots.subarray(8 * k + 4, 8 * k + 8), two), 8 * k + 4);
      expect(() => verify({ ...proof, roots }, gs), `tree ${k} scaled`).toThrow(/fraction layer 0/);
    }
  });

  it('rejects a flipped segment evaluation in the second query tree', () => {
    const { proof } = prove(gs);
    expect(treeOf(1, 0)).toBe(1); // the 16-row segment of group 1
    const segmentEvals = proof.segmentEvals.slice();
    segmentEvals[1] = bump(segmentEvals[1]!, 0);
    expect(() => verify({ ...proof, segmentEvals }, gs)).toThrow(/query-side leaf does not match the segment evaluations \(query tree 1\)/);
  });

  it('rejects a query row missing from its table when it sits in a non-first tree', () => {
    for (const [group, index] of [
      [0, 1], // the 8-row segment: tree 2
      [1, 2], // the 1-row segment: tree 3 (the padded one)
    ] as const) {
      expect(treeOf(group, index)).toBeGreaterThan(0);
      const bad = gs.map((g, gi) => ({ ...g, segments: g.segments.map((s, si) => (gi === group && si === index ? vec(s.columns[0]!.slice()) : s)) }));
      const ms = bad.map((g) => lookupMultiplicities(g.table, g.segments));
      // Out of range for both tables; the honest multiplicities still count the old value.
      (bad[group]!.segments[index]!.columns[0] as Uint32Array)[0] = F.fromInt(40);
      expect(() => lookupMultiplicities(bad[group]!.table, bad[group]!.segments)).toThrow(/not in the table/);
      expect(() => verify(prove(bad, ms).proof, bad), `group ${group} segment ${index}`).toThrow(/sums differ/);
    }
  });

  it('rejects truncated, extended and root-less encodings', () => {
    const bytes = encode(prove(gs).proof);
    expect(verify(decode(bytes, gs), gs).length).toBe(2);
    for (const cut of [1, 16, 100, bytes.length - 16 * 5]) expect(() => decode(bytes.subarray(0, bytes.length - cut), gs), `cut ${cut}`).toThrow();
    expect(() => decode(new Uint8Array([...bytes, 0]), gs)).toThrow(/trailing/);
    // The same bytes read for a statement with a different forest shape do not verify.
    const other = witness([32, 16, 8, 4, 2, 2]);
    expect(() => verify(decode(bytes, other), other)).toThrow();
  });
});
