/**
 * Test support (not shipped, not in the browser bundle): a real proven exchange — the
 * bundled model, a real generation proof, a real Ed25519 key — rendered as the HTTP
 * responses the contract in docs/HTTP.md describes, using the package's own server-side
 * helpers. Tests tamper with these and expect the client to refuse.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ZkModel } from '@zkllm/core';
import {
  contentDigest,
  formatProofFrame,
  generateSigningKey,
  newProofId,
  proofPath,
  proofResourceHeaders,
  proofResponseHeaders,
  proofStreamFrame,
  type ModelCommitmentFile,
  type SigningKey,
} from '../src/index.js';

export interface ChatMessage {
  readonly role: 'system' | 'user' | 'assistant';
  readonly content: string;
}

export interface ProvenExchange {
  readonly model: ZkModel;
  readonly commitment: ModelCommitmentFile;
  readonly key: SigningKey;
  readonly messages: readonly ChatMessage[];
  readonly promptTokens: readonly number[];
  readonly tokens: readonly number[];
  readonly stop: 'eos' | 'length';
  /** The assistant text (EOS excluded), as the server returns it. */
  readonly text: string;
  /** model.decode(promptTokens): what `zkllm.prompt` carries. */
  readonly prompt: string;
  readonly proof: Uint8Array;
  readonly proofId: string;
}

let loaded: ZkModel | undefined;

/** Loads the bundled model once per test file, generates `maxTokens` tokens and proves them. */
export function makeExchange(messages: readonly ChatMessage[], maxTokens = 3, key: SigningKey = generateSigningKey()): ProvenExchange {
  loaded ??= ZkModel.load();
  const model = loaded;
  const commitment = model.commit();
  const g = model.generate({ messages }, { maxTokens, proof: true });
  return {
    model,
    commitment,
    key,
    messages,
    promptTokens: g.promptTokens,
    tokens: g.tokens,
    stop: g.stop,
    text: g.text,
    prompt: model.decode(g.promptTokens),
    proof: g.proof!,
    proofId: newProofId(),
  };
}

export interface WireResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export interface Overrides {
  readonly text?: string;
  readonly prompt?: string;
  readonly model?: string;
  readonly key?: SigningKey;
  readonly proofId?: string;
  readonly proof?: Uint8Array;
  /** Sync mode: the Proof-Digest is known when the response is sent (default true). */
  readonly sync?: boolean;
  readonly created?: number;
}

export function chatCompletionBody(ex: ProvenExchange, o: Overrides = {}): Record<string, unknown> {
  const id = o.proofId ?? ex.proofId;
  return {
    id: `chatcmpl-${id}`,
    object: 'chat.completion',
    created: 1_750_000_000,
    model: 'tiny-moby',
    choices: [{ index: 0, message: { role: 'assistant', content: o.text ?? ex.text }, finish_reason: ex.stop === 'eos' ? 'stop' : 'length' }],
    usage: { prompt_tokens: ex.promptTokens.length, completion_tokens: ex.tokens.length, total_tokens: ex.promptTokens.length + ex.tokens.length },
    zkllm: { proof_id: id, proof_url: proofPath(id), model: o.model ?? ex.commitment.digest, prompt: o.prompt ?? ex.prompt },
  };
}

/** A signed JSON chat completion. */
export function jsonResponse(ex: ProvenExchange, o: Overrides = {}): WireResponse {
  const body = JSON.stringify(chatCompletionBody(ex, o));
  const headers = proofResponseHeaders({
    status: 200,
    body,
    proofId: o.proofId ?? ex.proofId,
    proof: o.sync === false ? undefined : (o.proof ?? ex.proof),
    modelDigest: o.model ?? ex.commitment.digest,
    secretKey: (o.key ?? ex.key).secretKey,
    created: o.created,
  });
  return { status: 200, headers: { 'Content-Type': 'application/json', ...headers }, body };
}

/** A signed SSE stream: one chunk per character group, the proof frame, [DONE]. */
export function sseResponse(ex: ProvenExchange, o: Overrides & { readonly pieces?: readonly string[] } = {}): WireResponse {
  const text = o.text ?? ex.text;
  const pieces = o.pieces ?? (text.match(/.{1,3}/gsu) ?? []);
  const id = o.proofId ?? ex.proofId;
  const chunk = (delta: Record<string, unknown>, finish: string | null) =>
    `data: ${JSON.stringify({ id: `chatcmpl-${id}`, object: 'chat.completion.chunk', created: 1_750_000_000, model: 'tiny-moby', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  let body = chunk({ role: 'assistant', content: '' }, null);
  for (const p of pieces) body += chunk({ content: p }, null);
  body += chunk({}, ex.stop === 'eos' ? 'stop' : 'length');
  const frame = proofStreamFrame({
    proofId: id,
    content: pieces.join(''),
    prompt: o.prompt ?? ex.prompt,
    proof: o.sync === false ? undefined : (o.proof ?? ex.proof),
    modelDigest: o.model ?? ex.commitment.digest,
    secretKey: (o.key ?? ex.key).secretKey,
    created: o.created,
  });
  body += formatProofFrame(frame) + 'data: [DONE]\n\n';
  return { status: 200, headers: { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' }, body };
}

/** `GET /v1/zkllm/proofs/<id>`. */
export function proofResource(ex: ProvenExchange, o: Overrides = {}): { status: number; headers: Record<string, string>; body: Uint8Array } {
  const proof = o.proof ?? ex.proof;
  const headers = proofResourceHeaders({ proof, proofId: o.proofId ?? ex.proofId, modelDigest: o.model ?? ex.commitment.digest, secretKey: (o.key ?? ex.key).secretKey, created: o.created });
  return { status: 200, headers: { 'Content-Type': 'application/octet-stream', ...headers }, body: proof };
}

export { contentDigest };

export type Route = (req: IncomingMessage, body: Uint8Array) => { status: number; headers?: Record<string, string>; body?: string | Uint8Array } | undefined;

export interface TestServer {
  readonly url: string;
  readonly server: Server;
  /** Requests seen, as "METHOD path". */
  readonly log: string[];
  close(): Promise<void>;
}

/** A loopback HTTP server answering from `routes` (first non-undefined answer wins; else 404). */
export async function startServer(routes: Route[]): Promise<TestServer> {
  const log: string[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      log.push(`${req.method} ${req.url}`);
      const body = new Uint8Array(Buffer.concat(parts));
      let answer: ReturnType<Route>;
      try {
        for (const r of routes) if ((answer = r(req, body)) !== undefined) break;
      } catch (e) {
        answer = { status: 500, headers: { 'Content-Type': 'text/plain' }, body: String(e) };
      }
      answer ??= { status: 404, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ error: { message: 'not found' } }) };
      // One request per connection: a reused keep-alive socket that the server is closing
      // makes fetch fail with ECONNRESET, which would read as a verification failure.
      res.writeHead(answer.status, { ...(answer.headers ?? {}), Connection: 'close' });
      res.end(answer.body === undefined ? undefined : typeof answer.body === 'string' ? answer.body : Buffer.from(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    log,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Route helper: exact method and path. */
export function route(method: string, path: string, answer: (req: IncomingMessage, body: Uint8Array) => ReturnType<Route>): Route {
  return (req, body) => (req.method === method && (req.url ?? '').split('?')[0] === path ? answer(req, body) : undefined);
}
