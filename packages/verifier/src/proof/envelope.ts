/**
 * Every proof starts with the same header: magic bytes, protocol version and the kind of
 * statement it proves. Decoders check the header before touching the body, so a proof of
 * another version or kind fails with a clear message instead of a confusing body error.
 *
 *   "ZKLM" (4 bytes) ‖ version u16 LE ‖ kind u8 ‖ body … (no trailing bytes)
 */
import { ByteReader, ByteWriter } from '../codec/bytes.js';
import { ProofFormatError } from '../codec/errors.js';

export const PROOF_MAGIC = Uint8Array.of(0x5a, 0x4b, 0x4c, 0x4d); // "ZKLM"

/**
 * Bumped whenever the transcript schedule or the encoding changes.
 * 1: first generation proofs. 2: all lookups as one tagged logUp (two fraction trees), the
 * witness layout derived instead of sent, 16-value leaves in the PCS folded layers, requant
 * zero-checks batched per variable count. 3: requant's t and wide clamp excesses defined by
 * their range limbs instead of committed (different witness layout and claims). 4: the
 * model head (lm head, logits requant, argmax) runs only on the statement's rows, selected
 * by a `rows` op (different circuit, witness layout and transcript). 5: requant specs carry a
 * declared input bound (fewer clamp witnesses), excess bounds round to one lookup window, one
 * zero-check point per batch group, the lookup query vector as a forest of up to 4 trees.
 * 6: proof-of-work grinding before every PCS folding challenge and before the batched
 * lookup's α (nonces in the proof), 45 queries with 14 grinding bits at rate 1/4.
 */
export const PROTOCOL_VERSION = 6;

/** Statement kinds. Values are part of the wire format: never renumber. */
export const ProofKind = {
  /** ⟨a, b⟩ = c for two committed vectors (the kernel demo). */
  InnerProduct: 1,
  /** A greedy LLM generation (the product; issue 4). */
  Generation: 2,
} as const;
export type ProofKind = (typeof ProofKind)[keyof typeof ProofKind];

/** Hard cap on any proof we are willing to parse (decoders also check finer limits). */
export const MAX_PROOF_BYTES = 16 * 1024 * 1024;

export function writeHeader(w: ByteWriter, kind: ProofKind): void {
  w.bytes(PROOF_MAGIC).u16(PROTOCOL_VERSION).u8(kind);
}

/** Reads and checks the header; returns a reader positioned at the body. */
export function readHeader(bytes: Uint8Array, expectedKind: ProofKind): ByteReader {
  if (bytes.length > MAX_PROOF_BYTES) {
    throw new ProofFormatError(`proof is ${bytes.length} bytes, more than the ${MAX_PROOF_BYTES}-byte limit`);
  }
  const r = new ByteReader(bytes);
  const magic = r.bytes(4, 'magic');
  for (let i = 0; i < 4; i++) {
    if (magic[i] !== PROOF_MAGIC[i]) throw new ProofFormatError('not a zkLLM proof (bad magic bytes)');
  }
  const version = r.u16('version');
  if (version !== PROTOCOL_VERSION) {
    throw new ProofFormatError(`unsupported protocol version ${version} (this verifier speaks version ${PROTOCOL_VERSION})`);
  }
  const kind = r.u8('kind');
  if (kind !== expectedKind) throw new ProofFormatError(`proof kind ${kind} where kind ${expectedKind} was expected`);
  return r;
}
