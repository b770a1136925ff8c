/**
 * Compact integer arrays for the circuit template (the lookup tables it carries are most
 * of a commitment file):
 *
 *   {"$i32z": base64url, "n": count}   count int32 values: each the previous one (0 before
 *                                       the first) plus a zigzag-encoded LEB128 delta
 *
 * Table values change slowly along the input axis, so most deltas take one byte. The
 * encoding is hashed into the model digest like any other JSON, so the digest binds the
 * decoded values.
 */
import { ByteReader, ByteWriter } from '../codec/bytes.js';
import { fromBase64Url, toBase64Url } from '../codec/base64url.js';
import type { Json } from './canonical.js';

/** Largest array a template may spell compactly (2^24 entries). */
export const MAX_COMPACT_I32 = 1 << 24;

export class CompactArrayError extends Error {
  override name = 'CompactArrayError';
}

/** `{"$i32z", "n"}` for `values`, or `undefined` when a delta does not fit 32 bits (keep `$i32` then). */
export function encodeCompactI32(values: ArrayLike<number>): Json | undefined {
  if (values.length > MAX_COMPACT_I32) return undefined;
  const w = new ByteWriter(values.length + 16);
  let prev = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 31) return undefined;
    const d = v - prev;
    const z = d >= 0 ? 2 * d : -2 * d - 1;
    if (z > 0xffffffff) return undefined;
    w.varuint(z);
    prev = v;
  }
  return { $i32z: toBase64Url(w.finish()), n: values.length };
}

/** Decodes `{"$i32z", "n"}` with bounds checks: exact length, int32 range, no trailing bytes. */
export function decodeCompactI32(v: { readonly [k: string]: Json }): Int32Array {
  const keys = Object.keys(v).sort().join(',');
  if (keys !== '$i32z,n') throw new CompactArrayError(`$i32z literal has unexpected fields (${keys})`);
  const n = v['n'];
  const s = v['$i32z'];
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > MAX_COMPACT_I32) throw new CompactArrayError('$i32z length out of range');
  if (typeof s !== 'string') throw new CompactArrayError('$i32z must be a base64url string');
  const out = new Int32Array(n);
  try {
    // Each value takes 1..5 bytes.
    const r = new ByteReader(fromBase64Url(s, 5 * n));
    let prev = 0;
    for (let i = 0; i < n; i++) {
      const z = r.varuint(0xffffffff, '$i32z delta');
      const x = prev + (z % 2 === 0 ? z / 2 : -(z + 1) / 2);
      if (x < -(2 ** 31) || x >= 2 ** 31) throw new CompactArrayError(`$i32z value ${i} outside int32`);
      out[i] = x;
      prev = x;
    }
    r.finish('$i32z literal');
  } catch (e) {
    if (e instanceof CompactArrayError) throw e;
    throw new CompactArrayError(`bad $i32z literal: ${(e as Error).message}`);
  }
  return out;
}
