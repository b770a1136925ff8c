/**
 * BFV parameter sets for FHE-wrapped inference. The two data primes of every set are
 * BabyBear and KoalaBear, so each RNS limb of a ciphertext is a vector over a field the
 * proof system already has; the third, larger prime is SEAL's key-switching ("special")
 * prime, which a ciphertext at the data level never carries.
 *
 * Security: SEAL enforces the HomomorphicEncryption.org 128-bit bounds on log2 q (the
 * product of all primes, special included): 109 bits for N = 4096, 218 for N = 8192.
 * Noise: see docs/FHE.md — a fresh ciphertext has ~26-27 bits of invariant noise budget
 * at t ≈ 2^28; a plaintext×ciphertext product with an int8 row block of width n costs
 * log2(127·n) bits, and summing J products log2 J more.
 */
import { BabyBear } from '../field/babybear.js';
import { KoalaBear } from '../field/koalabear.js';
import type { PrimeField } from '../field/prime.js';

export class FheError extends Error {
  override name = 'FheError';
}

export interface FheParams {
  /** Stable name, part of every commitment and proof. */
  readonly name: string;
  /** Ring degree N (X^N + 1). */
  readonly polyDegree: number;
  /** Plaintext modulus t (prime, ≡ 1 mod 2N, as SEAL 4.1 requires for this build). */
  readonly plainModulus: number;
  /** SEAL's special prime (key level only). */
  readonly specialPrime: bigint;
  /** Claimed security level in bits (HE standard, classical). */
  readonly securityBits: number;
  /** Max log2 q allowed for that level at this N (SEAL CoeffModulus.MaxBitCount). */
  readonly maxLogQ: number;
}

/** The data-level RNS limbs, in SEAL's order. */
export const FHE_LIMBS: readonly PrimeField[] = [BabyBear, KoalaBear];

export const FHE_PARAMS: Readonly<Record<'bfv-4096' | 'bfv-8192', FheParams>> = {
  'bfv-4096': {
    name: 'bfv-4096',
    polyDegree: 4096,
    plainModulus: 268460033,
    specialPrime: 1099511480321n,
    securityBits: 128,
    maxLogQ: 109,
  },
  'bfv-8192': {
    name: 'bfv-8192',
    polyDegree: 8192,
    plainModulus: 268582913,
    specialPrime: 1125899906826241n,
    securityBits: 128,
    maxLogQ: 218,
  },
};

export type FheParamsName = keyof typeof FHE_PARAMS;

export const DEFAULT_FHE_PARAMS: FheParams = FHE_PARAMS['bfv-4096'];

/** log2 of the full coefficient modulus (data primes and special prime). */
export function fheLogQ(p: FheParams): number {
  return Math.log2(BabyBear.p) + Math.log2(KoalaBear.p) + Math.log2(Number(p.specialPrime));
}

/** Looks up a parameter set by name (hostile-input safe). */
export function fheParamsByName(name: string): FheParams {
  if (!Object.prototype.hasOwnProperty.call(FHE_PARAMS, name)) throw new FheError(`unknown FHE parameter set '${name}'`);
  return FHE_PARAMS[name as FheParamsName];
}

/**
 * Δ_ℓ = ⌊q/t⌋ mod q_ℓ for each data limb, q = BabyBear·KoalaBear: the scale a message is
 * multiplied by on encryption (BFV).
 */
export function fheDelta(p: FheParams): number[] {
  const q = BigInt(BabyBear.p) * BigInt(KoalaBear.p);
  const delta = q / BigInt(p.plainModulus);
  return FHE_LIMBS.map((F) => Number(delta % BigInt(F.p)));
}

/** Checks the structural invariants of a parameter set (used by tests and by the client). */
export function validateFheParams(p: FheParams): void {
  const N = p.polyDegree;
  if (!Number.isInteger(N) || N < 1024 || N > 32768 || (N & (N - 1)) !== 0) throw new FheError(`poly degree ${N} must be a power of two in [1024, 32768]`);
  const twoN = 2 * N;
  for (const F of FHE_LIMBS) if ((F.p - 1) % twoN !== 0) throw new FheError(`${F.name} is not ≡ 1 mod 2N`);
  if ((p.plainModulus - 1) % twoN !== 0) throw new FheError('plain modulus must be ≡ 1 mod 2N');
  if (p.specialPrime % BigInt(twoN) !== 1n) throw new FheError('special prime must be ≡ 1 mod 2N');
  if (fheLogQ(p) > p.maxLogQ) throw new FheError(`log2 q = ${fheLogQ(p).toFixed(1)} exceeds ${p.maxLogQ} (the ${p.securityBits}-bit bound for N = ${N})`);
}
