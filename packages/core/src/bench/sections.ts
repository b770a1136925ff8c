/** The benchmark sections `npm run bench` runs, in order. Add a row per measured subsystem. */
import { benchPcs } from '../pcs/bench.js';
import { benchSumcheck } from '../sumcheck/bench.js';
import { benchFhe } from './fhe.js';
import { benchFields } from './field.js';
import { benchModels } from './model.js';

export interface BenchOptions {
  quick: boolean;
  pcsSizes: number[] | undefined;
  /** Also benchmark a stories15M-shaped synthetic model (slow). */
  synthetic: boolean;
  /** Proofs per generation-proof row (first + repeats; default 4, 1 with quick). */
  runs?: number;
}

export interface BenchSection {
  name: string;
  run(opts: BenchOptions): Promise<unknown> | unknown;
}

export const sections: BenchSection[] = [
  { name: 'field', run: () => benchFields() },
  // Sumcheck over 2^20 (2^16 with --quick): products of 2 and 3 multilinears.
  { name: 'sumcheck', run: (o) => benchSumcheck(o.quick ? 16 : 20) },
  // PCS commit/open/verify and proof size per committed vector size.
  { name: 'pcs', run: (o) => benchPcs(o.pcsSizes ?? (o.quick ? [12, 14] : [16, 18, 20, 22])) },
  // Generation proofs: commit/prove/verify/bytes/RSS and the ratio to float inference.
  { name: 'model', run: (o) => benchModels({ quick: o.quick, synthetic: o.synthetic, ...(o.runs === undefined ? {} : { runs: o.runs }) }) },
  // FHE-wrapped generation vs the plaintext quantized path (latency, bytes, proofs).
  { name: 'fhe', run: (o) => benchFhe({ quick: o.quick }) },
];
