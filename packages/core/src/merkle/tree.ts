/**
 * Merkle trees over SHA-256 — the building side (prover). Same hashing as the verifier's
 * `@zkllm/verifier` merkle/tree.ts (which uses @noble/hashes; this uses node:crypto's
 * SHA-256 for speed — the same function):
 *   leaf = SHA-256(0x00 ‖ leaf bytes),  node = SHA-256(0x01 ‖ left ‖ right).
 *
 * Leaves are runs of `leafLimbs` consecutive u32 limbs of a Uint32Array (4 bytes LE each).
 * Nodes are stored in one flat Uint8Array in heap order: node 1 is the root, node i has
 * children 2i and 2i+1, leaf k is node numLeaves + k.
 */
import { DIGEST_BYTES, MERKLE_LEAF_TAG, MERKLE_NODE_TAG, MerkleError, checkLeafIndices } from '@zkllm/verifier';
import { simdMerkleLevels } from './sha256-simd.js';
import { sha256Latin1 } from '../transcript/sha256.js';

const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

export class MerkleTree {
  /** The tree has 2^depth leaves. */
  readonly depth: number;
  readonly numLeaves: number;
  /** Heap-ordered digests, 32 bytes per node; bytes [0, 32) are unused. */
  readonly nodes: Uint8Array;

  private constructor(depth: number, nodes: Uint8Array) {
    this.depth = depth;
    this.numLeaves = 2 ** depth;
    this.nodes = nodes;
  }

  /**
   * Builds the tree whose leaf k holds data[k·leafLimbs .. (k+1)·leafLimbs).
   * data.length / leafLimbs must be a power of two.
   */
  static fromLimbs(data: Uint32Array, leafLimbs: number): MerkleTree {
    if (!Number.isInteger(leafLimbs) || leafLimbs < 1 || data.length % leafLimbs !== 0) {
      throw new MerkleError(`data of ${data.length} limbs is not a whole number of ${leafLimbs}-limb leaves`);
    }
    const numLeaves = data.length / leafLimbs;
    if (numLeaves < 1 || (numLeaves & (numLeaves - 1)) !== 0) throw new MerkleError(`${numLeaves} leaves is not a power of two`);
    const depth = 31 - Math.clz32(numLeaves);
    const leafBytes = 4 * leafLimbs;
    // Four-way SIMD SHA-256 hashes the leaves and every level of ≥ 4 nodes when available;
    // node:crypto does the rest (top = the highest node index still to hash).
    const simdNodes = LITTLE_ENDIAN
      ? simdMerkleLevels(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), numLeaves, leafBytes, MERKLE_LEAF_TAG, MERKLE_NODE_TAG)
      : null;
    const nodes = simdNodes ?? new Uint8Array(2 * numLeaves * DIGEST_BYTES);
    // Buffer views (no copies): native copy() into the scratch and write() of the latin1
    // digests avoid a subarray object and a digest Buffer per hash.
    const out = Buffer.from(nodes.buffer, nodes.byteOffset, nodes.byteLength);
    const top = simdNodes ? 3 : numLeaves - 1;
    if (simdNodes) {
      // leaves done
    } else if (LITTLE_ENDIAN) {
      const scratch = Buffer.alloc(1 + leafBytes);
      scratch[0] = MERKLE_LEAF_TAG;
      const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
      for (let k = 0; k < numLeaves; k++) {
        bytes.copy(scratch, 1, k * leafBytes, (k + 1) * leafBytes);
        out.write(sha256Latin1(scratch), (numLeaves + k) * DIGEST_BYTES, DIGEST_BYTES, 'latin1');
      }
    } else {
      const scratch = Buffer.alloc(1 + leafBytes);
      scratch[0] = MERKLE_LEAF_TAG;
      for (let k = 0; k < numLeaves; k++) {
        for (let i = 0; i < leafLimbs; i++) scratch.writeUInt32LE(data[k * leafLimbs + i]!, 1 + 4 * i);
        out.write(sha256Latin1(scratch), (numLeaves + k) * DIGEST_BYTES, DIGEST_BYTES, 'latin1');
      }
    }
    const pair = Buffer.alloc(1 + 2 * DIGEST_BYTES);
    pair[0] = MERKLE_NODE_TAG;
    for (let i = top; i >= 1; i--) {
      out.copy(pair, 1, 2 * i * DIGEST_BYTES, (2 * i + 2) * DIGEST_BYTES);
      out.write(sha256Latin1(pair), i * DIGEST_BYTES, DIGEST_BYTES, 'latin1');
    }
    return new MerkleTree(depth, nodes);
  }

  /** The 32-byte root (a copy). */
  get root(): Uint8Array {
    return this.nodes.slice(DIGEST_BYTES, 2 * DIGEST_BYTES);
  }

  private node(level: number, k: number): Uint8Array {
    const i = 2 ** level + k;
    return this.nodes.subarray(i * DIGEST_BYTES, (i + 1) * DIGEST_BYTES);
  }

  /**
   * Multiproof for strictly increasing leaf indices: the siblings, each once, in the order
   * `verifyMerkleMultiProof` consumes them (level by level from the leaves, left to right).
   */
  openMulti(indices: readonly number[]): Uint8Array {
    checkLeafIndices(indices, this.depth);
    const out: Uint8Array[] = [];
    let cur = indices.slice();
    for (let level = this.depth; level > 0; level--) {
      const next: number[] = [];
      for (let i = 0; i < cur.length; i++) {
        const k = cur[i]!;
        if ((k & 1) === 0 && i + 1 < cur.length && cur[i + 1] === k + 1) i++;
        else out.push(this.node(level, k ^ 1));
        next.push(k >>> 1);
      }
      cur = next;
    }
    const sib = new Uint8Array(out.length * DIGEST_BYTES);
    out.forEach((h, i) => sib.set(h, i * DIGEST_BYTES));
    return sib;
  }
}
