/**
 * Builds the committed token decoding table (see the verifier's generation/tokens.ts)
 * from a Hugging Face `tokenizer.json` + `tokenizer_config.json`.
 *
 * The table must reproduce what the prover's tokenizer (`@huggingface/tokenizers`)
 * returns from `decode(ids, { skip_special_tokens: true })`, so the decoder chain is
 * interpreted step by step into per-token bytes plus whole-text rules:
 *
 *  - `ByteLevel` (GPT-2 / byte-level BPE): each vocab character maps back to one byte
 *    through the inverse of GPT-2's byte→printable-character table. As a top-level
 *    decoder it passes added tokens through as their literal text.
 *  - `ByteFallback` (SentencePiece): `<0xNN>` pieces are the byte NN.
 *  - `Replace` with a literal pattern (e.g. '▁' → ' '), `Metaspace` ('▁' → ' ' and one
 *    leading space of the text dropped), `Strip` (per token, or on the whole text after
 *    `Fuse`).
 *
 * Anything else (regex replacements, WordPiece, CTC, end-of-word suffixes, no decoder)
 * gives no table, with the reason; proofs still verify, only text decoding needs the
 * prover's tokenizer then.
 */
import { encodeTokenTable, type Json } from '@zkllm/verifier';

export interface TokenizerSource {
  readonly tokenizer: Readonly<Record<string, unknown>>;
  readonly config: Readonly<Record<string, unknown>>;
}

export type TokenTableResult = { readonly table: Json; readonly reason?: undefined } | { readonly table: null; readonly reason: string };

/** GPT-2's byte → printable character map, inverted: character code → byte. */
function unicodeToBytes(): Map<number, number> {
  const printable = (b: number): boolean => (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
  const m = new Map<number, number>();
  let shifted = 0;
  for (let b = 0; b < 256; b++) m.set(printable(b) ? b : 256 + shifted++, b);
  return m;
}

const UTF8 = new TextEncoder();

class Unsupported extends Error {}

type Piece = { kind: 'text'; s: string } | { kind: 'bytes'; b: Uint8Array };

const obj = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

function tokenContent(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  const o = obj(v);
  return typeof o?.['content'] === 'string' ? o['content'] : undefined;
}

/** id → vocab string, as the tokenizer library indexes it (added tokens override). */
function vocabStrings(tj: Readonly<Record<string, unknown>>): { byId: Map<number, string>; unk: string | undefined } {
  const model = obj(tj['model']);
  if (model === undefined) throw new Unsupported('tokenizer.json has no model');
  const byId = new Map<number, string>();
  let unk: string | undefined;
  const vocab = model['vocab'];
  if (model['type'] === 'Unigram') {
    if (!Array.isArray(vocab)) throw new Unsupported('Unigram vocab is not an array');
    vocab.forEach((e, i) => {
      if (Array.isArray(e) && typeof e[0] === 'string') byId.set(i, e[0]);
    });
    const unkId = model['unk_id'];
    if (typeof unkId === 'number') unk = byId.get(unkId);
  } else {
    const v = obj(vocab);
    if (v === undefined) throw new Unsupported(`model type ${String(model['type'])} has no vocab object`);
    for (const [s, id] of Object.entries(v)) if (typeof id === 'number' && Number.isInteger(id) && id >= 0) byId.set(id, s);
    if (typeof model['unk_token'] === 'string') unk = model['unk_token'];
  }
  const suffix = model['end_of_word_suffix'];
  if (typeof suffix === 'string' && suffix !== '') throw new Unsupported('end-of-word suffixes are not supported');
  return { byId, unk };
}

interface Rules {
  stripLeadingSpaces: number;
  stripTrailingSpaces: number;
}

/** Applies a decoder (recursively for `Sequence`) to every token's piece. */
function applyDecoder(
  dec: Record<string, unknown>,
  pieces: Piece[],
  state: { fused: boolean; rules: Rules; bytes: boolean; metaspaceBeforeBytes: boolean },
  topLevel: boolean,
  added: Set<string>,
): void {
  const type = dec['type'];
  const perToken = (what: string): void => {
    if (state.fused) throw new Unsupported(`${what} after Fuse`);
  };
  switch (type) {
    case 'Sequence': {
      const list = dec['decoders'];
      if (!Array.isArray(list)) throw new Unsupported('Sequence decoder without a list');
      for (const d of list) {
        const o = obj(d);
        if (o === undefined) throw new Unsupported('malformed Sequence decoder');
        applyDecoder(o, pieces, state, false, added);
      }
      return;
    }
    case 'Replace': {
      perToken('Replace');
      const pattern = obj(dec['pattern']);
      const content = typeof dec['content'] === 'string' ? dec['content'] : '';
      if (pattern === undefined || typeof pattern['String'] !== 'string') throw new Unsupported('Replace decoder with a non-literal pattern');
      if (state.bytes) throw new Unsupported('Replace after a byte decoder');
      const from = pattern['String'];
      if (from === '') return;
      for (const p of pieces) if (p.kind === 'text') p.s = p.s.replaceAll(from, content);
      return;
    }
    case 'Metaspace': {
      perToken('Metaspace');
      if (state.bytes) throw new Unsupported('Metaspace after a byte decoder');
      const rep = typeof dec['replacement'] === 'string' ? dec['replacement'] : '\u2581';
      for (const p of pieces) if (p.kind === 'text') p.s = p.s.replaceAll(rep, ' ');
      // The library drops one leading space of the first (non-special) token. Every
      // non-special piece is non-empty, so that is one leading space of the whole text,
      // unless a later byte decoder turns a piece into a space it would not have seen.
      state.rules.stripLeadingSpaces += 1;
      state.metaspaceBeforeBytes = true;
      return;
    }
    case 'ByteFallback': {
      perToken('ByteFallback');
      if (state.bytes) throw new Unsupported('two byte decoders');
      if (state.metaspaceBeforeBytes) throw new Unsupported('Metaspace before ByteFallback');
      pieces.forEach((p, i) => {
        if (p.kind !== 'text') return;
        const m = /^<0x([0-9A-Fa-f]{2})>$/.exec(p.s);
        pieces[i] = { kind: 'bytes', b: m ? Uint8Array.of(parseInt(m[1]!, 16)) : UTF8.encode(p.s) };
      });
      state.bytes = true;
      return;
    }
    case 'ByteLevel': {
      perToken('ByteLevel');
      if (state.bytes) throw new Unsupported('two byte decoders');
      if (state.metaspaceBeforeBytes) throw new Unsupported('Metaspace before ByteLevel');
      const inv = unicodeToBytes();
      pieces.forEach((p, i) => {
        if (p.kind !== 'text') return;
        // A top-level ByteLevel decoder passes added tokens through as text.
        if (topLevel && added.has(p.s)) {
          pieces[i] = { kind: 'bytes', b: UTF8.encode(p.s) };
          return;
        }
        const out: number[] = [];
        for (const ch of p.s) {
          const b = inv.get(ch.codePointAt(0)!);
          // Outside the byte alphabet the library would emit NUL; the reference Rust
          // decoder keeps such a token's own UTF-8, which is what a reader expects.
          if (b === undefined) {
            pieces[i] = { kind: 'bytes', b: UTF8.encode(p.s) };
            return;
          }
          out.push(b);
        }
        pieces[i] = { kind: 'bytes', b: Uint8Array.from(out) };
      });
      state.bytes = true;
      return;
    }
    case 'Fuse':
      state.fused = true;
      return;
    case 'Strip': {
      const content = typeof dec['content'] === 'string' ? dec['content'] : '';
      const start = typeof dec['start'] === 'number' ? dec['start'] : 0;
      const stop = typeof dec['stop'] === 'number' ? dec['stop'] : 0;
      if (!Number.isInteger(start) || !Number.isInteger(stop) || start < 0 || stop < 0) throw new Unsupported('Strip decoder with bad counts');
      if (start === 0 && stop === 0) return;
      if (state.fused) {
        // After Fuse the text is one piece: strip its ends (spaces only: several strip
        // steps then add up).
        if (content !== ' ') throw new Unsupported(`Strip of ${JSON.stringify(content)} after Fuse`);
        state.rules.stripLeadingSpaces += start;
        state.rules.stripTrailingSpaces += stop;
        return;
      }
      if ([...content].length !== 1 || content.codePointAt(0)! > 0x7f) throw new Unsupported('per-token Strip of a non-ASCII or multi-character content');
      const c = content.charCodeAt(0);
      pieces.forEach((p, i) => {
        const arr = p.kind === 'text' ? UTF8.encode(p.s) : p.b;
        let s = 0;
        while (s < start && s < arr.length && arr[s] === c) s++;
        let e = arr.length;
        while (arr.length - e < stop && e > s && arr[e - 1] === c) e--;
        const cut = arr.slice(s, e);
        pieces[i] = p.kind === 'text' ? { kind: 'text', s: new TextDecoder().decode(cut) } : { kind: 'bytes', b: cut };
      });
      return;
    }
    default:
      throw new Unsupported(`decoder ${String(type)} is not supported`);
  }
}

/**
 * The decoding table for token ids `[0, vocabSize)`, or `null` with a reason when the
 * tokenizer's decoder cannot be expressed as one.
 */
export function buildTokenTable(src: TokenizerSource, vocabSize: number): TokenTableResult {
  if (!Number.isInteger(vocabSize) || vocabSize < 1) throw new RangeError('vocabSize must be a positive integer');
  try {
    const tj = src.tokenizer;
    const dec = obj(tj['decoder']);
    if (dec === undefined) throw new Unsupported('tokenizer.json has no decoder');
    const { byId, unk } = vocabStrings(tj);
    const special = new Set<string>();
    const added = new Set<string>();
    const addedList = Array.isArray(tj['added_tokens']) ? tj['added_tokens'] : [];
    for (const a of addedList) {
      const o = obj(a);
      if (o === undefined || typeof o['content'] !== 'string' || typeof o['id'] !== 'number') continue;
      byId.set(o['id'], o['content']);
      added.add(o['content']);
      if (o['special'] === true) special.add(o['content']);
    }
    const extra = src.config['additional_special_tokens'];
    if (Array.isArray(extra)) for (const t of extra) {
      const c = tokenContent(t);
      if (c !== undefined) special.add(c);
    }
    // Ids the vocabulary does not name decode as the unknown token, as the library does.
    const strings: string[] = [];
    for (let id = 0; id < vocabSize; id++) strings.push(byId.get(id) ?? unk ?? '');
    const pieces: Piece[] = strings.map((s) => ({ kind: 'text', s }));
    const state = { fused: false, bytes: false, metaspaceBeforeBytes: false, rules: { stripLeadingSpaces: 0, stripTrailingSpaces: 0 } };
    applyDecoder(dec, pieces, state, true, added);
    // Specials are skipped when decoding with skip-special, matched by string like the library.
    const entries = pieces.map((p, i) => (special.has(strings[i]!) ? new Uint8Array(0) : p.kind === 'bytes' ? p.b : UTF8.encode(p.s)));
    const cleanup = src.config['clean_up_tokenization_spaces'];
    const table = encodeTokenTable(entries, {
      ...state.rules,
      // The library's default when the config does not say.
      cleanupSpaces: typeof cleanup === 'boolean' ? cleanup : true,
    });
    return { table };
  } catch (e) {
    if (e instanceof Unsupported) return { table: null, reason: e.message };
    throw e;
  }
}
