export {
  DIGEST_BYTES,
  MERKLE_LEAF_TAG,
  MERKLE_NODE_TAG,
  MerkleError,
  checkLeafIndices,
  merkleLeafHash,
  merkleLeafHashFields,
  merkleMultiProofSize,
  merkleNodeHash,
  verifyMerkleMultiProof,
} from './tree.js';
