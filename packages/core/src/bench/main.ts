/**
 * `npm run bench`: prints one JSON document on stdout (progress goes to stderr).
 *
 *   node packages/core/dist/bench/main.js [--only field,sumcheck,pcs,model] [--pcs-sizes 16,18,20,22] [--quick] [--synthetic] [--runs N]
 *
 * Generation-proof rows prove the same statement --runs times (default 4): `proveFirstMs` is
 * the first (a cold start for the process's first row), `proveMs` the median of the others.
 *
 * Sections are measured in one process so ratios between them are meaningful; timings
 * are wall-clock on this machine. Peak RSS is the process high-water mark
 * (`process.resourceUsage().maxRSS`).
 */
import { parseFlags, UsageError } from '../cli/args.js';
import { sections, type BenchSection } from './sections.js';
import { proverThreads } from '../parallel/pool.js';

function parseList(v: string | undefined, name: string): number[] | undefined {
  if (v === undefined) return undefined;
  const parts = v.split(',');
  const out = parts.map((s) => Number(s));
  if (out.some((x) => !Number.isInteger(x) || x < 0 || x > 26)) throw new UsageError(`--${name} takes integers 0..26`);
  return out;
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), { only: 'string', 'pcs-sizes': 'string', quick: 'boolean', json: 'boolean', synthetic: 'boolean', runs: 'string' });
  const only = flags.only?.split(',');
  const known = sections.map((s) => s.name);
  for (const o of only ?? []) if (!known.includes(o)) throw new UsageError(`unknown section '${o}' (known: ${known.join(', ')})`);
  let runs: number | undefined;
  if (flags.runs !== undefined) {
    runs = Number(flags.runs);
    if (!Number.isInteger(runs) || runs < 1 || runs > 20) throw new UsageError('--runs takes an integer 1..20');
  }
  const opts = { quick: flags.quick === true, pcsSizes: parseList(flags['pcs-sizes'], 'pcs-sizes'), synthetic: flags.synthetic === true, ...(runs === undefined ? {} : { runs }) };
  const result: Record<string, unknown> = {
    machine: { node: process.version, cpus: (await import('node:os')).cpus().length, platform: process.platform },
    // The prover's kernels split across this many threads (ZKLLM_THREADS); the float
    // baseline always runs on one.
    proverThreads: proverThreads(),
    startedAt: new Date().toISOString(),
  };
  for (const s of sections as BenchSection[]) {
    if (only && !only.includes(s.name)) continue;
    process.stderr.write(`bench: ${s.name}…\n`);
    const t0 = performance.now();
    result[s.name] = await s.run(opts);
    process.stderr.write(`bench: ${s.name} done in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  }
  result['peakRssMB'] = Math.round(process.resourceUsage().maxRSS / 1024);
  process.stdout.write(JSON.stringify(result, null, 2) + '\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: error: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = err instanceof UsageError ? 2 : 1;
});
