import { describe, expect, it } from 'vitest';
import { decodeWithTable, encodeTokenTable, parseTokenTable, TOKEN_TABLE_LIMITS, TokenTableError } from './tokens.js';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const rules = { stripLeadingSpaces: 0, stripTrailingSpaces: 0, cleanupSpaces: false };

describe('token table codec', () => {
  // 0: special (empty), 1: ' the', 2: the first two bytes of '日', 3: its last byte, 4: ' .', 5: ' '
  const entries = [new Uint8Array(0), utf8(' the'), utf8('日').subarray(0, 2), utf8('日').subarray(2), utf8(' .'), utf8(' ')];
  const table = parseTokenTable(encodeTokenTable(entries, rules))!;

  it('round-trips and joins bytes across tokens before UTF-8 decoding', () => {
    expect(table.count).toBe(6);
    expect(decodeWithTable(table, [0, 1, 2, 3, 0])).toBe(' the日');
    expect(decodeWithTable(table, [2, 1])).toBe('\uFFFD the');
    expect(decodeWithTable(table, [3])).toBe('\uFFFD');
    expect(decodeWithTable(table, [])).toBe('');
  });

  it('applies the decoder rules in order: strip, then space clean-up', () => {
    const t = parseTokenTable(encodeTokenTable(entries, { stripLeadingSpaces: 1, stripTrailingSpaces: 2, cleanupSpaces: true }))!;
    expect(decodeWithTable(t, [5, 5, 1, 4, 5, 5, 5])).toBe('  the. ');
    expect(decodeWithTable(t, [5])).toBe('');
  });

  it('rejects out-of-range ids and malformed tables', () => {
    expect(() => decodeWithTable(table, [6])).toThrow(/outside the committed vocabulary \[0, 6\)/);
    expect(() => decodeWithTable(table, [Number.NaN])).toThrow(TokenTableError);
    const good = encodeTokenTable(entries, rules) as Record<string, unknown>;
    expect(parseTokenTable(null)).toBeNull();
    expect(() => parseTokenTable({ ...good, count: 7 })).toThrow(/truncated/);
    expect(() => parseTokenTable({ ...good, count: 5 })).toThrow(/trailing/);
    expect(() => parseTokenTable({ ...good, count: 0 })).toThrow(/count/);
    expect(() => parseTokenTable({ ...good, bytes: 'A' })).toThrow(/impossible length/);
    expect(() => parseTokenTable({ ...good, cleanupSpaces: 1 })).toThrow(/cleanupSpaces/);
    expect(() => parseTokenTable({ ...good, stripTrailingSpaces: -1 })).toThrow(/stripTrailingSpaces/);
    expect(() => parseTokenTable([good])).toThrow(/object or null/);
    // An entry longer than the limit.
    const long = new Uint8Array(TOKEN_TABLE_LIMITS.maxEntryBytes + 1);
    expect(() => encodeTokenTable([long], rules)).toThrow(/limit/);
    const hostile = new Uint8Array([0x81, 0x40]); // varuint 8193 > maxEntryBytes
    const b64 = btoa(String.fromCharCode(...hostile)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    expect(() => parseTokenTable({ ...good, count: 1, bytes: b64 })).toThrow(/exceeds limit/);
  });
});
