import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommitmentError, decodeTokens, parseModelCommitment, TokenTableError, type ModelCommitmentFile } from '@zkllm/verifier';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURES, loadModel, quantizeLoaded, writeFixture, type FixtureName } from '../model/index.js';
import { prng } from '../model/fixtures.js';
import { loadTokenizer } from '../model/tokenizer.js';
import { ZkModel } from '../zkmodel.js';
import { commitProvable } from './setup.js';
import { buildTokenTable } from './tokens.js';

const root = mkdtempSync(join(tmpdir(), 'zkllm-tokens-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const TEXTS = [
  'Call me Ishmael. Some years ago, never mind how long precisely',
  'naïve café — “quoted” 日本語 emoji 🐋 and\ttabs\nnew lines',
  "  leading spaces, don't it's we're I'm they've ?! .",
];

function randomSequences(vocab: number, seed: number, count: number): number[][] {
  const r = prng(seed);
  const out: number[][] = [];
  for (let i = 0; i < count; i++) {
    const n = 1 + Math.floor(r() * 24);
    out.push(Array.from({ length: n }, () => Math.floor(r() * vocab)));
  }
  return out;
}

describe('committed token table: bundled model', () => {
  const model = ZkModel.load();
  const file = JSON.parse(JSON.stringify(model.commit())) as ModelCommitmentFile;
  const parsed = parseModelCommitment(file, file.digest);

  it('decodes generated, encoded and random sequences exactly as the tokenizer does', () => {
    for (const t of TEXTS) {
      const ids = model.encode(t);
      expect(decodeTokens(parsed, ids)).toBe(model.decode(ids));
      expect(decodeTokens(file, ids)).toBe(t);
      const g = model.generate(t, { maxTokens: 20 });
      expect(decodeTokens(parsed, g.tokens)).toBe(g.text);
      expect(decodeTokens(parsed, [...g.promptTokens, ...g.tokens])).toBe(model.decode([...g.promptTokens, ...g.tokens]));
    }
    // Random ids split multi-byte characters and mix in special tokens.
    for (const ids of randomSequences(model.loaded.config.vocabSize, 7, 400)) expect(decodeTokens(parsed, ids)).toBe(model.decode(ids));
  });

  it('binds the table into the digest', () => {
    const tokens = (file.params as { tokens: { bytes: string } }).tokens;
    const tampered = JSON.parse(JSON.stringify(file)) as { params: { tokens: { bytes: string } } };
    // Flip one character in the middle of the table.
    const at = tokens.bytes.length >> 1;
    const ch = tokens.bytes[at] === 'A' ? 'B' : 'A';
    tampered.params.tokens.bytes = tokens.bytes.slice(0, at) + ch + tokens.bytes.slice(at + 1);
    expect(() => parseModelCommitment(tampered)).toThrow(/paramsHash/);
    expect(() => decodeTokens(parsed, [model.loaded.config.vocabSize])).toThrow(TokenTableError);
    expect(() => decodeTokens(parsed, [-1])).toThrow(/outside the committed vocabulary/);
    expect(() => decodeTokens(parsed, [1.5])).toThrow(/outside/);
  });
});

describe('committed token table: fixtures', () => {
  for (const name of Object.keys(FIXTURES) as FixtureName[]) {
    it(name, () => {
      const dir = join(root, name);
      writeFixture(name, dir);
      const loaded = loadModel(dir);
      const q = quantizeLoaded(loaded);
      const c = commitProvable(q, { eosTokenId: loaded.config.eosTokenId ?? undefined, tokenizer: loaded.tokenizer.source });
      const parsed = parseModelCommitment(JSON.parse(JSON.stringify(c.file)));
      const tok = loaded.tokenizer;
      for (const t of TEXTS) {
        const ids = tok.encode(t);
        expect(decodeTokens(parsed, ids)).toBe(tok.decode(ids));
        expect(decodeTokens(parsed, ids)).toBe(t);
      }
      for (const ids of randomSequences(loaded.config.vocabSize, FIXTURES[name].seed, 300)) expect(decodeTokens(parsed, ids)).toBe(tok.decode(ids));
      // Without a tokenizer the commitment has no table, and a different digest.
      const bare = commitProvable(q, loaded.config.eosTokenId ?? undefined).file;
      expect(bare.digest).not.toBe(c.file.digest);
      expect(() => decodeTokens(bare, [3])).toThrow(/no token table/);
    });
  }
});

/** A SentencePiece-style vocabulary: specials, 256 byte pieces, '▁'-prefixed words, CJK. */
function spVocab(): string[] {
  const v = ['<unk>', '<s>', '</s>'];
  for (let b = 0; b < 256; b++) v.push(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
  for (const w of ['▁', '▁the', '▁whale', 'e', 't', 'a', '▁Call', '▁me', '▁Ish', 'ma', 'el', '.', ',', "'", 's', '▁don', "'t", '日', '本', '▁naïve', '▁▁', 'x▁y']) v.push(w);
  return v;
}

function writeTok(dir: string, tokenizer: object, config: object): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tokenizer));
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify(config));
}

const specials = [0, 1, 2].map((id) => ({ id, content: ['<unk>', '<s>', '</s>'][id], single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }));

describe('committed token table: other tokenizer families', () => {
  const vocab = spVocab();
  const bpeModel = {
    type: 'BPE', dropout: null, unk_token: '<unk>', continuing_subword_prefix: null, end_of_word_suffix: null,
    fuse_unk: true, byte_fallback: true, ignore_merges: false, vocab: Object.fromEntries(vocab.map((s, i) => [s, i])), merges: [],
  };
  const families: Record<string, { tokenizer: object; config: object }> = {
    // LLaMA-2: Replace('▁' → ' '), ByteFallback, Fuse, Strip(one leading space).
    'llama2 (Sequence + ByteFallback)': {
      tokenizer: {
        version: '1.0', truncation: null, padding: null, added_tokens: specials,
        normalizer: { type: 'Sequence', normalizers: [{ type: 'Prepend', prepend: '▁' }, { type: 'Replace', pattern: { String: ' ' }, content: '▁' }] },
        pre_tokenizer: null, post_processor: null,
        decoder: {
          type: 'Sequence',
          decoders: [
            { type: 'Replace', pattern: { String: '▁' }, content: ' ' },
            { type: 'ByteFallback' },
            { type: 'Fuse' },
            { type: 'Strip', content: ' ', start: 1, stop: 0 },
          ],
        },
        model: bpeModel,
      },
      config: { bos_token: '<s>', eos_token: '</s>', unk_token: '<unk>', clean_up_tokenization_spaces: false },
    },
    // Newer SentencePiece exports: a Metaspace decoder (no byte fallback in decoding) over a Unigram model.
    'unigram (Metaspace)': {
      tokenizer: {
        version: '1.0', truncation: null, padding: null, added_tokens: specials,
        normalizer: null, pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true }, post_processor: null,
        decoder: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
        model: { type: 'Unigram', unk_id: 0, vocab: vocab.map((s, i) => [s, -i / 10]), byte_fallback: false },
      },
      config: { bos_token: '<s>', eos_token: '</s>' },
    },
    // GPT-2 style with the library's default space clean-up and a non-special added token.
    'byte-level with cleanup and an added token': (() => {
      const b2u = (b: number): string => {
        const printable = (x: number): boolean => (x >= 33 && x <= 126) || (x >= 161 && x <= 172) || (x >= 174 && x <= 255);
        let n = 0;
        for (let x = 0; x < b; x++) if (!printable(x)) n++;
        return String.fromCharCode(printable(b) ? b : 256 + n);
      };
      const v: Record<string, number> = { '<|endoftext|>': 0 };
      for (let b = 0; b < 256; b++) v[b2u(b)] = 1 + b;
      v['Ġ.'] = 257;
      v['Ġ,'] = 258;
      v['Ġthe'] = 259;
      return {
        tokenizer: {
          version: '1.0', truncation: null, padding: null,
          added_tokens: [
            { id: 0, content: '<|endoftext|>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
            { id: 260, content: '<tool>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: false },
          ],
          normalizer: null, pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true }, post_processor: null,
          decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
          model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '', fuse_unk: false, byte_fallback: false, vocab: v, merges: [] },
        },
        config: { eos_token: '<|endoftext|>' },
      };
    })(),
  };

  for (const [name, f] of Object.entries(families)) {
    it(name, () => {
      const dir = join(root, name.replace(/[^a-z0-9]+/gi, '-'));
      writeTok(dir, f.tokenizer, f.config);
      const tok = loadTokenizer(dir);
      const { table, reason } = buildTokenTable(tok.source, tok.vocabSize);
      expect(reason).toBeUndefined();
      // decodeTokens reads the table from the params of a commitment.
      const commitment = { params: { tokens: table } } as unknown as ModelCommitmentFile;
      const seqs = randomSequences(tok.vocabSize, 11, 500);
      // Sequences that exercise the space rules: leading pieces that are bare spaces.
      const sp = tok.vocabSize > 280 ? [[259, 259, 261], [259 + 3, 262], [261, 259 + 2, 1, 261]] : [];
      for (const ids of [...seqs, ...sp]) expect(decodeTokens(commitment, ids)).toBe(tok.decode(ids));
    });
  }

  it('reports decoders it cannot express instead of guessing', () => {
    const base = families['llama2 (Sequence + ByteFallback)']!.tokenizer as Record<string, unknown>;
    const src = (decoder: unknown) => ({ tokenizer: { ...base, decoder }, config: {} });
    expect(buildTokenTable(src(null), 300).reason).toMatch(/no decoder/);
    expect(buildTokenTable(src({ type: 'WordPiece', prefix: '##' }), 300).reason).toMatch(/WordPiece/);
    expect(buildTokenTable(src({ type: 'Replace', pattern: { Regex: '▁+' }, content: ' ' }), 300).reason).toMatch(/non-literal/);
    expect(buildTokenTable(src({ type: 'Sequence', decoders: [{ type: 'Metaspace' }, { type: 'ByteFallback' }] }), 300).reason).toMatch(/Metaspace before/);
  });
});

describe('token table hostile input', () => {
  const dir = join(root, 'hostile');
  writeFixture('gpt2-small-odd', dir);
  const loaded = loadModel(dir);
  const c = commitProvable(quantizeLoaded(loaded), { tokenizer: loaded.tokenizer.source });
  it('a commitment whose table is malformed is rejected even with consistent hashes', async () => {
    const { makeCommitmentFile, bundleLayout } = await import('@zkllm/verifier');
    const { hexToBytes } = await import('@noble/hashes/utils.js');
    const weights = { root: hexToBytes(c.file.weights.root), numVars: c.file.weights.numVars };
    const refs = c.file.weights.tensors;
    expect(bundleLayout(refs).numVars).toBe(weights.numVars);
    const withTokens = (tokens: unknown) => JSON.parse(JSON.stringify(makeCommitmentFile(weights, refs, { ...(c.file.params as object), tokens } as never))) as unknown;
    const good = (c.file.params as { tokens: Record<string, unknown> }).tokens;
    expect(() => parseModelCommitment(withTokens(good))).not.toThrow();
    expect(() => parseModelCommitment(withTokens({ ...good, count: (good['count'] as number) + 1 }))).toThrow(/truncated/);
    expect(() => parseModelCommitment(withTokens({ ...good, count: 1 }))).toThrow(/trailing|token table/);
    expect(() => parseModelCommitment(withTokens({ ...good, bytes: '!!' }))).toThrow(CommitmentError);
    expect(() => parseModelCommitment(withTokens({ ...good, stripLeadingSpaces: 99 }))).toThrow(/stripLeadingSpaces/);
    expect(() => parseModelCommitment(withTokens({ ...good, extra: 1 }))).toThrow(/unexpected fields/);
    expect(() => parseModelCommitment(withTokens('x'))).toThrow(/object or null/);
  });
});
