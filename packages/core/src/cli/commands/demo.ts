/**
 * `zkllm demo`: commit to the bundled model, generate with a proof, verify it, and show
 * that a tampered proof is rejected. `--kernel` runs the smaller proof-system demo instead
 * ("⟨a, b⟩ = c for the two halves of a committed vector").
 */
import { BabyBear, verifyInnerProductProof, verifyProof } from '@zkllm/verifier';
import { ZkModel } from '../../zkmodel.js';
import { progress, resolveModelDir } from './model-flags.js';
import { intFlag, parseFlags } from '../args.js';
import { proveInnerProduct } from '../../statements/index.js';
import type { Command } from './command.js';

export const demo: Command = {
  name: 'demo',
  summary: 'commit to the bundled model, prove a generation, verify it (--kernel: the proof-system demo)',
  usage: '[--model DIR] [--prompt TEXT] [--max-tokens N] [--json] | --kernel [--log-size N]',
  async run(argv) {
    const flags = parseFlags(argv, { 'log-size': 'string', json: 'boolean', kernel: 'boolean', model: 'string', prompt: 'string', 'max-tokens': 'string' });
    if (!flags.kernel) return generationDemo(flags);
    const logSize = intFlag(flags['log-size'], 'log-size', 16, 0, 22);
    const n = 1 << logSize;
    // Deterministic inputs so runs are comparable.
    let s = 12345;
    const next = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) % BabyBear.p;
    const a = Uint32Array.from({ length: n }, next);
    const b = Uint32Array.from({ length: n }, next);
    const log = (m: string) => {
      if (!flags.json) process.stdout.write(m + '\n');
    };
    log(`zkllm demo --kernel — proof-system statement:`);
    log(`  the prover commits to two vectors a, b of 2^${logSize} BabyBear elements and proves ⟨a, b⟩ = c.`);
    const t0 = performance.now();
    const { bytes, statement, timings } = proveInnerProduct(a, b);
    const proveMs = performance.now() - t0;
    const t1 = performance.now();
    const result = verifyInnerProductProof(bytes, statement.commitment.root);
    const verifyMs = performance.now() - t1;
    // Soundness at a glance: the same proof must fail for a different claimed value.
    const tampered = bytes.slice();
    const valueOffset = 4 + 2 + 1 + 1 + 32;
    tampered[valueOffset] ^= 1;
    const rejected = verifyInnerProductProof(tampered, statement.commitment.root);
    const report = {
      statement: 'inner-product',
      logSize,
      value: statement.value,
      commitment: Buffer.from(statement.commitment.root).toString('hex'),
      proofBytes: bytes.length,
      proveMs: Math.round(proveMs),
      commitMs: Math.round(timings.commitMs),
      sumcheckMs: Math.round(timings.sumcheckMs),
      openMs: Math.round(timings.openMs),
      verifyMs: Math.round(verifyMs * 10) / 10,
      valid: result.valid,
      tamperedValueRejected: !rejected.valid,
      tamperedReason: rejected.reason ?? null,
    };
    if (flags.json) process.stdout.write(JSON.stringify(report) + '\n');
    else {
      log(`  c = ${report.value}`);
      log(`  commitment ${report.commitment}`);
      log(`  proved in ${report.proveMs} ms (commit ${report.commitMs}, sumcheck ${report.sumcheckMs}, opening ${report.openMs})`);
      log(`  proof ${(report.proofBytes / 1024).toFixed(1)} KB, verified in ${report.verifyMs} ms: ${report.valid ? 'VALID' : 'INVALID — ' + result.reason}`);
      log(`  same proof with c+1: ${report.tamperedValueRejected ? 'rejected' : 'ACCEPTED (bug!)'} (${report.tamperedReason})`);
    }
    return result.valid && report.tamperedValueRejected ? 0 : 1;
  },
};

async function generationDemo(flags: { json?: boolean; model?: string; prompt?: string; 'max-tokens'?: string }): Promise<number> {
  const out = (m: string) => {
    if (!flags.json) process.stdout.write(m + '\n');
  };
  const prompt = flags.prompt ?? 'Call me Ishmael.';
  const maxTokens = intFlag(flags['max-tokens'], 'max-tokens', 12, 1, 256);
  const dir = resolveModelDir(flags.model);
  progress(`loading and quantizing ${dir}`);
  const t0 = performance.now();
  const model = ZkModel.load(dir);
  const loadMs = performance.now() - t0;
  progress('committing to the weights');
  const t1 = performance.now();
  const file = model.commit();
  const commitMs = performance.now() - t1;
  progress(`generating ${maxTokens} tokens with a proof`);
  let last = '';
  const g = model.generate(prompt, {
    maxTokens,
    proof: true,
    onProgress: (stage, done, total) => {
      const pct = `${stage} ${Math.floor((100 * done) / total)}%`;
      if (pct !== last && (done === total || done % Math.max(1, Math.floor(total / 5)) === 0)) progress((last = pct));
    },
  });
  // The verifier side: only the commitment file (as JSON) and the proof bytes.
  const commitmentJson = JSON.parse(JSON.stringify(file)) as unknown;
  const t2 = performance.now();
  const r = verifyProof(g.proof!, commitmentJson, { expectedDigest: file.digest });
  const verifyMs = performance.now() - t2;
  const tampered = verifyProof(g.proof!.map((b, i) => (i === g.proof!.length >> 1 ? b ^ 1 : b)), commitmentJson);
  const report = {
    model: dir,
    prompt,
    text: g.text,
    tokens: g.tokens,
    commitment: file.digest,
    proofBytes: g.proof!.length,
    loadMs: Math.round(loadMs),
    commitMs: Math.round(commitMs),
    generateMs: Math.round(g.timings!.generateMs),
    proveMs: Math.round(g.timings!.proveMs),
    verifyMs: Math.round(verifyMs),
    valid: r.valid,
    reason: r.reason ?? null,
    tamperedRejected: !tampered.valid,
  };
  if (flags.json) process.stdout.write(JSON.stringify(report) + '\n');
  else {
    out(`zkllm demo — verifiable generation with the bundled model`);
    out(`  model commitment ${report.commitment} (committed in ${report.commitMs} ms)`);
    out(`  ${prompt}${g.text}`);
    out(`  proved in ${(report.proveMs / 1000).toFixed(1)} s (plain generation ${report.generateMs} ms); proof ${(report.proofBytes / 1024).toFixed(0)} KB`);
    out(`  verified in ${report.verifyMs} ms: ${r.valid ? 'VALID' : 'INVALID — ' + r.reason}`);
    out(`  one flipped proof byte: ${report.tamperedRejected ? 'rejected' : 'ACCEPTED (bug!)'} (${tampered.reason ?? ''})`);
    out(`  note: proofs are sound but not yet zero-knowledge (docs/SECURITY.md).`);
  }
  return r.valid && report.tamperedRejected ? 0 : 1;
}
