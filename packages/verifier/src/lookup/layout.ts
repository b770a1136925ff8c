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

/**
 * Largest number of query trees in a batched lookup. With the bundled model's segment sizes,
 * four trees leave under 1% of the query leaves as padding (one tree: 42% at 32 tokens);
 * each extra tree costs 2 root ext plus 4 ext per fraction layer it takes part in.
 */
export const MAX_QUERY_TREES = 4;

/** One tree of a query forest: rows [start, start + 2^numVars − padding) of the placed query vector. */
export interface QueryTree extends QueryLayout {
  /** First row of the tree in the whole placed vector; placement offsets are relative to it. */
  readonly start: number;
}

/**
 * Splits the placed query rows (N = Σ segment sizes, {@link queryLayout} order) into at most
 * `maxTrees` fraction trees, so the query side is not padded up to the next power of two of N:
 * one tree per leading set bit of N (2^{b₁}, 2^{b₂}, … rows, exactly), the last tree taking the
 * remaining rows padded to a power of two. Both sides compute it from the sizes alone.
 *
 * Every boundary falls between two segments. A boundary is B = ⌊N/2^b⌋·2^b for a set bit b of
 * N: the largest multiple of 2^b that is ≤ N. Let S_i be the prefix sums of the placed sizes
 * (descending powers of two), and S_i < B ≤ S_{i+1} = S_i + 2^s. S_i is a multiple of 2^s (every
 * earlier size is ≥ 2^s). If s ≤ b, B is a multiple of 2^s too, so B − S_i ≥ 2^s and S_{i+1} ≤ B.
 * If s > b, S_{i+1} is a multiple of 2^s, hence of 2^b, and ≤ N, so S_{i+1} ≤ B. Either way
 * S_{i+1} = B. Inside a tree a segment keeps its alignment: every row after B = ⌊N/2^b⌋·2^b
 * belongs to the N − B < 2^b rows past it, so every later segment has fewer than 2^b rows and
 * its size divides B; offset − B is still a multiple of the segment's size, and the tree's MLE
 * restricts to the segment's as in {@link queryLayout}.
 */
export function queryForest(segmentLogSizes: readonly number[], maxTrees = MAX_QUERY_TREES): QueryTree[] {
  if (!Number.isInteger(maxTrees) || maxTrees < 1) throw new RangeError(`bad query tree count ${maxTrees}`);
  const whole = queryLayout(segmentLogSizes);
  const total = 2 ** whole.numVars - whole.padding;
  // Tree ends: the leading set bits of N one by one, then N itself (N < 2^29: int math is exact).
  const ends: number[] = [];
  let end = 0;
  let rest = total;
  while (ends.length < maxTrees - 1 && (rest & (rest - 1)) !== 0) {
    const top = 1 << (31 - Math.clz32(rest));
    end += top;
    rest -= top;
    ends.push(end);
  }
  ends.push(total);
  const trees: Array<{ start: number; placements: SegmentPlacement[] }> = ends.map((_, t) => ({ start: t === 0 ? 0 : ends[t - 1]!, placements: [] }));
  let t = 0;
  for (const pl of whole.placements) {
    while (pl.offset >= ends[t]!) t++;
    const tree = trees[t]!;
    const offset = pl.offset - tree.start;
    if (pl.offset + 2 ** pl.logSize > ends[t]! || offset % 2 ** pl.logSize !== 0) {
      throw new Error(`query forest: segment ${pl.index} straddles a tree boundary`); // unreachable (see above)
    }
    tree.placements.push({ index: pl.index, logSize: pl.logSize, offset });
  }
  return trees.map(({ start, placements }, k) => {
    const rows = ends[k]! - start;
    let numVars = 0;
    while (2 ** numVars < Math.max(rows, 1)) numVars++;
    return { start, numVars, placements, padding: 2 ** numVars - rows };
  });
}
