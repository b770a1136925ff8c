/**
 * `zkllmFhe()`: an Express router serving FHE-wrapped inference (docs/FHE.md). The
 * client keeps its prompt and its keys; this server holds the private linear weights,
 * evaluates them on the client's BFV ciphertexts and proves each session's evaluations
 * against the FHE commitment clients pin. It never holds a key, so it cannot decrypt
 * anything it receives, and its log (pluggable) records only ids, layer names and sizes.
 *
 *   GET    /v1/zkllm/fhe                          commitment and limits (JSON)
 *   POST   /v1/zkllm/fhe/sessions                 { id }
 *   POST   /v1/zkllm/fhe/sessions/:id/evaluate    ?linears=a,b&tokens=T&digits=D, ZKFC body
 *   POST   /v1/zkllm/fhe/sessions/:id/proof       proof of every call since the last one
 *   DELETE /v1/zkllm/fhe/sessions/:id
 *
 * Evaluation and proving are synchronous CPU work on the event loop, like `zkllm()`'s
 * generation: a deployment that serves many clients runs several processes.
 */
import express, { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import {
  FHE_BINARY_TYPE,
  FHE_HTTP_PATHS,
  FHE_PARTS_HEADER,
  FHE_SESSION_ID,
  FheServer,
  ZkModel,
  ciphertextListBytes,
  type FheHttpLimits,
  type FheServerInfo,
} from '@zkllm/core';
import { FHE_CALL_LIMITS, FheError, type FheLinearLayout, type FheParams } from '@zkllm/verifier';
import { ApiError, sendError, toApiError } from './errors.js';

/** One line of the server log: ids, layer names and sizes only, never payloads. */
export type FheLogEntry =
  | { readonly event: 'session.open'; readonly session: string; readonly sessions: number }
  | { readonly event: 'session.close'; readonly session: string; readonly reason: 'client' | 'expired' }
  | {
      readonly event: 'evaluate';
      readonly session: string;
      readonly linears: readonly string[];
      readonly tokens: number;
      readonly digits: number;
      readonly ciphertextsIn: number;
      readonly bytesIn: number;
      readonly ciphertextsOut: number;
      readonly bytesOut: number;
      readonly ms: number;
    }
  | { readonly event: 'proof'; readonly session: string; readonly calls: number; readonly bytes: number; readonly ms: number }
  | { readonly event: 'error'; readonly session?: string; readonly status: number; readonly code: string | null; readonly message: string };

export interface ZkllmFheOptions {
  /** The model whose linears are served: a ZkModel or a model directory (default: the bundled model). */
  readonly model?: ZkModel | string;
  /** A ready FheServer instead of `model` (its own `maxSessions` must exceed this router's). */
  readonly server?: FheServer;
  /** FHE parameter set (with `model`; default bfv-4096). */
  readonly params?: FheParams;
  /** Sessions held at once (default 16); beyond it, new sessions get 503 until one ends or expires. */
  readonly maxSessions?: number;
  /** Idle time after which a session and its unproven calls are dropped, ms (default 10 min). */
  readonly sessionTtlMs?: number;
  /** Largest evaluation body, bytes (default 32 MiB = 512 ciphertexts at N = 4096). */
  readonly maxRequestBytes?: number;
  /** Most token rows per evaluation (default 256). */
  readonly maxTokensPerCall?: number;
  /**
   * Ciphertext bytes (in + out) a session may accumulate before it must ask for a proof
   * (default 1 GiB): the server keeps every unproven call, since the proof hashes them.
   */
  readonly maxPendingBytes?: number;
  /** Server log; receives only ids, names and sizes (default: none). */
  readonly log?: (entry: FheLogEntry) => void;
}

export interface ZkllmFheRouter extends Router {
  /** The FHE commitment digest clients pin, and the model commitment it names. */
  readonly info: { readonly digest: string; readonly modelDigest: string; readonly limits: FheHttpLimits };
  readonly fheServer: FheServer;
  /** Number of open sessions. */
  sessions(): number;
  /** Drops every session and stops the expiry timer. */
  close(): void;
}

interface SessionState {
  lastUsed: number;
  pendingBytes: number;
}

const INTEGER = /^[1-9][0-9]{0,5}$/;

function intParam(v: unknown, name: string, max: number): number {
  if (typeof v !== 'string' || !INTEGER.test(v)) throw new ApiError(400, `query parameter '${name}' must be a positive integer`, { param: name, code: 'invalid_parameter' });
  const n = Number(v);
  if (n > max) throw new ApiError(400, `query parameter '${name}' is ${n}; this server accepts at most ${max}`, { param: name, code: 'invalid_parameter' });
  return n;
}

/** Builds the FHE server for `model`, linked (one-time proof) to its model commitment. */
function serverFor(opts: ZkllmFheOptions, maxSessions: number): FheServer {
  if (opts.server) return opts.server;
  const model = opts.model instanceof ZkModel ? opts.model : ZkModel.load(opts.model);
  return new FheServer(model.quantized, { model: model.commitment(), maxSessions: maxSessions + 1, ...(opts.params ? { params: opts.params } : {}) });
}

export function zkllmFhe(opts: ZkllmFheOptions = {}): ZkllmFheRouter {
  const maxSessions = opts.maxSessions ?? 16;
  const ttl = opts.sessionTtlMs ?? 10 * 60_000;
  const maxRequestBytes = opts.maxRequestBytes ?? 32 * 1024 * 1024;
  const maxTokensPerCall = Math.min(opts.maxTokensPerCall ?? 256, FHE_CALL_LIMITS.maxTokens);
  const maxPendingBytes = opts.maxPendingBytes ?? 1024 * 1024 * 1024;
  for (const [k, v] of Object.entries({ maxSessions, sessionTtlMs: ttl, maxRequestBytes, maxTokensPerCall, maxPendingBytes })) {
    if (!Number.isSafeInteger(v) || v < 1) throw new RangeError(`${k} must be a positive integer`);
  }
  // The router admits sessions itself (503 when full), so the core server's own LRU
  // eviction, which would silently drop a live session, never triggers.
  const fhe = serverFor(opts, maxSessions);
  const commitment = fhe.commitmentJson();
  const link = fhe.linkProof ? Buffer.from(fhe.linkProof).toString('base64') : undefined;
  const N = fhe.params.polyDegree;
  const limits: FheHttpLimits = { maxRequestBytes, maxTokensPerCall, sessionTtlMs: ttl, maxSessions };
  const log = opts.log ?? (() => {});
  const sessions = new Map<string, SessionState>();
  const short = (id: string) => id.slice(0, 8);

  const expire = () => {
    const now = Date.now();
    for (const [id, s] of sessions) {
      if (now - s.lastUsed > ttl) {
        sessions.delete(id);
        fhe.closeSession(id);
        log({ event: 'session.close', session: short(id), reason: 'expired' });
      }
    }
  };
  const timer = setInterval(expire, Math.max(1000, Math.min(ttl, 60_000)));
  timer.unref();

  const fail = (res: Response, e: unknown, session?: string) => {
    const err = e instanceof FheError ? new ApiError(400, e.message, { code: 'invalid_ciphertext' }) : toApiError(e);
    // Messages are ours (FheError, ApiError) or the generic 500 text: no payload bytes.
    log({ event: 'error', ...(session !== undefined ? { session: short(session) } : {}), status: err.status, code: err.code, message: err.message });
    if (err.code === 'internal_error') console.error('@zkllm/express (fhe): unexpected error:', e);
    sendError(res, err);
  };
  const handle =
    (fn: (req: Request, res: Response) => void | Promise<void>): RequestHandler =>
    (req, res) => {
      Promise.resolve()
        .then(() => fn(req, res))
        .catch((e: unknown) => fail(res, e, typeof req.params['id'] === 'string' ? req.params['id'] : undefined));
    };
  const session = (req: Request): string => {
    expire();
    const id = String(req.params['id'] ?? '');
    const s = FHE_SESSION_ID.test(id) ? sessions.get(id) : undefined;
    if (!s) throw new ApiError(404, 'unknown or expired FHE session; open a new one', { param: 'id', code: 'session_not_found' });
    s.lastUsed = Date.now();
    return id;
  };

  const router = Router();
  router.get(FHE_HTTP_PATHS.info, (_req, res) => {
    const body: FheServerInfo = { object: 'zkllm.fhe', commitment, limits, ...(link !== undefined ? { link } : {}) };
    res.setHeader('Cache-Control', 'no-cache');
    res.json(body);
  });

  router.post(
    FHE_HTTP_PATHS.sessions,
    handle((_req, res) => {
      expire();
      if (sessions.size >= maxSessions) throw new ApiError(503, `all ${maxSessions} FHE sessions are in use; retry later`, { code: 'sessions_exhausted', retryAfter: 5 });
      const id = fhe.openSession();
      sessions.set(id, { lastUsed: Date.now(), pendingBytes: 0 });
      log({ event: 'session.open', session: short(id), sessions: sessions.size });
      res.status(201).json({ object: 'zkllm.fhe.session', id, expires_after_ms: ttl });
    }),
  );

  // Validates the call's shape and the declared body size before a byte of it is read.
  const checkEvaluate: RequestHandler = (req, res, next) => {
    try {
      session(req);
      if (req.headers['content-type'] === undefined || req.is(FHE_BINARY_TYPE) === false) {
        throw new ApiError(415, `send the ciphertexts as ${FHE_BINARY_TYPE} (ZKFC wire format)`, { code: 'unsupported_media_type' });
      }
      const names = typeof req.query['linears'] === 'string' ? req.query['linears'].split(',') : [];
      if (names.length === 0 || names.length > FHE_CALL_LIMITS.maxLinearsPerCall || names.some((n) => n === '')) {
        throw new ApiError(400, `query parameter 'linears' must name 1..${FHE_CALL_LIMITS.maxLinearsPerCall} linears, comma separated`, { param: 'linears', code: 'invalid_parameter' });
      }
      const lins: FheLinearLayout[] = names.map((n) => {
        const l = fhe.commitment.layout.byName.get(n);
        if (!l) throw new ApiError(400, `unknown linear ${JSON.stringify(n.slice(0, 64))}`, { param: 'linears', code: 'unknown_linear' });
        return l;
      });
      if (new Set(names).size !== names.length || lins.some((l) => l.cols !== lins[0]!.cols)) {
        throw new ApiError(400, 'linears of one call must be distinct and take the same input width', { param: 'linears', code: 'invalid_parameter' });
      }
      const tokens = intParam(req.query['tokens'], 'tokens', maxTokensPerCall);
      const digits = intParam(req.query['digits'], 'digits', FHE_CALL_LIMITS.maxDigits);
      const count = tokens * digits * lins[0]!.chunks;
      const bytes = ciphertextListBytes(count, N);
      if (bytes > maxRequestBytes) {
        throw new ApiError(413, `${count} input ciphertexts are ${bytes} bytes; this server accepts at most ${maxRequestBytes} per request (send fewer tokens per call)`, { code: 'request_too_large' });
      }
      const declared = req.headers['content-length'];
      if (declared !== undefined && Number(declared) !== bytes) {
        throw new ApiError(400, `body is ${declared} bytes; ${count} ciphertexts of degree ${N} are ${bytes}`, { code: 'invalid_ciphertext' });
      }
      res.locals['call'] = { linears: names, tokens, digits, count, bytes };
      next();
    } catch (e) {
      fail(res, e, String(req.params['id'] ?? ''));
    }
  };
  const raw = express.raw({ type: FHE_BINARY_TYPE, limit: maxRequestBytes });

  router.post(
    FHE_HTTP_PATHS.evaluate(':id'),
    checkEvaluate,
    raw,
    handle((req, res) => {
      const id = session(req);
      const call = res.locals['call'] as { linears: string[]; tokens: number; digits: number; count: number; bytes: number };
      const body: unknown = req.body;
      if (!Buffer.isBuffer(body) || body.length !== call.bytes) {
        throw new ApiError(400, `body must be ${call.bytes} bytes (${call.count} ciphertexts of degree ${N})`, { code: 'invalid_ciphertext' });
      }
      const s = sessions.get(id)!;
      if (s.pendingBytes > maxPendingBytes) throw new ApiError(409, 'this session holds too many unproven calls; request a proof first', { code: 'proof_required' });
      if (fhe.pendingCalls(id) >= FHE_CALL_LIMITS.maxCalls) throw new ApiError(409, 'this session holds too many unproven calls; request a proof first', { code: 'proof_required' });
      const t0 = performance.now();
      const out = fhe.evaluate(id, { linears: call.linears, tokens: call.tokens, digits: call.digits, inputs: new Uint8Array(body.buffer, body.byteOffset, body.length) });
      const sizes = out.outputs.map((b) => b.length);
      const bytesOut = sizes.reduce((a, b) => a + b, 0);
      s.pendingBytes += call.bytes + bytesOut;
      const blocks = call.linears.reduce((a, n) => a + fhe.commitment.layout.byName.get(n)!.blocks, 0);
      log({
        event: 'evaluate',
        session: short(id),
        linears: call.linears,
        tokens: call.tokens,
        digits: call.digits,
        ciphertextsIn: call.count,
        bytesIn: call.bytes,
        ciphertextsOut: call.tokens * call.digits * blocks,
        bytesOut,
        ms: Math.round(performance.now() - t0),
      });
      res.status(200);
      res.setHeader('Content-Type', FHE_BINARY_TYPE);
      res.setHeader('Content-Length', String(bytesOut));
      res.setHeader(FHE_PARTS_HEADER, sizes.join(','));
      res.setHeader('Cache-Control', 'no-store');
      for (const b of out.outputs) res.write(b);
      res.end();
    }),
  );

  router.post(
    FHE_HTTP_PATHS.proof(':id'),
    handle((req, res) => {
      const id = session(req);
      const calls = fhe.pendingCalls(id);
      if (calls === 0) throw new ApiError(409, 'nothing to prove: no evaluations since the last proof', { code: 'nothing_to_prove' });
      const t0 = performance.now();
      const proof = fhe.prove(id);
      sessions.get(id)!.pendingBytes = 0;
      log({ event: 'proof', session: short(id), calls, bytes: proof.length, ms: Math.round(performance.now() - t0) });
      res.status(200);
      res.setHeader('Content-Type', FHE_BINARY_TYPE);
      res.setHeader('Content-Length', String(proof.length));
      res.setHeader('Cache-Control', 'no-store');
      res.end(proof);
    }),
  );

  router.delete(
    FHE_HTTP_PATHS.session(':id'),
    handle((req, res) => {
      const id = session(req);
      sessions.delete(id);
      fhe.closeSession(id);
      log({ event: 'session.close', session: short(id), reason: 'client' });
      res.status(204).end();
    }),
  );

  // Body-parser errors (too large, aborted) on the FHE routes, in OpenAI's error shape.
  router.use(FHE_HTTP_PATHS.info, (err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (err === undefined) {
      next();
      return;
    }
    fail(res, err, typeof req.params['id'] === 'string' ? req.params['id'] : undefined);
  });

  return Object.assign(router, {
    info: { digest: commitment.digest, modelDigest: commitment.modelDigest, limits },
    fheServer: fhe,
    sessions: () => sessions.size,
    close: () => {
      clearInterval(timer);
      for (const id of sessions.keys()) fhe.closeSession(id);
      sessions.clear();
    },
  });
}
