import { describe, it, expect } from 'vitest';
import { readSafetensors, writeSafetensors, f16ToF32, f32ToF16, SafetensorsError } from './safetensors.js';

function withHeader(header: unknown, data: Uint8Array, lenOverride?: number): Uint8Array {
  const hb = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + hb.length + data.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, lenOverride ?? hb.length, true);
  out.set(hb, 8);
  out.set(data, 8 + hb.length);
  return out;
}

describe('safetensors', () => {
  it('round-trips F32, F16 and BF16 with metadata', () => {
    const a = new Float32Array([1, -2.5, 3.25, 0, 1e-3, 65504]);
    const bytes = writeSafetensors(
      {
        a: { dtype: 'F32', shape: [2, 3], data: a },
        b: { dtype: 'F16', shape: [6], data: a },
        c: { dtype: 'BF16', shape: [3, 2], data: a },
      },
      { format: 'pt' },
    );
    const f = readSafetensors(bytes);
    expect(f.metadata).toEqual({ format: 'pt' });
    expect([...f.tensors.get('a')!.data]).toEqual([...a]);
    expect(f.tensors.get('a')!.shape).toEqual([2, 3]);
    const b = f.tensors.get('b')!.data;
    for (let i = 0; i < a.length; i++) expect(Math.abs(b[i]! - a[i]!)).toBeLessThanOrEqual(Math.abs(a[i]!) * 1e-3);
    const c = f.tensors.get('c')!.data;
    for (let i = 0; i < a.length; i++) expect(Math.abs(c[i]! - a[i]!)).toBeLessThanOrEqual(Math.abs(a[i]!) * 1e-2);
  });

  it('converts f16 exactly for representable values and subnormals', () => {
    for (const v of [0, 1, -1, 0.5, 2 ** -24, 2 ** -14, 1000.5, -65504]) expect(f16ToF32(f32ToF16(v))).toBe(v);
  });

  it('rejects a bad header length', () => {
    const good = writeSafetensors({ a: { dtype: 'F32', shape: [1], data: new Float32Array([1]) } });
    const bad = good.slice();
    new DataView(bad.buffer).setUint32(0, 1_000_000, true);
    expect(() => readSafetensors(bad)).toThrow(/header length 1000000 exceeds the file size/);
    expect(() => readSafetensors(new Uint8Array(3))).toThrow(SafetensorsError);
    const huge = good.slice();
    new DataView(huge.buffer).setUint32(4, 1, true);
    expect(() => readSafetensors(huge)).toThrow(/exceeds the .* limit/);
    expect(() => readSafetensors(withHeader({}, new Uint8Array(0), 1))).toThrow(/not valid UTF-8 JSON/);
  });

  it('rejects out-of-range and overlapping offsets, and trailing bytes', () => {
    const data = new Uint8Array(8);
    expect(() => readSafetensors(withHeader({ a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, data))).toThrow(
      /data_offsets \[0, 16\] out of range/,
    );
    expect(() =>
      readSafetensors(
        withHeader(
          {
            a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
            b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] },
          },
          data,
        ),
      ),
    ).toThrow(/overlaps/);
    expect(() => readSafetensors(withHeader({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, data))).toThrow(
      /4 trailing bytes/,
    );
    expect(() => readSafetensors(withHeader({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, data))).toThrow(
      /needs 12 bytes/,
    );
  });

  it('rejects unknown and unsupported dtypes', () => {
    const data = new Uint8Array(4);
    expect(() => readSafetensors(withHeader({ a: { dtype: 'Q4', shape: [1], data_offsets: [0, 4] } }, data))).toThrow(
      /unknown dtype 'Q4'/,
    );
    expect(() => readSafetensors(withHeader({ a: { dtype: 'I32', shape: [1], data_offsets: [0, 4] } }, data))).toThrow(
      /unsupported dtype 'I32'/,
    );
  });
});
