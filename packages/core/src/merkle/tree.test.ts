import { describe, it, expect } from 'vitest';
import { MerkleError, merkleLeafHashFields, merkleMultiProofSize, merkleNodeHash, verifyMerkleMultiProof } from '@zkllm/verifier';
import { helperJobCount, proverThreads, setProverThreads, toShared } from '../parallel/pool.js';
import { simdKernels } from '../pcs/wasm-asm.js';
import { MerkleTree } from './tree.js';

function data(leaves: number, limbs: number): Uint32Array {
  return Uint32Array.from({ length: leaves * limbs }, (_, i) => (i * 2654435761) % 2013265921);
}

describe('MerkleTree (prover)', () => {
  it('hashes exactly like the verifier (node:crypto SHA-256 = noble SHA-256)', () => {
    const d = data(4, 3);
    const t = MerkleTree.fromLimbs(d, 3);
    const l = [0, 1, 2, 3].map((k) => merkleLeafHashFields(d, 3 * k, 3));
    const root = merkleNodeHash(merkleNodeHash(l[0]!, l[1]!), merkleNodeHash(l[2]!, l[3]!));
    expect(t.root).toEqual(root);
    expect(t.depth).toBe(2);
  });
  it('single-leaf tree', () => {
    const d = data(1, 16);
    expect(MerkleTree.fromLimbs(d, 16).root).toEqual(merkleLeafHashFields(d));
  });
  it('multiproofs verify and have the minimal size', () => {
    const limbs = 8;
    const d = data(256, limbs);
    const t = MerkleTree.fromLimbs(d, limbs);
    for (const idx of [[0], [255], [1, 2, 3, 4, 100, 101, 200], Array.from({ length: 40 }, (_, i) => i * 6)]) {
      const sib = t.openMulti(idx);
      expect(sib.length / 32).toBe(merkleMultiProofSize(idx, 8));
      const hashes = idx.map((k) => merkleLeafHashFields(d, k * limbs, limbs));
      verifyMerkleMultiProof(t.root, t.depth, idx, hashes, sib);
      // bad sibling
      const bad = sib.slice();
      bad[bad.length - 1] ^= 1;
      expect(() => verifyMerkleMultiProof(t.root, t.depth, idx, hashes, bad)).toThrow(MerkleError);
      // wrong index
      const shifted = idx.map((k) => k ^ 1).sort((a, b) => a - b);
      expect(() => verifyMerkleMultiProof(t.root, t.depth, shifted, hashes, sib)).toThrow(MerkleError);
    }
  });
  it('rejects bad shapes', () => {
    expect(() => MerkleTree.fromLimbs(data(3, 2), 2)).toThrow(MerkleError);
    expect(() => MerkleTree.fromLimbs(data(4, 2), 3)).toThrow(MerkleError);
    const t = MerkleTree.fromLimbs(data(4, 2), 2);
    expect(() => t.openMulti([2, 1])).toThrow(MerkleError);
    expect(() => t.openMulti([4])).toThrow(MerkleError);
  });
  it('four-way SIMD SHA-256 builds the same nodes as node:crypto (messages of 1, 2 and 5 padded blocks, 4 to 2^16 leaves; from 2^16 the nodes stay in the hashing memory)', () => {
    for (const [leaves, limbs] of [[4, 3], [8, 1], [16, 14], [64, 16], [1024, 64], [8192, 64], [4096, 20], [1 << 16, 1]] as const) {
      const d = data(leaves, limbs).map((x, i) => (x ^ (i * 40503)) % 2013265921);
      const simd = MerkleTree.fromLimbs(d, limbs);
      simdKernels.enabled = false;
      try {
        const plain = MerkleTree.fromLimbs(d, limbs);
        expect(Buffer.from(simd.nodes).equals(Buffer.from(plain.nodes))).toBe(true);
      } finally {
        simdKernels.enabled = true;
      }
    }
    const d = data(8, 64);
    const t = MerkleTree.fromLimbs(d, 64);
    const l = Array.from({ length: 8 }, (_, k) => merkleLeafHashFields(d, 64 * k, 64));
    const n2 = (a: Uint8Array, b: Uint8Array) => merkleNodeHash(a, b);
    const root = n2(n2(n2(l[0]!, l[1]!), n2(l[2]!, l[3]!)), n2(n2(l[4]!, l[5]!), n2(l[6]!, l[7]!)));
    expect(t.root).toEqual(root);
  });
  it('a tree split into subtrees over helper threads has the same nodes as on one thread', () => {
    const before = proverThreads();
    try {
      for (const [leaves, limbs] of [[1 << 14, 16], [1 << 13, 4], [1 << 15, 1], [1 << 16, 2]] as const) {
        const d = toShared(data(leaves, limbs).map((x, i) => (x ^ (i * 977)) % 2013265921));
        setProverThreads(1);
        const one = MerkleTree.fromLimbs(d, limbs);
        for (const threads of [2, 3, 4]) {
          setProverThreads(threads);
          const jobs = helperJobCount();
          const many = MerkleTree.fromLimbs(d, limbs);
          expect(helperJobCount()).toBeGreaterThan(jobs);
          // (Buffer.equals: toEqual walks megabytes element by element.)
          expect(Buffer.from(many.nodes).equals(Buffer.from(one.nodes))).toBe(true);
        }
      }
    } finally {
      setProverThreads(before);
    }
  });
});
