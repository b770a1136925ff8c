/**
 * The shared frame every layer argument is written against ("commit-and-prove per op").
 *
 * Every tensor of the quantized forward pass, every auxiliary witness an argument needs
 * (remainders, digits, …) and every lookup multiplicity vector is committed ONCE, in one
 * witness commitment, before any challenge is drawn; weights are committed in the model
 * commitment. Each op's argument then checks its relation on its own: it draws random
 * points, asks for evaluations of committed tensors there ({@link LayerContext.claim}),
 * runs sumchecks, and registers lookups. At the end the driver opens the witness and the
 * weight commitments at every claimed point (one batched opening each) and runs one
 * tlookup per table over all registered segments.
 *
 * The prover and the verifier see the same interface; only the implementation of
 * `claim` differs (the prover computes and writes the value, the verifier reads it), so
 * argument code reads the same on both sides and transcripts cannot drift apart.
 *
 * Tensor ids: trace tensors are `t<N>` (N = trace id), auxiliary witnesses
 * `<owner>.<what>` (e.g. `t12.rem`), weights `w:<name>`, multiplicities `m:<table id>`.
 */
import type { ByteReader, ByteWriter } from '../codec/bytes.js';
import type { Ext, QuarticExtension } from '../field/extension.js';
import { tensorVars, type TensorClaim } from '../poly/tensor.js';
import type { LookupTable } from '../lookup/table.js';
import type { SumcheckTerm } from '../sumcheck/proof.js';
import type { Transcript } from '../transcript/transcript.js';

/** A committed tensor as arguments see it. */
export interface TensorRef {
  readonly id: string;
  /** Logical shape; the committed table is zero-padded per axis (poly/tensor.ts). */
  readonly shape: readonly number[];
}

/** "Every real row (c_0[i], …, c_{a−1}[i]) of these tensors is a row of `table`." */
export interface LookupRequest {
  readonly table: LookupTable;
  /** Tensor ids, one per table column, all of shape `shape`. */
  readonly columns: readonly string[];
  readonly shape: readonly number[];
  /** Public integer subtracted from the key column (c_0[i] − shift is looked up); default 0. */
  readonly shift?: number;
}

/**
 * A relation R(i) = 0 (at every entry i) an argument defers to the end of the layer phase,
 * where all deferred relations over the same number of variables are proven by ONE
 * zero-check Σ_i eq(r, i)·Σ_k μ^k·R_k(i) = 0 with a point r shared by the group (requant.ts
 * `verifyZeroCheckBatches`). The relation's own batching challenge is drawn by the argument
 * before it defers; `terms` do not include the eq weight; `after` runs once the batch is
 * checked (range checks), in deferral order.
 */
export interface DeferredZeroCheck {
  readonly what: string;
  readonly numVars: number;
  readonly tables: readonly string[];
  readonly terms: readonly SumcheckTerm[];
  /** Relation tables that are committed tensors (claimed at the batch point). */
  readonly committed: ReadonlyMap<string, TensorRef>;
  /**
   * The other tables' values at the batch point: public tables the verifier computes, or
   * tensors defined by committed ones (then this claims those; same calls on both sides).
   */
  readonly publicValue: (name: string, point: Uint32Array) => Ext;
  readonly after: () => void;
  /** Prover only: the evaluation tables, in `tables` order (sumcheck prover tables). */
  readonly proverTables?: () => readonly unknown[];
  /** Prover only (tests of cheating provers): skip the prover's own zero check. */
  readonly unchecked?: boolean;
}

export class LayerError extends Error {
  override name = 'LayerError';
}

export interface LayerContext {
  readonly E: QuarticExtension;
  readonly transcript: Transcript;
  /** Every claim made so far; the driver checks them all with the final openings. */
  readonly claims: TensorClaim[];
  readonly lookups: LookupRequest[];
  /** Deferred zero-checks, run by the driver after the last op (see {@link DeferredZeroCheck}). */
  readonly zeroChecks: DeferredZeroCheck[];
  /** True on the prover side. */
  readonly proving: boolean;
  /**
   * The evaluation of committed tensor `t` at `point` (tensor layout): the prover computes
   * it, writes it to the proof and absorbs it; the verifier reads and absorbs it. Either
   * way the claim is recorded, so it WILL be checked by the final opening.
   */
  claim(t: TensorRef, point: Uint32Array): Ext;
  /** A fresh random point for a tensor of this shape. */
  randomPoint(shape: readonly number[], label: string): Uint32Array;
  /** Sends (prover) / receives (verifier) ext elements that are not tensor claims. */
  exts(label: string, count: number, values?: Uint32Array): Uint32Array;
  /** The writer (prover) for argument-specific messages such as sumcheck proofs. */
  readonly writer: ByteWriter | undefined;
  /** The reader (verifier) for argument-specific messages. */
  readonly reader: ByteReader | undefined;
}

/** State and behaviour shared by the prover's and the verifier's contexts. */
export abstract class BaseContext {
  readonly claims: TensorClaim[] = [];
  readonly lookups: LookupRequest[] = [];
  readonly zeroChecks: DeferredZeroCheck[] = [];
  constructor(
    readonly E: QuarticExtension,
    readonly transcript: Transcript,
  ) {}

  randomPoint(shape: readonly number[], label: string): Uint32Array {
    return this.transcript.challengeExts(`point/${label}`, tensorVars(shape));
  }

  /** Absorbs and records a claim; both sides call it with the same value. */
  protected record(t: TensorRef, point: Uint32Array, value: Ext): Ext {
    if (point.length !== 4 * tensorVars(t.shape)) {
      throw new LayerError(`claim on ${t.id}: point has ${point.length / 4} variables, shape [${t.shape}] needs ${tensorVars(t.shape)}`);
    }
    this.transcript.absorbExt(`claim/${t.id}`, value);
    this.claims.push({ tensor: t.id, point: point.slice(), value, shape: [...t.shape] });
    return value;
  }
}

/** Verifier side: every value comes from the proof bytes. */
export class VerifierContext extends BaseContext implements LayerContext {
  readonly proving = false;
  readonly writer = undefined;
  constructor(
    E: QuarticExtension,
    transcript: Transcript,
    readonly reader: ByteReader,
  ) {
    super(E, transcript);
  }

  claim(t: TensorRef, point: Uint32Array): Ext {
    return this.record(t, point, this.reader.ext(this.E.base, `claim on ${t.id}`));
  }

  exts(label: string, count: number): Uint32Array {
    const v = this.reader.exts(this.E.base, count, label);
    this.transcript.absorbExt(label, v);
    return v;
  }
}
