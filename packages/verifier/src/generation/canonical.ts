/**
 * Canonical JSON: object keys sorted, no whitespace, integers and finite numbers only,
 * typed arrays as plain arrays. Used to hash public parameters so that the same
 * parameters always give the same digest, on any machine.
 */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function canonicalJson(value: unknown): string {
  return write(value, 0);
}

const MAX_DEPTH = 64;

function write(v: unknown, depth: number): string {
  if (depth > MAX_DEPTH) throw new RangeError('canonical JSON: nesting too deep');
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new RangeError('canonical JSON: non-finite number');
    return JSON.stringify(Object.is(v, -0) ? 0 : v);
  }
  if (typeof v === 'string') return JSON.stringify(v);
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
    return write(Array.from(v as unknown as ArrayLike<number>), depth + 1);
  }
  if (Array.isArray(v)) return '[' + v.map((x) => write(x, depth + 1)).join(',') + ']';
  if (typeof v === 'object') {
    const keys = Object.keys(v as object)
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .sort();
    return '{' + keys.map((k) => JSON.stringify(k) + ':' + write((v as Record<string, unknown>)[k], depth + 1)).join(',') + '}';
  }
  throw new RangeError(`canonical JSON: unsupported value of type ${typeof v}`);
}
