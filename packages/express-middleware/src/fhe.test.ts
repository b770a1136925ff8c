/**
 * zkllmFhe() over loopback HTTP with two small linears (fast to commit and prove), and
 * HttpFheTransport against it and against a misbehaving server: real encryption, real
 * proofs, limits and error shapes.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FheClient, FheHttpError, FheServer, HttpFheTransport, SealSession, ciphertextListBytes, type QLinear } from '@zkllm/core';
import { DEFAULT_FHE_PARAMS, encodeCiphertexts } from '@zkllm/verifier';
import { zkllmFhe, type FheLogEntry, type ZkllmFheOptions, type ZkllmFheRouter } from './index.js';

function linear(name: string, rows: number, cols: number, seed: number): QLinear {
  let s = seed;
  // Deterministic weights in [-127, 127] (a small LCG is enough for test data).
  const w = Int8Array.from({ length: rows * cols }, () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return (s % 255) - 127;
  });
  return { name, rows, cols, w, scale: new Float64Array(rows).fill(1), bias: undefined };
}

const LINEARS = [linear('a', 12, 20, 1), linear('b', 7, 20, 2), linear('c', 5, 12, 3)];
const N = DEFAULT_FHE_PARAMS.polyDegree;
const servers: Server[] = [];
const routers: ZkllmFheRouter[] = [];

async function serve(app: Express): Promise<string> {
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  server.keepAliveTimeout = 600_000;
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

let fheServer: FheServer;
async function start(opts: Omit<ZkllmFheOptions, 'server'> = {}): Promise<{ url: string; router: ZkllmFheRouter }> {
  const router = zkllmFhe({ server: fheServer, ...opts });
  routers.push(router);
  const app = express();
  app.use(router);
  return { url: await serve(app), router };
}

beforeAll(() => {
  fheServer = new FheServer(LINEARS, { maxSessions: 1000 });
});

afterAll(async () => {
  for (const r of routers) r.close();
  await Promise.all(
    servers.map((s) => {
      const closed = new Promise((r) => s.close(r));
      s.closeAllConnections();
      return closed;
    }),
  );
});

async function openSession(url: string): Promise<Response> {
  return fetch(`${url}/v1/zkllm/fhe/sessions`, { method: 'POST' });
}

async function errorOf(r: Response): Promise<{ message: string; type: string; param: string | null; code: string | null }> {
  const j = (await r.json()) as { error: { message: string; type: string; param: string | null; code: string | null } };
  return j.error;
}

describe('zkllmFhe()', () => {
  it('serves linear layers on ciphertexts to FheClient over HTTP, proven and verified; logs sizes only', async () => {
    const log: FheLogEntry[] = [];
    const { url, router } = await start({ log: (e) => log.push(e) });
    const info = (await (await fetch(`${url}/v1/zkllm/fhe`)).json()) as { object: string; commitment: { digest: string }; limits: { maxSessions: number } };
    expect(info.object).toBe('zkllm.fhe');
    expect(info.commitment.digest).toBe(router.info.digest);
    expect(info.limits.maxSessions).toBe(16);
    const client = await FheClient.connect(new HttpFheTransport(url), { pin: router.info.digest });
    const x = Int32Array.from({ length: 2 * 20 }, (_, i) => ((i * 37) % 200) - 100);
    const [ya, yb] = await client.linear(['a', 'b'], x, 2);
    for (const [l, y] of [
      [LINEARS[0]!, ya!],
      [LINEARS[1]!, yb!],
    ] as const) {
      for (let t = 0; t < 2; t++) {
        for (let r = 0; r < l.rows; r++) {
          let s = 0;
          for (let c = 0; c < l.cols; c++) s += l.w[r * l.cols + c]! * x[t * 20 + c]!;
          expect(y[t * l.rows + r]).toBe(s);
        }
      }
    }
    const v = await client.verify();
    expect(v.proofBytes).toBeGreaterThan(0);
    expect(router.sessions()).toBe(1);
    await client.close();
    expect(router.sessions()).toBe(0);
    expect(log.map((e) => e.event)).toEqual(['session.open', 'evaluate', 'proof', 'session.close']);
    const ev = log[1] as Extract<FheLogEntry, { event: 'evaluate' }>;
    expect(ev).toMatchObject({ linears: ['a', 'b'], tokens: 2, digits: 1, ciphertextsIn: 2, ciphertextsOut: 4 });
    expect(ev.bytesIn).toBe(ciphertextListBytes(2, N));
    expect(ev.bytesOut).toBe(2 * ciphertextListBytes(2, N));
  });

  it('rejects malformed requests with OpenAI-shaped 4xx errors', async () => {
    const { url } = await start({ maxRequestBytes: 3 * 4 * N * 4, maxTokensPerCall: 4 });
    const { id } = (await (await openSession(url)).json()) as { id: string };
    const seal = await SealSession.create(DEFAULT_FHE_PARAMS);
    const one = encodeCiphertexts([seal.encrypt([1, 2, 3])], N);
    const ev = (q: string, body: Uint8Array = one, headers: Record<string, string> = { 'content-type': 'application/octet-stream' }) =>
      fetch(`${url}/v1/zkllm/fhe/sessions/${id}/evaluate?${q}`, { method: 'POST', headers, body: body as Uint8Array<ArrayBuffer> });
    const cases: Array<[() => Promise<Response>, number, string, RegExp]> = [
      [() => ev('linears=a&tokens=1'), 400, 'invalid_parameter', /digits/],
      [() => ev('linears=a&tokens=0&digits=1'), 400, 'invalid_parameter', /tokens/],
      [() => ev('linears=a&tokens=abc&digits=1'), 400, 'invalid_parameter', /tokens/],
      [() => ev('linears=a&tokens=5&digits=1'), 400, 'invalid_parameter', /at most 4/],
      [() => ev('linears=a&tokens=1&digits=9'), 400, 'invalid_parameter', /at most 8/],
      [() => ev('linears=a&linears=b&tokens=1&digits=1'), 400, 'invalid_parameter', /linears/],
      [() => ev('linears=a,a&tokens=1&digits=1'), 400, 'invalid_parameter', /distinct/],
      [() => ev('linears=a,c&tokens=1&digits=1'), 400, 'invalid_parameter', /same input width/],
      [() => ev('linears=zzz&tokens=1&digits=1'), 400, 'unknown_linear', /unknown linear/],
      [() => ev('linears=a&tokens=4&digits=1'), 413, 'request_too_large', /at most/],
      [() => ev('linears=a&tokens=2&digits=1'), 400, 'invalid_ciphertext', /bytes/],
      [() => ev('linears=a&tokens=1&digits=1', one, {}), 415, 'unsupported_media_type', /octet-stream/],
      [() => ev('linears=a&tokens=1&digits=1', Uint8Array.from(one).fill(0xff, 9, 13)), 400, 'invalid_ciphertext', /not canonical/],
      [() => ev('linears=a&tokens=1&digits=1', Uint8Array.from(one).fill(0x42, 0, 4)), 400, 'invalid_ciphertext', /bad magic/],
      [() => fetch(`${url}/v1/zkllm/fhe/sessions/${id}/proof`, { method: 'POST' }), 409, 'nothing_to_prove', /nothing to prove/],
      [() => fetch(`${url}/v1/zkllm/fhe/sessions/not-a-session/proof`, { method: 'POST' }), 404, 'session_not_found', /session/],
      [() => fetch(`${url}/v1/zkllm/fhe/sessions/${'a'.repeat(32)}`, { method: 'DELETE' }), 404, 'session_not_found', /session/],
    ];
    for (const [send, status, code, message] of cases) {
      const r = await send();
      expect(r.status, message.source).toBe(status);
      expect(r.headers.get('content-type')).toMatch(/^application\/json/);
      const e = await errorOf(r);
      expect(e.code).toBe(code);
      expect(e.message).toMatch(message);
      expect(e.type).toBe(status === 404 ? 'not_found_error' : 'invalid_request_error');
    }
    // A chunked body (no Content-Length) larger than the limit is cut off by the parser.
    const big = new Uint8Array(4 * 4 * N * 4);
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(big);
        c.close();
      },
    });
    const r = await fetch(`${url}/v1/zkllm/fhe/sessions/${id}/evaluate?linears=a&tokens=1&digits=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(r.status).toBe(413);
    expect((await errorOf(r)).code).toBe('request_too_large');
    // After all that, the session still evaluates a good request.
    const ok = await ev('linears=a&tokens=1&digits=1');
    expect(ok.status).toBe(200);
    expect(ok.headers.get('zkllm-fhe-parts')).toMatch(/^\d+$/);
    await ok.arrayBuffer();
  });

  it('limits sessions (503 with Retry-After) and expires idle ones', async () => {
    const { url, router } = await start({ maxSessions: 2 });
    expect((await openSession(url)).status).toBe(201);
    expect((await openSession(url)).status).toBe(201);
    const full = await openSession(url);
    expect(full.status).toBe(503);
    expect(full.headers.get('retry-after')).toBe('5');
    expect((await errorOf(full)).code).toBe('sessions_exhausted');
    router.close();

    const log: FheLogEntry[] = [];
    const short = await start({ sessionTtlMs: 1, log: (e) => log.push(e) });
    const { id } = (await (await openSession(short.url)).json()) as { id: string };
    await new Promise((r) => setTimeout(r, 20));
    const gone = await fetch(`${short.url}/v1/zkllm/fhe/sessions/${id}/proof`, { method: 'POST' });
    expect(gone.status).toBe(404);
    expect(log.some((e) => e.event === 'session.close' && e.reason === 'expired')).toBe(true);
    expect(() => fheServer.pendingCalls(id)).toThrow(/unknown or expired/);
  });
});

describe('HttpFheTransport against a misbehaving server', () => {
  let honest: { url: string; router: ZkllmFheRouter };
  beforeAll(async () => {
    honest = await start();
  });

  /** A server that answers the info request honestly and everything else with `evaluate`. */
  async function evil(evaluate: express.RequestHandler, session = 'ab'.repeat(16)): Promise<string> {
    const app = express();
    app.get('/v1/zkllm/fhe', async (_req, res) => {
      res.json(await (await fetch(`${honest.url}/v1/zkllm/fhe`)).json());
    });
    app.post('/v1/zkllm/fhe/sessions', (_req, res) => {
      res.status(201).json({ id: session });
    });
    app.post('/v1/zkllm/fhe/sessions/:id/evaluate', evaluate);
    return serve(app);
  }

  const x = Int32Array.from({ length: 20 }, (_, i) => i - 10);

  it('refuses answers of the wrong size, a wrong parts header, bad session ids and non-JSON', async () => {
    const big = await evil((req, res) => {
      req.resume();
      res.setHeader('zkllm-fhe-parts', String(4 * 4 * N * 4 + 7));
      res.end(Buffer.alloc(4 * 4 * N * 4 + 7));
    });
    const c1 = await FheClient.connect(new HttpFheTransport(big), { pin: honest.router.info.digest });
    await expect(c1.linear(['a'], x, 1)).rejects.toThrow(/parts .* do not match/);

    const liar = await evil((req, res) => {
      req.resume();
      // Announces the expected size, then sends more bytes than announced.
      res.setHeader('zkllm-fhe-parts', String(7 + 4 * N * 4));
      res.end(Buffer.alloc(10 * 4 * N * 4));
    });
    const c2 = await FheClient.connect(new HttpFheTransport(liar), { pin: honest.router.info.digest });
    await expect(c2.linear(['a'], x, 1)).rejects.toThrow(FheHttpError);

    const badId = await evil((_req, res) => res.end(), '../../etc');
    await expect(FheClient.connect(new HttpFheTransport(badId), { pin: honest.router.info.digest })).rejects.toThrow(/malformed session id/);

    const app = express();
    app.get('/v1/zkllm/fhe', (_req, res) => res.type('text/html').send('<html>hello</html>'));
    const html = await serve(app);
    await expect(FheClient.connect(new HttpFheTransport(html))).rejects.toThrow(/not JSON/);
    const down = new HttpFheTransport('http://127.0.0.1:9');
    await expect(down.commitment()).rejects.toThrow(FheHttpError);
    expect(() => new HttpFheTransport('file:///etc/passwd')).toThrow(/http/);
  });

  it('passes the server error message and code through', async () => {
    const t = new HttpFheTransport(honest.url);
    await t.commitment();
    const err = await t.prove('cd'.repeat(16)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FheHttpError);
    expect((err as FheHttpError).status).toBe(404);
    expect((err as FheHttpError).code).toBe('session_not_found');
    expect((err as FheHttpError).message).toMatch(/unknown or expired FHE session/);
  });
});
