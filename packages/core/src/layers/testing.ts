/**
 * Test helpers for layer arguments (used by the *.test.ts files of this directory; not part
 * of the public API). Other arguments may ADD functions here; do not change existing ones.
 *
 * `runLayerArgument` plays prover and verifier of one argument with identical transcripts
 * over the encoded bytes, then checks what the driver would check at the end: every
 * recorded claim against the committed tensors (evalMleBase of the padded tables, as the
 * openings will) and every registered lookup (grouped per table, proven and verified with
 * tlookup; the segment claims checked against the tensors too).
 */
import {
  BabyBear,
  BabyBearExt4,
  ByteReader,
  ByteWriter,
  Transcript,
  VerifierContext,
  evalMleBase,
  padTensor,
  tensorMask,
  verifyLookups,
  verifyZeroCheckBatches,
  type LookupRequest,
  type LookupTable,
  type TensorClaim,
} from '@zkllm/verifier';
import { lookupMultiplicities, proveLookups } from '../lookup/prover.js';
import { ProverContext } from './context.js';
import { proveZeroCheckBatches } from './requant.js';

const E = BabyBearExt4;
const F = BabyBear;

/** A committed tensor for tests: logical shape + signed integer data (row-major). */
export interface TestTensor {
  readonly shape: readonly number[];
  readonly data: ArrayLike<number>;
}

/** Padded field tables of all tensors (what ProverContext needs). */
export function padTensors(tensors: ReadonlyMap<string, TestTensor>): Map<string, Uint32Array> {
  const out = new Map<string, Uint32Array>();
  for (const [id, t] of tensors) out.set(id, padTensor(F, t.data, t.shape));
  return out;
}

/** Deterministic 32-bit LCG; `int(lo, hi)` is uniform-ish in [lo, hi]. */
export function testRng(seed: number): { next: () => number; int: (lo: number, hi: number) => number } {
  let s = seed >>> 0 || 1;
  const next = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
  return { next, int: (lo, hi) => lo + Math.floor((next() / 2 ** 32) * (hi - lo + 1)) };
}

/** Checks every claim against the padded tables; returns the first mismatch or undefined. */
export function checkClaims(claims: readonly TensorClaim[], tables: ReadonlyMap<string, Uint32Array>): string | undefined {
  for (const c of claims) {
    const t = tables.get(String(c.tensor));
    if (!t) return `claim on unknown tensor ${String(c.tensor)}`;
    if (!E.equals(evalMleBase(E, t, c.point), c.value)) return `claim on ${String(c.tensor)} does not match the tensor`;
  }
  return undefined;
}

/**
 * Runs every registered lookup as the driver would (one tlookup per table id, segments in
 * registration order). Returns the first failure message, or undefined if all pass. If a
 * queried row is not in the table, the proof is made anyway (multiplicities by key) and the
 * verifier's rejection message is returned.
 */
export function checkLookups(lookups: readonly LookupRequest[], tables: ReadonlyMap<string, Uint32Array>): string | undefined {
  const byTable = new Map<string, { table: LookupTable; reqs: LookupRequest[] }>();
  for (const l of lookups) {
    const g = byTable.get(l.table.id) ?? { table: l.table, reqs: [] };
    g.reqs.push(l);
    byTable.set(l.table.id, g);
  }
  for (const { table, reqs } of byTable.values()) {
    const segments = reqs.map((r) => ({
      shape: r.shape,
      shift: r.shift ?? 0,
      columns: r.columns.map((id) => {
        const t = tables.get(id);
        if (!t) throw new Error(`lookup column ${id} is not a committed tensor`);
        return t;
      }),
    }));
    let mult: Uint32Array;
    try {
      mult = lookupMultiplicities(table, segments);
    } catch {
      // A cheating prover: count the keys it has (ignoring the other columns and unknown
      // keys) and let the VERIFIER decide.
      mult = keyMultiplicities(table, segments);
    }
    const tr = () => new Transcript('layer-test/lookup', E);
    const { proof } = proveLookups(E, [{ table, segments }], [mult], tr());
    try {
      const statement = { table, segmentShapes: segments.map((s) => s.shape), segmentShifts: segments.map((s) => s.shift) };
      const out = verifyLookups(E, [statement], proof, tr())[0]!;
      for (let i = 0; i < segments.length; i++) {
        const seg = out.segments[i]!;
        for (let c = 0; c < table.arity; c++) {
          if (!E.equals(evalMleBase(E, segments[i]!.columns[c]!, seg.point), seg.values.subarray(4 * c, 4 * c + 4))) {
            return `lookup ${table.id}: segment claim on ${reqs[i]!.columns[c]} does not match`;
          }
        }
      }
    } catch (e) {
      return `lookup ${table.id}: ${(e as Error).message}`;
    }
  }
  return undefined;
}

/** Only checks that every real queried row is in its table (no tlookup proof). */
export function checkLookupMembership(lookups: readonly LookupRequest[], tables: ReadonlyMap<string, Uint32Array>): string | undefined {
  for (const l of lookups) {
    const columns = l.columns.map((id) => tables.get(id));
    if (columns.some((c) => !c)) return `lookup column of ${l.table.id} is not a committed tensor`;
    try {
      lookupMultiplicities(l.table, [{ shape: l.shape, columns: columns as Uint32Array[], shift: l.shift ?? 0 }]);
    } catch (e) {
      return (e as Error).message;
    }
  }
  return undefined;
}

/** m_j = number of real entries whose key equals row j's key (other columns ignored). */
export function keyMultiplicities(
  table: LookupTable,
  segments: ReadonlyArray<{ shape: readonly number[]; columns: readonly Uint32Array[]; shift?: number }>,
): Uint32Array {
  const index = new Map<number, number>();
  const key = table.columns[0]!;
  for (let j = 0; j < key.length; j++) if (!index.has(key[j]!)) index.set(key[j]!, j);
  const m = new Uint32Array(table.size);
  for (const seg of segments) {
    const act = tensorMask(seg.shape);
    const k = seg.columns[0]!;
    const shift = F.fromInt(seg.shift ?? 0);
    for (let i = 0; i < k.length; i++) {
      const j = act[i] ? index.get(F.sub(k[i]!, shift)) : undefined;
      if (j !== undefined) m[j]!++;
    }
  }
  return m;
}

export interface LayerRun {
  readonly bytes: Uint8Array;
  readonly prover: ProverContext;
  readonly verifier: VerifierContext;
  /** First failed claim / lookup, or undefined. */
  readonly claimsError: string | undefined;
  readonly lookupsError: string | undefined;
}

/**
 * Proves with `prove` (ProverContext over `tensors`), verifies the bytes with `verify`
 * (VerifierContext, same transcript domain), requires the reader to be fully consumed,
 * then checks claims and lookups against the tensors. Prover/verifier exceptions
 * propagate. `tamper` may modify the bytes before verification.
 */
export function runLayerArgument(opts: {
  tensors: ReadonlyMap<string, TestTensor>;
  prove: (ctx: ProverContext) => void;
  verify: (ctx: VerifierContext) => void;
  tamper?: (bytes: Uint8Array) => Uint8Array;
  domain?: string;
  /** 'prove' (default): full tlookup per table; 'membership': only check rows are in the tables (fast). */
  lookups?: 'prove' | 'membership';
}): LayerRun {
  const tables = padTensors(opts.tensors);
  const domain = opts.domain ?? 'layer-test/v1';
  const prover = new ProverContext(E, new Transcript(domain, E), new ByteWriter(), tables);
  opts.prove(prover);
  proveZeroCheckBatches(prover);
  let bytes = prover.writer.finish();
  if (opts.tamper) bytes = opts.tamper(bytes);
  const reader = new ByteReader(bytes);
  const verifier = new VerifierContext(E, new Transcript(domain, E), reader);
  opts.verify(verifier);
  verifyZeroCheckBatches(verifier);
  reader.finish();
  return {
    bytes,
    prover,
    verifier,
    claimsError: checkClaims(verifier.claims, tables),
    lookupsError: opts.lookups === 'membership' ? checkLookupMembership(verifier.lookups, tables) : checkLookups(verifier.lookups, tables),
  };
}

/** Merges witness maps (throws on a duplicate id). */
export function mergeTensors(...maps: ReadonlyMap<string, TestTensor>[]): Map<string, TestTensor> {
  const out = new Map<string, TestTensor>();
  for (const m of maps) {
    for (const [k, v] of m) {
      if (out.has(k)) throw new Error(`duplicate tensor id ${k}`);
      out.set(k, v);
    }
  }
  return out;
}

/**
 * Runs {@link runLayerArgument} and reports whether the driver would REJECT: the verifier
 * throws (bad message, failed check, trailing/truncated bytes) or a claim or lookup fails.
 * Returns the reason, or undefined if everything passes.
 */
export function layerRejection(opts: Parameters<typeof runLayerArgument>[0]): string | undefined {
  try {
    const run = runLayerArgument(opts);
    return run.claimsError ?? run.lookupsError;
  } catch (e) {
    return (e as Error).message || String(e);
  }
}

/** Byte positions to flip in tamper tests: every `step`-th byte plus the first and last few. */
export function tamperPositions(length: number, step = 7): number[] {
  const s = new Set<number>();
  for (let i = 0; i < Math.min(4, length); i++) s.add(i).add(length - 1 - i);
  for (let i = 0; i < length; i += step) s.add(i);
  return [...s].filter((i) => i >= 0 && i < length).sort((a, b) => a - b);
}
