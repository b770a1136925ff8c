/**
 * Client side of the HTTP proof contract (docs/HTTP.md): checks a proven chat
 * completion — JSON or SSE — against a pinned model commitment and a pinned Ed25519
 * server key, fetching the proof it links to, and returns the verified text.
 *
 * Never throws on hostile input: every failure is `{ valid: false, reason }`, where the
 * reason names the check that failed.
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import { fromBase64Url } from '../codec/base64url.js';
import { parseModelCommitment, type ModelCommitment, type ModelCommitmentFile } from '../generation/commitment.js';
import type { GenerationStatement } from '../generation/statement.js';
import { decodeTokens } from '../generation/tokens.js';
import { verifyProof } from '../generation/verifier.js';
import {
  FRAME_COMPONENTS,
  PROOF_FRAME_TAG,
  PROOF_RESOURCE_COMPONENTS,
  RESPONSE_COMPONENTS,
  SIGNATURE_LABEL,
  isProofId,
  parseProofLink,
  proofFrameComponents,
  proofPath,
  type ProofFrame,
} from './contract.js';
import { checkDigestHeader } from './digest.js';
import { decodeKey, keyIdOf } from './keys.js';
import { parseSse } from './sse.js';
import { verifyMessageSignature } from './signature.js';

/** A response as a plain object, e.g. from a test, a cache or a non-fetch HTTP client. */
export interface HttpMessageLike {
  readonly status: number;
  /** A `Headers` object or a record (any key case; repeated fields as arrays). */
  readonly headers: Headers | Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly body: string | Uint8Array | ArrayBuffer;
  /** Where the response came from; relative proof links resolve against it. */
  readonly url?: string;
}

export type FetchLike = (url: string, init?: { headers?: Record<string, string>; signal?: AbortSignal }) => Promise<Response>;

/** A chat message whose content must appear in the proven prompt (a string is the content). */
export type ExpectedMessage = string | { readonly content: string };

export interface VerifyResponseOptions {
  /** The pinned model commitment (file or parsed). Its digest is what the response must name. */
  readonly commitment: ModelCommitment | ModelCommitmentFile;
  /** The pinned server public key: 32 raw bytes or base64url. */
  readonly publicKey: Uint8Array | string;
  /** Fetch for the proof resource (default: `globalThis.fetch`). */
  readonly fetch?: FetchLike;
  /** Base URL for a relative proof link when the response has no URL. */
  readonly baseUrl?: string;
  /** The proof bytes (or base64url) when already at hand; then nothing is fetched. */
  readonly proof?: Uint8Array | string;
  /** Messages that must appear, in order, in the proven prompt. */
  readonly messages?: readonly ExpectedMessage[];
  /** Current time in unix seconds, for the signature's `created` check (default: now). */
  readonly now?: number;
  /** Largest accepted clock skew, seconds (default 300). */
  readonly maxSkewSeconds?: number;
  /** How long to wait for a pending (202) proof, ms (default 300 000). */
  readonly proofTimeoutMs?: number;
  /** Largest response body read, bytes (default 16 MiB). */
  readonly maxBodyBytes?: number;
  /** Largest proof read, bytes (default 64 MiB). */
  readonly maxProofBytes?: number;
  readonly signal?: AbortSignal;
}

export interface VerifyResponseResult {
  readonly valid: boolean;
  readonly reason?: string;
  /** The verified assistant text (only when valid). */
  readonly text?: string;
  /** The proven statement (only when valid). */
  readonly statement?: GenerationStatement;
  readonly proofId?: string;
  /** The decoded proven prompt (only when valid). */
  readonly prompt?: string;
  readonly kind?: 'json' | 'stream';
}

const DEFAULT_MAX_BODY = 16 << 20;
const DEFAULT_MAX_PROOF = 64 << 20;
const MAX_RETRY_AFTER_S = 30;

class Invalid extends Error {
  override name = 'Invalid';
}

function fail(reason: string): never {
  throw new Invalid(reason);
}

type HeaderGet = (name: string) => string | undefined;

function headerGetter(h: HttpMessageLike['headers']): HeaderGet {
  // Any Headers-like object (the global one, node-fetch's, undici's from another realm).
  if (typeof (h as Headers).get === 'function') return (n) => (h as Headers).get(n) ?? undefined;
  const map = new Map<string, string>();
  for (const [k, v] of Object.entries(h as Record<string, string | readonly string[] | undefined>)) {
    if (v === undefined) continue;
    const key = k.toLowerCase();
    const value = typeof v === 'string' ? v : v.join(', ');
    map.set(key, map.has(key) ? `${map.get(key)}, ${value}` : value);
  }
  return (n) => map.get(n.toLowerCase());
}

function isFetchResponse(r: unknown): r is Response {
  return typeof Response !== 'undefined' && r instanceof Response;
}

async function readLimited(res: Response, limit: number, what: string): Promise<Uint8Array> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > limit) fail(`${what} is ${declared} bytes (limit ${limit})`);
  if (res.body === null) return new Uint8Array(0);
  const reader = res.body.getReader();
  const parts: Uint8Array[] = [];
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    n += value.length;
    if (n > limit) {
      await reader.cancel().catch(() => undefined);
      fail(`${what} exceeds ${limit} bytes`);
    }
    parts.push(value);
  }
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function toBytes(body: string | Uint8Array | ArrayBuffer): Uint8Array {
  if (typeof body === 'string') return new TextEncoder().encode(body);
  if (body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  return fail('response body must be a string, Uint8Array or ArrayBuffer');
}

function utf8(bytes: Uint8Array, what: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return fail(`${what} is not valid UTF-8`);
  }
}

interface Pinned {
  readonly commitment: ModelCommitment;
  readonly digestHex: string;
  readonly publicKey: Uint8Array;
}

function pin(o: VerifyResponseOptions): Pinned {
  let commitment: ModelCommitment;
  try {
    const c = o.commitment as ModelCommitment;
    commitment = c !== null && typeof c === 'object' && c.digest instanceof Uint8Array && 'layout' in c ? c : parseModelCommitment(o.commitment);
  } catch (e) {
    fail(`bad pinned commitment: ${(e as Error).message}`);
  }
  let publicKey: Uint8Array;
  try {
    publicKey = typeof o.publicKey === 'string' ? decodeKey(o.publicKey) : o.publicKey;
    keyIdOf(publicKey);
  } catch (e) {
    fail(`bad pinned public key: ${(e as Error).message}`);
  }
  return { commitment, digestHex: bytesToHex(commitment.digest), publicKey };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Verifies a proven chat completion response. See docs/HTTP.md for every check. */
export async function verifyResponse(response: Response | HttpMessageLike, opts: VerifyResponseOptions): Promise<VerifyResponseResult> {
  let proofId: string | undefined;
  try {
    const pinned = pin(opts);
    if (response === null || typeof response !== 'object') fail('response must be a fetch Response or { status, headers, body }');
    const status = response.status;
    if (typeof status !== 'number') fail('response has no status');
    const get = headerGetter(response.headers);
    const url = typeof response.url === 'string' && response.url !== '' ? response.url : undefined;
    const body = isFetchResponse(response) ? await readLimited(response, opts.maxBodyBytes ?? DEFAULT_MAX_BODY, 'response body') : toBytes((response as HttpMessageLike).body);
    if (body.length > (opts.maxBodyBytes ?? DEFAULT_MAX_BODY)) fail('response body too large');
    if (status !== 200) fail(`response status is ${status}, not 200`);
    const contentType = (get('content-type') ?? '').toLowerCase();
    const text = utf8(body, 'response body');
    const isStream = contentType.startsWith('text/event-stream') || (contentType === '' && /^(data|event|id|retry)?:/.test(text));
    const ctx = { opts, pinned, base: opts.baseUrl ?? url };
    if (isStream) {
      const r = await verifyStream(text, ctx, (id) => (proofId = id));
      return { ...r, kind: 'stream' };
    }
    const r = await verifyJson(status, body, text, get, ctx, (id) => (proofId = id));
    return { ...r, kind: 'json' };
  } catch (e) {
    const reason = e instanceof Invalid ? e.message : `verification error: ${(e as Error)?.message ?? String(e)}`;
    return proofId === undefined ? { valid: false, reason } : { valid: false, reason, proofId };
  }
}

interface Ctx {
  readonly opts: VerifyResponseOptions;
  readonly pinned: Pinned;
  readonly base: string | undefined;
}

async function verifyJson(status: number, body: Uint8Array, text: string, get: HeaderGet, ctx: Ctx, seen: (id: string) => void): Promise<VerifyResponseResult> {
  const { pinned } = ctx;
  const id = get('proof-id');
  if (id === undefined) fail('missing Proof-Id header');
  if (!isProofId(id)) fail('malformed Proof-Id header');
  seen(id);
  const model = get('zkllm-model');
  if (model === undefined) fail('missing Zkllm-Model header');
  if (model !== pinned.digestHex) fail(`Zkllm-Model ${model.slice(0, 16)}… is not the pinned model ${pinned.digestHex.slice(0, 16)}…`);
  const cd = checkDigestHeader(get('content-digest'), body);
  if (cd !== undefined) fail(`Content-Digest ${cd}`);
  const proofDigest = get('proof-digest');
  const sig = verifyMessageSignature({
    signatureInput: get('signature-input'),
    signature: get('signature'),
    publicKey: pinned.publicKey,
    resolve: (n) => (n === '@status' ? String(status) : get(n)),
    required: proofDigest === undefined ? RESPONSE_COMPONENTS : [...RESPONSE_COMPONENTS, 'proof-digest'],
    optional: ['proof-digest'],
    label: SIGNATURE_LABEL,
    now: ctx.opts.now,
    maxSkewSeconds: ctx.opts.maxSkewSeconds,
  });
  if (!sig.valid) fail(sig.reason);

  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    fail('response body is not JSON');
  }
  if (!isRecord(json)) fail('response body is not a JSON object');
  const choices = json['choices'];
  if (!Array.isArray(choices) || choices.length !== 1) fail('response must have exactly one choice');
  const message = isRecord(choices[0]) ? choices[0]['message'] : undefined;
  const content = isRecord(message) ? message['content'] : undefined;
  if (typeof content !== 'string') fail('choices[0].message.content is not a string');
  const z = json['zkllm'];
  if (!isRecord(z)) fail('response body has no zkllm object');
  if (z['proof_id'] !== id) fail('zkllm.proof_id does not match the Proof-Id header');
  if (z['model'] !== pinned.digestHex) fail('zkllm.model is not the pinned model');
  if (typeof z['prompt'] !== 'string') fail('zkllm.prompt is not a string');

  const link = parseProofLink(get('link'));
  const proof = await obtainProof(id, link, proofDigest, ctx);
  return checkStatement(proof, content, z['prompt'], id, ctx);
}

async function verifyStream(text: string, ctx: Ctx, seen: (id: string) => void): Promise<VerifyResponseResult> {
  const { pinned } = ctx;
  let events;
  try {
    events = parseSse(text);
  } catch (e) {
    fail(`malformed event stream: ${(e as Error).message}`);
  }
  let content = '';
  let frame: ProofFrame | undefined;
  let done = false;
  for (const ev of events) {
    if (done) fail('event after [DONE]');
    if (ev.event === 'proof') {
      if (frame !== undefined) fail('more than one proof frame');
      frame = parseFrame(ev.data);
      continue;
    }
    if (ev.event === 'error') fail(`stream reported an error: ${ev.data.slice(0, 200)}`);
    if (ev.event !== 'message') continue;
    if (ev.data === '[DONE]') {
      done = true;
      continue;
    }
    let chunk: unknown;
    try {
      chunk = JSON.parse(ev.data);
    } catch {
      fail('a stream chunk is not JSON');
    }
    if (!isRecord(chunk)) fail('a stream chunk is not a JSON object');
    if (isRecord(chunk['error'])) fail(`stream reported an error: ${String(chunk['error']['message'] ?? '').slice(0, 200)}`);
    const choices = chunk['choices'];
    if (!Array.isArray(choices)) fail('a stream chunk has no choices');
    if (choices.length === 0) continue;
    if (choices.length !== 1) fail('a stream chunk has more than one choice');
    const c = choices[0];
    if (!isRecord(c) || (c['index'] !== undefined && c['index'] !== 0)) fail('a stream chunk has a malformed choice');
    const delta = c['delta'];
    if (!isRecord(delta)) continue;
    const piece = delta['content'];
    if (piece === undefined || piece === null) continue;
    if (typeof piece !== 'string') fail('a chunk delta content is not a string');
    if (piece !== '' && frame !== undefined) fail('content after the proof frame');
    content += piece;
  }
  if (frame === undefined) fail('stream has no proof frame');
  if (!done) fail('stream ended without [DONE]');
  seen(frame.proof_id);
  if (frame.model !== pinned.digestHex) fail(`proof frame model ${frame.model.slice(0, 16)}… is not the pinned model`);
  const cd = checkDigestHeader(frame.content_digest, content);
  if (cd !== undefined) fail(`proof frame content_digest ${cd}`);
  const comps = new Map(proofFrameComponents(frame).map((c) => [c.name, c.value]));
  const sig = verifyMessageSignature({
    signatureInput: frame.signature_input,
    signature: frame.signature,
    publicKey: pinned.publicKey,
    resolve: (n) => comps.get(n),
    required: frame.proof_digest === undefined ? FRAME_COMPONENTS : [...FRAME_COMPONENTS, 'proof-digest'],
    optional: ['proof-digest'],
    tag: PROOF_FRAME_TAG,
    label: SIGNATURE_LABEL,
    now: ctx.opts.now,
    maxSkewSeconds: ctx.opts.maxSkewSeconds,
  });
  if (!sig.valid) fail(`proof frame: ${sig.reason}`);
  const proof = await obtainProof(frame.proof_id, frame.proof_url, frame.proof_digest, ctx);
  return checkStatement(proof, content, frame.prompt, frame.proof_id, ctx);
}

function parseFrame(data: string): ProofFrame {
  let v: unknown;
  try {
    v = JSON.parse(data);
  } catch {
    fail('proof frame is not JSON');
  }
  if (!isRecord(v)) fail('proof frame is not a JSON object');
  for (const k of ['proof_id', 'proof_url', 'content_digest', 'model', 'prompt', 'signature_input', 'signature'] as const) {
    if (typeof v[k] !== 'string') fail(`proof frame field ${k} is missing or not a string`);
  }
  if (v['proof_digest'] !== undefined && v['proof_digest'] !== null && typeof v['proof_digest'] !== 'string') fail('proof frame field proof_digest is not a string');
  if (!isProofId(v['proof_id'])) fail('proof frame has a malformed proof_id');
  const f = v as unknown as ProofFrame & { proof_digest?: string | null };
  return f.proof_digest === null ? { ...f, proof_digest: undefined } : f;
}

function resolveUrl(target: string, base: string | undefined): string {
  try {
    return new URL(target, base).toString();
  } catch {
    return fail(`cannot resolve the proof URL ${JSON.stringify(target.slice(0, 200))}${base === undefined ? ' (pass baseUrl, or the proof itself)' : ''}`);
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new Invalid('aborted'));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(new Invalid('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function retryAfterMs(value: string | null): number {
  const v = (value ?? '').trim();
  let s = 1;
  if (/^\d{1,6}$/.test(v)) s = Number(v);
  else if (v !== '') {
    const t = Date.parse(v);
    if (Number.isFinite(t)) s = (t - Date.now()) / 1000;
  }
  return Math.min(Math.max(s, 0.25), MAX_RETRY_AFTER_S) * 1000;
}

/**
 * The proof bytes: given directly, or fetched from the link (waiting while the server
 * answers 202). A fetched proof's own signed headers are checked; a digest the response
 * signed (sync mode) must match whichever bytes we end up with.
 */
async function obtainProof(id: string, link: string | undefined, signedDigest: string | undefined, ctx: Ctx): Promise<Uint8Array> {
  const { opts, pinned } = ctx;
  let bytes: Uint8Array;
  if (opts.proof !== undefined) {
    try {
      bytes = typeof opts.proof === 'string' ? fromBase64Url(opts.proof.trim(), opts.maxProofBytes ?? DEFAULT_MAX_PROOF) : opts.proof;
    } catch (e) {
      fail(`malformed proof: ${(e as Error).message}`);
    }
  } else {
    const fetchFn: FetchLike | undefined = opts.fetch ?? (typeof fetch === 'function' ? (u, i) => fetch(u, i) : undefined);
    if (fetchFn === undefined) fail('no fetch available to get the proof (pass fetch or proof)');
    const url = resolveUrl(link ?? proofPath(id), ctx.base);
    const deadline = Date.now() + (opts.proofTimeoutMs ?? 300_000);
    for (;;) {
      let res: Response;
      try {
        res = await fetchFn(url, { headers: { accept: 'application/octet-stream' }, ...(opts.signal ? { signal: opts.signal } : {}) });
      } catch (e) {
        fail(`could not fetch the proof: ${(e as Error).message}`);
      }
      if (res.status === 202) {
        await res.body?.cancel().catch(() => undefined);
        const wait = retryAfterMs(res.headers.get('retry-after'));
        if (Date.now() + wait > deadline) fail('proof still pending after the wait limit');
        await sleep(wait, opts.signal);
        continue;
      }
      if (res.status !== 200) {
        await res.body?.cancel().catch(() => undefined);
        fail(`proof fetch returned status ${res.status}`);
      }
      bytes = await readLimited(res, opts.maxProofBytes ?? DEFAULT_MAX_PROOF, 'proof');
      const h = (n: string) => res.headers.get(n) ?? undefined;
      if (h('proof-id') !== id) fail('proof resource Proof-Id does not match');
      if (h('zkllm-model') !== pinned.digestHex) fail('proof resource Zkllm-Model is not the pinned model');
      const pd = checkDigestHeader(h('proof-digest'), bytes);
      if (pd !== undefined) fail(`proof resource Proof-Digest ${pd}`);
      const cd = checkDigestHeader(h('content-digest'), bytes);
      if (cd !== undefined) fail(`proof resource Content-Digest ${cd}`);
      const sig = verifyMessageSignature({
        signatureInput: h('signature-input'),
        signature: h('signature'),
        publicKey: pinned.publicKey,
        resolve: (n) => (n === '@status' ? '200' : h(n)),
        required: PROOF_RESOURCE_COMPONENTS,
        label: SIGNATURE_LABEL,
        now: opts.now,
        maxSkewSeconds: opts.maxSkewSeconds,
      });
      if (!sig.valid) fail(`proof resource: ${sig.reason}`);
      break;
    }
  }
  if (signedDigest !== undefined) {
    const d = checkDigestHeader(signedDigest, bytes);
    if (d !== undefined) fail(`Proof-Digest ${d}`);
  }
  return bytes;
}

function checkStatement(proof: Uint8Array, content: string, prompt: string, proofId: string, ctx: Ctx): VerifyResponseResult {
  const { pinned } = ctx;
  // The pinned commitment was parsed (its digest recomputed) once in pin(); passing an
  // expectedDigest here would only parse the whole file again.
  const r = verifyProof(proof, pinned.commitment);
  if (!r.valid || r.statement === undefined) fail(`proof invalid: ${r.reason ?? 'no statement'}`);
  const st = r.statement;
  if (bytesToHex(st.modelDigest) !== pinned.digestHex) fail('the proof is for another model');
  const out = st.stop === 'eos' ? st.outputTokens.slice(0, -1) : st.outputTokens;
  let provenText: string, provenPrompt: string;
  try {
    provenText = decodeTokens(pinned.commitment, out);
    provenPrompt = decodeTokens(pinned.commitment, st.promptTokens);
  } catch (e) {
    fail(`cannot decode the proven tokens: ${(e as Error).message}`);
  }
  if (provenText !== content) fail('the response text is not the proven output');
  if (provenPrompt !== prompt) fail('the response prompt is not the proven prompt');
  if (ctx.opts.messages !== undefined) {
    let at = 0;
    for (const [i, m] of ctx.opts.messages.entries()) {
      const c = typeof m === 'string' ? m : isRecord(m) && typeof m.content === 'string' ? m.content : undefined;
      if (c === undefined) fail(`messages[${i}] has no string content`);
      const k = provenPrompt.indexOf(c, at);
      if (k < 0) fail(`messages[${i}] does not appear (in order) in the proven prompt`);
      at = k + c.length;
    }
  }
  return { valid: true, text: provenText, statement: st, proofId, prompt: provenPrompt };
}
