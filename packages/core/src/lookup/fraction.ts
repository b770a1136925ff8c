/**
 * Prover of a fraction tree (see the verifier's lookup/fraction.ts for the protocol).
 * Layers are built bottom-up once; the proof walks them top-down, one sumcheck per layer.
 */
import {
  eqTable,
  fractionLayerTerms,
  type Ext,
  type FractionLeafClaim,
  type FractionTreeProof,
  type QuarticExtension,
  type SumcheckProof,
  type Transcript,
} from '@zkllm/verifier';
import { proveSumcheck } from '../sumcheck/index.js';

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
  for (let x = 0; x < size; x++) {
    even.set(v.subarray(8 * x, 8 * x + 4), 4 * x);
    odd.set(v.subarray(8 * x + 4, 8 * x + 8), 4 * x);
  }
  return [even, odd];
}

export function proveFractionTree(
  E: QuarticExtension,
  layers: Array<[Uint32Array, Uint32Array]>,
  transcript: Transcript,
): { proof: FractionTreeProof; leaf: FractionLeafClaim } {
  const n = layers.length - 1;
  const root = new Uint32Array(8);
  root.set(layers[0]![0].subarray(0, 4), 0);
  root.set(layers[0]![1].subarray(0, 4), 4);
  const proofs: SumcheckProof[] = [];
  let point = new Uint32Array(0);
  let a: Ext = root.slice(0, 4);
  let b: Ext = root.slice(4, 8);
  for (let k = 0; k < n; k++) {
    const lambda = transcript.challengeExt('fraction/lambda');
    const size = 1 << k;
    const [cp, cq] = layers[k + 1]!;
    const [p0, p1] = deinterleave(cp, size);
    const [q0, q1] = deinterleave(cq, size);
    const res = proveSumcheck(
      {
        numVars: k,
        tables: [
          { kind: 'ext', data: eqTable(E, point) },
          { kind: 'ext', data: p0 },
          { kind: 'ext', data: p1 },
          { kind: 'ext', data: q0 },
          { kind: 'ext', data: q1 },
        ],
        terms: fractionLayerTerms(E, lambda),
        claim: E.add(a, E.mul(lambda, b)),
      },
      transcript,
    );
    proofs.push(res.proof);
    const mu = transcript.challengeExt('fraction/mu');
    const ev = res.finalEvals;
    a = E.add(ev.subarray(4, 8), E.mul(mu, E.sub(ev.subarray(8, 12), ev.subarray(4, 8))));
    b = E.add(ev.subarray(12, 16), E.mul(mu, E.sub(ev.subarray(16, 20), ev.subarray(12, 16))));
    const next = new Uint32Array(4 * (k + 1));
    next.set(mu, 0);
    next.set(res.point, 4);
    point = next;
  }
  return { proof: { root, layers: proofs }, leaf: { point, p: a, q: b } };
}
