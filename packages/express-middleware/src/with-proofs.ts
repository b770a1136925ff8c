/**
 * `withProofs(handler, opts)`: proofs for an existing OpenAI-style chat handler whose
 * model is a ZkModel.
 *
 * The handler runs unchanged; its JSON answer is captured before it reaches the client.
 * The middleware then re-derives the completion itself: it renders the same messages,
 * decodes greedily with the ZkModel, and looks for the generation whose text is exactly
 * the handler's `choices[0].message.content`. Only then is that generation proven and
 * the answer signed. An answer the ZkModel did not produce (another model, sampling,
 * post-processing) gets no proof: a 502 error by default, or (with
 * `onMismatch: 'passthrough'`) the handler's answer unchanged, without proof headers.
 */
import { Router, type Request, type RequestHandler, type Response } from 'express';
import type { Generation } from '@zkllm/core';
import { Engine, type ZkllmOptions } from './engine.js';
import { ApiError, sendError } from './errors.js';
import { awaitProof, finishReason, type ZkllmRouter } from './router.js';
import { errorHandler, jsonBody, mountProofRoutes, parseChat, proofUrl, route, sendSigned } from './routes.js';
import { planGeneration } from './validate.js';

export interface WithProofsOptions extends ZkllmOptions {
  /** What to do with an answer the ZkModel did not produce (default `'error'`: 502). */
  readonly onMismatch?: 'error' | 'passthrough';
}

interface Captured {
  status: number;
  headers: Record<string, string | number | readonly string[]>;
  body: Buffer;
}

/** Runs `handler` with a response whose status, headers and body are captured, not sent. */
function capture(handler: RequestHandler, req: Request, res: Response): Promise<Captured | 'next'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const toBuf = (c: unknown, enc?: unknown): Buffer =>
      Buffer.isBuffer(c) ? c : c instanceof Uint8Array ? Buffer.from(c) : Buffer.from(String(c), typeof enc === 'string' ? (enc as BufferEncoding) : 'utf8');
    const original = { write: res.write, end: res.end, writeHead: res.writeHead, flushHeaders: res.flushHeaders };
    const restore = (): void => {
      Object.assign(res, original);
    };
    let settled = false;
    const finish = (v: Captured | 'next' | Error): void => {
      if (settled) return;
      settled = true;
      const headers = res.getHeaders() as Captured['headers'];
      restore();
      if (v instanceof Error) reject(v);
      else if (v === 'next') resolve(v);
      else resolve({ ...v, headers });
    };
    res.write = ((chunk: unknown, enc?: unknown, cb?: unknown): boolean => {
      if (chunk !== undefined && chunk !== null) chunks.push(toBuf(chunk, enc));
      const done = typeof enc === 'function' ? enc : cb;
      if (typeof done === 'function') queueMicrotask(() => (done as () => void)());
      return true;
    }) as Response['write'];
    res.end = ((chunk?: unknown, enc?: unknown, cb?: unknown): Response => {
      if (chunk !== undefined && chunk !== null && typeof chunk !== 'function') chunks.push(toBuf(chunk, enc));
      finish({ status: res.statusCode, headers: {}, body: Buffer.concat(chunks) });
      const done = typeof chunk === 'function' ? chunk : typeof enc === 'function' ? enc : cb;
      if (typeof done === 'function') queueMicrotask(() => (done as () => void)());
      return res;
    }) as Response['end'];
    res.writeHead = ((status: number, ...rest: unknown[]): Response => {
      res.statusCode = status;
      const h = rest.find((r) => typeof r === 'object' && r !== null);
      if (h !== undefined && !Array.isArray(h)) for (const [k, v] of Object.entries(h as Record<string, string>)) res.setHeader(k, v);
      return res;
    }) as Response['writeHead'];
    res.flushHeaders = (): void => undefined;
    try {
      const r: unknown = handler(req, res, (err?: unknown) => finish(err === undefined || err === 'route' || err === 'router' ? 'next' : err instanceof Error ? err : new Error(String(err))));
      if (r instanceof Promise) r.catch((e: unknown) => finish(e instanceof Error ? e : new Error(String(e))));
    } catch (e) {
      finish(e instanceof Error ? e : new Error(String(e)));
    }
  });
}

function assistantText(body: Buffer): { json: Record<string, unknown>; content: string } | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  const choices = (json as Record<string, unknown>)['choices'];
  if (!Array.isArray(choices) || choices.length !== 1) return undefined;
  const message = (choices[0] as Record<string, unknown> | null)?.['message'] as Record<string, unknown> | undefined;
  const content = message?.['content'];
  return typeof content === 'string' ? { json: json as Record<string, unknown>, content } : undefined;
}

/**
 * The greedy generation (at most `maxTokens` tokens) whose text is exactly `content`,
 * or undefined. Greedy decoding is deterministic, so a prefix of the longest run is the
 * shorter run: one decode covers every length the handler may have used.
 */
function rederive(engine: Engine, promptTokens: number[], maxTokens: number, content: string): Generation | undefined {
  const full = engine.model.generate({ tokens: promptTokens }, { maxTokens });
  if (full.text === content) return full;
  const eos = engine.model.eosTokenId;
  const produced = full.stop === 'eos' ? full.tokens.slice(0, -1) : full.tokens;
  for (let k = 1; k <= produced.length; k++) {
    const tokens = produced.slice(0, k);
    if (engine.model.decode(tokens) !== content) continue;
    // A shorter run stops on length, unless its next greedy token is EOS.
    if (k === produced.length && full.stop === 'eos' && eos !== undefined) return { ...full, tokens: [...tokens, eos], text: content };
    return { text: content, promptTokens, tokens, stop: 'length' };
  }
  return undefined;
}

/**
 * Wraps an OpenAI-style chat handler (a request handler or a router) so its JSON chat
 * completions carry proofs. Returns a router serving `POST /v1/chat/completions` through
 * the handler, `GET /v1/zkllm/model` and `GET /v1/zkllm/proofs/:id` (and, for a wrapped
 * router, its other routes unchanged); mount it where the handler was.
 * Streaming requests (`stream: true`) are rejected with 400: serve them with `zkllm()`.
 */
export function withProofs(handler: RequestHandler | Router, options: WithProofsOptions = {}): ZkllmRouter {
  const engine = new Engine(options);
  const onMismatch = options.onMismatch ?? 'error';
  const inner = handler as RequestHandler;
  const router = Router();
  mountProofRoutes(router, engine);
  router.post(
    '/v1/chat/completions',
    ...jsonBody(engine),
    route(async (req, res) => {
      const chat = parseChat(engine, req.body);
      if (chat.stream) throw new ApiError(400, 'streaming is not proven by withProofs(); send stream: false', { param: 'stream', code: 'unsupported_value' });
      const plan = planGeneration(engine.model, chat, engine.maxTokens);
      const slot = engine.reserve();
      try {
        const out = await capture(inner, req, res);
        if (out === 'next') throw new ApiError(404, 'the wrapped handler did not answer this request', { code: 'not_found' });
        const passthrough = (): void => {
          res.status(out.status);
          for (const [k, v] of Object.entries(out.headers)) res.setHeader(k, v);
          res.end(out.body);
        };
        if (out.status !== 200) return passthrough();
        const parsed = assistantText(out.body);
        const g = parsed && rederive(engine, plan.promptTokens, plan.maxTokens, parsed.content);
        if (parsed === undefined || g === undefined) {
          if (onMismatch === 'passthrough') return passthrough();
          throw new ApiError(502, 'the wrapped handler answered with text the committed model does not produce for these messages; no proof can be attached', {
            type: 'server_error',
            code: 'unproven_completion',
          });
        }
        const id = engine.newProofId();
        const job = await engine.startProof(id, g, slot);
        const proof = engine.proofMode === 'sync' ? await awaitProof(job) : undefined;
        const choice = (parsed.json['choices'] as Record<string, unknown>[])[0]!;
        const payload = {
          ...parsed.json,
          choices: [{ ...choice, finish_reason: choice['finish_reason'] ?? finishReason(g) }],
          zkllm: { proof_id: id, proof_url: proofUrl(req, id), model: engine.digest, prompt: engine.model.decode(g.promptTokens) },
        };
        const keep: Record<string, string> = {};
        for (const [k, v] of Object.entries(out.headers)) {
          if (!/^(content-length|content-type|etag|content-digest|signature|signature-input|proof-id|proof-digest|link|zkllm-model)$/i.test(k)) keep[k] = String(v);
        }
        sendSigned(engine, req, res, payload, id, proof, keep);
      } finally {
        slot.release();
      }
    }),
  );
  // A wrapped router keeps serving its other routes untouched; a plain handler only
  // ever sees chat completions.
  if (Array.isArray((handler as { stack?: unknown }).stack)) router.use(inner);
  router.use(errorHandler);
  return Object.assign(router, {
    ready: engine.ready,
    info: { modelName: engine.modelName, digest: engine.digest, publicKey: Buffer.from(engine.key.publicKey).toString('base64url'), keyId: engine.key.keyId },
    stats: () => engine.pool.stats,
    close: (opts?: { drain?: boolean }) => engine.close(opts),
  });
}

export { sendError };
