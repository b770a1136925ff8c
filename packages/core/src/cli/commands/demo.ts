/**
 * `zkllm demo`: prove and verify a statement end to end and print what happened.
 *
 * Until LLM generation proofs land (issue 4), the demo proves the kernel statement
 * "⟨a, b⟩ = c for the two halves of a committed vector" — commitment, sumcheck and a
 * batched PCS opening — and says so plainly.
 */
import { BabyBear, verifyInnerProductProof } from '@zkllm/verifier';
import { intFlag, parseFlags } from '../args.js';
import { proveInnerProduct } from '../../statements/index.js';
import type { Command } from './command.js';

export const demo: Command = {
  name: 'demo',
  summary: 'prove and verify a statement end to end (today: a sumcheck + PCS inner-product statement)',
  usage: '[--log-size N (default 16)] [--json]',
  async run(argv) {
    const flags = parseFlags(argv, { 'log-size': 'string', json: 'boolean' });
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
    log(`zkllm demo — kernel statement (LLM generation proofs are not wired in yet):`);
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
