// A small byte-level BPE trainer (GPT-2 style) that emits a standard Hugging Face
// tokenizer.json (model BPE, ByteLevel pre-tokenizer/decoder, TemplateProcessing that
// prepends <s>). Deterministic: ties between equally frequent pairs break on the pair string.

// GPT-2 pre-tokenization pattern (the one the ByteLevel pre-tokenizer uses with use_regex).
const PRETOKENIZE = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

export const SPECIALS = ['<unk>', '<s>', '</s>'];
export const UNK_ID = 0;
export const BOS_ID = 1;
export const EOS_ID = 2;

/** GPT-2 bytes_to_unicode table: byte value -> printable character. */
export function bytesToUnicode() {
  const bs = [];
  for (let b = 0x21; b <= 0x7e; b++) bs.push(b);
  for (let b = 0xa1; b <= 0xac; b++) bs.push(b);
  for (let b = 0xae; b <= 0xff; b++) bs.push(b);
  const cs = bs.slice();
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + n);
      n++;
    }
  }
  const map = new Array(256);
  for (let i = 0; i < bs.length; i++) map[bs[i]] = String.fromCharCode(cs[i]);
  return map;
}

const B2U = bytesToUnicode();
const enc = new TextEncoder();

function byteLevel(word) {
  let s = '';
  for (const b of enc.encode(word)) s += B2U[b];
  return s;
}

/**
 * Trains merges so that the vocabulary reaches vocabSize (specials + 256 bytes + merges).
 * @param {string[]} texts
 * @param {number} vocabSize
 */
export function trainBPE(texts, vocabSize, log = () => {}) {
  // word (byte-level string) -> count
  const counts = new Map();
  for (const t of texts) {
    for (const m of t.matchAll(PRETOKENIZE)) {
      const w = byteLevel(m[0]);
      counts.set(w, (counts.get(w) ?? 0) + 1);
    }
  }
  const words = [...counts.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const syms = words.map(([w]) => Array.from(w));
  const freq = words.map(([, c]) => c);

  const vocab = new Map();
  SPECIALS.forEach((s, i) => vocab.set(s, i));
  for (let b = 0; b < 256; b++) vocab.set(B2U[b], vocab.size);
  const merges = [];
  const nMerges = vocabSize - vocab.size;
  if (nMerges < 0) throw new Error(`vocabSize ${vocabSize} too small`);

  for (let it = 0; it < nMerges; it++) {
    const pairCounts = new Map();
    for (let i = 0; i < syms.length; i++) {
      const s = syms[i];
      const f = freq[i];
      for (let j = 0; j + 1 < s.length; j++) {
        const key = s[j] + '\u0000' + s[j + 1];
        pairCounts.set(key, (pairCounts.get(key) ?? 0) + f);
      }
    }
    let best = null;
    let bestC = 0;
    for (const [k, c] of pairCounts) {
      if (c > bestC || (c === bestC && best !== null && k < best)) {
        best = k;
        bestC = c;
      }
    }
    if (best === null || bestC < 2) break;
    const [a, b] = best.split('\u0000');
    const ab = a + b;
    merges.push([a, b]);
    vocab.set(ab, vocab.size);
    for (let i = 0; i < syms.length; i++) {
      const s = syms[i];
      if (s.length < 2) continue;
      let changed = false;
      const out = [];
      for (let j = 0; j < s.length; j++) {
        if (j + 1 < s.length && s[j] === a && s[j + 1] === b) {
          out.push(ab);
          j++;
          changed = true;
        } else out.push(s[j]);
      }
      if (changed) syms[i] = out;
    }
    if ((it + 1) % 100 === 0) log(`bpe: ${it + 1}/${nMerges} merges (last ${JSON.stringify(ab)} x${bestC})`);
  }
  return { vocab, merges };
}

/** Standard Hugging Face tokenizer.json object. */
export function tokenizerJson({ vocab, merges }) {
  const added = SPECIALS.map((content, id) => ({
    id,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  }));
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [
        { SpecialToken: { id: '<s>', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '<s>', type_id: 1 } },
        { Sequence: { id: 'B', type_id: 1 } },
      ],
      special_tokens: { '<s>': { id: '<s>', ids: [BOS_ID], tokens: ['<s>'] } },
    },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab: Object.fromEntries(vocab),
      merges,
    },
  };
}

export function tokenizerConfigJson(maxLen) {
  const dec = (content) => ({ content, lstrip: false, normalized: false, rstrip: false, single_word: false, special: true });
  return {
    add_bos_token: true,
    add_eos_token: false,
    added_tokens_decoder: Object.fromEntries(SPECIALS.map((s, i) => [String(i), dec(s)])),
    bos_token: '<s>',
    eos_token: '</s>',
    unk_token: '<unk>',
    clean_up_tokenization_spaces: false,
    model_max_length: maxLen,
    tokenizer_class: 'PreTrainedTokenizerFast',
  };
}
