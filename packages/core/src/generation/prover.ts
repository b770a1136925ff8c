/**
 * Proves a greedy generation (see the verifier's generation/verifier.ts for the protocol
 * and the wire format; every step here mirrors one there).
 */
import {
  BabyBear,
  BabyBearExt4,
  ByteWriter,
  ProofKind,
  Transcript,
  bundleClaims,
  bundleLayout,
  canonicalJson,
  padTensor,
  pcsParamsFor,
  encodeLookupsProof,
  encodePcsProof,
  encodeStatement,
  instantiateCircuit,
  queryLayout,
  lookupTreeDepths,
  specToJson,
  tensorVars,
  writeHeader,
  type CircuitInputs,
  type GenerationStatement,
  type Json,
  type LookupGroup,
  type LookupTable,
  type StopReason,
  type TensorClaim,
} from '@zkllm/verifier';
import {
  GENERATION_DOMAIN,
  deriveWitnessRefs,
  groupLookups,
  lookupStatements,
  lookupTensorClaims,
  multiplicityId,
  routeClaims,
  splitWitnessClaims,
  witnessChunkVarsOf,
  witnessChunks,
} from '@zkllm/verifier';
import type { QuantizedModel } from '../model/index.js';
import { packBundle, type IntTensorData } from '../layers/bundle.js';
import { ProverContext } from '../layers/context.js';
import { proveZeroCheckBatches } from '../layers/requant.js';
import { lookupMultiplicities, proveLookups, type LookupSegment } from '../lookup/index.js';
import { pcsCommit, pcsOpen, pcsRelease } from '../pcs/index.js';
import type { CommittedModel } from './commit.js';
import type { ProverRegistry } from './registry.js';
import { traceSpecs } from './template.js';
import { settleDetachProtector } from '../parallel/detach.js';
import { forgetHelperMemories } from '../parallel/pool.js';
import { nodeSha256 } from '../transcript/sha256.js';

export class ProveError extends Error {
  override name = 'ProveError';
}

export interface ProveTimings {
  traceMs: number;
  witnessCommitMs: number;
  layersMs: number;
  lookupsMs: number;
  openingsMs: number;
  /** Time per op kind inside the layer phase. */
  perKind: Record<string, number>;
  /**
   * The trace and witness-commit phases step by step (traced pass, circuit check,
   * auxiliary witnesses, padding, dry run, multiplicities, packing, commitment).
   */
  steps: Record<string, number>;
  /** Proof bytes per section. */
  bytes: { header: number; layers: number; lookups: number; openings: number };
  /** Shapes behind the byte counts (for benchmarks and regressions). */
  stats: ProveStats;
}

export interface ProveStats {
  witnessTensors: number;
  witnessVars: number;
  witnessClaims: number;
  weightClaims: number;
  /** Variables of the model's weight commitment. */
  weightVars: number;
  /** Leaves of the batched lookup's fraction trees (query forest + table tree): the α term's degree. */
  lookupLeaves: number;
  /** Largest lookup-table arity. */
  lookupArity: number;
  /** Layer claims repeating an earlier claim's tensor and point (their values are sent twice). */
  repeatedClaims: number;
  openingBytes: { witness: number; weights: number };
  /** Layer-section bytes per op kind. */
  layerBytes: Record<string, number>;
  lookupTables: Array<{ id: string; logSize: number; segments: number; queryVars: number }>;
  /** Every committed witness tensor: id, logical shape and its padded block size (2^vars). */
  witnessLayout: Array<{ id: string; shape: readonly number[]; padded: number }>;
}

export interface GenerationProofInput {
  readonly promptTokens: readonly number[];
  readonly outputTokens: readonly number[];
  readonly stop: StopReason;
}

const E = BabyBearExt4;
const F = BabyBear;

/** All trace tensors a spec refers to (by id), with their integer data. */
function collectTraceTensors(trace: ReturnType<typeof traceSpecs>['trace']): Map<string, IntTensorData> {
  const out = new Map<string, IntTensorData>();
  for (const op of trace.ops) {
    for (const v of Object.values(op)) {
      if (v && typeof v === 'object' && 'id' in v && 'shape' in v && 'data' in v) {
        const t = v as { id: number; shape: readonly number[]; data: Int32Array };
        out.set(`t${t.id}`, { shape: t.shape, data: t.data });
      }
    }
  }
  return out;
}

/** Every TensorRef mentioned anywhere in a spec. */
function specRefs(spec: unknown, out: Map<string, readonly number[]>, depth = 0): void {
  if (depth > 16 || spec === null || typeof spec !== 'object' || ArrayBuffer.isView(spec)) return;
  if (Array.isArray(spec)) {
    for (const x of spec) specRefs(x, out, depth + 1);
    return;
  }
  const o = spec as Record<string, unknown>;
  if (typeof o['id'] === 'string' && Array.isArray(o['shape'])) out.set(o['id'], o['shape'] as number[]);
  for (const v of Object.values(o)) specRefs(v, out, depth + 1);
}

/**
 * canonicalJson(specToJson(a)) === canonicalJson(specToJson(b)), without building the
 * strings (specs hold large constant arrays; the string form cost ~0.5 s per proof).
 */
export function sameSpec(a: unknown, b: unknown, depth = 0): boolean {
  if (depth > 64) return canonicalJson(specToJson(a)) === canonicalJson(specToJson(b));
  const nullish = (x: unknown) => x === null || x === undefined;
  if (nullish(a) || nullish(b)) return nullish(a) && nullish(b);
  if (typeof a !== 'object' || typeof b !== 'object') return a === b;
  // Int32Arrays serialise as {$i32: [...]}, every other view and array as a plain array.
  if (a instanceof Int32Array || b instanceof Int32Array) {
    if (!(a instanceof Int32Array && b instanceof Int32Array) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  const listA = ArrayBuffer.isView(a) || Array.isArray(a);
  const listB = ArrayBuffer.isView(b) || Array.isArray(b);
  if (listA || listB) {
    if (!listA || !listB) return false;
    const x = a as ArrayLike<unknown>, y = b as ArrayLike<unknown>;
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!sameSpec(x[i], y[i], depth + 1)) return false;
    return true;
  }
  const keys = (o: object) => Object.keys(o).filter((k) => { const v = (o as Record<string, unknown>)[k]; return v !== undefined && typeof v !== 'function'; });
  const ka = keys(a), kb = new Set(keys(b));
  if (ka.length !== kb.size) return false;
  for (const k of ka) {
    if (!kb.has(k)) return false;
    if (!sameSpec((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], depth + 1)) return false;
  }
  return true;
}

/**
 * The dry run of the layer arguments (see proveGeneration): the claims (tensors, shapes,
 * numbers of variables) and lookups of a proof over these tables, at a fraction of its cost
 * (ProverContext.dry). Exported for tests that hold it to the real run.
 */
export function dryRunLayers(
  ops: ReadonlyArray<{ kind: string; spec: unknown }>,
  registry: ProverRegistry,
  tables: ReadonlyMap<string, Uint32Array>,
): ProverContext {
  const ctx = ProverContext.dry(E, tables);
  for (const op of ops) registry[op.kind]!.prove(ctx, op.spec);
  proveZeroCheckBatches(ctx);
  return ctx;
}

/** Same tables, and per table the same segments (columns, shapes, shifts) in the same order. */
function sameLookupGroups(a: readonly LookupGroup[], b: readonly LookupGroup[]): boolean {
  const same = (x: readonly (string | number)[], y: readonly (string | number)[]) => x.length === y.length && x.every((v, i) => v === y[i]);
  return (
    a.length === b.length &&
    a.every((g, i) => {
      const h = b[i]!;
      return (
        g.table.id === h.table.id &&
        g.requests.length === h.requests.length &&
        g.requests.every((q, j) => {
          const r = h.requests[j]!;
          return same(q.columns, r.columns) && same(q.shape, r.shape) && (q.shift ?? 0) === (r.shift ?? 0);
        })
      );
    })
  );
}

/** Leaves of the batched lookup's trees (query forest and table tree), as the verifier lays them out. */
function lookupLeafCount(groups: readonly LookupGroup[]): number {
  return groups.length === 0 ? 0 : lookupTreeDepths(lookupStatements(groups)).reduce((a, d) => a + 2 ** d, 0);
}

export function proveGeneration(
  model: QuantizedModel,
  committed: CommittedModel,
  registry: ProverRegistry,
  input: GenerationProofInput,
  onProgress?: (stage: string, done: number, total: number) => void,
): { bytes: Uint8Array; statement: GenerationStatement; timings: ProveTimings } {
  settleDetachProtector();
  const params = committed.file.params as { circuit?: Json } | null;
  if (!params || params.circuit === undefined) throw new ProveError('the model commitment has no circuit template');
  // The head runs on the R statement rows only (a `rows` op); with R = 0 there is
  // nothing to select and nothing the statement would say about the model.
  if (input.outputTokens.length === 0) throw new ProveError('a generation proof needs at least one output token');
  const t0 = performance.now();
  const steps: Record<string, number> = {};
  let lap = t0;
  const step = (name: string): void => {
    const now = performance.now();
    steps[name] = now - lap;
    lap = now;
  };
  const inputs: CircuitInputs = {
    tokens: [...input.promptTokens, ...input.outputTokens],
    promptLength: input.promptTokens.length,
    generated: input.outputTokens.length,
  };
  const { ops, env, trace } = traceSpecs(model, registry, inputs);
  step('trace');
  // The trace must be exactly the committed circuit: same ops, same shapes, same params.
  const expected = instantiateCircuit(params.circuit, inputs);
  if (expected.length !== ops.length) throw new ProveError('trace does not match the committed circuit (op count)');
  ops.forEach((op, i) => {
    const e = expected[i]!;
    if (e.kind !== op.kind || e.name !== op.name || !sameSpec(e.spec, op.spec)) {
      throw new ProveError(`trace op ${i} (${op.name}) does not match the committed circuit`);
    }
  });
  step('circuit');
  // ---- phase 1: every tensor the specs mention (except weights) plus auxiliary witnesses
  const tensors = collectTraceTensors(trace);
  const refs = new Map<string, readonly number[]>();
  for (const op of ops) specRefs(op.spec, refs);
  ops.forEach((op, i) => {
    for (const [id, t] of registry[op.kind]!.witness(trace.ops[i]!, env)) {
      tensors.set(id, t);
      refs.set(id, t.shape);
    }
  });
  step('witness');
  const dryTables = new Map<string, Uint32Array>();
  for (const [id, shape] of refs) {
    if (id.startsWith('w:')) continue;
    const t = tensors.get(id);
    if (!t) throw new ProveError(`no data for tensor ${id}`);
    dryTables.set(id, padTensor(F, t.data, shape));
  }
  for (const [id, tab] of committed.tables) dryTables.set(id, tab);
  step('pad');
  const t1 = performance.now();

  // Lookups are fixed by the circuit: a dry run of the layer arguments (throwaway
  // transcript and writer) lists them, so the multiplicities can be committed together
  // with everything else, before any lookup challenge exists. The dry run's claims also
  // give the witness layout, exactly as the verifier derives it.
  const dryCtx = dryRunLayers(ops, registry, dryTables);
  const groups = groupLookups(dryCtx.lookups);
  step('dryRun');
  const segmentsOf = (g: (typeof groups)[number], tabs: ReadonlyMap<string, Uint32Array>): LookupSegment[] =>
    g.requests.map((req) => ({
      shape: req.shape,
      shift: req.shift ?? 0,
      columns: req.columns.map((id) => {
        const t = tabs.get(id);
        if (!t) throw new ProveError(`lookup column ${id} is not committed`);
        return t;
      }),
    }));
  const multiplicities = groups.map((g) => lookupMultiplicities(g.table, segmentsOf(g, dryTables)));
  groups.forEach((g, i) => tensors.set(multiplicityId(g.table), { shape: [g.table.size], data: multiplicities[i]! }));
  step('multiplicities');
  const witnessRefs = deriveWitnessRefs(dryCtx.claims, groups);
  const wLayout = bundleLayout(witnessRefs);
  // Witnesses above one commitment's size are committed in chunks (protocol.ts). Said
  // before packing, in the terms a caller can act on (fewer tokens, a smaller model).
  let chunking: { chunkVars: number; count: number };
  try {
    chunking = witnessChunks(wLayout.numVars, witnessChunkVarsOf(params));
  } catch (e) {
    throw new ProveError(`${(e as Error).message} (${input.promptTokens.length + input.outputTokens.length} tokens)`);
  }
  const { chunkVars } = chunking;
  const wParams = pcsParamsFor(chunkVars);
  const padded = new Map<string, { shape: readonly number[]; table: Uint32Array }>();
  for (const [id, shape] of refs) {
    const table = dryTables.get(id);
    if (table && !id.startsWith('w:')) padded.set(id, { shape, table });
  }
  const { vector, tables } = packBundle(F, wLayout, tensors, padded);
  step('pack');
  const wCommits = Array.from({ length: chunking.count }, (_, k) => pcsCommit(vector.subarray(k * 2 ** chunkVars, (k + 1) * 2 ** chunkVars), wParams));
  step('commit');
  const t2 = performance.now();

  const statement: GenerationStatement = {
    modelDigest: Uint8Array.from(Buffer.from(committed.file.digest, 'hex')),
    promptTokens: [...input.promptTokens],
    outputTokens: [...input.outputTokens],
    decoding: 'greedy',
    stop: input.stop,
  };
  const w = new ByteWriter(256 * 1024);
  writeHeader(w, ProofKind.Generation);
  const stBytes = new ByteWriter();
  encodeStatement(stBytes, statement);
  w.bytes(stBytes.finish());
  const transcript = new Transcript(GENERATION_DOMAIN, E, { sha256: nodeSha256 });
  transcript.absorbBytes('statement', stBytes.finish());
  w.u8(chunking.count);
  for (const c of wCommits) w.bytes(c.commitment.root);
  transcript.absorbU32('witness-chunks', chunking.count);
  for (const c of wCommits) transcript.absorbDigest('witness-root', c.commitment.root);

  // ---- layer arguments, in trace order
  const all = new Map<string, Uint32Array>(tables);
  for (const [id, tab] of committed.tables) all.set(id, tab);
  // Witnesses that are defined by committed ones (limb-defined range-checked tensors) are
  // never claimed, so not in the layout; the prover still needs their tables for sumchecks.
  for (const [id, tab] of dryTables) if (!all.has(id)) all.set(id, tab);
  const ctx = new ProverContext(E, transcript, w, all);
  const b0 = w.length;
  const perKind: Record<string, number> = {};
  const perKindBytes: Record<string, number> = {};
  ops.forEach((op, i) => {
    const s = performance.now();
    const at = w.length;
    registry[op.kind]!.prove(ctx, op.spec);
    perKind[op.kind] = (perKind[op.kind] ?? 0) + performance.now() - s;
    perKindBytes[op.kind] = (perKindBytes[op.kind] ?? 0) + w.length - at;
    onProgress?.('layers', i + 1, ops.length);
  });
  {
    const s = performance.now();
    const at = w.length;
    proveZeroCheckBatches(ctx);
    perKind['zerocheck'] = performance.now() - s;
    perKindBytes['zerocheck'] = w.length - at;
  }
  const t3 = performance.now();
  const b1 = w.length;

  // ---- one batched tlookup for all tables (same groups as the dry run)
  const liveGroups = groupLookups(ctx.lookups);
  if (!sameLookupGroups(liveGroups, groups)) throw new ProveError('internal: lookups differ between the dry run and the proof');
  // The verifier derives the layout from the live claims; they must be the dry run's.
  if (JSON.stringify(deriveWitnessRefs(ctx.claims, liveGroups)) !== JSON.stringify(witnessRefs)) {
    throw new ProveError('internal: claimed tensors differ between the dry run and the proof');
  }
  const segmentsByTable = new Map(groups.map((g) => [g.table.id, segmentsOf(g, all)] as const));
  // One batched tlookup for every table (all fraction trees share one sumcheck per layer).
  const lookupClaims: TensorClaim[] = [];
  const { proof: lookupProof, claims: allClaims } = proveLookups(
    E,
    groups.map((g) => ({ table: g.table as LookupTable, segments: segmentsByTable.get(g.table.id)! })),
    multiplicities,
    transcript,
  );
  encodeLookupsProof(w, lookupProof);
  lookupClaims.push(...lookupTensorClaims(groups, allClaims));
  onProgress?.('lookups', groups.length, groups.length);
  const t4 = performance.now();
  const b2 = w.length;

  // ---- openings: witness (incl. multiplicities) and weights, one batched opening each
  const routed = routeClaims([...ctx.claims, ...lookupClaims], wLayout, committed.file.weights.tensors);
  const open = (state: Parameters<typeof pcsOpen>[0], claims: ReturnType<typeof bundleClaims>): number => {
    if (claims.length === 0) return 0;
    const at = w.length;
    encodePcsProof(w, pcsOpen(state, claims, transcript, pcsParamsFor(state.numVars)));
    return w.length - at;
  };
  const chunkClaims = splitWitnessClaims(routed.witness, wLayout.numVars, chunkVars);
  const witnessOpeningBytes = chunkClaims.reduce((sum, claims, k) => sum + open(wCommits[k]!.state, claims), 0);
  const weightsOpeningBytes = open(committed.state, routed.weights);
  // The witness commitments are done with: their memory serves the next proof's.
  for (const c of wCommits) pcsRelease(c.state);
  // Helpers hold the memories they worked on; the recycled ones come back next proof.
  forgetHelperMemories();
  const t5 = performance.now();
  const stats: ProveStats = {
    witnessTensors: witnessRefs.length,
    witnessVars: wLayout.numVars,
    witnessClaims: routed.witness.length,
    repeatedClaims: ctx.claims.length - new Set(ctx.claims.map((c) => `${String(c.tensor)}@${Buffer.from(c.point.buffer, c.point.byteOffset, c.point.byteLength).toString('base64')}`)).size,
    weightClaims: routed.weights.length,
    weightVars: committed.state.numVars,
    lookupLeaves: lookupLeafCount(groups),
    lookupArity: groups.reduce((m, g) => Math.max(m, g.table.arity), 0),
    openingBytes: { witness: witnessOpeningBytes, weights: weightsOpeningBytes },
    layerBytes: perKindBytes,
    lookupTables: groups.map((g) => ({
      id: g.table.id,
      logSize: g.table.logSize,
      segments: g.requests.length,
      queryVars: queryLayout(g.requests.map((q) => tensorVars(q.shape))).numVars,
    })),
    witnessLayout: wLayout.order.map((e) => ({ id: e.id, shape: e.shape, padded: 2 ** e.vars })),
  };
  return {
    bytes: w.finish(),
    statement,
    timings: {
      traceMs: t1 - t0,
      witnessCommitMs: t2 - t1,
      layersMs: t3 - t2,
      lookupsMs: t4 - t3,
      openingsMs: t5 - t4,
      perKind,
      steps,
      bytes: { header: b0, layers: b1 - b0, lookups: b2 - b1, openings: w.length - b2 },
      stats,
    },
  };
}
