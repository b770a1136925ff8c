/**
 * The model commitment C_W: what a verifier pins to trust a model without seeing it.
 *
 *   C_W = SHA-256("zkllm/model-commitment/v1" ‖ weights root ‖ weights layout ‖ SHA-256(params))
 *
 * where the weights root commits (multilinear PCS) to every quantized weight tensor laid
 * out as one bundle, and `params` is the canonical JSON of everything public about the
 * model: architecture, quantization parameters, lookup tables and the circuit template
 * the proofs follow. The commitment file (`model.commit.json`) carries all of it; the
 * verifier recomputes the digest from the file, so a pinned digest authenticates the file.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { ByteWriter } from '../codec/bytes.js';
import { bundleLayout, bundleLayoutBytes, type BundleLayout } from '../layers/bundle.js';
import type { PcsCommitment } from '../pcs/verifier.js';
import { canonicalJson, type Json } from './canonical.js';
import { committedTokenTable } from './tokens.js';

export const MODEL_COMMITMENT_FORMAT = 'zkllm-model-commitment';
export const MODEL_COMMITMENT_VERSION = 1;
const DOMAIN = 'zkllm/model-commitment/v1';

/** Limits applied when parsing a commitment file from an untrusted source. */
export const COMMITMENT_LIMITS = Object.freeze({ maxTensors: 4096, maxRank: 8, maxDim: 1 << 24, maxVars: 30 });

export interface ModelCommitmentFile {
  readonly format: typeof MODEL_COMMITMENT_FORMAT;
  readonly version: number;
  /** hex C_W. */
  readonly digest: string;
  readonly weights: {
    /** hex Merkle root of the weight bundle's PCS commitment. */
    readonly root: string;
    readonly numVars: number;
    readonly tensors: ReadonlyArray<{ readonly id: string; readonly shape: readonly number[] }>;
  };
  /** hex SHA-256 of canonicalJson(params). */
  readonly paramsHash: string;
  readonly params: Json;
}

/** A parsed, digest-checked commitment. */
export interface ModelCommitment {
  readonly digest: Uint8Array;
  readonly weights: PcsCommitment;
  readonly layout: BundleLayout;
  readonly params: Json;
  readonly file: ModelCommitmentFile;
}

export class CommitmentError extends Error {
  override name = 'CommitmentError';
}

export function paramsHash(params: unknown): Uint8Array {
  return sha256(new TextEncoder().encode(canonicalJson(params)));
}

export function modelDigest(root: Uint8Array, layout: BundleLayout, pHash: Uint8Array): Uint8Array {
  const w = new ByteWriter();
  w.blob(new TextEncoder().encode(DOMAIN)).bytes(root).blob(bundleLayoutBytes(layout)).bytes(pHash);
  return sha256(w.finish());
}

/** Builds the file (prover side, after committing the weights). */
export function makeCommitmentFile(
  weights: PcsCommitment,
  tensors: ReadonlyArray<{ id: string; shape: readonly number[] }>,
  params: Json,
): ModelCommitmentFile {
  const layout = bundleLayout(tensors);
  if (layout.numVars !== weights.numVars) throw new CommitmentError('weights commitment does not match the layout');
  const pHash = paramsHash(params);
  return {
    format: MODEL_COMMITMENT_FORMAT,
    version: MODEL_COMMITMENT_VERSION,
    digest: bytesToHex(modelDigest(weights.root, layout, pHash)),
    weights: { root: bytesToHex(weights.root), numVars: weights.numVars, tensors: tensors.map((t) => ({ id: t.id, shape: [...t.shape] })) },
    paramsHash: bytesToHex(pHash),
    params,
  };
}

function hex32(v: unknown, what: string): Uint8Array {
  if (typeof v !== 'string' || !/^[0-9a-f]{64}$/.test(v)) throw new CommitmentError(`${what} must be 64 lowercase hex characters`);
  return hexToBytes(v);
}

/**
 * Parses and authenticates a commitment file (already JSON-parsed). Recomputes every
 * hash; if `expectedDigest` (hex or bytes) is given, the file must have that digest.
 */
export function parseModelCommitment(value: unknown, expectedDigest?: string | Uint8Array): ModelCommitment {
  if (typeof value !== 'object' || value === null) throw new CommitmentError('commitment must be a JSON object');
  const f = value as Record<string, unknown>;
  if (f['format'] !== MODEL_COMMITMENT_FORMAT) throw new CommitmentError(`not a ${MODEL_COMMITMENT_FORMAT} file`);
  if (f['version'] !== MODEL_COMMITMENT_VERSION) {
    throw new CommitmentError(`unsupported commitment version ${String(f['version'])} (expected ${MODEL_COMMITMENT_VERSION})`);
  }
  const digest = hex32(f['digest'], 'digest');
  const w = f['weights'] as Record<string, unknown> | undefined;
  if (typeof w !== 'object' || w === null) throw new CommitmentError('missing weights');
  const root = hex32(w['root'], 'weights.root');
  const numVars = w['numVars'];
  if (typeof numVars !== 'number' || !Number.isInteger(numVars) || numVars < 0 || numVars > COMMITMENT_LIMITS.maxVars) {
    throw new CommitmentError('weights.numVars out of range');
  }
  const tensors = w['tensors'];
  if (!Array.isArray(tensors) || tensors.length === 0 || tensors.length > COMMITMENT_LIMITS.maxTensors) {
    throw new CommitmentError('weights.tensors must be a non-empty array of bounded length');
  }
  const refs = tensors.map((t: unknown, i) => {
    const r = t as Record<string, unknown>;
    if (typeof r !== 'object' || r === null || typeof r['id'] !== 'string' || r['id'].length > 256) throw new CommitmentError(`weights.tensors[${i}].id invalid`);
    const shape = r['shape'];
    if (
      !Array.isArray(shape) ||
      shape.length > COMMITMENT_LIMITS.maxRank ||
      !shape.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 1 && d <= COMMITMENT_LIMITS.maxDim)
    ) {
      throw new CommitmentError(`weights.tensors[${i}].shape invalid`);
    }
    return { id: r['id'], shape: shape as number[] };
  });
  let layout: BundleLayout;
  try {
    layout = bundleLayout(refs);
  } catch (e) {
    throw new CommitmentError(`weights layout: ${(e as Error).message}`);
  }
  if (layout.numVars !== numVars) throw new CommitmentError('weights.numVars does not match the tensor layout');
  const pHash = paramsHash(f['params']);
  if (bytesToHex(pHash) !== f['paramsHash']) throw new CommitmentError('paramsHash does not match params');
  const params = f['params'];
  // A malformed token table is rejected here, not on first use, so a pinned commitment
  // either decodes every id or says plainly that it has no table.
  if (typeof params === 'object' && params !== null && !Array.isArray(params)) {
    try {
      committedTokenTable(params);
    } catch (e) {
      throw new CommitmentError(`params.tokens: ${(e as Error).message}`);
    }
  }
  const recomputed = modelDigest(root, layout, pHash);
  if (bytesToHex(recomputed) !== bytesToHex(digest)) throw new CommitmentError('digest does not match the commitment contents');
  if (expectedDigest !== undefined) {
    const exp = typeof expectedDigest === 'string' ? expectedDigest.toLowerCase() : bytesToHex(expectedDigest);
    if (exp !== bytesToHex(digest)) throw new CommitmentError('commitment digest differs from the pinned digest');
  }
  return { digest, weights: { root, numVars }, layout, params: f['params'] as Json, file: value as ModelCommitmentFile };
}
