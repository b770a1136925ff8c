/**
 * The zkLLM HTTP proof contract (docs/HTTP.md), server side: the headers a proven
 * response carries, the proof resource's headers, and the SSE proof frame. The Express
 * middleware calls these; `verifyResponse` checks exactly what they produce.
 */
import { randomBytes } from '@noble/hashes/utils.js';
import { fromBase64Url, toBase64Url } from '../codec/base64url.js';
import { contentDigest } from './digest.js';
import { signMessage, type ComponentValue } from './signature.js';

export const SIGNATURE_LABEL = 'zkllm';
export const PROOF_PATH_PREFIX = '/v1/zkllm/proofs/';
export const MODEL_PATH = '/v1/zkllm/model';
export const CHAT_COMPLETIONS_PATH = '/v1/chat/completions';
export const PROOF_LINK_REL = 'proof';
/** `tag` parameter of the SSE proof frame's signature: keeps frame and header signatures apart. */
export const PROOF_FRAME_TAG = 'zkllm-proof-frame';

/** Components a proven response's signature covers, in signing order; `proof-digest` only in sync mode. */
export const RESPONSE_COMPONENTS = ['@status', 'content-digest', 'proof-id', 'zkllm-model'] as const;
/** Components the proof resource's signature covers, in signing order. */
export const PROOF_RESOURCE_COMPONENTS = ['@status', 'content-digest', 'proof-id', 'proof-digest', 'zkllm-model'] as const;
/** Components the SSE proof frame's signature covers; `proof-digest` when the frame has one. */
export const FRAME_COMPONENTS = ['content-digest', 'proof-id', 'zkllm-model'] as const;

const PROOF_ID_RE = /^[A-Za-z0-9_-]{22}$/;
const DIGEST_HEX_RE = /^[0-9a-f]{64}$/;

/** A fresh proof id: base64url of 16 random bytes (22 characters). */
export function newProofId(): string {
  return toBase64Url(randomBytes(16));
}

/** True for a canonical 22-character base64url encoding of 16 bytes. */
export function isProofId(id: unknown): id is string {
  if (typeof id !== 'string' || !PROOF_ID_RE.test(id)) return false;
  try {
    fromBase64Url(id, 16);
    return true;
  } catch {
    return false;
  }
}

export function proofPath(proofId: string): string {
  if (!isProofId(proofId)) throw new RangeError('invalid proof id');
  return PROOF_PATH_PREFIX + proofId;
}

export function proofLinkHeader(proofUrl: string): string {
  if (/[<>\s]/.test(proofUrl)) throw new RangeError('proof URL must not contain <, > or whitespace');
  return `<${proofUrl}>; rel="${PROOF_LINK_REL}"`;
}

/**
 * The target of the first `rel="proof"` link in a Link field (RFC 8288), or undefined.
 * Only the shapes servers actually send are understood: `<uri>` followed by parameters,
 * links separated by commas.
 */
export function parseProofLink(link: string | null | undefined): string | undefined {
  if (typeof link !== 'string' || link.length > 8192) return undefined;
  for (const m of link.matchAll(/<([^<>\s]*)>((?:\s*;\s*[A-Za-z0-9!#$%&'*+\-.^_`|~]+\s*=\s*(?:"[^"]*"|[^",;\s]+))*)/g)) {
    for (const p of m[2]!.matchAll(/;\s*([A-Za-z0-9!#$%&'*+\-.^_`|~]+)\s*=\s*(?:"([^"]*)"|([^",;\s]+))/g)) {
      if (p[1]!.toLowerCase() !== 'rel') continue;
      const rels = (p[2] ?? p[3]!).toLowerCase().split(/\s+/);
      if (rels.includes(PROOF_LINK_REL)) return m[1]!;
    }
  }
  return undefined;
}

function checkModelDigest(d: string): void {
  if (!DIGEST_HEX_RE.test(d)) throw new RangeError('modelDigest must be 64 lower-case hex characters');
}

function checkStatus(s: number): void {
  if (!Number.isInteger(s) || s < 100 || s > 999) throw new RangeError('status must be a 3-digit integer');
}

export interface ProofResponseHeaderOptions {
  /** HTTP status the response will be sent with. */
  readonly status: number;
  /** The exact body bytes (a string is sent as UTF-8). */
  readonly body: Uint8Array | string;
  readonly proofId: string;
  /** The proof, when it is ready before the response is sent (sync mode). */
  readonly proof?: Uint8Array;
  /** Model commitment digest, hex. */
  readonly modelDigest: string;
  /** Ed25519 secret key (32 bytes). */
  readonly secretKey: Uint8Array;
  /** Unix seconds (default: now). */
  readonly created?: number;
  /** URL put in the Link header (default: the proof path on the same origin). */
  readonly proofUrl?: string;
}

/**
 * Headers for a proven JSON response: Proof-Id, Link, Proof-Digest (sync mode),
 * Content-Digest, Zkllm-Model, Signature-Input and Signature.
 */
export function proofResponseHeaders(o: ProofResponseHeaderOptions): Record<string, string> {
  checkStatus(o.status);
  checkModelDigest(o.modelDigest);
  const url = o.proofUrl ?? proofPath(o.proofId);
  if (!isProofId(o.proofId)) throw new RangeError('invalid proof id');
  const headers: Record<string, string> = {
    'Proof-Id': o.proofId,
    Link: proofLinkHeader(url),
    'Content-Digest': contentDigest(o.body),
    'Zkllm-Model': o.modelDigest,
  };
  const components: ComponentValue[] = [
    { name: '@status', value: String(o.status) },
    { name: 'content-digest', value: headers['Content-Digest']! },
    { name: 'proof-id', value: o.proofId },
    { name: 'zkllm-model', value: o.modelDigest },
  ];
  if (o.proof !== undefined) {
    headers['Proof-Digest'] = contentDigest(o.proof);
    components.push({ name: 'proof-digest', value: headers['Proof-Digest'] });
  }
  const signed = signMessage({ components, secretKey: o.secretKey, created: o.created, label: SIGNATURE_LABEL });
  headers['Signature-Input'] = signed.signatureInput;
  headers['Signature'] = signed.signature;
  return headers;
}

export interface ProofResourceHeaderOptions {
  readonly proof: Uint8Array;
  readonly proofId: string;
  readonly modelDigest: string;
  readonly secretKey: Uint8Array;
  readonly created?: number;
}

/** Headers for `GET /v1/zkllm/proofs/<id>` (status 200, body = the proof bytes). */
export function proofResourceHeaders(o: ProofResourceHeaderOptions): Record<string, string> {
  checkModelDigest(o.modelDigest);
  if (!isProofId(o.proofId)) throw new RangeError('invalid proof id');
  const digest = contentDigest(o.proof);
  const headers: Record<string, string> = {
    'Proof-Id': o.proofId,
    'Proof-Digest': digest,
    'Content-Digest': digest,
    'Zkllm-Model': o.modelDigest,
  };
  const components: ComponentValue[] = [
    { name: '@status', value: '200' },
    { name: 'content-digest', value: digest },
    { name: 'proof-id', value: o.proofId },
    { name: 'proof-digest', value: digest },
    { name: 'zkllm-model', value: o.modelDigest },
  ];
  const signed = signMessage({ components, secretKey: o.secretKey, created: o.created, label: SIGNATURE_LABEL });
  headers['Signature-Input'] = signed.signatureInput;
  headers['Signature'] = signed.signature;
  return headers;
}

/** The JSON payload of the `event: proof` SSE frame. */
export interface ProofFrame {
  readonly proof_id: string;
  readonly proof_url: string;
  /** `sha-256=:...:` of the proof bytes; absent when the proof was not ready (async mode). */
  readonly proof_digest?: string;
  /** `sha-256=:...:` of the UTF-8 bytes of the concatenated assistant content. */
  readonly content_digest: string;
  /** Model commitment digest, hex. */
  readonly model: string;
  /** The prompt tokens decoded (special tokens skipped). */
  readonly prompt: string;
  readonly signature_input: string;
  readonly signature: string;
}

/**
 * The signature base components of a proof frame: the frame's fields standing in for
 * the same-named header fields of a JSON response.
 */
export function proofFrameComponents(frame: Pick<ProofFrame, 'content_digest' | 'proof_id' | 'model' | 'proof_digest'>): ComponentValue[] {
  const c: ComponentValue[] = [
    { name: 'content-digest', value: frame.content_digest },
    { name: 'proof-id', value: frame.proof_id },
    { name: 'zkllm-model', value: frame.model },
  ];
  if (frame.proof_digest !== undefined) c.push({ name: 'proof-digest', value: frame.proof_digest });
  return c;
}

export interface ProofFrameOptions {
  readonly proofId: string;
  /** The concatenated assistant content of all chunks, exactly as streamed. */
  readonly content: string;
  /** The decoded prompt (what `zkllm.prompt` carries in a JSON response). */
  readonly prompt: string;
  readonly proof?: Uint8Array;
  readonly modelDigest: string;
  readonly secretKey: Uint8Array;
  readonly created?: number;
  readonly proofUrl?: string;
}

/** Builds and signs the SSE proof frame payload. */
export function proofStreamFrame(o: ProofFrameOptions): ProofFrame {
  checkModelDigest(o.modelDigest);
  if (!isProofId(o.proofId)) throw new RangeError('invalid proof id');
  const url = o.proofUrl ?? proofPath(o.proofId);
  const unsigned = {
    proof_id: o.proofId,
    proof_url: url,
    ...(o.proof !== undefined ? { proof_digest: contentDigest(o.proof) } : {}),
    content_digest: contentDigest(o.content),
    model: o.modelDigest,
    prompt: o.prompt,
  };
  const signed = signMessage({ components: proofFrameComponents(unsigned), secretKey: o.secretKey, created: o.created, tag: PROOF_FRAME_TAG, label: SIGNATURE_LABEL });
  return { ...unsigned, signature_input: signed.signatureInput, signature: signed.signature };
}

/** The frame as SSE text: `event: proof`, one `data:` line, blank line. */
export function formatProofFrame(frame: ProofFrame): string {
  return `event: proof\ndata: ${JSON.stringify(frame)}\n\n`;
}
