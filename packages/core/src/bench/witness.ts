/**
 * What the witness commitment of a generation proof holds, by tensor role: how many
 * tensors, real entries and padded entries (per-axis power-of-two padding) each role
 * contributes. The bundle itself is padded once more to 2^vars; vars sets the PCS
 * folding term and so the conjectured security of the witness opening.
 */
import { generationSecurityBits } from '@zkllm/verifier';
import type { ProveStats } from '../generation/prover.js';

export interface WitnessComposition {
  tensors: number;
  vars: number;
  realEntries: number;
  paddedEntries: number;
  conjecturedBits: number;
  byRole: Record<string, { tensors: number; real: number; padded: number }>;
}

/**
 * Role of a witness id (context.ts naming): `trace` (t<N>), `mult` (m:…), `limb` (range
 * limbs `….rc[lo,hi].<side><j>`, keyed by what they check) or the auxiliary kind
 * (`<owner>.<what>`, digits stripped: rem1/rem2 → rem#).
 */
export function witnessRole(id: string): string {
  if (id.startsWith('m:')) return 'mult';
  const rc = id.indexOf('.rc[');
  if (rc >= 0) {
    const owner = id.slice(0, rc).split('.');
    return `limb(${owner.length > 1 ? owner.slice(1).join('.').replace(/\d+/g, '#') : 'trace'})`;
  }
  const parts = id.split('.');
  if (parts.length === 1) return 'trace';
  return parts.slice(1).join('.').replace(/\d+/g, '#');
}

export function witnessComposition(stats: ProveStats): WitnessComposition {
  const byRole: WitnessComposition['byRole'] = {};
  let real = 0;
  let padded = 0;
  for (const e of stats.witnessLayout) {
    const n = e.shape.reduce((a, b) => a * b, 1);
    const r = (byRole[witnessRole(e.id)] ??= { tensors: 0, real: 0, padded: 0 });
    r.tensors++;
    r.real += n;
    r.padded += e.padded;
    real += n;
    padded += e.padded;
  }
  const sorted = Object.fromEntries(Object.entries(byRole).sort((a, b) => b[1].padded - a[1].padded));
  return {
    tensors: stats.witnessLayout.length,
    vars: stats.witnessVars,
    realEntries: real,
    paddedEntries: padded,
    conjecturedBits: proofSecurity(stats).witnessOpening,
    byRole: sorted,
  };
}

const tenth = (x: number) => Math.round(x * 10) / 10;

/** A proof's conjectured soundness and its size-dependent terms, in bits (one decimal). */
export interface ProofSecurity {
  conjecturedBits: number;
  witnessOpening: number;
  weightOpening: number;
  lookups: number;
}

export function proofSecurity(stats: ProveStats): ProofSecurity {
  const s = generationSecurityBits({
    witnessVars: stats.witnessVars,
    witnessClaims: stats.witnessClaims,
    weightVars: stats.weightVars,
    weightClaims: stats.weightClaims,
    lookupLeaves: stats.lookupLeaves,
    lookupArity: stats.lookupArity,
  });
  return { conjecturedBits: tenth(s.conjecturedBits), witnessOpening: tenth(s.terms.witnessOpening), weightOpening: tenth(s.terms.weightOpening), lookups: tenth(s.terms.lookups) };
}
