/** Prover side of the layer frame (see the verifier's layers/context.ts). */
import {
  BaseContext,
  ByteWriter,
  LayerError,
  Transcript,
  TranscriptError,
  tensorVars,
  type Ext,
  type LayerContext,
  type QuarticExtension,
  type TensorRef,
} from '@zkllm/verifier';
import { evalMleFast } from '../poly/mle.js';
import { isOrigin } from '../sumcheck/rounds.js';

/**
 * The dry run's transcript: nothing is hashed and every challenge is zero, so every point of
 * a dry run is the origin (see {@link ProverContext.dryRun}). Only the generation driver's
 * throwaway pass uses it; it can never produce a proof.
 */
class OriginTranscript extends Transcript {
  constructor(E: QuarticExtension) {
    super('zkllm/dry-run', E);
  }
  override absorbBytes(): void {}
  override absorbU32(): void {}
  override absorbFields(): void {}
  override absorbField(): void {}
  override absorbExt(): void {}
  override absorbDigest(): void {}
  override challengeExt(): Ext {
    return new Uint32Array(4);
  }
  override challengeExts(_label: string, n: number): Uint32Array {
    return new Uint32Array(4 * n);
  }
  override challengeBytes(): Uint8Array {
    throw new TranscriptError('a dry run draws no byte challenges');
  }
  override challengeIndices(): number[] {
    throw new TranscriptError('a dry run draws no index challenges');
  }
  override digest(): Uint8Array {
    throw new TranscriptError('a dry run has no transcript digest');
  }
}

/**
 * A dry-run claim's value: exact at the origin (the table's first entry), where every dry-run
 * point drawn from the transcript lies. Points with public non-zero coordinates (softmax's
 * row-sum point) get a zero placeholder: no check of a dry run reads those values, and one
 * that did would fail loudly, not silently.
 */
function dryClaimValue(table: Uint32Array, point: Uint32Array): Ext {
  return isOrigin(point) ? Uint32Array.of(table[0]!, 0, 0, 0) : new Uint32Array(4);
}

/** Prover side: `tensors` maps every committed tensor id to its zero-padded table. */
export class ProverContext extends BaseContext implements LayerContext {
  readonly proving = true;
  readonly reader = undefined;
  /**
   * A run that only lists claims and lookups (the generation driver's dry run, whose
   * transcript is thrown away; it writes nothing). Arguments skip their sumcheck rounds and
   * the tables those need, deferred zero-checks their sumcheck and final check; the claims
   * (tensors, shapes, numbers of variables) and lookups are exactly a proof's, in the same
   * order (generation/dry-run.test.ts). Only {@link ProverContext.dry} makes one; never used
   * for a proof.
   */
  readonly dryRun: boolean;

  constructor(
    E: QuarticExtension,
    transcript: Transcript,
    readonly writer: ByteWriter,
    readonly tensors: ReadonlyMap<string, Uint32Array>,
  ) {
    super(E, transcript);
    this.dryRun = transcript instanceof OriginTranscript;
  }

  /**
   * A dry-run context (see {@link dryRun}) with a transcript whose challenges are all zero:
   * every point is then the origin, where a tensor's multilinear extension is its first
   * entry, so claims stay exact at O(1) cost and the checks the shared argument code makes
   * on claimed values (range-limb recomposition, defined tensors) still hold.
   */
  static dry(E: QuarticExtension, tensors: ReadonlyMap<string, Uint32Array>): ProverContext {
    return new ProverContext(E, new OriginTranscript(E), new ByteWriter(), tensors);
  }

  /** Values of tables at one point that a sumcheck bound anyway (see {@link withBoundValues}). */
  private bound: { point: Uint32Array; values: ReadonlyMap<Uint32Array, Ext> } | undefined;

  /**
   * Runs `body` with the values at `point` of the tables in `values` (keyed by the committed
   * table arrays themselves) known: claims on those tables at that point take them instead of
   * evaluating the table's MLE again. A sumcheck's folded tables are exactly those values.
   */
  withBoundValues<T>(point: Uint32Array, values: ReadonlyMap<Uint32Array, Ext>, body: () => T): T {
    const before = this.bound;
    this.bound = { point, values };
    try {
      return body();
    } finally {
      this.bound = before;
    }
  }

  private boundValue(table: Uint32Array, point: Uint32Array): Ext | undefined {
    const b = this.bound;
    if (!b || b.point.length !== point.length) return undefined;
    const v = b.values.get(table);
    if (!v) return undefined;
    for (let i = 0; i < point.length; i++) if (b.point[i] !== point[i]) return undefined;
    return v.slice();
  }

  table(t: TensorRef): Uint32Array {
    const data = this.tensors.get(t.id);
    if (!data) throw new LayerError(`prover has no committed tensor ${t.id}`);
    if (data.length !== 2 ** tensorVars(t.shape)) throw new LayerError(`tensor ${t.id} has ${data.length} entries, shape [${t.shape}] needs ${2 ** tensorVars(t.shape)}`);
    return data;
  }

  claim(t: TensorRef, point: Uint32Array): Ext {
    const table = this.table(t);
    if (this.dryRun) return this.record(t, point, dryClaimValue(table, point));
    // Claims on large weights (the LM head) dominate otherwise: evalMleFast is ~10× faster.
    const value = this.boundValue(table, point) ?? evalMleFast(this.E, table, point);
    this.writer.exts(value);
    return this.record(t, point, value);
  }

  /**
   * {@link claim} with the value already known: `value` must be the tensor's MLE at `point`,
   * as a sumcheck's final value of the tensor's table (or of its partial evaluation at the
   * point's other coordinates) is. The same value claim() would compute, without evaluating
   * the table again. A dry run ignores `value` (its sumchecks compute none).
   */
  claimFolded(t: TensorRef, point: Uint32Array, value: Ext): Ext {
    const table = this.table(t);
    if (this.dryRun) return this.record(t, point, dryClaimValue(table, point));
    const v = value.slice(0, 4);
    this.writer.exts(v);
    return this.record(t, point, v);
  }

  exts(label: string, count: number, values?: Uint32Array): Uint32Array {
    if (!values || values.length !== 4 * count) throw new LayerError(`prover must send ${count} ext elements for ${label}`);
    if (!this.dryRun) this.writer.exts(values);
    this.transcript.absorbExt(label, values);
    return values;
  }
}
