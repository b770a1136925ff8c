/**
 * Verifier of a greedy-generation proof.
 *
 * Wire format (after the envelope header, kind = Generation):
 *   statement ‖ witness root ‖ layer messages (in circuit order) ‖
 *   batched zero-checks of the deferring ops (requant; one sumcheck per variable count) ‖
 *   one batched tlookup proof for all tables (sorted by table id) ‖
 *   PCS opening of the witness ‖ PCS opening of the weights
 *
 * Both openings use `pcsParamsFor(numVars)` of their vector (rate 1/4, or rate 1/2 with
 * twice the queries for vectors of 2^26 elements), so the proof never names parameters.
 *
 * The witness layout (which tensors, which shapes, where in the committed vector) is not
 * in the proof: it is exactly the set of tensors the circuit's arguments claim or look up
 * (protocol.ts `deriveWitnessRefs`), a function of the circuit and the statement.
 *
 * The witness commitment also holds one multiplicity vector `m:<table id>` per lookup
 * table: lookups are fixed by the circuit, so the prover can count them before committing,
 * and every lookup challenge (α, γ) is drawn after the witness root is absorbed.
 *
 * Transcript: domain, statement, witness root, then every message in
 * order. The circuit (which relations, on which tensors) is NOT read from the proof: it is
 * instantiated from the model commitment's template for this statement's lengths and
 * tokens, so a proof can only ever be checked against the committed model's computation.
 */
import { equalBytes } from '../codec/equal.js';
import { ProofFormatError } from '../codec/errors.js';
import { ByteWriter } from '../codec/bytes.js';
import { BabyBear, BabyBearExt4 } from '../field/babybear.js';
import { LayerError, VerifierContext } from '../layers/context.js';
import { bundleLayout } from '../layers/bundle.js';
import { verifyZeroCheckBatches } from '../layers/requant.js';
import { decodeLookupsProof } from '../lookup/proof.js';
import { verifyLookups } from '../lookup/verifier.js';
import { pcsParamsFor } from '../pcs/config.js';
import { decodePcsProof } from '../pcs/proof.js';
import { verifyOpening, type EvalClaim, type PcsCommitment } from '../pcs/verifier.js';
import type { TensorClaim } from '../poly/tensor.js';
import { MAX_PROOF_BYTES, ProofKind, readHeader } from '../proof/envelope.js';
import type { VerifyResult } from '../statements/inner-product.js';
import { Transcript } from '../transcript/transcript.js';
import { instantiateCircuit } from './circuit.js';
import { parseModelCommitment, type ModelCommitment } from './commitment.js';
import { fromBase64Url } from '../codec/base64url.js';
import {
  GENERATION_DOMAIN,
  deriveWitnessRefs,
  groupLookups,
  lookupStatements,
  lookupTensorClaims,
  MAX_WITNESS_CHUNKS,
  routeClaims,
  splitWitnessClaims,
  witnessChunkVarsOf,
  witnessChunks,
} from './protocol.js';
import { VERIFIERS } from './registry.js';
import { decodeStatement, encodeStatement, type GenerationStatement } from './statement.js';

const E = BabyBearExt4;
const F = BabyBear;

export class GenerationError extends Error {
  override name = 'GenerationError';
}

interface PublicParams {
  readonly circuit: unknown;
  readonly eosTokenId?: number | null;
}


/** Throwing form; {@link verifyGenerationProof} wraps it. */
export function checkGenerationProof(bytes: Uint8Array, commitment: ModelCommitment): GenerationStatement {
  const r = readHeader(bytes, ProofKind.Generation);
  const stStart = r.offset;
  const statement = decodeStatement(r);
  const stBytes = bytes.subarray(stStart, r.offset);
  if (!equalBytes(statement.modelDigest, commitment.digest)) throw new GenerationError('proof is for a different model commitment');
  const params = commitment.params as unknown as PublicParams;
  if (!params || typeof params !== 'object' || !Array.isArray(params.circuit)) throw new GenerationError('commitment has no circuit template');
  let maxChunkVars: number;
  try {
    maxChunkVars = witnessChunkVarsOf(params);
  } catch (e) {
    throw new GenerationError(`commitment params: ${(e as Error).message}`);
  }
  const eos = typeof params.eosTokenId === 'number' ? params.eosTokenId : undefined;
  const out = statement.outputTokens;
  if (statement.stop === 'eos') {
    if (eos === undefined) throw new GenerationError('stop reason is EOS but the model has no EOS token');
    if (out.length === 0 || out[out.length - 1] !== eos) throw new GenerationError('stop reason is EOS but the last output token is not EOS');
  }
  if (eos !== undefined && out.slice(0, -1).includes(eos)) throw new GenerationError('an EOS token appears before the end of the output');
  // The statement is re-encoded canonically; the proof's bytes must be exactly that.
  const canon = new ByteWriter();
  encodeStatement(canon, statement);
  if (!equalBytes(canon.finish(), stBytes)) throw new ProofFormatError('statement is not canonically encoded');

  const ops = instantiateCircuit(params.circuit as never, {
    tokens: [...statement.promptTokens, ...out],
    promptLength: statement.promptTokens.length,
    generated: out.length,
  });
  const transcript = new Transcript(GENERATION_DOMAIN, E);
  transcript.absorbBytes('statement', stBytes);
  // The witness commitment: chunk count, then one root per chunk (protocol.ts witnessChunks;
  // the count is checked against the derived layout at the end).
  const nChunks = r.u8('witness chunk count');
  if (nChunks < 1 || nChunks > MAX_WITNESS_CHUNKS) throw new ProofFormatError(`witness chunk count ${nChunks} outside [1, ${MAX_WITNESS_CHUNKS}]`);
  const witnessRoots: Uint8Array[] = [];
  for (let k = 0; k < nChunks; k++) witnessRoots.push(r.digest('witness root'));
  transcript.absorbU32('witness-chunks', nChunks);
  for (const root of witnessRoots) transcript.absorbDigest('witness-root', root);

  const ctx = new VerifierContext(E, transcript, r);
  for (const op of ops) {
    const verify = VERIFIERS[op.kind];
    if (!verify) throw new GenerationError(`circuit op ${op.name} has unknown kind ${op.kind}`);
    try {
      verify(ctx, op.spec);
    } catch (e) {
      if (e instanceof ProofFormatError) throw e;
      throw new GenerationError(`${op.name} (${op.kind}): ${(e as Error).message}`);
    }
  }
  // Deferred zero-checks (requant): one batched sumcheck per variable count.
  try {
    verifyZeroCheckBatches(ctx);
  } catch (e) {
    if (e instanceof ProofFormatError) throw e;
    throw new GenerationError(`zero-checks: ${(e as Error).message}`);
  }

  const groups = groupLookups(ctx.lookups);
  const lookupClaims: TensorClaim[] = [];
  const statements = lookupStatements(groups);
  const lookupProof = decodeLookupsProof(r, F, statements);
  let allClaims;
  try {
    allClaims = verifyLookups(E, statements, lookupProof, transcript);
  } catch (e) {
    throw new GenerationError(`lookups: ${(e as Error).message}`);
  }
  lookupClaims.push(...lookupTensorClaims(groups, allClaims));

  let routed;
  let chunkClaims: EvalClaim[][];
  let chunkVars: number;
  try {
    const all = [...ctx.claims, ...lookupClaims];
    const wLayout = bundleLayout(deriveWitnessRefs(all, groups));
    const chunking = witnessChunks(wLayout.numVars, maxChunkVars);
    if (chunking.count !== nChunks) {
      throw new GenerationError(`the proof commits the witness in ${nChunks} chunk(s); its layout (2^${wLayout.numVars} values) needs ${chunking.count}`);
    }
    chunkVars = chunking.chunkVars;
    routed = routeClaims(all, wLayout, commitment.layout);
    chunkClaims = splitWitnessClaims(routed.witness, wLayout.numVars, chunkVars);
  } catch (e) {
    throw new GenerationError((e as Error).message);
  }
  const open = (what: string, c: PcsCommitment, claims: EvalClaim[]) => {
    if (claims.length === 0) return;
    const params = pcsParamsFor(c.numVars);
    const proof = decodePcsProof(r, c.numVars, params);
    try {
      verifyOpening(c, claims, proof, transcript, params);
    } catch (e) {
      throw new GenerationError(`${what} opening: ${(e as Error).message}`);
    }
  };
  chunkClaims.forEach((claims, k) =>
    open(nChunks === 1 ? 'witness' : `witness chunk ${k}`, { root: witnessRoots[k]!, numVars: chunkVars }, claims),
  );
  open('weights', commitment.weights, routed.weights);
  r.finish('generation proof');
  return statement;
}

/**
 * Verifies a generation proof against a parsed, authenticated model commitment
 * (`parseModelCommitment`). Never throws on bad input.
 */
export function verifyGenerationProof(bytes: Uint8Array, commitment: ModelCommitment): VerifyResult<GenerationStatement> {
  try {
    return { valid: true, statement: checkGenerationProof(bytes, commitment) };
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const reason = e instanceof ProofFormatError ? `malformed proof: ${msg}` : e instanceof LayerError ? `invalid proof: ${msg}` : msg;
    return { valid: false, reason };
  }
}

/**
 * The one-call API: `proof` as bytes or base64url, `commitment` as a parsed commitment or
 * the JSON of a `model.commit.json` file (parsed and authenticated here). Never throws.
 */
export function verifyProof(
  proof: Uint8Array | string,
  commitment: ModelCommitment | unknown,
  opts: { expectedDigest?: string | Uint8Array } = {},
): VerifyResult<GenerationStatement> {
  let c: ModelCommitment;
  try {
    c = isParsed(commitment) ? commitment : parseModelCommitment(commitment, opts.expectedDigest);
    if (opts.expectedDigest !== undefined && isParsed(commitment)) parseModelCommitment(commitment.file, opts.expectedDigest);
  } catch (e) {
    return { valid: false, reason: `bad commitment: ${(e as Error).message}` };
  }
  let bytes: Uint8Array;
  try {
    bytes = typeof proof === 'string' ? fromBase64Url(proof.trim(), MAX_PROOF_BYTES) : proof;
  } catch (e) {
    return { valid: false, reason: `malformed proof: ${(e as Error).message}` };
  }
  return verifyGenerationProof(bytes, c);
}

function isParsed(c: unknown): c is ModelCommitment {
  return typeof c === 'object' && c !== null && (c as ModelCommitment).digest instanceof Uint8Array && 'layout' in c;
}
