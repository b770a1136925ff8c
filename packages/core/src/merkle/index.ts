export { MerkleTree } from './tree.js';
