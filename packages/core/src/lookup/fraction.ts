/**
 * Prover of a fraction tree (see the verifier's lookup/fraction.ts for the protocol).
 * Layers are built bottom-up once; the proof walks them top-down, one sumcheck per layer
 * shared by every tree of the batch that has that layer.
 */
import {
  FRACTION_DEGREE,
  absorbFractionDepths,
  checkFractionDepths,
  eqTable,
  fractionBatchClaim,
  fractionLayerTerms,
  type Ext,
  type FractionBatchProof,
  type FractionLayerProof,
  type FractionLeafClaim,
  type FractionTreeProof,
  type QuarticExtension,
  type Transcript,
} from '@zkllm/verifier';
import { proveSumcheckRounds, type MleTable } from '../sumcheck/index.js';

/** All layers: index k holds (p, q) ext vectors of 2^k fractions; index n is the leaves. */
export function buildFractionLayers(E: QuarticExtension, p: Uint32Array, q: Uint32Array): Array<[Uint32Array, Uint32Array]> {
  const leaves = p.length >>> 2;
  const n = 31 - Math.clz32(leaves);
  const layers: Array<[Uint32Array, Uint32Array]> = new Array(n + 1);
  layers[n] = [p, q];
  const t = new Uint32Array(4);
  for (let k = n - 1; k >= 0; k--) {
    const [cp, cq] = layers[k + 1]!;
    const size = 1 << k;
    const np = new Uint32Array(4 * size);
    const nq = new Uint32Array(4 * size);
    for (let x = 0; x < size; x++) {
      const l = 8 * x;
      const r = l + 4;
      // p = p₀q₁ + p₁q₀, q = q₀q₁
      E.mulAt(np, 4 * x, cp, l, cq, r);
      E.mulAt(t, 0, cp, r, cq, l);
      E.addAt(np, 4 * x, np, 4 * x, t, 0);
      E.mulAt(nq, 4 * x, cq, l, cq, r);
    }
    layers[k] = [np, nq];
  }
  return layers;
}

function deinterleave(v: Uint32Array, size: number): [Uint32Array, Uint32Array] {
  const even = new Uint32Array(4 * size);
  const odd = new Uint32Array(4 * size);
  // Plain limb copies: subarray views per entry dominated this loop in profiles.
  for (let x = 0, i = 0; x < size; x++, i += 4) {
    const s = 8 * x;
    even[i] = v[s]!;
    even[i + 1] = v[s + 1]!;
    even[i + 2] = v[s + 2]!;
    even[i + 3] = v[s + 3]!;
    odd[i] = v[s + 4]!;
    odd[i + 1] = v[s + 5]!;
    odd[i + 2] = v[s + 6]!;
    odd[i + 3] = v[s + 7]!;
  }
  return [even, odd];
}

/**
 * Proves a batch of fraction trees (each given by {@link buildFractionLayers}), following
 * `verifyFractionTrees` exactly. The caller must have absorbed the roots already.
 */
export function proveFractionTrees(
  E: QuarticExtension,
  trees: ReadonlyArray<Array<[Uint32Array, Uint32Array]>>,
  transcript: Transcript,
): { proof: FractionBatchProof; leaves: FractionLeafClaim[] } {
  const depths = trees.map((l) => l.length - 1);
  const maxDepth = checkFractionDepths(depths);
  const T = trees.length;
  absorbFractionDepths(transcript, depths);
  const roots = new Uint32Array(8 * T);
  const a: Ext[] = [];
  const b: Ext[] = [];
  const leaves: FractionLeafClaim[] = new Array(T);
  trees.forEach((layers, i) => {
    roots.set(layers[0]![0].subarray(0, 4), 8 * i);
    roots.set(layers[0]![1].subarray(0, 4), 8 * i + 4);
    a.push(roots.slice(8 * i, 8 * i + 4));
    b.push(roots.slice(8 * i + 4, 8 * i + 8));
    if (depths[i] === 0) leaves[i] = { point: new Uint32Array(0), p: a[i]!, q: b[i]! };
  });
  const out: FractionLayerProof[] = [];
  let point = new Uint32Array(0);
  for (let k = 0; k < maxDepth; k++) {
    const active: number[] = [];
    for (let i = 0; i < T; i++) if (depths[i]! > k) active.push(i);
    const lambda = transcript.challengeExt('fraction/lambda');
    const size = 1 << k;
    const tables: MleTable[] = [{ kind: 'ext', data: eqTable(E, point) }];
    for (const i of active) {
      const [cp, cq] = trees[i]![k + 1]!;
      const [p0, p1] = deinterleave(cp, size);
      const [q0, q1] = deinterleave(cq, size);
      tables.push({ kind: 'ext', data: p0 }, { kind: 'ext', data: p1 }, { kind: 'ext', data: q0 }, { kind: 'ext', data: q1 });
    }
    const res = proveSumcheckRounds(
      {
        numVars: k,
        tables,
        terms: fractionLayerTerms(E, lambda, active.length),
        claim: fractionBatchClaim(E, lambda, active.map((i) => ({ a: a[i]!, b: b[i]! }))),
        degree: FRACTION_DEGREE,
      },
      transcript,
      { ext: E },
    );
    const ev = res.finalEvals.slice(4);
    transcript.absorbExt('fraction/evals', ev);
    out.push({ roundMessages: res.roundMessages, evals: ev });
    const mu = transcript.challengeExt('fraction/mu');
    const next = new Uint32Array(4 * (k + 1));
    next.set(mu, 0);
    next.set(res.point, 4);
    point = next;
    active.forEach((i, j) => {
      const o = 16 * j;
      const P0 = ev.subarray(o, o + 4);
      const P1 = ev.subarray(o + 4, o + 8);
      const Q0 = ev.subarray(o + 8, o + 12);
      const Q1 = ev.subarray(o + 12, o + 16);
      a[i] = E.add(P0, E.mul(mu, E.sub(P1, P0)));
      b[i] = E.add(Q0, E.mul(mu, E.sub(Q1, Q0)));
      if (depths[i] === k + 1) leaves[i] = { point, p: a[i]!, q: b[i]! };
    });
  }
  return { proof: { roots, layers: out }, leaves };
}

/** One tree: {@link proveFractionTrees} with a batch of one. */
export function proveFractionTree(
  E: QuarticExtension,
  layers: Array<[Uint32Array, Uint32Array]>,
  transcript: Transcript,
): { proof: FractionTreeProof; leaf: FractionLeafClaim } {
  const { proof, leaves } = proveFractionTrees(E, [layers], transcript);
  return { proof: { root: proof.roots, layers: proof.layers }, leaf: leaves[0]! };
}
