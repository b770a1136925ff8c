/**
 * Merkle trees over SHA-256 — the verification side.
 *
 * Hashing with domain separation (the prover in `@zkllm/core` builds the same trees):
 *   leaf  = SHA-256(0x00 ‖ leaf bytes)        leaf bytes = field limbs, 4 bytes LE each
 *   node  = SHA-256(0x01 ‖ left ‖ right)
 * so a leaf can never be reinterpreted as an inner node or vice versa.
 *
 * Trees are perfect binary trees with 2^depth leaves, leaf k at the bottom level. Many
 * leaves are opened together with one *multiproof*: the siblings needed to recompute the
 * root, each sent once (nodes that the verifier can compute itself — because both children
 * are already known — are never sent). The order of siblings is fixed by
 * {@link verifyMerkleMultiProof}: level by level from the leaves up, left to right.
 */
import { equalBytes } from '../codec/equal.js';
import { sha256 } from '@noble/hashes/sha2.js';

export const MERKLE_LEAF_TAG = 0x00;
export const MERKLE_NODE_TAG = 0x01;
export const DIGEST_BYTES = 32;

/** Raised when a Merkle opening does not authenticate against the root. */
export class MerkleError extends Error {
  override name = 'MerkleError';
}

/** Hash of one leaf given its bytes. */
export function merkleLeafHash(data: Uint8Array): Uint8Array {
  return sha256.create().update(Uint8Array.of(MERKLE_LEAF_TAG)).update(data).digest();
}

/** Hash of one leaf holding the field limbs v[off .. off+len) (4 bytes little-endian each). */
export function merkleLeafHashFields(v: Uint32Array, off = 0, len = v.length - off): Uint8Array {
  const bytes = new Uint8Array(4 * len);
  for (let i = 0; i < len; i++) {
    const x = v[off + i]!;
    bytes[4 * i] = x & 0xff;
    bytes[4 * i + 1] = (x >>> 8) & 0xff;
    bytes[4 * i + 2] = (x >>> 16) & 0xff;
    bytes[4 * i + 3] = x >>> 24;
  }
  return merkleLeafHash(bytes);
}

const nodeScratch = new Uint8Array(1 + 2 * DIGEST_BYTES);
nodeScratch[0] = MERKLE_NODE_TAG;

/** Hash of an inner node from its two children. */
export function merkleNodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  nodeScratch.set(left, 1);
  nodeScratch.set(right, 1 + DIGEST_BYTES);
  return sha256(nodeScratch);
}


/**
 * Checks that `indices` are strictly increasing leaf positions of a depth-`depth` tree.
 * Throws {@link MerkleError} otherwise.
 */
export function checkLeafIndices(indices: readonly number[], depth: number): void {
  const n = 2 ** depth;
  for (let i = 0; i < indices.length; i++) {
    const k = indices[i]!;
    if (!Number.isInteger(k) || k < 0 || k >= n) throw new MerkleError(`leaf index ${k} out of range [0, ${n})`);
    if (i > 0 && k <= indices[i - 1]!) throw new MerkleError('leaf indices must be strictly increasing');
  }
}

/**
 * Number of sibling digests a multiproof for these (strictly increasing) leaf indices
 * contains. Used by the prover to size buffers and by tests.
 */
export function merkleMultiProofSize(indices: readonly number[], depth: number): number {
  let cur = indices.slice();
  let count = 0;
  for (let level = depth; level > 0; level--) {
    const next: number[] = [];
    for (let i = 0; i < cur.length; i++) {
      const k = cur[i]!;
      if ((k & 1) === 0 && i + 1 < cur.length && cur[i + 1] === k + 1) i++;
      else count++;
      next.push(k >>> 1);
    }
    cur = next;
  }
  return count;
}

/**
 * Verifies a batched opening of several leaves against `root`.
 *
 * @param root      the 32-byte root
 * @param depth     the tree has 2^depth leaves
 * @param indices   strictly increasing leaf indices
 * @param leafHashes hash of each opened leaf, in the order of `indices`
 * @param siblings  concatenated 32-byte sibling digests; every one must be consumed
 * @throws MerkleError with the reason on any mismatch
 */
export function verifyMerkleMultiProof(
  root: Uint8Array,
  depth: number,
  indices: readonly number[],
  leafHashes: readonly Uint8Array[],
  siblings: Uint8Array,
): void {
  if (!Number.isInteger(depth) || depth < 0 || depth > 40) throw new MerkleError(`bad tree depth ${depth}`);
  if (root.length !== DIGEST_BYTES) throw new MerkleError('root must be 32 bytes');
  if (indices.length === 0) throw new MerkleError('no leaves to open');
  if (leafHashes.length !== indices.length) throw new MerkleError('one leaf hash per index expected');
  if (siblings.length % DIGEST_BYTES !== 0) throw new MerkleError('siblings are not a whole number of digests');
  checkLeafIndices(indices, depth);
  const total = siblings.length / DIGEST_BYTES;
  let used = 0;
  const take = (): Uint8Array => {
    if (used >= total) throw new MerkleError(`multiproof too short: needs more than ${total} siblings`);
    const s = siblings.subarray(DIGEST_BYTES * used, DIGEST_BYTES * (used + 1));
    used++;
    return s;
  };
  let idx = indices.slice();
  let hashes = leafHashes.slice();
  for (let level = depth; level > 0; level--) {
    const nIdx: number[] = [];
    const nHash: Uint8Array[] = [];
    for (let i = 0; i < idx.length; i++) {
      const k = idx[i]!;
      const h = hashes[i]!;
      let parent: Uint8Array;
      if ((k & 1) === 0) {
        if (i + 1 < idx.length && idx[i + 1] === k + 1) {
          parent = merkleNodeHash(h, hashes[i + 1]!);
          i++;
        } else {
          parent = merkleNodeHash(h, take());
        }
      } else {
        parent = merkleNodeHash(take(), h);
      }
      nIdx.push(k >>> 1);
      nHash.push(parent);
    }
    idx = nIdx;
    hashes = nHash;
  }
  if (used !== total) throw new MerkleError(`multiproof has ${total - used} unused siblings`);
  if (!equalBytes(hashes[0]!, root)) throw new MerkleError('Merkle root mismatch');
}
