/**
 * How the query segments of one lookup are laid out in one virtual query vector. Both
 * sides compute the layout from the segment sizes alone: segments sorted by size
 * (largest first, stable), each aligned to its own size; rows past the last segment are
 * inactive. Alignment makes a segment's MLE a restriction of the whole vector's MLE:
 * S(r) = Σ_seg eq(r_high, offset bits)·seg(r_low).
 */
export interface SegmentPlacement {
  /** Index into the caller's segment list. */
  readonly index: number;
  readonly logSize: number;
  readonly offset: number;
}

export interface QueryLayout {
  readonly numVars: number;
  readonly placements: readonly SegmentPlacement[];
  /** Inactive rows after the last segment. */
  readonly padding: number;
}

export const MAX_LOOKUP_VARS = 28;

export function queryLayout(segmentLogSizes: readonly number[]): QueryLayout {
  const order = segmentLogSizes.map((s, i) => ({ s, i })).sort((a, b) => b.s - a.s || a.i - b.i);
  let offset = 0;
  const placements: SegmentPlacement[] = [];
  for (const { s, i } of order) {
    if (!Number.isInteger(s) || s < 0 || s > MAX_LOOKUP_VARS) throw new RangeError(`segment ${i}: bad log size ${s}`);
    placements.push({ index: i, logSize: s, offset });
    offset += 2 ** s;
  }
  let numVars = 0;
  while (2 ** numVars < Math.max(offset, 1)) numVars++;
  if (numVars > MAX_LOOKUP_VARS) throw new RangeError(`lookup of ${offset} rows is too large`);
  return { numVars, placements, padding: 2 ** numVars - offset };
}
