/**
 * Checks a `response_metadata.zkllm` record against a pinned model commitment: the one
 * routine behind ZkChatModel's `verify` option and ZkVerifyCallbackHandler, so both
 * apply exactly the same rules.
 */
import { parseModelCommitment, verifyProof, type GenerationStatement, type ModelCommitment, type ModelCommitmentFile } from '@zkllm/verifier';
import { proofBytes, sha256Hex, ZkMetadataError, type ZkllmMetadata } from './metadata.js';

/** A commitment as published (`model.commit.json` contents) or already parsed. */
export type CommitmentInput = ModelCommitmentFile | ModelCommitment;

/** Parses (and digest-checks) a commitment once, so later checks reuse it. */
export function pinCommitment(commitment: CommitmentInput, expectedDigest?: string): ModelCommitment {
  const parsed = isParsed(commitment) ? commitment : parseModelCommitment(commitment, expectedDigest);
  if (expectedDigest !== undefined && parsed.file.digest !== expectedDigest.toLowerCase()) {
    throw new Error(`the commitment's digest ${parsed.file.digest} is not the pinned digest ${expectedDigest}`);
  }
  return parsed;
}

function isParsed(c: CommitmentInput): c is ModelCommitment {
  return (c as ModelCommitment).digest instanceof Uint8Array && 'file' in c;
}

export interface MetadataCheckOptions {
  /**
   * The message text to bind to the proof. Checked only together with `decode`: without
   * the model's tokenizer nothing ties text to proven token ids.
   */
  readonly text?: string;
  /** The model's detokenizer (e.g. `zkModel.decode.bind(zkModel)`). */
  readonly decode?: (tokens: readonly number[]) => string;
  /** Prompt token ids the caller knows it sent; the proof must state exactly these. */
  readonly promptTokens?: readonly number[];
}

export interface MetadataCheck {
  readonly valid: boolean;
  readonly reason?: string;
  /** What the proof states (present whenever its bytes decoded). */
  readonly statement?: GenerationStatement;
}

function sameTokens(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((t, i) => t === b[i]);
}

/** Verifies the proof in `meta` and that every claim next to it agrees with the proof. */
export async function checkZkllmMetadata(meta: ZkllmMetadata, commitment: ModelCommitment, opts: MetadataCheckOptions = {}): Promise<MetadataCheck> {
  const pinned = commitment.file.digest;
  if (meta.modelDigest !== pinned) return { valid: false, reason: `the answer claims model ${meta.modelDigest}, but the pinned model is ${pinned}` };
  let bytes: Uint8Array | undefined;
  try {
    bytes = proofBytes(meta);
  } catch (e) {
    if (e instanceof ZkMetadataError) return { valid: false, reason: e.message };
    throw e;
  }
  if (bytes === undefined) return { valid: false, reason: 'no proof attached' };
  if (meta.proofDigest !== undefined && (await sha256Hex(bytes)) !== meta.proofDigest) {
    return { valid: false, reason: 'zkllm.proofDigest does not match the proof bytes' };
  }
  const r = verifyProof(bytes, commitment, { expectedDigest: pinned });
  if (!r.valid) return { valid: false, reason: `invalid proof: ${r.reason ?? 'rejected'}`, ...(r.statement ? { statement: r.statement } : {}) };
  const st = r.statement!;
  const fail = (reason: string): MetadataCheck => ({ valid: false, reason, statement: st });
  if (meta.promptTokens !== undefined && !sameTokens(meta.promptTokens, st.promptTokens)) return fail('zkllm.promptTokens differ from the proven prompt');
  if (meta.outputTokens !== undefined && !sameTokens(meta.outputTokens, st.outputTokens)) return fail('zkllm.outputTokens differ from the proven output');
  if (meta.stop !== undefined && meta.stop !== st.stop) return fail('zkllm.stop differs from the proven stop reason');
  if (opts.promptTokens !== undefined && !sameTokens(opts.promptTokens, st.promptTokens)) return fail('the proof is for a different prompt than the one sent');
  if (opts.decode !== undefined && opts.text !== undefined) {
    const out = st.stop === 'eos' ? st.outputTokens.slice(0, -1) : st.outputTokens;
    if (opts.decode(out) !== opts.text) return fail('the message text is not the decoding of the proven output tokens');
  }
  return { valid: true, statement: st };
}
