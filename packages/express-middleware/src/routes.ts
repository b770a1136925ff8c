/**
 * HTTP handlers shared by `zkllm()` and `withProofs()`: the model and proof resources,
 * request parsing, and the signed JSON response.
 */
import express, { type NextFunction, type Request, type RequestHandler, type Response, type Router } from 'express';
import { isProofId, PROTOCOL_VERSION, encodeKey, proofPath, proofResourceHeaders, proofResponseHeaders } from '@zkllm/verifier';
import type { Engine } from './engine.js';
import { ApiError, sendError, toApiError } from './errors.js';
import { ProofStoreError } from './store.js';
import { parseChatRequest, type ChatRequest } from './validate.js';

/** Wraps an async handler so every error becomes an OpenAI-shaped JSON error. */
export function route(fn: (req: Request, res: Response) => Promise<void>): RequestHandler {
  return (req, res) => {
    fn(req, res).catch((e: unknown) => sendError(res, reported(e)));
  };
}

/** Unexpected errors are logged (the client gets a 500 that does not leak internals). */
function reported(e: unknown): ApiError {
  const err = toApiError(e);
  if (err.code === 'internal_error') console.error('@zkllm/express: unexpected error:', e);
  return err;
}

/**
 * Lets cross-origin browser clients read the proof headers once the app enables CORS
 * (a CORS response hides every header not listed here).
 */
export const exposeProofHeaders: RequestHandler = (_req, res, next) => {
  res.setHeader('Access-Control-Expose-Headers', 'Proof-Id, Link, Proof-Digest, Content-Digest, Zkllm-Model, Signature-Input, Signature, Retry-After');
  next();
};

/** Error middleware for body-parser errors and anything a handler let through. */
export function errorHandler(err: unknown, _req: Request, res: Response, _next: NextFunction): void {
  sendError(res, reported(err));
}

/** JSON body parsing with a 415 for other content types (express.json alone would skip them). */
export function jsonBody(engine: Engine): RequestHandler[] {
  const parse = express.json({ limit: engine.bodyLimit, strict: true, type: 'application/json' });
  const requireJson: RequestHandler = (req, res, next) => {
    if (req.is('application/json') === false || req.headers['content-type'] === undefined) {
      sendError(res, new ApiError(415, 'send the request body as JSON with Content-Type: application/json', { code: 'unsupported_media_type' }));
      return;
    }
    next();
  };
  return [requireJson, parse];
}

/** Where the proof of `id` is served, relative to the router's mount point. */
export function proofUrl(req: Request, id: string): string {
  return req.baseUrl + proofPath(id);
}

export function modelInfo(engine: Engine): RequestHandler {
  return (_req, res) => {
    res.setHeader('Cache-Control', 'no-cache');
    res.json({
      object: 'zkllm.model',
      id: engine.modelName,
      digest: engine.digest,
      commitment: engine.commitment,
      public_key: encodeKey(engine.key.publicKey),
      key_id: engine.key.keyId,
      alg: 'ed25519',
      protocol_version: PROTOCOL_VERSION,
    });
  };
}

/** OpenAI's model list, so clients that list models first find ours. */
export function modelList(engine: Engine): RequestHandler {
  return (_req, res) => {
    res.json({ object: 'list', data: [{ id: engine.modelName, object: 'model', created: 0, owned_by: 'zkllm' }] });
  };
}

export function proofResource(engine: Engine): RequestHandler {
  return route(async (req, res) => {
    const id = String(req.params['id'] ?? '');
    const notFound = new ApiError(404, `no proof with id ${JSON.stringify(id.slice(0, 64))}`, { code: 'proof_not_found', param: 'id' });
    if (!isProofId(id)) throw notFound;
    let stored;
    try {
      stored = await engine.store.get(id);
    } catch (e) {
      if (e instanceof ProofStoreError) throw new ApiError(500, `the stored proof is unreadable: ${e.message}`, { code: 'proof_corrupted' });
      throw e;
    }
    if (stored === undefined) throw notFound;
    const { record, proof } = stored;
    if (record.status === 'pending') {
      res.status(202).setHeader('Retry-After', String(engine.retryAfter())).setHeader('Cache-Control', 'no-store');
      res.setHeader('Proof-Id', id);
      res.json({ object: 'zkllm.proof', id, status: 'pending' });
      return;
    }
    if (record.status === 'failed' || proof === undefined) {
      throw new ApiError(500, `proving failed: ${record.error ?? 'unknown reason'}`, { code: 'proof_failed' });
    }
    const headers = proofResourceHeaders({ proof, proofId: id, modelDigest: record.model, secretKey: engine.key.secretKey });
    res.status(200);
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    res.setHeader('Content-Type', 'application/octet-stream');
    res.setHeader('Content-Length', String(proof.length));
    res.setHeader('Cache-Control', 'private, max-age=86400, immutable');
    res.end(proof);
  });
}

/** Sends `payload` as the exact bytes the signature's Content-Digest covers. */
export function sendSigned(
  engine: Engine,
  req: Request,
  res: Response,
  payload: unknown,
  id: string,
  proof: Uint8Array | undefined,
  extraHeaders: Record<string, string> = {},
): void {
  const body = Buffer.from(JSON.stringify(payload), 'utf8');
  const headers = proofResponseHeaders({
    status: 200,
    body,
    proofId: id,
    proof,
    modelDigest: engine.digest,
    secretKey: engine.key.secretKey,
    proofUrl: proofUrl(req, id),
  });
  res.status(200);
  for (const [k, v] of Object.entries({ ...extraHeaders, ...headers })) res.setHeader(k, v);
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', String(body.length));
  res.setHeader('Cache-Control', 'no-store');
  res.end(body);
}

/** The routes every entry point serves: the model's commitment and key, and the proof resource (proof headers exposed to browsers). */
export function mountProofRoutes(router: Router, engine: Engine): void {
  router.use(['/v1/chat/completions', '/v1/zkllm'], exposeProofHeaders);
  router.get('/v1/zkllm/model', modelInfo(engine));
  router.get('/v1/zkllm/proofs/:id', proofResource(engine));
}

/** A chat completion request checked against this server's limits. */
export function parseChat(engine: Engine, body: unknown): ChatRequest {
  return parseChatRequest(body, { modelName: engine.modelName, maxTokens: engine.maxTokens, maxMessages: engine.maxMessages, maxPromptChars: 64 * 1024 });
}
