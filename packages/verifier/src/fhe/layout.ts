/**
 * Coefficient encoding of integer matrix × vector products (Cheetah-style, rotation free)
 * and the layout of every encoded weight plaintext in one committed vector.
 *
 * A linear W [rows × cols] is cut into column chunks of width n_i = min(cols, N) and row
 * blocks of n_o = ⌊N / n_i⌋ rows. The client encodes chunk j of its input x as
 * x_j(X) = Σ_c x[j·n_i + c]·X^c; the server holds, per (row block o, chunk j), the
 * plaintext W_{o,j}(X) = Σ_{r,c} w[o·n_o + r, j·n_i + c]·X^{r·n_i + n_i − 1 − c}. Since
 * n_o·n_i ≤ N nothing wraps onto the target coefficients, and coefficient r·n_i + n_i − 1
 * of Σ_j W_{o,j}·x_j is exactly row o·n_o + r of W·x. A bias is added at those same
 * coefficients (scaled by Δ, as a plaintext).
 *
 * The committed vector holds every block's N coefficients (block k at offset k·N), then
 * every bias vector, zero-padded to a power of two; entries are signed integers mod
 * BabyBear.
 */
import { FheError } from './params.js';

export interface FheLinearSpec {
  readonly name: string;
  readonly rows: number;
  readonly cols: number;
  readonly hasBias: boolean;
}

export interface FheLinearLayout extends FheLinearSpec {
  /** Column-chunk width n_i. */
  readonly chunk: number;
  /** Number of column chunks J. */
  readonly chunks: number;
  /** Rows per output ciphertext n_o. */
  readonly rowsPerBlock: number;
  /** Number of row blocks (output ciphertexts per input vector). */
  readonly blocks: number;
  /** Index of block (0, 0) in the block list; block (o, j) is firstBlock + o·chunks + j. */
  readonly firstBlock: number;
  /** Offset of the bias in the committed vector (−1 without bias). */
  readonly biasOffset: number;
}

export interface FheWeightLayout {
  readonly polyDegree: number;
  readonly linears: readonly FheLinearLayout[];
  readonly byName: ReadonlyMap<string, FheLinearLayout>;
  readonly totalBlocks: number;
  /** Committed vector length (a power of two) and its number of variables. */
  readonly length: number;
  readonly numVars: number;
}

/** Limits that keep hostile layouts from exhausting memory. */
export const FHE_LAYOUT_LIMITS = { maxLinears: 4096, maxDim: 1 << 20, maxVars: 26 } as const;

export function fheWeightLayout(N: number, specs: readonly FheLinearSpec[]): FheWeightLayout {
  if (specs.length === 0 || specs.length > FHE_LAYOUT_LIMITS.maxLinears) throw new FheError(`layout needs 1..${FHE_LAYOUT_LIMITS.maxLinears} linears`);
  const linears: FheLinearLayout[] = [];
  const byName = new Map<string, FheLinearLayout>();
  let block = 0;
  for (const s of specs) {
    for (const d of [s.rows, s.cols]) {
      if (!Number.isInteger(d) || d < 1 || d > FHE_LAYOUT_LIMITS.maxDim) throw new FheError(`linear ${s.name}: dimension ${d} out of range`);
    }
    if (byName.has(s.name)) throw new FheError(`duplicate linear ${s.name}`);
    const chunk = Math.min(s.cols, N);
    const chunks = Math.ceil(s.cols / chunk);
    const rowsPerBlock = Math.floor(N / chunk);
    const blocks = Math.ceil(s.rows / rowsPerBlock);
    const l: FheLinearLayout = { ...s, chunk, chunks, rowsPerBlock, blocks, firstBlock: block, biasOffset: -1 };
    block += blocks * chunks;
    linears.push(l);
  }
  let off = block * N;
  const withBias = linears.map((l) => {
    if (!l.hasBias) return l;
    const b = { ...l, biasOffset: off };
    off += l.rows;
    return b;
  });
  for (const l of withBias) byName.set(l.name, l);
  let numVars = 0;
  while (2 ** numVars < off) numVars++;
  if (numVars > FHE_LAYOUT_LIMITS.maxVars) throw new FheError(`encoded weights need 2^${numVars} entries (max 2^${FHE_LAYOUT_LIMITS.maxVars})`);
  return { polyDegree: N, linears: withBias, byName, totalBlocks: block, length: 2 ** numVars, numVars };
}

/** Position in its block of weight w[row, col] (block index returned alongside). */
export function encodedPosition(l: FheLinearLayout, row: number, col: number): { block: number; coeff: number } {
  const o = Math.floor(row / l.rowsPerBlock);
  const r = row - o * l.rowsPerBlock;
  const j = Math.floor(col / l.chunk);
  const c = col - j * l.chunk;
  return { block: l.firstBlock + o * l.chunks + j, coeff: r * l.chunk + l.chunk - 1 - c };
}

/** Coefficient of an output ciphertext that carries row r of its block. */
export function outputCoeff(l: FheLinearLayout, r: number): number {
  return r * l.chunk + l.chunk - 1;
}

/** Rows of block o (the last block may be short). */
export function blockRows(l: FheLinearLayout, o: number): number {
  return Math.min(l.rowsPerBlock, l.rows - o * l.rowsPerBlock);
}

/** Canonical bytes of a layout (hashed into the FHE commitment). */
export function encodeLayoutSpecs(specs: readonly FheLinearSpec[]): string {
  return JSON.stringify(specs.map((s) => [s.name, s.rows, s.cols, s.hasBias ? 1 : 0]));
}
