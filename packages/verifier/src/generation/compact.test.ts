import { describe, expect, it } from 'vitest';
import { CircuitError, instantiateCircuit } from './circuit.js';
import { decodeCompactI32, encodeCompactI32, MAX_COMPACT_I32 } from './compact.js';

const inputs = { tokens: [1, 2, 3], generated: 1, promptLength: 2 };

describe('compact int32 literals and template constants', () => {
  it('round-trips, including the int32 extremes and long runs', () => {
    const cases = [[], [0], [-1, 1, -1], [2 ** 31 - 1, 0, -(2 ** 31)], Array.from({ length: 5000 }, (_, i) => 16383 - (i >> 3))];
    for (const c of cases) {
      const enc = encodeCompactI32(c) as { $i32z: string; n: number };
      expect(Array.from(decodeCompactI32(enc))).toEqual(c);
    }
    // A slowly varying table takes about one byte per entry.
    const t = encodeCompactI32(cases[4]!) as { $i32z: string };
    expect(t.$i32z.length).toBeLessThan(5000 * 1.4);
    expect(encodeCompactI32([2 ** 31])).toBeUndefined();
    // A jump of more than 2^31 either way does not fit: such arrays stay `$i32`.
    expect(encodeCompactI32([2 ** 31 - 1, -(2 ** 31)])).toBeUndefined();
    expect(encodeCompactI32([0.5])).toBeUndefined();
  });

  it('rejects malformed literals', () => {
    const good = encodeCompactI32([5, 6, 7]) as { $i32z: string; n: number };
    expect(() => decodeCompactI32({ ...good, n: 4 })).toThrow(/truncated/);
    expect(() => decodeCompactI32({ ...good, n: 2 })).toThrow(/trailing/);
    expect(() => decodeCompactI32({ ...good, n: MAX_COMPACT_I32 + 1 })).toThrow(/length/);
    expect(() => decodeCompactI32({ ...good, extra: 1 })).toThrow(/unexpected fields/);
    expect(() => decodeCompactI32({ $i32z: 5, n: 1 })).toThrow(/base64url/);
    // 2^31 − 1 followed by +1 leaves int32.
    const over = encodeCompactI32([2 ** 31 - 1]) as { $i32z: string };
    const plusOne = encodeCompactI32([1]) as { $i32z: string };
    const bytes = Buffer.concat([Buffer.from(over.$i32z, 'base64url'), Buffer.from(plusOne.$i32z, 'base64url')]).toString('base64url');
    expect(() => decodeCompactI32({ $i32z: bytes, n: 2 })).toThrow(/outside int32/);
  });

  it('template constants expand to copies where they are referenced', () => {
    const k = encodeCompactI32([1, 2, 3])!;
    const tpl = [
      { kind: '$const', name: 'k0', spec: k },
      { kind: 'lookup', name: 'a', spec: { table: { values: { $c: 'k0' } } } },
      { kind: 'lookup', name: 'b', spec: { table: { values: { $c: 'k0' } }, inline: { $i32: [1, 2, 3] } } },
    ];
    const ops = instantiateCircuit(tpl, inputs);
    expect(ops.map((o) => o.name)).toEqual(['a', 'b']);
    const a = (ops[0]!.spec as { table: { values: Int32Array } }).table.values;
    const b = ops[1]!.spec as { table: { values: Int32Array }; inline: Int32Array };
    expect(a).toEqual(Int32Array.of(1, 2, 3));
    expect(b.table.values).toEqual(b.inline);
    expect(a).not.toBe(b.table.values);
    expect(() => instantiateCircuit([tpl[1]!], inputs)).toThrow(/unknown template constant k0/);
    expect(() => instantiateCircuit([tpl[0]!, tpl[0]!], inputs)).toThrow(/repeated/);
    expect(() => instantiateCircuit([{ kind: '$const', name: 'x', spec: 3 }], inputs)).toThrow(CircuitError);
    expect(() => instantiateCircuit([{ kind: 'op', name: 'x', spec: { $i32z: 'A', n: 1 } }], inputs)).toThrow(CircuitError);
  });
});
