/**
 * FHE-wrapped inference, verification side: BFV parameter sets, the coefficient encoding
 * of matrix–vector products, the ciphertext wire format, and the proof that a server's
 * homomorphic linear layers used the committed weights (see docs/FHE.md, docs/PRIVACY.md).
 */
export * from './params.js';
export * from './ring.js';
export * from './layout.js';
export * from './ciphertext.js';
export * from './statement.js';
export * from './verifier.js';
export * from './link.js';
