/** Prover side of the layer frame (see the verifier's layers/context.ts). */
import {
  BaseContext,
  LayerError,
  tensorVars,
  type ByteWriter,
  type Ext,
  type LayerContext,
  type QuarticExtension,
  type TensorRef,
  type Transcript,
} from '@zkllm/verifier';
import { evalMleFast } from '../poly/mle.js';

/** Prover side: `tensors` maps every committed tensor id to its zero-padded table. */
export class ProverContext extends BaseContext implements LayerContext {
  readonly proving = true;
  readonly reader = undefined;
  constructor(
    E: QuarticExtension,
    transcript: Transcript,
    readonly writer: ByteWriter,
    readonly tensors: ReadonlyMap<string, Uint32Array>,
    /**
     * A run that only lists claims and lookups (the generation driver's dry run, whose
     * transcript and bytes are thrown away): deferred zero-checks skip their sumcheck and
     * final check (their claims are still made, at a dummy point). Never used for a proof.
     */
    readonly dryRun = false,
  ) {
    super(E, transcript);
  }

  table(t: TensorRef): Uint32Array {
    const data = this.tensors.get(t.id);
    if (!data) throw new LayerError(`prover has no committed tensor ${t.id}`);
    if (data.length !== 2 ** tensorVars(t.shape)) throw new LayerError(`tensor ${t.id} has ${data.length} entries, shape [${t.shape}] needs ${2 ** tensorVars(t.shape)}`);
    return data;
  }

  claim(t: TensorRef, point: Uint32Array): Ext {
    // Claims on large weights (the LM head) dominate otherwise: evalMleFast is ~10× faster.
    const value = evalMleFast(this.E, this.table(t), point);
    this.writer.exts(value);
    return this.record(t, point, value);
  }

  exts(label: string, count: number, values?: Uint32Array): Uint32Array {
    if (!values || values.length !== 4 * count) throw new LayerError(`prover must send ${count} ext elements for ${label}`);
    this.writer.exts(values);
    this.transcript.absorbExt(label, values);
    return values;
  }
}

