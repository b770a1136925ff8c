/**
 * The `response_metadata.zkllm` record every zkLLM chat model attaches to its answer.
 *
 * Streams carry it on the final chunk only: LangChain merges chunk metadata by
 * concatenating strings and adding numbers, so a proof split over chunks (or repeated on
 * each) would be corrupted by the merge. The proof travels as a base64url string because
 * a Uint8Array does not survive JSON serialization of messages (it becomes an object
 * keyed by index) while a string survives both merging and serialization unchanged.
 */
import { fromBase64Url, MAX_PROOF_BYTES, type StopReason } from '@zkllm/verifier';

export const ZKLLM_METADATA_VERSION = 1;

export interface ZkllmMetadata {
  /** Version of this record's shape. */
  readonly version: typeof ZKLLM_METADATA_VERSION;
  /** Hex digest C_W of the model commitment the proof is (claimed to be) against. */
  readonly modelDigest: string;
  /** The encoded proof, base64url without padding; absent when no proof was made. */
  readonly proof?: string;
  /** Hex SHA-256 of the proof bytes. */
  readonly proofDigest?: string;
  /** Prompt token ids as proven. */
  readonly promptTokens?: readonly number[];
  /** Generated token ids as proven (ending with EOS when `stop` is `'eos'`). */
  readonly outputTokens?: readonly number[];
  readonly stop?: StopReason;
  /** Whether the proof was checked, and by whom: the producing model or a remote client. */
  readonly verified: boolean;
  /** The check's verdict (absent when not verified). */
  readonly valid?: boolean;
  /** Why the check failed. */
  readonly reason?: string;
  /** Server-side proof id (remote models). */
  readonly proofId?: string;
}

/** Hex SHA-256 (Web Crypto, so this module also loads in browsers). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const d = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  let hex = '';
  for (const b of d) hex += b.toString(16).padStart(2, '0');
  return hex;
}

export class ZkMetadataError extends Error {
  override name = 'ZkMetadataError';
}

const HEX64 = /^[0-9a-f]{64}$/;

function tokenList(v: unknown, what: string): readonly number[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || !v.every((t) => Number.isInteger(t) && t >= 0)) throw new ZkMetadataError(`zkllm.${what} is not a list of token ids`);
  return v as number[];
}

/**
 * Reads `response_metadata.zkllm` from untrusted metadata (a message that went through
 * serialization, another process, or user code). Returns undefined when there is none;
 * throws {@link ZkMetadataError} when it is present but malformed.
 */
export function readZkllmMetadata(responseMetadata: unknown): ZkllmMetadata | undefined {
  if (typeof responseMetadata !== 'object' || responseMetadata === null) return undefined;
  const z: unknown = (responseMetadata as Record<string, unknown>).zkllm;
  if (z === undefined || z === null) return undefined;
  if (typeof z !== 'object') throw new ZkMetadataError('zkllm metadata is not an object');
  const r = z as Record<string, unknown>;
  if (r.version !== ZKLLM_METADATA_VERSION) throw new ZkMetadataError(`zkllm metadata version ${String(r.version)} is not supported`);
  if (typeof r.modelDigest !== 'string' || !HEX64.test(r.modelDigest)) throw new ZkMetadataError('zkllm.modelDigest is not a hex SHA-256 digest');
  if (r.proof !== undefined && typeof r.proof !== 'string') throw new ZkMetadataError('zkllm.proof is not a base64url string');
  if (r.proofDigest !== undefined && (typeof r.proofDigest !== 'string' || !HEX64.test(r.proofDigest))) throw new ZkMetadataError('zkllm.proofDigest is not a hex SHA-256 digest');
  if (r.stop !== undefined && r.stop !== 'eos' && r.stop !== 'length') throw new ZkMetadataError('zkllm.stop is not "eos" or "length"');
  if (typeof r.verified !== 'boolean') throw new ZkMetadataError('zkllm.verified is not a boolean');
  if (r.valid !== undefined && typeof r.valid !== 'boolean') throw new ZkMetadataError('zkllm.valid is not a boolean');
  if (r.reason !== undefined && typeof r.reason !== 'string') throw new ZkMetadataError('zkllm.reason is not a string');
  if (r.proofId !== undefined && typeof r.proofId !== 'string') throw new ZkMetadataError('zkllm.proofId is not a string');
  return {
    version: ZKLLM_METADATA_VERSION,
    modelDigest: r.modelDigest,
    ...(r.proof !== undefined ? { proof: r.proof as string } : {}),
    ...(r.proofDigest !== undefined ? { proofDigest: r.proofDigest as string } : {}),
    ...(r.promptTokens !== undefined ? { promptTokens: tokenList(r.promptTokens, 'promptTokens') } : {}),
    ...(r.outputTokens !== undefined ? { outputTokens: tokenList(r.outputTokens, 'outputTokens') } : {}),
    ...(r.stop !== undefined ? { stop: r.stop as StopReason } : {}),
    verified: r.verified,
    ...(r.valid !== undefined ? { valid: r.valid as boolean } : {}),
    ...(r.reason !== undefined ? { reason: r.reason as string } : {}),
    ...(r.proofId !== undefined ? { proofId: r.proofId as string } : {}),
  };
}

/** Decodes `zkllm.proof`; throws {@link ZkMetadataError} on malformed base64url. */
export function proofBytes(meta: ZkllmMetadata): Uint8Array | undefined {
  if (meta.proof === undefined) return undefined;
  try {
    return fromBase64Url(meta.proof, MAX_PROOF_BYTES);
  } catch (e) {
    throw new ZkMetadataError(`zkllm.proof is not valid base64url: ${(e as Error).message}`);
  }
}
