export { MAX_PROOF_BYTES, PROOF_MAGIC, PROTOCOL_VERSION, ProofKind, readHeader, writeHeader } from './envelope.js';
