/** BabyBear p = 15·2^27 + 1. Signed integers are embedded as x mod p. */
export const BABYBEAR_P = 2013265921;
/** Largest magnitude an intermediate may have so that x mod p decodes uniquely: (p − 1)/2. */
export const FIELD_HALF = (BABYBEAR_P - 1) / 2;

/**
 * Bound for values that are then split by a rounding shift (x = y·2^s + r with
 * |r| ≤ 2^15): keeping |x| ≤ FIELD_SAFE keeps y·2^s within ±(p−1)/2 as well.
 */
export const FIELD_SAFE = FIELD_HALF - 2 ** 16;

export class FieldBoundError extends Error {
  override name = 'FieldBoundError';
}

/** Debug-mode check: throws if any entry exceeds ±(p−1)/2. */
export function assertFieldBound(what: string, data: ArrayLike<number>): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v > FIELD_HALF || v < -FIELD_HALF || !Number.isInteger(v)) {
      throw new FieldBoundError(`${what}[${i}] = ${v} exceeds the field bound ±${FIELD_HALF}`);
    }
  }
}
