/**
 * Offline tokenizer: wraps `@huggingface/tokenizers` around a local `tokenizer.json` +
 * `tokenizer_config.json`, and applies the model's BOS rule so prompts are encoded
 * exactly as the model saw text in training.
 */
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { ModelFormatError } from './config.js';

export interface TextTokenizer {
  /** Encodes text; with `addSpecial` (default) the BOS rule of the tokenizer config applies. */
  encode(text: string, opts?: { addSpecial?: boolean }): number[];
  decode(ids: readonly number[], opts?: { skipSpecial?: boolean }): string;
  readonly bosTokenId: number | undefined;
  readonly eosTokenId: number | undefined;
  /** Largest token id the tokenizer can emit, plus one. */
  readonly vocabSize: number;
  readonly chatTemplate: string | undefined;
  /** The parsed `tokenizer.json` and (normalised) `tokenizer_config.json` it was built from. */
  readonly source: { readonly tokenizer: Readonly<Record<string, unknown>>; readonly config: Readonly<Record<string, unknown>> };
}

function readJson(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ModelFormatError(`cannot read ${what} at ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new ModelFormatError(`${what} at ${path} is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
}

function tokenContent(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'object' && v !== null && typeof (v as { content?: unknown }).content === 'string') {
    return (v as { content: string }).content;
  }
  return undefined;
}

/** Loads `tokenizer.json` (+ optional `tokenizer_config.json`) from a directory. */
export function loadTokenizer(dir: string): TextTokenizer {
  const tjPath = join(dir, 'tokenizer.json');
  if (!existsSync(tjPath)) throw new ModelFormatError(`missing tokenizer.json in ${dir}`);
  const tj = readJson(tjPath, 'tokenizer.json');
  const cfgPath = join(dir, 'tokenizer_config.json');
  const cfgRaw = existsSync(cfgPath) ? readJson(cfgPath, 'tokenizer_config.json') : {};
  if (typeof tj !== 'object' || tj === null) throw new ModelFormatError('tokenizer.json is not a JSON object');
  if (typeof cfgRaw !== 'object' || cfgRaw === null) throw new ModelFormatError('tokenizer_config.json is not a JSON object');
  const cfg = { ...(cfgRaw as Record<string, unknown>) };
  // The library expects plain strings for special tokens; HF configs may store
  // AddedToken objects.
  for (const k of ['bos_token', 'eos_token', 'unk_token', 'pad_token']) {
    const c = tokenContent(cfg[k]);
    if (c === undefined) delete cfg[k];
    else cfg[k] = c;
  }
  let tok: Tokenizer;
  try {
    tok = new Tokenizer(tj, cfg);
  } catch (e) {
    throw new ModelFormatError(`cannot build tokenizer from ${tjPath}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const bosName = typeof cfg['bos_token'] === 'string' ? cfg['bos_token'] : undefined;
  const eosName = typeof cfg['eos_token'] === 'string' ? cfg['eos_token'] : undefined;
  const bosTokenId = bosName !== undefined ? tok.token_to_id(bosName) : undefined;
  const eosTokenId = eosName !== undefined ? tok.token_to_id(eosName) : undefined;
  const addBos = cfg['add_bos_token'];
  let vocabSize = 0;
  for (const id of tok.get_vocab(true).values()) if (id + 1 > vocabSize) vocabSize = id + 1;
  const ct = cfg['chat_template'];
  let chatTemplate = typeof ct === 'string' ? ct : undefined;
  const jinja = join(dir, 'chat_template.jinja');
  if (chatTemplate === undefined && existsSync(jinja)) chatTemplate = readFileSync(jinja, 'utf8');
  return {
    bosTokenId,
    eosTokenId,
    vocabSize,
    chatTemplate,
    source: { tokenizer: tj as Record<string, unknown>, config: cfg },
    encode(text, opts) {
      const special = opts?.addSpecial ?? true;
      const ids = tok.encode(text, { add_special_tokens: special }).ids;
      // tokenizer.json's post-processor is the primary BOS rule; `add_bos_token` in the
      // config overrides it in either direction, as transformers' LlamaTokenizer does.
      if (special && bosTokenId !== undefined) {
        if (addBos === true && ids[0] !== bosTokenId) ids.unshift(bosTokenId);
        if (addBos === false && ids[0] === bosTokenId && !text.startsWith(bosName ?? '\u0000')) ids.shift();
      }
      return ids;
    },
    decode(ids, opts) {
      if (ids.length === 0) return '';
      return tok.decode([...ids], { skip_special_tokens: opts?.skipSpecial ?? true });
    },
  };
}
