#!/usr/bin/env node
// Generates the fraction-tree prover's hot loops with the BabyBear-ext4 arithmetic written
// out as straight-line code (V8 does not reliably inline helpers of this size, and the
// inlined form is several times faster), twice from the same templates:
//   packages/core/src/lookup/fraction-kernel.ts         typed, for the calling thread;
//   packages/core/src/lookup/fraction-kernel-source.ts  the same functions as a plain-JS
//                                                       bundle for the helper threads
//                                                       (parallel/pool.ts).
// These are the fallback and reference: trees of 2^10 leaves or more run the same kernels as
// WebAssembly SIMD (lookup/fraction-simd.ts, tested against these), unless simdKernels is off.
// Run from the repository root: node packages/core/scripts/fraction-kernel.gen.mjs
import { writeFileSync } from 'node:fs';
const L = [0, 1, 2, 3];
// out_k = x·y where qx_i = x_i·invP is precomputed; result canonical in out0..3 (declared with let).
function mul(out, x, y, qx, indent) {
  const m = (i, j) => `((Math.imul(${x}${i}, ${y}${j}) - Math.imul(Math.floor(${qx}${i} * ${y}${j}), p)) | 0)`;
  const lines = [
    `let ${out}0 = ${m(0, 0)} + w * (${m(1, 3)} + ${m(2, 2)} + ${m(3, 1)});`,
    `let ${out}1 = ${m(0, 1)} + ${m(1, 0)} + w * (${m(2, 3)} + ${m(3, 2)});`,
    `let ${out}2 = ${m(0, 2)} + ${m(1, 1)} + ${m(2, 0)} + w * ${m(3, 3)};`,
    `let ${out}3 = ${m(0, 3)} + ${m(1, 2)} + ${m(2, 1)} + ${m(3, 0)};`,
  ];
  for (const k of L) {
    lines.push(`${out}${k} -= Math.floor(${out}${k} * invP) * p;`);
    lines.push(`${out}${k} += p & (${out}${k} >> 31);`);
    lines.push(`${out}${k} -= p & ((p - 1 - ${out}${k}) >> 31);`);
  }
  return lines.map((l) => indent + l).join('\n');
}
function q(name, x, indent) { return L.map((i) => `${indent}const ${name}${i} = ${x}${i} * invP;`).join('\n'); }
function load(name, arr, idx, indent) { return L.map((i) => `${indent}const ${name}${i} = ${arr}[${idx} + ${i}]!;`).join('\n'); }
function diff(name, hi, lo, indent) { return L.map((i) => `${indent}let ${name}${i} = ${hi}${i} - ${lo}${i};\n${indent}${name}${i} += p & (${name}${i} >> 31);`).join('\n'); }
// s = a + b (canonical)
function add(name, a, b, indent) { return L.map((i) => `${indent}let ${name}${i} = ${a}${i} + ${b}${i} - p;\n${indent}${name}${i} += p & (${name}${i} >> 31);`).join('\n'); }
// F = a·d + c·(b + λ·d)  for named ext vars a,b,c,d, into F0..3
function F(out, a, b, c, d, I) {
  return [
    mul(`${out}ld`, 'lam', d, 'qlam', I),
    add(`${out}s`, b, `${out}ld`, I),
    q(`${out}qa`, a, I),
    mul(`${out}ad`, a, d, `${out}qa`, I),
    q(`${out}qc`, c, I),
    mul(`${out}cs`, c, `${out}s`, `${out}qc`, I),
    add(out, `${out}ad`, `${out}cs`, I),
  ].join('\n');
}
const I = '    ';
const roundBody = [
  `${I}const i0 = 4 * (o0 + stride * j), i1 = 4 * (o1 + stride * j), g = 4 * gap;`,
  load('a', 'P0', 'i0', I), load('A', 'P0', 'i0 + g', I),
  load('b', 'P1', 'i1', I), load('B', 'P1', 'i1 + g', I),
  load('c', 'Q0', 'i0', I), load('C', 'Q0', 'i0 + g', I),
  load('d', 'Q1', 'i1', I), load('D', 'Q1', 'i1 + g', I),
  diff('da', 'A', 'a', I), diff('db', 'B', 'b', I), diff('dc', 'C', 'c', I), diff('dd', 'D', 'd', I),
  F('f', 'a', 'b', 'c', 'd', I),
  F('h', 'da', 'db', 'dc', 'dd', I),
  load('e', 'eq', '4 * j', I),
  q('qe', 'e', I),
  mul('x', 'e', 'f', 'qe', I),
  mul('y', 'e', 'h', 'qe', I),
  ...L.map((k) => `${I}s${k} += x${k};`), ...L.map((k) => `${I}t${k} += y${k};`),
].join('\n');
const parentBody = [
  `${I}const l = 8 * x;`,
  load('a', 'cp', 'l', I), load('b', 'cp', 'l + 4', I), load('c', 'cq', 'l', I), load('d', 'cq', 'l + 4', I),
  q('qa', 'a', I), q('qb', 'b', I), q('qc', 'c', I),
  mul('u', 'a', 'd', 'qa', I), mul('v', 'b', 'c', 'qb', I), mul('z', 'c', 'd', 'qc', I),
  ...L.map((k) => `${I}let n${k} = u${k} + v${k} - p;\n${I}n${k} += p & (n${k} >> 31);`),
  ...L.map((k) => `${I}np[4 * x + ${k}] = n${k};`), ...L.map((k) => `${I}nq[4 * x + ${k}] = z${k};`),
].join('\n');
// Bottom layer when the leaf numerators are base-field values (query leaves are 0/1,
// table leaves multiplicities): p₀q₁ + p₁q₀ is two base-by-ext products.
const parentBaseBody = [
  `${I}const l = 8 * x;`,
  `${I}const a0 = cp[l]!, b0 = cp[l + 4]!;`,
  `${I}const qa0 = a0 * invP, qb0 = b0 * invP;`,
  load('c', 'cq', 'l', I), load('d', 'cq', 'l + 4', I),
  q('qc', 'c', I),
  mul('z', 'c', 'd', 'qc', I),
  ...L.map((k) => `${I}let n${k} = ((Math.imul(a0, d${k}) - Math.imul(Math.floor(qa0 * d${k}), p)) | 0) + ((Math.imul(b0, c${k}) - Math.imul(Math.floor(qb0 * c${k}), p)) | 0);
${I}n${k} -= Math.floor(n${k} * invP) * p;
${I}n${k} += p & (n${k} >> 31);
${I}n${k} -= p & ((p - 1 - n${k}) >> 31);`),
  ...L.map((k) => `${I}np[4 * x + ${k}] = n${k};`), ...L.map((k) => `${I}nq[4 * x + ${k}] = z${k};`),
].join('\n');
const foldBody = [
  `${I}const lo = 4 * (base + stride * j), hi = lo + 4 * gap;`,
  load('a', 'src', 'lo', I), load('A', 'src', 'hi', I),
  diff('d', 'A', 'a', I),
  mul('m', 'r', 'd', 'qr', I),
  add('o', 'a', 'm', I),
  ...L.map((k) => `${I}dst[4 * j + ${k}] = o${k};`),
].join('\n');

// eq expansion: out[2y+1] = r·src[y], out[2y] = src[y] − out[2y+1], y from the top down.
const eqBody = [
  load('a', 'v', '4 * y', I),
  mul('m', 'r', 'a', 'qr', I),
  ...L.map((k) => `${I}let l${k} = a${k} - m${k};\n${I}l${k} += p & (l${k} >> 31);`),
  ...L.map((k) => `${I}v[8 * y + ${k}] = l${k};`),
  ...L.map((k) => `${I}v[8 * y + 4 + ${k}] = m${k};`),
].join('\n');


const reduceAcc = (a, b) => `      ${a}0 = red(${a}0, p, invP); ${a}1 = red(${a}1, p, invP); ${a}2 = red(${a}2, p, invP); ${a}3 = red(${a}3, p, invP);
      ${b}0 = red(${b}0, p, invP); ${b}1 = red(${b}1, p, invP); ${b}2 = red(${b}2, p, invP); ${b}3 = red(${b}3, p, invP);`;

/** Kernel specs: parameters with their TS types, the body (TS; `]!` is stripped for JS). */
const KERNELS = [
  {
    name: 'fractionRoundSums',
    doc: `/**
 * One round of a fraction layer's sumcheck for one tree, on the pairs start ≤ j < end:
 * acc[0..4) = Σ_j eq[j]·F(lo) and acc[4..8) = Σ_j eq[j]·F(hi − lo), where
 * F(P₀, P₁, Q₀, Q₁) = P₀Q₁ + Q₀(P₁ + λQ₁) = P₀Q₁ + P₁Q₀ + λQ₀Q₁ (the tree's layer terms),
 * i.e. the round polynomial's value at 0 and its leading coefficient, without the eq
 * factor of the variable being bound. Entry "lo" of pair j of P₀/Q₀ is at index
 * o0 + stride·j (P₁/Q₁: o1 + stride·j) and "hi" is gap entries further: the child layer's
 * interleaved layout in round 0 (stride 4, gap 2) and plain tables afterwards (stride 2, gap 1).
 * acc[0..8) is overwritten with reduced (canonical) sums.
 */`,
    params: [['P0', 'Uint32Array'], ['P1', 'Uint32Array'], ['Q0', 'Uint32Array'], ['Q1', 'Uint32Array'], ['o0', 'number'], ['o1', 'number'], ['stride', 'number'], ['gap', 'number'], ['eq', 'Uint32Array'], ['lam', 'Uint32Array'], ['acc', 'Float64Array'], ['p', 'number'], ['invP', 'number'], ['w', 'number'], ['start', 'number'], ['end', 'number']],
    body: `  const lam0 = lam[0]!, lam1 = lam[1]!, lam2 = lam[2]!, lam3 = lam[3]!;
  const qlam0 = lam0 * invP, qlam1 = lam1 * invP, qlam2 = lam2 * invP, qlam3 = lam3 * invP;
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  let t0 = 0, t1 = 0, t2 = 0, t3 = 0;
  for (let j = start; j < end; j++) {
${roundBody}
    if ((j & (REDUCE_EVERY - 1)) === REDUCE_EVERY - 1) {
${reduceAcc('s', 't')}
    }
  }
  acc[0] = red(s0, p, invP); acc[1] = red(s1, p, invP); acc[2] = red(s2, p, invP); acc[3] = red(s3, p, invP);
  acc[4] = red(t0, p, invP); acc[5] = red(t1, p, invP); acc[6] = red(t2, p, invP); acc[7] = red(t3, p, invP);`,
  },
  {
    name: 'foldFractionTable',
    doc: `/** dst[j] = src[lo] + r·(src[hi] − src[lo]) for start ≤ j < end (same index scheme as above). dst may alias src only on one thread. */`,
    params: [['src', 'Uint32Array'], ['base', 'number'], ['stride', 'number'], ['gap', 'number'], ['dst', 'Uint32Array'], ['rr', 'Uint32Array'], ['p', 'number'], ['invP', 'number'], ['w', 'number'], ['start', 'number'], ['end', 'number']],
    body: `  const r0 = rr[0]!, r1 = rr[1]!, r2 = rr[2]!, r3 = rr[3]!;
  const qr0 = r0 * invP, qr1 = r1 * invP, qr2 = r2 * invP, qr3 = r3 * invP;
  for (let j = start; j < end; j++) {
${foldBody}
  }`,
  },
  {
    name: 'fractionParents',
    doc: `/** Parent layer of a fraction tree: np[x] = cp[2x]·cq[2x+1] + cp[2x+1]·cq[2x], nq[x] = cq[2x]·cq[2x+1], start ≤ x < end. */`,
    params: [['cp', 'Uint32Array'], ['cq', 'Uint32Array'], ['np', 'Uint32Array'], ['nq', 'Uint32Array'], ['p', 'number'], ['invP', 'number'], ['w', 'number'], ['start', 'number'], ['end', 'number']],
    body: `  for (let x = start; x < end; x++) {
${parentBody}
  }`,
  },
  {
    name: 'fractionParentsBaseP',
    doc: `/** {@link fractionParents} for children whose numerators are base-field values (limbs 1–3 zero). */`,
    params: [['cp', 'Uint32Array'], ['cq', 'Uint32Array'], ['np', 'Uint32Array'], ['nq', 'Uint32Array'], ['p', 'number'], ['invP', 'number'], ['w', 'number'], ['start', 'number'], ['end', 'number']],
    body: `  for (let x = start; x < end; x++) {
${parentBaseBody}
  }`,
  },
  {
    name: 'expandEqTable',
    doc: `/**
 * Adds a new lowest variable with value r to an eq table, in place: v holds 2^n entries of
 * eq(s, ·) on entry and 2^(n+1) of eq((r, s), ·) on return (entry 2y + b = eq(s, y)·eq(r, b)).
 * One multiplication per pair: eq(r, 0)·e = e − r·e. Single-threaded (in place, top down).
 */`,
    params: [['v', 'Uint32Array'], ['n', 'number'], ['rr', 'Uint32Array'], ['p', 'number'], ['invP', 'number'], ['w', 'number']],
    body: `  const r0 = rr[0]!, r1 = rr[1]!, r2 = rr[2]!, r3 = rr[3]!;
  const qr0 = r0 * invP, qr1 = r1 * invP, qr2 = r2 * invP, qr3 = r3 * invP;
  for (let y = n - 1; y >= 0; y--) {
${eqBody}
  }`,
  },
];

const RED_TS = `function red(x: number, p: number, invP: number): number {
  const r = x - Math.floor(x * invP) * p;
  return r < 0 ? r + p : r >= p ? r - p : r;
}`;
const NOTE = ` * Every product uses the lazy remainder Math.imul(x, y) − Math.imul(⌊x·(y/p)⌋, p) (exact
 * mod 2^32, within 2^11 of the true remainder: sumcheck/prover.ts explains the bound), sums
 * of at most 34 such terms (w = 11) stay below 2^37, exact in doubles, and each limb is
 * reduced once; values are normalised branchlessly (x += p & (x >> 31)). Ext elements are
 * 4 consecutive limbs.`;

const ts = `/*
 * GENERATED by packages/core/scripts/fraction-kernel.gen.mjs: do not edit by hand.
 *
 * Kernels of the fraction-tree prover (lookup/fraction.ts), typed, for the calling thread;
 * fraction-kernel-source.ts holds the same code for the helper threads.
${NOTE}
 */

/** Number of pairs after which the Float64 accumulators are reduced (sums stay < 2^52). */
const REDUCE_EVERY = 1 << 20;

${RED_TS}
${KERNELS.map((k) => `\n${k.doc}\nexport function ${k.name}(\n  ${k.params.map(([n, t]) => `${n}: ${t}`).join(', ')},\n): void {\n${k.body}\n}\n`).join('')}`;

const js = `const REDUCE_EVERY = 1 << 20;
${RED_TS.replace(/: number/g, '')}
${KERNELS.map((k) => `function ${k.name}(${k.params.map(([n]) => n).join(', ')}) {\n${k.body.replace(/\]!/g, ']')}\n}\n`).join('')}
return { ${KERNELS.map((k) => k.name).join(', ')} };
`;
const jsModule = `/*
 * GENERATED by packages/core/scripts/fraction-kernel.gen.mjs: do not edit by hand.
 *
 * The kernels of fraction-kernel.ts as a plain-JS bundle for the helper threads of
 * parallel/pool.ts (same templates, types stripped).
 */
import type { KernelBundle } from '../parallel/pool.js';

export const FRACTION_KERNELS: KernelBundle = {
  id: 'fraction-kernel/v1',
  source: ${JSON.stringify(js)},
};
`;
writeFileSync(new URL('../src/lookup/fraction-kernel.ts', import.meta.url), ts);
writeFileSync(new URL('../src/lookup/fraction-kernel-source.ts', import.meta.url), jsModule);
