import { describe, it, expect } from 'vitest';
import { sha256 } from '@noble/hashes/sha2.js';
import {
  MerkleError,
  merkleLeafHash,
  merkleLeafHashFields,
  merkleMultiProofSize,
  merkleNodeHash,
  verifyMerkleMultiProof,
} from './tree.js';

/** Reference tree built naively: levels[d] has 2^d nodes. */
function buildTree(leaves: Uint8Array[][]): Uint8Array[][] {
  const depth = Math.log2(leaves.length);
  const levels: Uint8Array[][] = [];
  levels[depth] = leaves.map((l) => l[0]!);
  for (let d = depth - 1; d >= 0; d--) {
    levels[d] = [];
    for (let k = 0; k < 2 ** d; k++) levels[d]![k] = merkleNodeHash(levels[d + 1]![2 * k]!, levels[d + 1]![2 * k + 1]!);
  }
  return levels;
}

/** Naive multiproof: siblings level by level, skipping nodes that are computable. */
function multiProof(levels: Uint8Array[][], depth: number, indices: number[]): Uint8Array {
  const out: Uint8Array[] = [];
  let cur = indices.slice();
  for (let level = depth; level > 0; level--) {
    const known = new Set(cur);
    for (const k of cur) if (!known.has(k ^ 1)) out.push(levels[level]![k ^ 1]!);
    cur = [...new Set(cur.map((k) => k >>> 1))].sort((a, b) => a - b);
  }
  const b = new Uint8Array(32 * out.length);
  out.forEach((h, i) => b.set(h, 32 * i));
  return b;
}

function setup(depth: number) {
  const leafData: Uint32Array[] = [];
  for (let k = 0; k < 2 ** depth; k++) leafData.push(Uint32Array.of(k, k * 3 + 1, 7));
  const leafHashes = leafData.map((d) => [merkleLeafHashFields(d)]);
  const levels = buildTree(leafHashes);
  return { leafData, leafHashes: leafHashes.map((l) => l[0]!), levels, root: levels[0]![0]! };
}

describe('Merkle hashing', () => {
  it('uses domain-separated SHA-256', () => {
    const data = Uint8Array.of(1, 2, 3);
    expect(merkleLeafHash(data)).toEqual(sha256(Uint8Array.of(0, 1, 2, 3)));
    const a = new Uint8Array(32).fill(1);
    const b = new Uint8Array(32).fill(2);
    const cat = new Uint8Array(65);
    cat[0] = 1;
    cat.set(a, 1);
    cat.set(b, 33);
    expect(merkleNodeHash(a, b)).toEqual(sha256(cat));
    // A leaf holding the bytes of two digests does not hash like the node over them.
    const asLeaf = new Uint8Array(64);
    asLeaf.set(a);
    asLeaf.set(b, 32);
    expect(merkleLeafHash(asLeaf)).not.toEqual(merkleNodeHash(a, b));
  });
  it('encodes field limbs little-endian', () => {
    expect(merkleLeafHashFields(Uint32Array.of(0x04030201))).toEqual(merkleLeafHash(Uint8Array.of(1, 2, 3, 4)));
  });
});

describe('Merkle multiproofs', () => {
  const depth = 5;
  const { leafHashes, levels, root } = setup(depth);
  const cases = [[0], [31], [3, 4], [0, 1, 2, 3], [1, 6, 7, 20, 21, 30], Array.from({ length: 32 }, (_, i) => i)];

  it('accepts valid multiproofs and sends each sibling once', () => {
    for (const idx of cases) {
      const sib = multiProof(levels, depth, idx);
      expect(sib.length / 32).toBe(merkleMultiProofSize(idx, depth));
      verifyMerkleMultiProof(root, depth, idx, idx.map((k) => leafHashes[k]!), sib);
    }
    expect(merkleMultiProofSize([0, 1, 2, 3], depth)).toBe(3);
    expect(merkleMultiProofSize(Array.from({ length: 32 }, (_, i) => i), depth)).toBe(0);
  });
  it('handles depth 0 (single leaf)', () => {
    const h = merkleLeafHashFields(Uint32Array.of(5));
    verifyMerkleMultiProof(h, 0, [0], [h], new Uint8Array(0));
    expect(() => verifyMerkleMultiProof(h, 0, [0], [merkleLeafHashFields(Uint32Array.of(6))], new Uint8Array(0))).toThrow(MerkleError);
  });
  it('rejects a bad sibling', () => {
    const idx = [1, 6, 20];
    const sib = multiProof(levels, depth, idx);
    for (let s = 0; s < sib.length; s += 32) {
      const bad = sib.slice();
      bad[s + 7] ^= 0x10;
      expect(() => verifyMerkleMultiProof(root, depth, idx, idx.map((k) => leafHashes[k]!), bad)).toThrow(MerkleError);
    }
  });
  it('rejects a wrong index', () => {
    const sib = multiProof(levels, depth, [6]);
    expect(() => verifyMerkleMultiProof(root, depth, [7], [leafHashes[6]!], sib)).toThrow(MerkleError);
    expect(() => verifyMerkleMultiProof(root, depth, [2], [leafHashes[6]!], sib)).toThrow(MerkleError);
    expect(() => verifyMerkleMultiProof(root, depth, [32], [leafHashes[6]!], sib)).toThrow(/out of range/);
  });
  it('rejects a wrong leaf, unsorted or duplicate indices, short or long proofs', () => {
    const idx = [3, 9];
    const sib = multiProof(levels, depth, idx);
    const hs = idx.map((k) => leafHashes[k]!);
    expect(() => verifyMerkleMultiProof(root, depth, idx, [hs[0]!, leafHashes[10]!], sib)).toThrow(MerkleError);
    expect(() => verifyMerkleMultiProof(root, depth, [9, 3], [hs[1]!, hs[0]!], sib)).toThrow(/increasing/);
    expect(() => verifyMerkleMultiProof(root, depth, [3, 3], [hs[0]!, hs[0]!], sib)).toThrow(/increasing/);
    expect(() => verifyMerkleMultiProof(root, depth, idx, hs, sib.subarray(0, sib.length - 32))).toThrow(/too short/);
    const longer = new Uint8Array(sib.length + 32);
    longer.set(sib);
    expect(() => verifyMerkleMultiProof(root, depth, idx, hs, longer)).toThrow(/unused/);
    expect(() => verifyMerkleMultiProof(root, depth, idx, hs, sib.subarray(1))).toThrow(/whole number/);
  });
  it('rejects against another root', () => {
    const other = setup(depth);
    const idx = [4];
    const sib = multiProof(levels, depth, idx);
    const bad = other.root.slice();
    bad[0] ^= 1;
    expect(() => verifyMerkleMultiProof(bad, depth, idx, [leafHashes[4]!], sib)).toThrow(/root mismatch/);
  });
});
