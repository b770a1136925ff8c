/**
 * The public statement a generation proof proves, exactly as bound into the transcript:
 *
 *   "With the model committed as `modelDigest`, greedy decoding (argmax, ties to the
 *    lowest token id) of `promptTokens` produces `outputTokens`; generation stopped
 *    because the last output token is EOS (`stop = 'eos'`) or because the token budget
 *    was reached (`stop = 'length'`)."
 */
import type { ByteReader, ByteWriter } from '../codec/bytes.js';
import { ProofFormatError } from '../codec/errors.js';

export type StopReason = 'eos' | 'length';

export interface GenerationStatement {
  /** C_W, 32 bytes. */
  readonly modelDigest: Uint8Array;
  /** Prompt token ids as the model's tokenizer produced them (incl. BOS when it adds one). */
  readonly promptTokens: readonly number[];
  /** Generated token ids, in order. */
  readonly outputTokens: readonly number[];
  readonly decoding: 'greedy';
  readonly stop: StopReason;
}

/** Hard limits on statements read from untrusted bytes. */
export const STATEMENT_LIMITS = Object.freeze({ maxTokens: 1 << 16, maxTokenId: 1 << 24 });

const DECODING_GREEDY = 1;
const STOP_CODES: Record<StopReason, number> = { eos: 1, length: 2 };

export function encodeStatement(w: ByteWriter, s: GenerationStatement): void {
  if (s.modelDigest.length !== 32) throw new ProofFormatError('model digest must be 32 bytes');
  w.bytes(s.modelDigest).u8(DECODING_GREEDY).u8(STOP_CODES[s.stop]);
  for (const list of [s.promptTokens, s.outputTokens]) {
    w.varuint(list.length);
    for (const t of list) w.varuint(t);
  }
}

export function decodeStatement(r: ByteReader): GenerationStatement {
  const modelDigest = r.digest('model digest');
  if (r.u8('decoding rule') !== DECODING_GREEDY) throw new ProofFormatError('unknown decoding rule');
  const stopCode = r.u8('stop reason');
  const stop = (Object.keys(STOP_CODES) as StopReason[]).find((k) => STOP_CODES[k] === stopCode);
  if (!stop) throw new ProofFormatError(`unknown stop reason ${stopCode}`);
  const tokens = (what: string) => {
    const n = r.count(STATEMENT_LIMITS.maxTokens, 1, `${what} count`);
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push(r.varuint(STATEMENT_LIMITS.maxTokenId, `${what}[${i}]`));
    return out;
  };
  const promptTokens = tokens('prompt token');
  const outputTokens = tokens('output token');
  if (promptTokens.length === 0) throw new ProofFormatError('empty prompt');
  return { modelDigest, decoding: 'greedy', stop, promptTokens, outputTokens };
}
