/**
 * The committed token decoding table: lets a verifier with no tokenizer library (a
 * browser, the `zkllm verify` CLI) turn a proof's statement tokens into the exact text
 * the prover's tokenizer produces.
 *
 * The table lives in the model commitment's public params (`params.tokens`), so the
 * model digest binds it: a pinned digest pins the text every token id decodes to.
 *
 *   params.tokens = {
 *     count,               // entries, one per token id in [0, count)
 *     bytes,               // base64url of count entries, each varuint(len) ‖ len raw bytes
 *     stripLeadingSpaces,  // decoder rule: drop up to this many leading ' ' of the text
 *     stripTrailingSpaces, //   ... and trailing ' '
 *     cleanupSpaces,       // Hugging Face `clean_up_tokenization_spaces`
 *   }
 *
 * Special tokens have empty entries (they are skipped, as `decode(ids, skipSpecial)` does).
 * The text is the UTF-8 decoding of the concatenated entries. (Byte-level decoders decode
 * added tokens apart from the byte runs around them; that gives the same text, because an
 * added token's text is whole UTF-8 characters, so no character can span its edges.)
 *
 * `params.tokens` is `null` when the model's tokenizer uses a decoder this table cannot
 * express; {@link decodeTokens} then throws.
 */
import { ByteReader, ByteWriter } from '../codec/bytes.js';
import { fromBase64Url, toBase64Url } from '../codec/base64url.js';
import type { Json } from './canonical.js';
import type { ModelCommitment, ModelCommitmentFile } from './commitment.js';

/** Bounds applied to a table read from an untrusted commitment file. */
export const TOKEN_TABLE_LIMITS = Object.freeze({ maxCount: 1 << 21, maxEntryBytes: 4096, maxTableBytes: 32 << 20, maxStrip: 16 });

export class TokenTableError extends Error {
  override name = 'TokenTableError';
}


export interface TokenDecoderRules {
  readonly stripLeadingSpaces: number;
  readonly stripTrailingSpaces: number;
  readonly cleanupSpaces: boolean;
}

/** A parsed table: entry `i` is `data[offsets[i] .. offsets[i + 1])`. */
export interface TokenTable extends TokenDecoderRules {
  readonly count: number;
  readonly data: Uint8Array;
  readonly offsets: Uint32Array;
}

/** Builds the `params.tokens` JSON (prover side) from each token id's raw bytes. */
export function encodeTokenTable(entries: readonly Uint8Array[], rules: TokenDecoderRules): Json {
  checkRules(rules);
  if (entries.length === 0 || entries.length > TOKEN_TABLE_LIMITS.maxCount) throw new TokenTableError(`token table needs 1..${TOKEN_TABLE_LIMITS.maxCount} entries`);
  const w = new ByteWriter(entries.length * 6);
  for (const [i, e] of entries.entries()) {
    if (e.length > TOKEN_TABLE_LIMITS.maxEntryBytes) throw new TokenTableError(`token ${i} is ${e.length} bytes (limit ${TOKEN_TABLE_LIMITS.maxEntryBytes})`);
    w.varuint(e.length).bytes(e);
  }
  return {
    count: entries.length,
    bytes: toBase64Url(w.finish()),
    stripLeadingSpaces: rules.stripLeadingSpaces,
    stripTrailingSpaces: rules.stripTrailingSpaces,
    cleanupSpaces: rules.cleanupSpaces,
  };
}

function checkRules(r: TokenDecoderRules): void {
  for (const k of ['stripLeadingSpaces', 'stripTrailingSpaces'] as const) {
    const v = r[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > TOKEN_TABLE_LIMITS.maxStrip) throw new TokenTableError(`tokens.${k} must be an integer in [0, ${TOKEN_TABLE_LIMITS.maxStrip}]`);
  }
  if (typeof r.cleanupSpaces !== 'boolean') throw new TokenTableError('tokens.cleanupSpaces must be a boolean');
}

/**
 * Parses and bounds-checks `params.tokens`. Returns `null` for a commitment that carries
 * no table (explicit `null` or absent), throws {@link TokenTableError} on a malformed one.
 */
export function parseTokenTable(value: unknown): TokenTable | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'object' || Array.isArray(value)) throw new TokenTableError('tokens must be an object or null');
  const v = value as Record<string, unknown>;
  const keys = Object.keys(v).sort().join(',');
  if (keys !== 'bytes,cleanupSpaces,count,stripLeadingSpaces,stripTrailingSpaces') throw new TokenTableError(`tokens has unexpected fields (${keys})`);
  const count = v['count'];
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > TOKEN_TABLE_LIMITS.maxCount) throw new TokenTableError('tokens.count out of range');
  const rules = { stripLeadingSpaces: v['stripLeadingSpaces'], stripTrailingSpaces: v['stripTrailingSpaces'], cleanupSpaces: v['cleanupSpaces'] } as TokenDecoderRules;
  checkRules(rules);
  if (typeof v['bytes'] !== 'string') throw new TokenTableError('tokens.bytes must be a base64url string');
  let raw: Uint8Array;
  try {
    raw = fromBase64Url(v['bytes'], TOKEN_TABLE_LIMITS.maxTableBytes);
  } catch (e) {
    throw new TokenTableError(`tokens.bytes: ${(e as Error).message}`);
  }
  const r = new ByteReader(raw);
  const offsets = new Uint32Array(count + 1);
  const data = new Uint8Array(raw.length);
  let o = 0;
  try {
    for (let i = 0; i < count; i++) {
      const b = r.bytes(r.varuint(TOKEN_TABLE_LIMITS.maxEntryBytes, `token ${i} length`), `token ${i}`);
      data.set(b, o);
      o += b.length;
      offsets[i + 1] = o;
    }
    r.finish('token table');
  } catch (e) {
    throw new TokenTableError(`tokens.bytes: ${(e as Error).message}`);
  }
  return { count, data: data.slice(0, o), offsets, ...rules };
}

// Hugging Face's `clean_up_tokenization`: drop the space before punctuation and common
// English contractions, applied in this order.
const CLEANUP: ReadonlyArray<readonly [string, string]> = [
  [' .', '.'], [' ?', '?'], [' !', '!'], [' ,', ','], [" ' ", "'"],
  [" n't", "n't"], [" 'm", "'m"], [" 's", "'s"], [" 've", "'ve"], [" 're", "'re"],
];

const cache = new WeakMap<object, TokenTable | null>();

/** The table in a commitment's public params (parsed once per params object). */
export function committedTokenTable(params: unknown): TokenTable | null {
  if (typeof params !== 'object' || params === null || Array.isArray(params)) throw new TokenTableError('commitment has no public params object');
  if (!cache.has(params)) cache.set(params, parseTokenTable((params as Record<string, unknown>)['tokens']));
  return cache.get(params)!;
}

/** Decodes token ids with a parsed table (the rule {@link decodeTokens} applies). */
export function decodeWithTable(table: TokenTable, tokens: readonly number[]): string {
  let size = 0;
  for (const [i, t] of tokens.entries()) {
    if (!Number.isInteger(t) || t < 0 || t >= table.count) throw new TokenTableError(`token ${i} (${t}) is outside the committed vocabulary [0, ${table.count})`);
    size += table.offsets[t + 1]! - table.offsets[t]!;
  }
  const run = new Uint8Array(size);
  let n = 0;
  for (const t of tokens) {
    const b = table.data.subarray(table.offsets[t]!, table.offsets[t + 1]!);
    run.set(b, n);
    n += b.length;
  }
  // Non-fatal: invalid or cut-off sequences become U+FFFD, as in the tokenizer library;
  // a leading BOM is text, not a marker.
  let text = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true }).decode(run);
  let s = 0;
  while (s < table.stripLeadingSpaces && text[s] === ' ') s++;
  let e = text.length;
  while (text.length - e < table.stripTrailingSpaces && e > s && text[e - 1] === ' ') e--;
  text = text.slice(s, e);
  if (table.cleanupSpaces) for (const [from, to] of CLEANUP) text = text.replaceAll(from, to);
  return text;
}

/**
 * The text of `tokens` under the committed tokenizer: UTF-8 of the concatenated token
 * bytes (invalid sequences become U+FFFD), special tokens skipped, the decoder's space
 * rules applied. Throws {@link TokenTableError} for an id outside the vocabulary or a
 * commitment without a table. Pass a parsed commitment or a commitment file; parse (and
 * pin) an untrusted file with `parseModelCommitment` first — this function trusts it.
 */
export function decodeTokens(commitment: ModelCommitment | ModelCommitmentFile, tokens: readonly number[]): string {
  const table = committedTokenTable(commitment.params);
  if (table === null) throw new TokenTableError('the model commitment has no token table (its tokenizer decoder is not supported, or it predates token tables)');
  return decodeWithTable(table, tokens);
}
