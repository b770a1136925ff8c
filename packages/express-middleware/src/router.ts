/**
 * `zkllm()`: an Express router serving an OpenAI-compatible chat API whose every answer
 * comes with a proof that the committed model produced it (greedy decoding).
 */
import { Router, type Request, type Response } from 'express';
import { proofLinkHeader, proofStreamFrame } from '@zkllm/verifier';
import type { Generation, StreamStep } from '@zkllm/core';
import { Engine, type ProofJob, type ZkllmOptions } from './engine.js';
import { ApiError, sendError, toApiError } from './errors.js';
import type { Reservation } from './pool.js';
import { PoolUnavailableError } from './pool.js';
import { errorHandler, jsonBody, modelList, mountProofRoutes, parseChat, proofUrl, route, sendSigned } from './routes.js';
import { planGeneration, type ChatRequest } from './validate.js';

export type { ZkllmOptions, ProofMode } from './engine.js';

/** The router, plus its lifecycle. */
export interface ZkllmRouter extends Router {
  /** Resolves when the prove workers are up and proofs left pending by an earlier run are queued. */
  readonly ready: Promise<void>;
  /** Model name, commitment digest and public key the router serves. */
  readonly info: { readonly modelName: string; readonly digest: string; readonly publicKey: string; readonly keyId: string };
  /** Queue counters (for health checks and tests). */
  stats(): { waiting: number; running: number; concurrency: number; maxQueue: number; available: boolean };
  /**
   * Stops accepting chat requests (503), stops the prove workers and waits for pending
   * store writes. Proofs still queued stay `pending` in the store and are proven by the
   * next server started on the same store; `drain: true` finishes them first.
   */
  close(opts?: { drain?: boolean }): Promise<void>;
}

export const finishReason = (g: Pick<Generation, 'stop'>): 'stop' | 'length' => (g.stop === 'eos' ? 'stop' : 'length');

export function usage(g: Pick<Generation, 'promptTokens' | 'tokens'>): { prompt_tokens: number; completion_tokens: number; total_tokens: number } {
  return { prompt_tokens: g.promptTokens.length, completion_tokens: g.tokens.length, total_tokens: g.promptTokens.length + g.tokens.length };
}

/** Waits for a sync-mode proof; undefined when the server shut down first (answer like async mode). */
export async function awaitProof(job: ProofJob): Promise<Uint8Array | undefined> {
  let result;
  try {
    result = await job.done;
  } catch (e) {
    if (e instanceof PoolUnavailableError) return undefined;
    throw e;
  }
  if (result.record.status !== 'ready' || result.proof === undefined) {
    throw new ApiError(500, `proving failed: ${result.record.error ?? 'unknown reason'}`, { code: 'proof_failed' });
  }
  return result.proof;
}

export function zkllm(options: ZkllmOptions = {}): ZkllmRouter {
  const engine = new Engine(options);
  const router = Router();
  mountProofRoutes(router, engine);
  router.get('/v1/models', modelList(engine));
  router.post(
    '/v1/chat/completions',
    ...jsonBody(engine),
    route(async (req, res) => {
      const chat = parseChat(engine, req.body);
      const plan = planGeneration(engine.model, chat, engine.defaultMaxTokens);
      if (!chat.stream) return jsonCompletion(engine, req, res, plan);
      // A stream reserves its proving slot before the first chunk: once it has started
      // it must be able to end with a proof.
      const slot = engine.reserve();
      try {
        await streamCompletion(engine, req, res, chat, plan, slot);
      } finally {
        slot.release();
      }
    }),
  );
  router.use(errorHandler);

  return Object.assign(router, {
    ready: engine.ready,
    info: { modelName: engine.modelName, digest: engine.digest, publicKey: Buffer.from(engine.key.publicKey).toString('base64url'), keyId: engine.key.keyId },
    stats: () => engine.pool.stats,
    close: (opts?: { drain?: boolean }) => engine.close(opts),
  });
}

async function jsonCompletion(engine: Engine, req: Request, res: Response, plan: { promptTokens: number[]; maxTokens: number }): Promise<void> {
  // Generating takes milliseconds; the queue is consulted after it, so a repeated
  // statement shares its proof even when the queue is full.
  const g = engine.model.generate({ tokens: plan.promptTokens }, { maxTokens: plan.maxTokens });
  const id = engine.newProofId();
  const job = await engine.startProof(id, g);
  const proof = engine.proofMode === 'sync' ? await awaitProof(job) : undefined;
  const created = Math.floor(Date.now() / 1000);
  sendSigned(engine, req, res, completionBody(engine, req, id, created, g), id, proof);
}

export function completionBody(engine: Engine, req: Request, id: string, created: number, g: Generation): object {
  return {
    id: `chatcmpl-${id}`,
    object: 'chat.completion',
    created,
    model: engine.modelName,
    choices: [{ index: 0, message: { role: 'assistant', content: g.text, refusal: null }, logprobs: null, finish_reason: finishReason(g) }],
    usage: usage(g),
    system_fingerprint: `zkllm-${engine.digest.slice(0, 16)}`,
    zkllm: { proof_id: id, proof_url: proofUrl(req, id), model: engine.digest, prompt: engine.model.decode(g.promptTokens) },
  };
}

async function streamCompletion(
  engine: Engine,
  req: Request,
  res: Response,
  chat: ChatRequest,
  plan: { promptTokens: number[]; maxTokens: number },
  slot: Reservation,
): Promise<void> {
  const id = engine.newProofId();
  const created = Math.floor(Date.now() / 1000);
  const abort = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) abort.abort(new Error('client disconnected'));
  });
  const url = proofUrl(req, id);
  res.status(200);
  res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
  res.setHeader('Cache-Control', 'no-cache');
  res.setHeader('X-Accel-Buffering', 'no');
  res.setHeader('Proof-Id', id);
  res.setHeader('Link', proofLinkHeader(url));
  // Unsigned here (the body is not known yet): the proof frame at the end signs these.
  res.setHeader('Zkllm-Model', engine.digest);
  res.flushHeaders();
  const base = { id: `chatcmpl-${id}`, object: 'chat.completion.chunk', created, model: engine.modelName, system_fingerprint: `zkllm-${engine.digest.slice(0, 16)}` };
  const send = (data: unknown): void => {
    if (!res.writableEnded) res.write(`data: ${JSON.stringify(data)}\n\n`);
  };
  try {
    send({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }] });
    const it = engine.model.stream({ tokens: plan.promptTokens }, { maxTokens: plan.maxTokens, signal: abort.signal });
    let streamed = '';
    let step: IteratorResult<StreamStep, Generation>;
    while (!(step = await it.next()).done) {
      const { delta } = step.value;
      if (delta === '') continue;
      streamed += delta;
      send({ ...base, choices: [{ index: 0, delta: { content: delta }, logprobs: null, finish_reason: null }] });
    }
    const g = step.value;
    // The content digest covers what was streamed, so the stream must add up to the text.
    if (g.text.startsWith(streamed) && g.text !== streamed) {
      const rest = g.text.slice(streamed.length);
      streamed += rest;
      send({ ...base, choices: [{ index: 0, delta: { content: rest }, logprobs: null, finish_reason: null }] });
    }
    send({ ...base, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: finishReason(g) }] });
    if (chat.includeUsage) send({ ...base, choices: [], usage: usage(g) });
    const job = await engine.startProof(id, g, slot);
    let proof: Uint8Array | undefined;
    if (engine.proofMode === 'sync') {
      // SSE comments keep proxies from closing a connection that is quiet while proving.
      const keepAlive = setInterval(() => {
        if (!res.writableEnded) res.write(': proving\n\n');
      }, 10_000);
      try {
        proof = await awaitProof(job);
      } finally {
        clearInterval(keepAlive);
      }
    }
    const frame = proofStreamFrame({ proofId: id, content: streamed, prompt: engine.model.decode(g.promptTokens), proof, modelDigest: engine.digest, secretKey: engine.key.secretKey, proofUrl: url });
    // OpenAI's SDK hands every SSE event's data to the caller as a chunk, named or not;
    // `choices: []` keeps the usual `chunk.choices[0]?.delta` loops working on this one.
    if (!res.writableEnded) res.write(`event: proof\ndata: ${JSON.stringify({ object: 'zkllm.proof', choices: [], ...frame })}\n\n`);
    if (!res.writableEnded) res.end('data: [DONE]\n\n');
  } catch (e) {
    if (abort.signal.aborted) {
      res.end();
      return;
    }
    // Headers are out: report in-band the way OpenAI streams do, then end the stream.
    const err = toApiError(e);
    if (!res.writableEnded) res.end(`data: ${JSON.stringify(err.body())}\n\n`);
  }
}

export { sendError };
