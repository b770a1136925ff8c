// Finite-difference check of the hand-written backward pass (float64, tiny awkward sizes, GQA).
// Usage: node scripts/train/gradcheck.mjs      (exits non-zero on failure)
import { Llama, makeRng } from './model.mjs';

const cfg = { vocab: 23, dim: 16, layers: 2, heads: 4, kvHeads: 2, hidden: 19, maxPos: 16, eps: 1e-5, theta: 10000 };
const m = new Llama(cfg, Float64Array);
m.init(7);
// make norms non-trivial so their gradients are exercised
const rng = makeRng(11);
for (const e of m.spec) {
  const a = m.p[e.name];
  for (let i = 0; i < a.length; i++) a[i] = e.shape.length === 1 ? 1 + 0.3 * rng.normal() : a[i] * 10;
}
const B = 2, T = 7;
const tokens = Array.from({ length: B * T }, () => rng.int(cfg.vocab));
const targets = Array.from({ length: B * T }, () => rng.int(cfg.vocab));

m.grads.fill(0);
const loss = m.forward(tokens, B, T, targets);
m.backward(tokens, targets);
const analytic = Float64Array.from(m.grads);

let worst = 0;
let checked = 0;
const h = 1e-5;
for (const e of m.spec) {
  let tensorWorst = 0;
  const n = Math.min(e.size, 12);
  for (let j = 0; j < n; j++) {
    const idx = e.offset + Math.floor((j * e.size) / n);
    const old = m.params[idx];
    m.params[idx] = old + h;
    const lp = m.forward(tokens, B, T, targets);
    m.params[idx] = old - h;
    const lm = m.forward(tokens, B, T, targets);
    m.params[idx] = old;
    const num = (lp - lm) / (2 * h);
    const an = analytic[idx];
    const rel = Math.abs(num - an) / Math.max(1e-6, Math.abs(num) + Math.abs(an));
    tensorWorst = Math.max(tensorWorst, rel);
    checked++;
  }
  worst = Math.max(worst, tensorWorst);
  console.log(`${e.name.padEnd(42)} max rel err ${tensorWorst.toExponential(2)}`);
}
console.log(`loss ${loss.toFixed(6)}; ${checked} coordinates; worst relative error ${worst.toExponential(2)}`);
if (!(worst < 1e-5)) {
  console.error('GRADIENT CHECK FAILED');
  process.exit(1);
}
console.log('gradient check passed');
