/**
 * The FHE protocol over HTTP: paths shared with the server (`zkllmFhe()` in
 * @zkllm/express) and `HttpFheTransport`, the client side, on `fetch`.
 *
 * Ciphertexts travel as `application/octet-stream` bodies in our ZKFC wire format (the
 * exact bytes the proofs hash), never as JSON numbers: a request for one token is ~64 KB
 * per input chunk, and JSON would triple that and need a second, less strict parser.
 * Everything the client reads is bounded before it is buffered: the evaluation response
 * must have exactly the size the pinned layout implies, the proof and JSON bodies have
 * caps. See docs/FHE.md ("HTTP protocol").
 */
import {
  CIPHERTEXT_MAGIC,
  FheError,
  ciphertextWords,
  parseFheCommitment,
  type FheCommitmentJson,
  type FheWeightLayout,
} from '@zkllm/verifier';
import type { FheTransport } from './client.js';
import type { FheEvalRequest, FheEvalResponse } from './server.js';

/** Route paths, relative to where the server is mounted. */
export const FHE_HTTP_PATHS = {
  info: '/v1/zkllm/fhe',
  sessions: '/v1/zkllm/fhe/sessions',
  session: (id: string) => `/v1/zkllm/fhe/sessions/${id}`,
  evaluate: (id: string) => `/v1/zkllm/fhe/sessions/${id}/evaluate`,
  proof: (id: string) => `/v1/zkllm/fhe/sessions/${id}/proof`,
} as const;

/** Response header with the byte length of each linear's output list, comma separated. */
export const FHE_PARTS_HEADER = 'zkllm-fhe-parts';

export const FHE_BINARY_TYPE = 'application/octet-stream';

/** Session ids are 128 random bits in hex; anything else is refused before it reaches a URL. */
export const FHE_SESSION_ID = /^[0-9a-f]{32}$/;

/** `GET /v1/zkllm/fhe`. */
export interface FheServerInfo {
  readonly object: 'zkllm.fhe';
  readonly commitment: FheCommitmentJson;
  readonly limits: FheHttpLimits;
  /** Base64 link proof to the model commitment (fhe/link.ts), when the server has one. */
  readonly link?: string;
}

/** What a server accepts; clients read it to stay within bounds. */
export interface FheHttpLimits {
  /** Largest evaluation request body, bytes. */
  readonly maxRequestBytes: number;
  /** Most token rows per evaluation request. */
  readonly maxTokensPerCall: number;
  /** Sessions idle longer than this are dropped, ms. */
  readonly sessionTtlMs: number;
  readonly maxSessions: number;
}

/** Byte length of `encodeCiphertexts` of `count` ciphertexts of degree N. */
export function ciphertextListBytes(count: number, N: number): number {
  let header = CIPHERTEXT_MAGIC.length + 2;
  let c = count;
  do {
    header++;
    c = Math.floor(c / 128);
  } while (c > 0);
  return header + count * ciphertextWords(N) * 4;
}

/** Bytes of the evaluation response for `req`, per linear (what an honest server sends). */
export function expectedOutputBytes(layout: FheWeightLayout, req: Pick<FheEvalRequest, 'linears' | 'tokens' | 'digits'>): number[] {
  return req.linears.map((name) => {
    const l = layout.byName.get(name);
    if (!l) throw new FheError(`server has no linear '${name}'`);
    return ciphertextListBytes(req.tokens * req.digits * l.blocks, layout.polyDegree);
  });
}

/** The server answered with an HTTP error, or with something that is not a valid answer. */
export class FheHttpError extends Error {
  override name = 'FheHttpError';
  constructor(
    readonly status: number,
    message: string,
    readonly code: string | null = null,
  ) {
    super(message);
  }
}

type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

export interface HttpFheTransportOptions {
  /** Fetch implementation (default `globalThis.fetch`). */
  readonly fetch?: Fetch;
  /** Extra request headers (e.g. authorization). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Largest proof accepted, bytes (default 32 MiB; proofs of the bundled model are ~100 KB). */
  readonly maxProofBytes?: number;
  /** Largest JSON answer accepted, bytes (default 4 MiB). */
  readonly maxJsonBytes?: number;
  /** Per-request timeout, ms (default 600 000: proofs of long sessions take minutes). */
  readonly timeoutMs?: number;
}

/** Reads a body, failing as soon as it exceeds `limit` bytes (never buffers more). */
async function readBounded(res: Response, limit: number, what: string): Promise<Uint8Array> {
  const declared = res.headers.get('content-length');
  if (declared !== null && Number(declared) > limit) {
    await res.body?.cancel();
    throw new FheHttpError(res.status, `${what} is ${declared} bytes, more than the ${limit} allowed`);
  }
  if (!res.body) return new Uint8Array(0);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > limit) {
      await reader.cancel();
      throw new FheHttpError(res.status, `${what} exceeds ${limit} bytes`);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/** Client side of the FHE HTTP protocol. `baseUrl` is where the server is mounted (a trailing `/v1` is accepted). */
export class HttpFheTransport implements FheTransport {
  readonly baseUrl: string;
  private readonly fetchFn: Fetch;
  private readonly headers: Record<string, string>;
  private readonly maxProofBytes: number;
  private readonly maxJsonBytes: number;
  private readonly timeoutMs: number;
  private layout: FheWeightLayout | undefined;
  private linkProof: Uint8Array | undefined;
  /** Limits the server announced (after {@link commitment}). */
  limits: FheHttpLimits | undefined;

  constructor(baseUrl: string, opts: HttpFheTransportOptions = {}) {
    let u: URL;
    try {
      u = new URL(baseUrl);
    } catch {
      throw new TypeError(`not a URL: ${JSON.stringify(baseUrl)}`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new TypeError(`FHE server URL must be http(s), got ${u.protocol}`);
    this.baseUrl = baseUrl.replace(/\/+$/, '').replace(/\/v1$/, '');
    const f = opts.fetch ?? globalThis.fetch;
    if (typeof f !== 'function') throw new TypeError('no fetch available: pass fetch');
    this.fetchFn = (input, init) => f(input, init);
    this.headers = { ...opts.headers };
    this.maxProofBytes = opts.maxProofBytes ?? 32 * 1024 * 1024;
    this.maxJsonBytes = opts.maxJsonBytes ?? 4 * 1024 * 1024;
    this.timeoutMs = opts.timeoutMs ?? 600_000;
  }

  private async request(method: string, path: string, init: { body?: Uint8Array; accept: string; contentType?: string }): Promise<Response> {
    let res: Response;
    try {
      res = await this.fetchFn(this.baseUrl + path, {
        method,
        headers: { accept: init.accept, ...(init.contentType ? { 'content-type': init.contentType } : {}), ...this.headers },
        ...(init.body ? { body: init.body as Uint8Array<ArrayBuffer> } : {}),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      throw new FheHttpError(0, `${method} ${path}: ${(e as Error).message}`);
    }
    if (res.ok) return res;
    // Error bodies are read only as far as a short message needs.
    let message = `HTTP ${res.status}`;
    let code: string | null = null;
    try {
      const j = JSON.parse(new TextDecoder().decode(await readBounded(res, 64 * 1024, 'error body'))) as { error?: { message?: unknown; code?: unknown } };
      if (typeof j.error?.message === 'string') message = j.error.message;
      if (typeof j.error?.code === 'string') code = j.error.code;
    } catch {
      // Not our error shape: the status alone has to do.
    }
    throw new FheHttpError(res.status, `${method} ${path}: ${message}`, code);
  }

  private async json(res: Response, what: string): Promise<unknown> {
    const bytes = await readBounded(res, this.maxJsonBytes, what);
    try {
      return JSON.parse(new TextDecoder().decode(bytes));
    } catch {
      throw new FheHttpError(res.status, `${what} is not JSON`);
    }
  }

  private sessionPath(id: string, route: (id: string) => string): string {
    if (!FHE_SESSION_ID.test(id)) throw new FheError('malformed FHE session id');
    return route(id);
  }

  /** The server's FHE commitment (unchecked here: `FheClient.connect` checks it against the pin). */
  async commitment(): Promise<FheCommitmentJson> {
    const res = await this.request('GET', FHE_HTTP_PATHS.info, { accept: 'application/json' });
    const info = (await this.json(res, 'FHE server info')) as Partial<FheServerInfo> | null;
    if (typeof info !== 'object' || info === null || info.object !== 'zkllm.fhe' || typeof info.commitment !== 'object') {
      throw new FheHttpError(res.status, `${FHE_HTTP_PATHS.info} is not an FHE server description`);
    }
    // Parsed here only for the layout, which bounds every evaluation response.
    this.layout = parseFheCommitment(info.commitment).layout;
    this.limits = info.limits;
    this.linkProof = undefined;
    if (info.link !== undefined) {
      // Bounded by the JSON cap; the proof itself is checked by FheClient.connect.
      if (typeof info.link !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(info.link) || info.link.length % 4 !== 0) {
        throw new FheHttpError(res.status, `${FHE_HTTP_PATHS.info}: link is not base64`);
      }
      this.linkProof = Uint8Array.from(atob(info.link), (c) => c.charCodeAt(0));
    }
    return info.commitment;
  }

  /** The link proof served with the commitment (fetches the commitment first if needed). */
  async link(): Promise<Uint8Array | undefined> {
    if (!this.layout) await this.commitment();
    return this.linkProof;
  }

  async openSession(): Promise<string> {
    const res = await this.request('POST', FHE_HTTP_PATHS.sessions, { accept: 'application/json' });
    const j = (await this.json(res, 'session')) as { id?: unknown } | null;
    const id = j?.id;
    if (typeof id !== 'string' || !FHE_SESSION_ID.test(id)) throw new FheHttpError(res.status, 'server returned a malformed session id');
    return id;
  }

  async evaluate(session: string, req: FheEvalRequest): Promise<FheEvalResponse> {
    if (!this.layout) throw new FheError('fetch the commitment before evaluating');
    const expected = expectedOutputBytes(this.layout, req);
    const q = new URLSearchParams({ linears: req.linears.join(','), tokens: String(req.tokens), digits: String(req.digits) });
    const path = `${this.sessionPath(session, FHE_HTTP_PATHS.evaluate)}?${q.toString()}`;
    const res = await this.request('POST', path, { body: req.inputs, accept: FHE_BINARY_TYPE, contentType: FHE_BINARY_TYPE });
    const total = expected.reduce((s, b) => s + b, 0);
    const parts = (res.headers.get(FHE_PARTS_HEADER) ?? '').split(',').map((s) => s.trim());
    if (parts.length !== expected.length || parts.some((p, i) => p !== String(expected[i]))) {
      await res.body?.cancel();
      throw new FheHttpError(res.status, `evaluation response parts ${JSON.stringify(parts.join(','))} do not match the request (expected ${expected.join(',')})`);
    }
    const body = await readBounded(res, total, 'evaluation response');
    if (body.length !== total) throw new FheHttpError(res.status, `evaluation response is ${body.length} bytes, expected ${total}`);
    const outputs: Uint8Array[] = [];
    let o = 0;
    for (const n of expected) {
      outputs.push(body.subarray(o, o + n));
      o += n;
    }
    return { outputs };
  }

  async prove(session: string): Promise<Uint8Array> {
    const res = await this.request('POST', this.sessionPath(session, FHE_HTTP_PATHS.proof), { accept: FHE_BINARY_TYPE });
    return readBounded(res, this.maxProofBytes, 'proof');
  }

  async closeSession(session: string): Promise<void> {
    const res = await this.request('DELETE', this.sessionPath(session, FHE_HTTP_PATHS.session), { accept: 'application/json' });
    await res.body?.cancel();
  }
}
