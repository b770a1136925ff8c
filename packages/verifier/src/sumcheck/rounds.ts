/**
 * Rounds-only sumchecks inside a larger proof stream (every layer argument uses them).
 * Only the round messages are sent; the final values are NOT: the caller obtains them as
 * claims on committed tensors or evaluates public tables itself, then compares the
 * combination of terms with `finalClaim`. The prover's counterpart is
 * `proveRoundsSumcheck` (@zkllm/core sumcheck/rounds.ts), with the same message order.
 */
import type { ByteReader } from '../codec/bytes.js';
import type { Ext, QuarticExtension } from '../field/extension.js';
import type { Transcript } from '../transcript/transcript.js';
import { SumcheckError } from './proof.js';
import { verifySumcheckRounds } from './verifier.js';

/** Where the rounds come from: the proof reader and the shared transcript. */
export interface SumcheckStream {
  readonly E: QuarticExtension;
  readonly transcript: Transcript;
  readonly reader: ByteReader | undefined;
}

/**
 * Reads `numVars` round messages of `degree` ext elements (s(0), s(2), …, s(degree); s(1)
 * is implied by the running claim) and runs the rounds from `claim`.
 * Throws {@link SumcheckError} prefixed with `what`.
 */
export function readRoundsSumcheck(
  ctx: SumcheckStream,
  what: string,
  numVars: number,
  degree: number,
  claim: Ext,
): { point: Uint32Array; finalClaim: Ext } {
  const reader = ctx.reader;
  if (!reader) throw new SumcheckError(`${what}: verifier stream has no reader`);
  const msgs: Uint32Array[] = [];
  for (let i = 0; i < numVars; i++) msgs.push(reader.exts(ctx.E.base, degree, `${what}: sumcheck round ${i}`));
  try {
    return verifySumcheckRounds(ctx.transcript, numVars, degree, claim, msgs, ctx.E);
  } catch (e) {
    if (e instanceof SumcheckError) throw new SumcheckError(`${what}: ${e.message}`);
    throw e;
  }
}
