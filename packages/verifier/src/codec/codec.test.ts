import { describe, expect, it } from 'vitest';
import { BabyBear } from '../field/index.js';
import { makeRng } from '../testing/rng.js';
import { ByteReader, ByteWriter, ProofFormatError, fromBase64Url, toBase64Url } from './index.js';

describe('ByteWriter/ByteReader', () => {
  it('round-trips every type', () => {
    const w = new ByteWriter(4);
    w.u8(7).u16(65535).u32(0xdeadbeef).varuint(0).varuint(127).varuint(128).varuint(2 ** 32 - 1);
    w.blob(Uint8Array.of(1, 2, 3)).fields(Uint32Array.of(0, 1, BabyBear.p - 1)).exts(Uint32Array.of(1, 2, 3, 4));
    w.bytes(new Uint8Array(32).fill(9));
    const r = new ByteReader(w.finish());
    expect(r.u8()).toBe(7);
    expect(r.u16()).toBe(65535);
    expect(r.u32()).toBe(0xdeadbeef);
    expect(r.varuint(10)).toBe(0);
    expect(r.varuint(1000)).toBe(127);
    expect(r.varuint(1000)).toBe(128);
    expect(r.varuint(2 ** 32)).toBe(2 ** 32 - 1);
    expect(Array.from(r.blob(10))).toEqual([1, 2, 3]);
    expect(Array.from(r.fields(BabyBear, 3))).toEqual([0, 1, BabyBear.p - 1]);
    expect(Array.from(r.ext(BabyBear))).toEqual([1, 2, 3, 4]);
    expect(r.digest()).toHaveLength(32);
    r.finish();
  });

  it('rejects truncation, trailing bytes, limits, non-minimal varints and non-canonical fields', () => {
    const bytes = new ByteWriter().u32(5).finish();
    expect(() => new ByteReader(bytes.subarray(0, 3)).u32()).toThrow(ProofFormatError);
    const r = new ByteReader(Uint8Array.of(1, 2));
    r.u8();
    expect(() => r.finish()).toThrow(/trailing/);
    expect(() => new ByteReader(Uint8Array.of(100)).varuint(99)).toThrow(/exceeds limit/);
    expect(() => new ByteReader(Uint8Array.of(0x80, 0x00)).varuint(1000)).toThrow(/non-minimal/);
    expect(() => new ByteReader(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0x01)).varuint(2 ** 40)).toThrow(/too long/);
    const p = new ByteWriter().u32(BabyBear.p).finish();
    expect(() => new ByteReader(p).field(BabyBear)).toThrow(/not canonical/);
    // A count larger than what the remaining bytes could hold is rejected before allocation.
    const big = new ByteWriter().varuint(1_000_000).finish();
    expect(() => new ByteReader(big).count(2_000_000, 4, 'items')).toThrow(/truncated/);
    expect(() => new ByteReader(new ByteWriter().varuint(5).finish()).blob(4)).toThrow(/exceeds limit/);
  });
});

describe('base64url', () => {
  it('round-trips random byte strings of every length residue', () => {
    const rng = makeRng(3);
    for (let n = 0; n < 70; n++) {
      const b = Uint8Array.from({ length: n }, () => rng() & 0xff);
      const s = toBase64Url(b);
      expect(s).not.toMatch(/[+/=]/);
      expect(Array.from(fromBase64Url(s))).toEqual(Array.from(b));
    }
  });

  it('matches Node’s encoder', () => {
    const b = Uint8Array.from({ length: 100 }, (_, i) => (i * 37) & 0xff);
    expect(toBase64Url(b)).toBe(Buffer.from(b).toString('base64url'));
  });

  it('rejects padding, foreign characters, impossible lengths, trailing bits and oversize', () => {
    expect(() => fromBase64Url('AA==')).toThrow(ProofFormatError);
    expect(() => fromBase64Url('A+B/')).toThrow(/invalid character/);
    expect(() => fromBase64Url('AAAAA')).toThrow(/impossible length/);
    expect(() => fromBase64Url('AB')).toThrow(/trailing bits/);
    expect(() => fromBase64Url('AAAA', 2)).toThrow(/exceeds limit/);
    expect(() => fromBase64Url('AA\u00e9A')).toThrow(/invalid character/);
  });
});
