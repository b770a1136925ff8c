/**
 * FHE-wrapped inference over loopback HTTP: @zkllm/express's `zkllmFhe()` router serving
 * a small LLaMA-style fixture model (odd sizes, GQA; the bundled model is exercised by examples/private-fhe
 * and the core split tests; a fixture keeps this file's proofs fast), `HttpFheTransport` + `FheClient` on the other side, and a small
 * man-in-the-middle proxy that records every request crossing the wire and can rewrite
 * answers. Covers: greedy tokens equal the plaintext quantized path with every step
 * proven and verified; the server receives ciphertexts only; tampered ciphertext results
 * and a server computing with other weights are rejected by the client; hostile bytes
 * get a 4xx JSON error and leave the server working.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { generate } from '../packages/core/src/cli/commands/generate.js';
import {
  FheClient,
  FheServer,
  FheVerificationError,
  FHE_PARTS_HEADER,
  HttpFheTransport,
  ZkModel,
  clientModel,
  generateQuant,
  writeFixture,
  type QuantizedModel,
} from '@zkllm/core';
import { zkllmFhe, type FheLogEntry, type ZkllmFheRouter } from '@zkllm/express';
import { BabyBear, FHE_LIMBS, decodeCiphertexts, encodeCiphertexts, type RawCiphertext } from '@zkllm/verifier';

interface Exchange {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: Buffer;
}

type Rewrite = (ex: Exchange, status: number, headers: Headers, body: Buffer) => Buffer;

/** Forwards everything to `upstream` (per request: `route` may pick another), recording requests; `rewrite` may alter answers. */
class Proxy {
  private server!: Server;
  url = '';
  readonly seen: Exchange[] = [];
  rewrite: Rewrite | undefined;
  route: ((ex: Exchange) => string) | undefined;

  constructor(private readonly upstream: string) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (d: Buffer) => parts.push(d));
      req.on('end', () => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && !['host', 'connection', 'content-length'].includes(k)) headers[k] = v;
        const ex: Exchange = { method: req.method ?? 'GET', url: req.url ?? '/', headers, body: Buffer.concat(parts) };
        this.seen.push(ex);
        const target = this.route?.(ex) ?? this.upstream;
        fetch(target + ex.url, { method: ex.method, headers, ...(ex.body.length > 0 ? { body: ex.body } : {}) })
          .then(async (up) => {
            let body = Buffer.from(await up.arrayBuffer());
            if (this.rewrite) body = this.rewrite(ex, up.status, up.headers, body);
            const out: Record<string, string> = {};
            up.headers.forEach((v, k) => {
              if (!['content-length', 'connection', 'keep-alive', 'transfer-encoding'].includes(k)) out[k] = v;
            });
            res.writeHead(up.status, { ...out, 'content-length': String(body.length) });
            res.end(body);
          })
          .catch((e: unknown) => {
            res.writeHead(502).end(String(e));
          });
      });
    });
    // The client does seconds of CPU work (in this same process) between requests; a
    // keep-alive timeout shorter than that races with its next request (ECONNRESET).
    this.server.keepAliveTimeout = 600_000;
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    const closed = new Promise<void>((r) => this.server.close(() => r()));
    this.server.closeAllConnections();
    return closed;
  }
}

async function listen(router: ZkllmFheRouter): Promise<{ url: string; server: Server }> {
  const app = express();
  app.use(router);
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  server.keepAliveTimeout = 600_000;
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** A copy of the model with one LM-head weight changed: same shapes, other weights. */
function otherWeights(m: QuantizedModel): QuantizedModel {
  const w = Int8Array.from(m.lmHead.w);
  w[7] = w[7] === 100 ? 99 : 100;
  return { ...m, lmHead: { ...m.lmHead, w } };
}

/** Fraction of coefficients within ±2^16 of 0 mod their limb's prime: ≈ 2^-14 for ciphertexts, ≈ 1 for plaintext activations. */
function smallFraction(cts: readonly RawCiphertext[]): number {
  let small = 0;
  let total = 0;
  for (const ct of cts) {
    const N = ct.polyDegree;
    for (let k = 0; k < ct.data.length; k++) {
      const p = FHE_LIMBS[Math.floor(k / N) % FHE_LIMBS.length]!.p;
      const v = ct.data[k]!;
      if (v < 65536 || p - v < 65536) small++;
      total++;
    }
  }
  return small / total;
}

const PRIVATE_NOTE = 'Ahab: HIV+, glucose 212';

/**
 * None of `words` occurs in `text` as a whole word, and words with a letter beyond hex not
 * even inside one: session ids are random hex and sizes and timings are numbers, where
 * '212' occurs by chance (a CI run failed so).
 */
function expectNoWords(text: string, words: readonly string[]): void {
  const whole = new Set(text.split(/\W+/));
  for (const w of words) {
    expect(whole.has(w), w).toBe(false);
    if (/[g-z]/i.test(w)) expect(text).not.toContain(w);
  }
}
const dir = mkdtempSync(join(tmpdir(), 'zkllm-fhe-e2e-'));

let model: ZkModel;
let router: ZkllmFheRouter;
let http: { url: string; server: Server };
let proxy: Proxy;
let pin: string;
const log: FheLogEntry[] = [];

beforeAll(async () => {
  writeFixture('llama-gqa-odd', dir);
  model = ZkModel.load(dir);
  router = zkllmFhe({ model, log: (e) => log.push(e) });
  pin = router.info.digest;
  http = await listen(router);
  proxy = new Proxy(http.url);
  await proxy.start();
});

afterAll(async () => {
  await proxy?.close();
  router?.close();
  if (http) {
    const closed = new Promise((r) => http.server.close(r));
    http.server.closeAllConnections();
    await closed;
  }
  rmSync(dir, { recursive: true, force: true });
});

const connect = (url: string, expectedPin = pin) => FheClient.connect(new HttpFheTransport(url), { pin: expectedPin });

describe('FHE over loopback HTTP', () => {
  test('8 greedy tokens equal the plaintext quantized path; every step proven and verified', async () => {
    const prompt = model.promptTokens('Call me Ishmael.');
    const plain = generateQuant(model.quantized, prompt, { maxTokens: 8 });
    const client = await connect(proxy.url);
    const before = proxy.seen.length;
    const res = await client.generate(clientModel(model.quantized), prompt, { maxTokens: 8, proveEvery: 'step' });
    await client.close();
    expect(res.tokens).toEqual(plain);
    expect(res.tokens.length).toBe(8);
    expect(new Set(res.tokens).size).toBeGreaterThan(4); // not a degenerate repetition
    // One proof per forward step (prompt + 7 decoding steps), each verified by the client.
    expect(res.proofsVerified).toBe(8);
    const proofs = proxy.seen.slice(before).filter((e) => e.url.endsWith('/proof'));
    expect(proofs.length).toBe(8);
    expect(log.filter((e) => e.event === 'proof').length).toBeGreaterThanOrEqual(8);
    const up = [...res.layers.values()].reduce((s, l) => s + l.bytesUp, 0);
    const down = [...res.layers.values()].reduce((s, l) => s + l.bytesDown, 0);
    console.log(
      `FHE over HTTP: ${res.tokens.length} tokens in ${(res.totalMs / 1000).toFixed(1)} s (${(res.totalMs / res.tokens.length / 1000).toFixed(2)} s/token incl. proofs), ` +
        `verify ${(res.verifyMs / 1000).toFixed(1)} s, proofs ${(res.proofBytes / 1024).toFixed(0)} KB, ` +
        `up ${(up / res.tokens.length / 2 ** 20).toFixed(2)} MiB/token, down ${(down / res.tokens.length / 2 ** 20).toFixed(2)} MiB/token; text ${JSON.stringify(model.decode(res.tokens))}`,
    );
  });

  test('the server never receives a plaintext: only ZKFC ciphertext bodies, ids and sizes cross the wire', async () => {
    const prompt = model.promptTokens(PRIVATE_NOTE);
    const before = proxy.seen.length;
    const logBefore = log.length;
    const client = await connect(proxy.url);
    const res = await client.generate(clientModel(model.quantized), prompt, { maxTokens: 1 });
    await client.close();
    expect(res.proofsVerified).toBe(1);
    const seen = proxy.seen.slice(before);
    const N = router.fheServer.params.polyDegree;
    const layout = router.fheServer.commitment.layout;
    const inputs: RawCiphertext[] = [];
    const words = PRIVATE_NOTE.split(/\W+/).filter((w) => w.length >= 3);
    for (const ex of seen) {
      const url = new URL(ex.url, 'http://x');
      // Requests carry no text: the query holds layer names and counts only.
      const meta = decodeURIComponent(ex.url) + JSON.stringify(ex.headers);
      expectNoWords(meta, words);
      for (const k of url.searchParams.keys()) expect(['linears', 'tokens', 'digits']).toContain(k);
      if (ex.body.length === 0) continue;
      expect(ex.method).toBe('POST');
      expect(url.pathname).toMatch(/\/evaluate$/);
      expect(ex.headers['content-type']).toBe('application/octet-stream');
      const lin = layout.byName.get(url.searchParams.get('linears')!.split(',')[0]!)!;
      const count = Number(url.searchParams.get('tokens')) * Number(url.searchParams.get('digits')) * lin.chunks;
      // Each body parses as exactly the announced number of ciphertexts, nothing else.
      inputs.push(...decodeCiphertexts(new Uint8Array(ex.body), N, count));
      expect(ex.body.toString('latin1')).not.toContain('Ahab');
    }
    // The first evaluation carries the whole prompt (one row per token).
    const first = seen.find((e) => e.body.length > 0)!;
    expect(new URL(first.url, 'http://x').searchParams.get('tokens')).toBe(String(prompt.length));
    expect(inputs.length).toBeGreaterThan(0);
    // Ciphertext coefficients are uniform mod q: almost none are small. Activations sent
    // in the clear (the prompt's embedding rows, encoded the same way) are all small.
    expect(smallFraction(inputs)).toBeLessThan(0.001);
    const d = model.quantized.config.hiddenSize;
    const clear = prompt.map((t) => {
      const data = new Uint32Array(4 * N);
      for (let i = 0; i < d; i++) for (let limb = 0; limb < 2; limb++) {
        const p = FHE_LIMBS[limb]!.p;
        data[limb * N + i] = (model.quantized.embed[t * d + i]! % p + p) % p;
      }
      return { polyDegree: N, data };
    });
    expect(smallFraction(clear)).toBeGreaterThan(0.9);
    // Nor does any body contain a prompt embedding row as raw little-endian integers.
    const row = Buffer.from(Int32Array.from(model.quantized.embed.subarray(prompt[0]! * d, prompt[0]! * d + 8)).buffer);
    for (const ex of seen) expect(ex.body.indexOf(row)).toBe(-1);
    // The server log names sessions, layers and sizes only.
    const entries = log.slice(logBefore);
    expect(entries.some((e) => e.event === 'evaluate')).toBe(true);
    for (const e of entries) for (const v of Object.values(e)) expect(['string', 'number'].includes(typeof v) || Array.isArray(v)).toBe(true);
    expectNoWords(JSON.stringify(entries), words);
  });

  test('a tampered ciphertext result is rejected by the client', async () => {
    const prompt = model.promptTokens('Ahab');
    // Add 1 to one c1 coefficient of the first evaluation answer: still a valid, reduced
    // ciphertext that decrypts the same (noise +1), so only the proof can catch it.
    let tampered = 0;
    proxy.rewrite = (ex, status, headers, body) => {
      if (status !== 200 || !ex.url.includes('/evaluate') || tampered > 0) return body;
      const n0 = Number(headers.get(FHE_PARTS_HEADER)!.split(',')[0]);
      const N = router.fheServer.params.polyDegree;
      const cts = decodeCiphertexts(new Uint8Array(body.subarray(0, n0)), N, 1 << 16);
      const ct = cts[0]!;
      const k = 2 * N + 5; // poly c1, BabyBear limb, coefficient 5
      ct.data[k] = (ct.data[k]! + 1) % BabyBear.p;
      tampered++;
      return Buffer.concat([encodeCiphertexts(cts, N), body.subarray(n0)]);
    };
    try {
      const client = await connect(proxy.url);
      await expect(client.generate(clientModel(model.quantized), prompt, { maxTokens: 1 })).rejects.toThrow(FheVerificationError);
      expect(tampered).toBe(1);
      // A flipped byte that breaks the encoding is refused before decryption.
      proxy.rewrite = (ex, status, _h, body) => {
        if (status !== 200 || !ex.url.includes('/evaluate')) return body;
        const b = Buffer.from(body);
        b[20] = 0xff;
        b[21] = 0xff;
        b[22] = 0xff;
        b[23] = 0xff;
        return b;
      };
      const client2 = await connect(proxy.url);
      await expect(client2.generate(clientModel(model.quantized), prompt, { maxTokens: 1 })).rejects.toThrow(/not reduced|malformed/);
    } finally {
      proxy.rewrite = undefined;
    }
  });

  test('a server computing with other weights is rejected against the pinned commitment', async () => {
    const evil = zkllmFhe({ server: new FheServer(otherWeights(model.quantized), { modelDigest: router.info.modelDigest }) });
    const evilHttp = await listen(evil);
    try {
      expect(evil.info.digest).not.toBe(pin);
      // Announcing its own commitment: refused at connect.
      await expect(connect(evilHttp.url)).rejects.toThrow(/not the pinned one/);
      // Announcing the genuine commitment (proxied) while computing with other weights:
      // its proofs do not verify against the pinned commitment.
      proxy.route = (ex) => (ex.url.includes('/sessions') ? evilHttp.url : http.url);
      const client = await connect(proxy.url);
      await expect(client.generate(clientModel(model.quantized), model.promptTokens('Ahab'), { maxTokens: 1 })).rejects.toThrow(FheVerificationError);
    } finally {
      proxy.route = undefined;
      evil.close();
      const closed = new Promise((r) => evilHttp.server.close(r));
      evilHttp.server.closeAllConnections();
      await closed;
    }
  });

  test('a client pinning C_W checks the link proof served with the commitment', async () => {
    const cw = model.parsedCommitment();
    const info = (await (await fetch(`${http.url}/v1/zkllm/fhe`)).json()) as { commitment: { modelDigest: string }; link?: string };
    expect(info.commitment.modelDigest).toBe(cw.file.digest);
    expect(typeof info.link).toBe('string');
    // Served inside the JSON answer: must stay well under the client's 4 MiB JSON cap.
    expect(info.link!.length).toBeLessThan(1024 * 1024);
    // A server with other weights cannot make the link, so it cannot offer one for C_W ...
    expect(() => new FheServer(otherWeights(model.quantized), { model: model.commitment() })).toThrow(/not the placement/);
    const evil = zkllmFhe({ server: new FheServer(otherWeights(model.quantized), { modelDigest: cw.file.digest }) });
    const evilHttp = await listen(evil);
    try {
      // ... and a client pinning C_W refuses it at connect, with no FHE digest pinned at all.
      await expect(FheClient.connect(new HttpFheTransport(evilHttp.url), { model: cw })).rejects.toThrow(/no link proof/);
      // Replaying the genuine link proof beside the evil commitment does not help.
      proxy.rewrite = undefined;
      const genuine = new HttpFheTransport(http.url);
      const evilT = new HttpFheTransport(evilHttp.url);
      const replay = {
        commitment: () => evilT.commitment(),
        link: () => genuine.link(),
        openSession: () => evilT.openSession(),
        evaluate: evilT.evaluate.bind(evilT),
        prove: evilT.prove.bind(evilT),
      };
      await expect(FheClient.connect(replay, { model: cw })).rejects.toThrow(/link to the model commitment rejected/);
      const client = await FheClient.connect(new HttpFheTransport(http.url), { model: cw });
      const prompt = model.promptTokens('Ahab');
      const { tokens } = await client.generate(clientModel(model.quantized), prompt, { maxTokens: 2 });
      expect(tokens).toEqual(generateQuant(model.quantized, prompt, { maxTokens: 2 }));
      await client.close();
    } finally {
      evil.close();
      const closed = new Promise((r) => evilHttp.server.close(r));
      evilHttp.server.closeAllConnections();
      await closed;
    }
  });

  test('hostile bytes get a 4xx JSON error in OpenAI shape and the session keeps working', async () => {
    const base = `${http.url}/v1/zkllm/fhe/sessions`;
    const { id } = (await (await fetch(base, { method: 'POST' })).json()) as { id: string };
    const N = router.fheServer.params.polyDegree;
    const evalUrl = `${base}/${id}/evaluate?linears=lmHead&tokens=1&digits=1`;
    const post = (body: Uint8Array, url = evalUrl, type = 'application/octet-stream') => fetch(url, { method: 'POST', headers: { 'content-type': type }, body: body as Uint8Array<ArrayBuffer> });
    const good = encodeCiphertexts([{ polyDegree: N, data: new Uint32Array(4 * N).fill(3) }], N);
    const notReduced = Uint8Array.from(good);
    notReduced.fill(0xff, 100, 104);
    const badMagic = Uint8Array.from(good);
    badMagic[0] = 0x41;
    const cases: Array<[() => Promise<Response>, number, RegExp]> = [
      [() => post(new Uint8Array(good.length)), 400, /bad magic/],
      [() => post(badMagic), 400, /bad magic/],
      [() => post(notReduced), 400, /not canonical/],
      [() => post(good.subarray(0, 1000)), 400, /bytes/],
      [() => post(good, evalUrl, 'application/json'), 415, /octet-stream/],
      [() => post(good, `${base}/${id}/evaluate?linears=nope&tokens=1&digits=1`), 400, /unknown linear/],
      [() => post(good, `${base}/${id}/evaluate?linears=lmHead&tokens=100000&digits=1`), 400, /at most/],
      [() => post(good, `${base}/${'0'.repeat(32)}/evaluate?linears=lmHead&tokens=1&digits=1`), 404, /session/],
    ];
    for (const [send, status, msg] of cases) {
      const r = await send();
      expect(r.status).toBe(status);
      const j = (await r.json()) as { error: { message: string; type: string; code: string | null } };
      expect(j.error.message).toMatch(msg);
      expect(j.error.type).toBe(status === 404 ? 'not_found_error' : 'invalid_request_error');
    }
    const ok = await post(good);
    expect(ok.status).toBe(200);
    expect(Number(ok.headers.get('content-length'))).toBeGreaterThan(0);
    await ok.arrayBuffer();
    expect((await fetch(`${base}/${id}`, { method: 'DELETE' })).status).toBe(204);
  });
});

describe('zkllm generate --fhe', () => {
  async function run(args: string[]): Promise<{ code: number; stdout: string }> {
    let stdout = '';
    const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stdout += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
      return true;
    });
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      return { code: await generate.run(['--model', dir, '--prompt', 'Ahab', '--json', ...args]), stdout };
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
  }

  test('against the HTTP server and in process: verified tokens equal the plaintext path; usage and pin errors', async () => {
    const plain = generateQuant(model.quantized, model.promptTokens('Ahab'), { maxTokens: 2, eosTokenId: model.eosTokenId });
    const remote = await run(['--fhe', '--server', http.url, '--pin', pin, '--max-tokens', '2', '--prove-every', 'step']);
    expect(remote.code).toBe(0);
    const r = JSON.parse(remote.stdout) as { tokens: number[]; text: string; fhe: { server: string; commitment: string; proofsVerified: number } };
    expect(r.tokens).toEqual(plain);
    expect(r.text).toBe(model.decode(plain));
    expect(r.fhe).toMatchObject({ server: http.url, commitment: pin, proofsVerified: 2 });
    // Without --pin the CLI pins C_W of its own weights and accepts the server through its link proof.
    const linked = await run(['--fhe', '--server', http.url, '--max-tokens', '1']);
    expect(JSON.parse(linked.stdout)).toMatchObject({ tokens: plain.slice(0, 1), fhe: { commitment: pin, proofsVerified: 1 } });
    const local = await run(['--fhe', '--max-tokens', '2']);
    expect(JSON.parse(local.stdout)).toMatchObject({ tokens: plain, fhe: { server: 'in-process', proofsVerified: 1 } });
    await expect(run(['--fhe', '--server', http.url, '--pin', 'ab'.repeat(32), '--max-tokens', '1'])).rejects.toThrow(/not the pinned one/);
    await expect(run(['--server', http.url])).rejects.toThrow(/need --fhe/);
    await expect(run(['--fhe', '--prove-every', 'sometimes'])).rejects.toThrow(/step or end/);
    await expect(run(['--fhe', '--float'])).rejects.toThrow(/--float/);
    await expect(run(['--fhe', '--pin', pin])).rejects.toThrow(/--pin needs --server/);
    await expect(run(['--fhe', '--server', http.url, '--pin', 'XYZ'])).rejects.toThrow(/64 lowercase hex/);
  });
});
