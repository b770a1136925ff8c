/**
 * The part of RFC 8941 (Structured Field Values) that RFC 9421 signatures and RFC 9530
 * digests need: dictionaries whose members are items or inner lists, with parameters;
 * bare items of type integer, string, token, byte sequence and boolean. Decimals are not
 * used by either RFC and are rejected.
 *
 * Parsing is strict and bounded, because these headers arrive from untrusted servers:
 * duplicate dictionary keys or parameters are errors (RFC 8941 would let the last one
 * win, which makes "what was signed" ambiguous), and sizes are capped.
 */
import { fromBase64, toBase64 } from '../codec/base64url.js';

export class StructuredFieldError extends Error {
  override name = 'StructuredFieldError';
}

/** A token bare item (RFC 8941 §3.3.4), kept apart from strings. */
export class SfToken {
  constructor(readonly value: string) {}
}

export type BareItem = number | string | SfToken | Uint8Array | boolean;
export type Parameters = ReadonlyArray<readonly [string, BareItem]>;
export interface SfItem {
  readonly value: BareItem;
  readonly params: Parameters;
}
export interface SfInnerList {
  readonly items: readonly SfItem[];
  readonly params: Parameters;
}
export type DictMember = SfItem | SfInnerList;
export type Dictionary = ReadonlyArray<readonly [string, DictMember]>;

export const SF_LIMITS = Object.freeze({ maxFieldLength: 8192, maxMembers: 32, maxListItems: 64, maxParams: 16, maxBytes: 4096 });

export function isInnerList(m: DictMember): m is SfInnerList {
  return 'items' in m;
}

// ---------------------------------------------------------------------------
// Serialisation (RFC 8941 §4.1)

const KEY_RE = /^[a-z*][a-z0-9_\-.*]*$/;
const TOKEN_RE = /^[A-Za-z*][!#$%&'*+\-.^_`|~0-9A-Za-z:/]*$/;
const MAX_INTEGER = 999_999_999_999_999;

function serializeKey(k: string): string {
  if (!KEY_RE.test(k)) throw new StructuredFieldError(`invalid key ${JSON.stringify(k)}`);
  return k;
}

export function serializeBareItem(v: BareItem): string {
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || Math.abs(v) > MAX_INTEGER) throw new StructuredFieldError(`integer out of range: ${v}`);
    return String(v);
  }
  if (typeof v === 'boolean') return v ? '?1' : '?0';
  if (v instanceof Uint8Array) return `:${toBase64(v)}:`;
  if (v instanceof SfToken) {
    if (!TOKEN_RE.test(v.value)) throw new StructuredFieldError(`invalid token ${JSON.stringify(v.value)}`);
    return v.value;
  }
  let out = '"';
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) throw new StructuredFieldError('string contains a character outside printable ASCII');
    if (c === 0x22 || c === 0x5c) out += '\\';
    out += v[i];
  }
  return out + '"';
}

export function serializeParams(params: Parameters): string {
  let out = '';
  for (const [k, v] of params) out += ';' + serializeKey(k) + (v === true ? '' : '=' + serializeBareItem(v));
  return out;
}

export function serializeItem(item: SfItem): string {
  return serializeBareItem(item.value) + serializeParams(item.params);
}

export function serializeInnerList(list: SfInnerList): string {
  return '(' + list.items.map(serializeItem).join(' ') + ')' + serializeParams(list.params);
}

export function serializeDictionary(dict: Dictionary): string {
  return dict
    .map(([k, m]) => {
      if (isInnerList(m)) return serializeKey(k) + '=' + serializeInnerList(m);
      if (m.value === true) return serializeKey(k) + serializeParams(m.params);
      return serializeKey(k) + '=' + serializeItem(m);
    })
    .join(', ');
}

// ---------------------------------------------------------------------------
// Parsing (RFC 8941 §4.2)

class Reader {
  i = 0;
  constructor(readonly s: string) {}
  peek(): string {
    return this.s[this.i] ?? '';
  }
  done(): boolean {
    return this.i >= this.s.length;
  }
  fail(what: string): never {
    throw new StructuredFieldError(`${what} at position ${this.i}`);
  }
  skipSp(): void {
    while (this.s[this.i] === ' ') this.i++;
  }
  skipOws(): void {
    while (this.s[this.i] === ' ' || this.s[this.i] === '\t') this.i++;
  }
}

function parseKey(r: Reader): string {
  const start = r.i;
  if (!/[a-z*]/.test(r.peek())) r.fail('expected a key');
  while (/[a-z0-9_\-.*]/.test(r.peek())) r.i++;
  return r.s.slice(start, r.i);
}

function parseInteger(r: Reader): number {
  const start = r.i;
  if (r.peek() === '-') r.i++;
  const digitsStart = r.i;
  while (/[0-9]/.test(r.peek())) r.i++;
  const digits = r.i - digitsStart;
  if (digits === 0) r.fail('expected a digit');
  if (digits > 15) r.fail('integer has more than 15 digits');
  if (r.peek() === '.') r.fail('decimals are not supported');
  return Number(r.s.slice(start, r.i));
}

function parseString(r: Reader): string {
  r.i++; // opening quote
  let out = '';
  for (;;) {
    if (r.done()) r.fail('unterminated string');
    const c = r.s[r.i++]!;
    if (c === '\\') {
      const n = r.s[r.i++];
      if (n !== '"' && n !== '\\') r.fail('invalid escape in string');
      out += n;
    } else if (c === '"') return out;
    else {
      const code = c.charCodeAt(0);
      if (code < 0x20 || code > 0x7e) r.fail('string contains a character outside printable ASCII');
      out += c;
    }
  }
}

function parseToken(r: Reader): SfToken {
  const start = r.i;
  r.i++;
  while (/[!#$%&'*+\-.^_`|~0-9A-Za-z:/]/.test(r.peek())) r.i++;
  return new SfToken(r.s.slice(start, r.i));
}

function parseByteSequence(r: Reader): Uint8Array {
  r.i++;
  const end = r.s.indexOf(':', r.i);
  if (end < 0) r.fail('unterminated byte sequence');
  const text = r.s.slice(r.i, end);
  if (!/^[A-Za-z0-9+/=]*$/.test(text)) r.fail('invalid character in byte sequence');
  let bytes: Uint8Array;
  try {
    bytes = fromBase64(text, SF_LIMITS.maxBytes);
  } catch (e) {
    r.fail(`bad byte sequence (${(e as Error).message})`);
  }
  r.i = end + 1;
  return bytes;
}

function parseBareItem(r: Reader): BareItem {
  const c = r.peek();
  if (c === '-' || /[0-9]/.test(c)) return parseInteger(r);
  if (c === '"') return parseString(r);
  if (c === ':') return parseByteSequence(r);
  if (c === '?') {
    const b = r.s[r.i + 1];
    if (b !== '0' && b !== '1') r.fail('invalid boolean');
    r.i += 2;
    return b === '1';
  }
  if (/[A-Za-z*]/.test(c)) return parseToken(r);
  return r.fail('expected a bare item');
}

function parseParams(r: Reader): Parameters {
  const params: Array<readonly [string, BareItem]> = [];
  while (r.peek() === ';') {
    r.i++;
    r.skipSp();
    const key = parseKey(r);
    let value: BareItem = true;
    if (r.peek() === '=') {
      r.i++;
      value = parseBareItem(r);
    }
    if (params.some(([k]) => k === key)) r.fail(`duplicate parameter ${key}`);
    if (params.length >= SF_LIMITS.maxParams) r.fail('too many parameters');
    params.push([key, value]);
  }
  return params;
}

function parseItem(r: Reader): SfItem {
  const value = parseBareItem(r);
  return { value, params: parseParams(r) };
}

function parseInnerList(r: Reader): SfInnerList {
  r.i++;
  const items: SfItem[] = [];
  for (;;) {
    r.skipSp();
    if (r.peek() === ')') {
      r.i++;
      return { items, params: parseParams(r) };
    }
    if (r.done()) r.fail('unterminated inner list');
    if (items.length >= SF_LIMITS.maxListItems) r.fail('too many inner list items');
    items.push(parseItem(r));
    const c = r.peek();
    if (c !== ' ' && c !== ')') r.fail('expected a space or ) in inner list');
  }
}

/** Parses a dictionary field value (RFC 8941 §4.2.2), strictly. */
export function parseDictionary(input: string): Dictionary {
  if (typeof input !== 'string') throw new StructuredFieldError('field value is not a string');
  if (input.length > SF_LIMITS.maxFieldLength) throw new StructuredFieldError(`field value longer than ${SF_LIMITS.maxFieldLength} characters`);
  const r = new Reader(input);
  r.skipSp();
  const out: Array<readonly [string, DictMember]> = [];
  if (r.done()) r.fail('empty dictionary');
  for (;;) {
    const key = parseKey(r);
    let member: DictMember;
    if (r.peek() === '=') {
      r.i++;
      member = r.peek() === '(' ? parseInnerList(r) : parseItem(r);
    } else member = { value: true, params: parseParams(r) };
    if (out.some(([k]) => k === key)) r.fail(`duplicate key ${key}`);
    if (out.length >= SF_LIMITS.maxMembers) r.fail('too many dictionary members');
    out.push([key, member]);
    r.skipOws();
    if (r.done()) return out;
    if (r.peek() !== ',') r.fail('expected a comma');
    r.i++;
    r.skipOws();
    if (r.done()) r.fail('trailing comma');
  }
}
