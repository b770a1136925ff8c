/**
 * Checks a `response_metadata.zkllm` record against a pinned model commitment: the one
 * routine behind ZkChatModel's `verify` option and ZkVerifyCallbackHandler, so both
 * apply exactly the same rules.
 */
import { committedTokenTable, decodeWithTable, parseModelCommitment, verifyProof, type GenerationStatement, type ModelCommitment, type ModelCommitmentFile } from '@zkllm/verifier';
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
  /** The message text: it must be the decoding of the proven output tokens. */
  readonly text?: string;
  /**
   * The detokenizer to use for `text` (e.g. `zkModel.decode.bind(zkModel)`). Default: the
   * token table the commitment binds, so the check needs nothing but the commitment.
   */
  readonly decode?: (tokens: readonly number[]) => string;
  /** Prompt token ids the caller knows it sent; the proof must state exactly these. */
  readonly promptTokens?: readonly number[];
  /**
   * Message contents the caller sent, for when their token ids are unknown (no
   * tokenizer at hand): each must appear, in order, in the decoded proven prompt.
   */
  readonly promptContents?: readonly string[];
}

export interface MetadataCheck {
  readonly valid: boolean;
  readonly reason?: string;
  /** What the proof states (present whenever its bytes decoded). */
  readonly statement?: GenerationStatement;
  /** Whether `text` was compared with the proven output (false: no decoder was available). */
  readonly textChecked?: boolean;
}

function committedDecoder(commitment: ModelCommitment): ((tokens: readonly number[]) => string) | undefined {
  let table;
  try {
    table = committedTokenTable(commitment.params);
  } catch {
    return undefined;
  }
  return table === null ? undefined : (t) => decodeWithTable(table, t);
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
  const decode = opts.decode ?? committedDecoder(commitment);
  if (opts.promptContents !== undefined && decode !== undefined) {
    const proven = decode(st.promptTokens);
    let at = 0;
    for (const c of opts.promptContents) {
      const k = proven.indexOf(c, at);
      if (k < 0) return fail('the proof is for a different prompt than the one sent (a message is missing from the proven prompt)');
      at = k + c.length;
    }
  }
  if (opts.text === undefined) return { valid: true, statement: st };
  if (decode === undefined) return { valid: true, statement: st, textChecked: false };
  const out = st.stop === 'eos' ? st.outputTokens.slice(0, -1) : st.outputTokens;
  if (decode(out) !== opts.text) return fail('the message text is not the decoding of the proven output tokens');
  return { valid: true, statement: st, textChecked: true };
}
