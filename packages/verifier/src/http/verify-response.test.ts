/**
 * verifyResponse against real proven responses: the bundled model's proof, signed with
 * the package's own server-side helpers, served over loopback HTTP. One proof per file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelCommitment } from '../generation/commitment.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { sha256 } from '@noble/hashes/sha2.js';
import {
  chatCompletionBody,
  jsonResponse,
  makeExchange,
  proofResource,
  route,
  sseResponse,
  startServer,
  type ProvenExchange,
  type TestServer,
  type WireResponse,
} from '../../test-support/exchange.js';
import { toBase64Url } from '../codec/base64url.js';
import { bundleLayout } from '../layers/bundle.js';
import { modelDigest, type ModelCommitmentFile } from '../generation/commitment.js';
import { contentDigest } from './digest.js';
import { encodeKey, generateSigningKey } from './keys.js';
import { newProofId, proofResponseHeaders } from './contract.js';
import { verifyResponse, type VerifyResponseOptions } from './verify-response.js';

const MESSAGES = [{ role: 'user', content: 'Call me Ishmael.' }] as const;
let ex: ProvenExchange;
/** Parsed once: parsing a commitment file recomputes its digest, which is not free. */
let pinned: ModelCommitment;
let server: TestServer;
/** What the proof resource answers, per proof id (tests swap it). */
const proofAnswers = new Map<string, () => { status: number; headers?: Record<string, string>; body?: string | Uint8Array }>();
/** The canned chat completion the server answers with (tests swap it). */
let completion: () => WireResponse;

beforeAll(async () => {
  ex = makeExchange(MESSAGES, 2);
  pinned = ex.model.parsedCommitment();
  server = await startServer([
    route('POST', '/v1/chat/completions', () => completion()),
    (req) => {
      const m = /^\/v1\/zkllm\/proofs\/([A-Za-z0-9_-]+)$/.exec(req.url ?? '');
      if (req.method !== 'GET' || m === null) return undefined;
      const a = proofAnswers.get(m[1]!);
      return a === undefined ? { status: 404, headers: { 'Content-Type': 'application/json' }, body: '{"error":{"message":"unknown proof"}}' } : a();
    },
  ]);
  proofAnswers.set(ex.proofId, () => proofResource(ex));
}, 120_000);
afterAll(() => server?.close());

const opts = (o: Partial<VerifyResponseOptions> = {}): VerifyResponseOptions => ({ commitment: pinned, publicKey: ex.key.publicKey, ...o });

async function post(w: WireResponse): Promise<Response> {
  completion = () => w;
  return fetch(`${server.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
}

/** The same model's commitment with other weights: a different, well-formed model. */
function otherCommitment(): ModelCommitmentFile {
  const root = sha256(new TextEncoder().encode('other weights'));
  const c = ex.commitment;
  const digest = modelDigest(root, bundleLayout(c.weights.tensors), hexToBytes(c.paramsHash));
  return { ...c, digest: bytesToHex(digest), weights: { ...c.weights, root: bytesToHex(root) } };
}

describe('verifyResponse: genuine responses', { timeout: 60_000 }, () => {
  it('accepts a sync JSON response fetched over HTTP and returns the proven text', async () => {
    const r = await verifyResponse(await post(jsonResponse(ex)), opts({ messages: MESSAGES }));
    expect(r.reason).toBeUndefined();
    expect(r).toMatchObject({ valid: true, text: ex.text, proofId: ex.proofId, kind: 'json', prompt: ex.prompt });
    expect(r.statement!.outputTokens).toEqual(ex.tokens);
    expect(r.statement!.promptTokens).toEqual(ex.promptTokens);
    expect(server.log).toContain(`GET /v1/zkllm/proofs/${ex.proofId}`);
  });

  it('accepts a plain {status, headers, body} with baseUrl, and a proof given directly (no fetch)', async () => {
    const w = jsonResponse(ex);
    expect((await verifyResponse(w, opts({ baseUrl: server.url, publicKey: encodeKey(ex.key.publicKey) }))).valid).toBe(true);
    const noFetch = () => Promise.reject(new Error('must not fetch'));
    const r = await verifyResponse(w, opts({ proof: toBase64Url(ex.proof), fetch: noFetch }));
    expect(r).toMatchObject({ valid: true, text: ex.text });
    expect((await verifyResponse(w, opts({ proof: ex.proof, fetch: noFetch, commitment: ex.commitment }))).valid).toBe(true);
  });

  it('accepts an async JSON response whose proof is pending (202) at first', async () => {
    const id = newProofId();
    let calls = 0;
    proofAnswers.set(id, () => (++calls === 1 ? { status: 202, headers: { 'Retry-After': '0', 'Content-Type': 'application/json' }, body: '{"status":"pending"}' } : proofResource(ex, { proofId: id })));
    const r = await verifyResponse(await post(jsonResponse(ex, { proofId: id, sync: false })), opts());
    expect(r).toMatchObject({ valid: true, text: ex.text, proofId: id });
    expect(calls).toBe(2);
  });

  it('accepts sync and async SSE streams', async () => {
    const s = await verifyResponse(await post(sseResponse(ex)), opts({ messages: MESSAGES }));
    expect(s).toMatchObject({ valid: true, text: ex.text, kind: 'stream' });
    const id = newProofId();
    proofAnswers.set(id, () => proofResource(ex, { proofId: id }));
    const a = await verifyResponse(await post(sseResponse(ex, { proofId: id, sync: false, pieces: [...ex.text] })), opts());
    expect(a).toMatchObject({ valid: true, text: ex.text, proofId: id });
  });
});

describe('verifyResponse: every tamper is rejected', { timeout: 60_000 }, () => {
  const json = () => jsonResponse(ex);
  const withBody = (w: WireResponse, body: string): WireResponse => ({ ...w, body });
  const withHeader = (w: WireResponse, name: string, value: string | undefined): WireResponse => {
    const headers = { ...w.headers };
    if (value === undefined) delete headers[name];
    else headers[name] = value;
    return { ...w, headers };
  };
  const base = () => ({ baseUrl: server.url });
  const cases: Array<[string, () => [WireResponse, Partial<VerifyResponseOptions>], RegExp]> = [
    ['body text changed', () => [withBody(json(), json().body.replace(JSON.stringify(ex.text), JSON.stringify(ex.text + '!'))), base()], /Content-Digest does not match/],
    [
      'body text changed with a matching Content-Digest',
      () => {
        const body = JSON.stringify(chatCompletionBody(ex, { text: 'forged' }));
        return [withHeader(withBody(json(), body), 'Content-Digest', contentDigest(body)), base()];
      },
      /bad signature/,
    ],
    ['body text changed and re-signed by the server', () => [jsonResponse(ex, { text: 'forged text' }), base()], /text is not the proven output/],
    ['prompt changed and re-signed by the server', () => [jsonResponse(ex, { prompt: 'Other prompt.' }), base()], /prompt is not the proven prompt/],
    ['proof for another prompt than the messages asked', () => [json(), { ...base(), messages: [{ content: 'Call me Ahab.' }] }], /messages\[0\] does not appear/],
    ['messages out of order', () => [json(), { ...base(), messages: ['Ishmael', 'Call me'] }], /messages\[1\]/],
    ['Content-Digest changed', () => [withHeader(json(), 'Content-Digest', contentDigest('x')), base()], /Content-Digest does not match/],
    ['Content-Digest malformed', () => [withHeader(json(), 'Content-Digest', 'sha-256=abc'), base()], /Content-Digest malformed/],
    [
      'proof bytes flipped (given directly)',
      () => {
        const p = ex.proof.slice();
        p[p.length >> 1]! ^= 1;
        return [json(), { proof: p }];
      },
      /Proof-Digest does not match/,
    ],
    [
      'proof bytes flipped in async mode (no signed digest to catch it)',
      () => {
        const p = ex.proof.slice();
        p[p.length >> 1]! ^= 1;
        return [jsonResponse(ex, { sync: false }), { proof: p }];
      },
      /proof invalid/,
    ],
    ['wrong public key', () => [json(), { ...base(), publicKey: generateSigningKey().publicKey }], /keyid .* is not the pinned key/],
    ['signed by another key that claims the pinned keyid', () => {
      const w = jsonResponse(ex, { key: generateSigningKey() });
      const keyid = /keyid="([^"]+)"/.exec(json().headers['Signature-Input']!)![1]!;
      return [withHeader(w, 'Signature-Input', w.headers['Signature-Input']!.replace(/keyid="[^"]+"/, `keyid="${keyid}"`)), base()];
    }, /bad signature/],
    ['wrong pinned commitment', () => [json(), { ...base(), commitment: otherCommitment() }], /Zkllm-Model .* is not the pinned model/],
    ['server claims the pinned model but proves another', () => [jsonResponse(ex, { model: otherCommitment().digest }), { proof: ex.proof, commitment: otherCommitment() }], /proof invalid/],
    ['Proof-Id header missing', () => [withHeader(json(), 'Proof-Id', undefined), base()], /missing Proof-Id/],
    ['Zkllm-Model header missing', () => [withHeader(json(), 'Zkllm-Model', undefined), base()], /missing Zkllm-Model/],
    ['Proof-Digest header missing', () => [withHeader(json(), 'Proof-Digest', undefined), base()], /proof-digest is missing/],
    ['Signature header missing', () => [withHeader(json(), 'Signature', undefined), base()], /missing Signature$/],
    ['Proof-Id swapped', () => [withHeader(json(), 'Proof-Id', newProofId()), base()], /bad signature/],
    ['bad signature', () => [withHeader(json(), 'Signature', json().headers['Signature']!.replace(/:(.)/, (_, c: string) => ':' + (c === 'A' ? 'B' : 'A'))), base()], /bad signature/],
    ['status changed', () => [{ ...json(), status: 201 }, base()], /status is 201/],
    ['body not JSON', () => {
      const body = 'not json';
      const h = proofResponseHeaders({ status: 200, body, proofId: ex.proofId, proof: ex.proof, modelDigest: ex.commitment.digest, secretKey: ex.key.secretKey });
      return [{ status: 200, headers: { 'Content-Type': 'application/json', ...h }, body }, base()];
    }, /not JSON/],
    ['relative proof link and no base URL', () => [json(), {}], /cannot resolve the proof URL/],
  ];
  for (const [name, make, reason] of cases) {
    it(name, async () => {
      const [w, o] = make();
      const r = await verifyResponse(w, opts(o));
      expect(r.valid).toBe(false);
      expect(r.reason).toMatch(reason);
      expect(r.text).toBeUndefined();
    });
  }

  it('a proof resource that lies is rejected', async () => {
    const id = newProofId();
    const flipped = ex.proof.slice();
    flipped[100]! ^= 1;
    const bad: Array<[() => ReturnType<typeof proofResource>, RegExp]> = [
      [() => ({ ...proofResource(ex, { proofId: id }), body: flipped }), /proof resource Proof-Digest does not match/],
      [() => proofResource(ex, { proofId: id, proof: flipped }), /Proof-Digest does not match/],
      [() => proofResource(ex, { proofId: id, key: generateSigningKey() }), /proof resource: keyid/],
      [() => proofResource(ex, { proofId: newProofId() }), /Proof-Id does not match/],
      [() => ({ status: 500, body: 'oops' }), /status 500/],
    ];
    for (const [answer, reason] of bad) {
      proofAnswers.set(id, answer);
      const r = await verifyResponse(jsonResponse(ex, { proofId: id }), opts(base()));
      expect(r.reason).toMatch(reason);
      expect(r.proofId).toBe(id);
    }
    // Unknown proof: the server's 404.
    expect((await verifyResponse(jsonResponse(ex, { proofId: newProofId() }), opts(base()))).reason).toMatch(/status 404/);
  });

  it('SSE tampering is rejected', async () => {
    const s = sseResponse(ex);
    const frameLine = s.body.split('\n').find((l) => l.startsWith('data: {"proof_id"'))!;
    const frame = JSON.parse(frameLine.slice(6)) as Record<string, string>;
    const swapFrame = (f: Record<string, unknown>) => ({ ...s, body: s.body.replace(frameLine, `data: ${JSON.stringify(f)}`) });
    const cases: Array<[WireResponse, RegExp]> = [
      [{ ...s, body: s.body.replace(`"content":${JSON.stringify(ex.text.slice(0, 3))}`, '"content":"XyZ"') }, /content_digest does not match/],
      [
        // Content and its digest changed together: only the signature can tell.
        {
          ...swapFrame({ ...frame, content_digest: contentDigest('XyZ' + ex.text.slice(3)) }),
          body: swapFrame({ ...frame, content_digest: contentDigest('XyZ' + ex.text.slice(3)) }).body.replace(`"content":${JSON.stringify(ex.text.slice(0, 3))}`, '"content":"XyZ"'),
        },
        /bad signature/,
      ],
      [swapFrame({ ...frame, prompt: 'Other prompt.' }), /prompt is not the proven prompt/],
      [swapFrame({ ...frame, model: otherCommitment().digest }), /not the pinned model/],
      [swapFrame({ ...frame, proof_digest: contentDigest('x') }), /bad signature/],
      [swapFrame({ ...frame, signature: frame['signature']!.replace(/:(.)/, (_, c: string) => ':' + (c === 'A' ? 'B' : 'A')) }), /bad signature/],
      [swapFrame({ ...frame, signature_input: frame['signature_input']!.replace(/;tag="[^"]+"/, '') }), /tag must be/],
      [{ ...s, body: s.body.replace(/event: proof\ndata: .*\n\n/, '') }, /no proof frame/],
      [{ ...s, body: s.body.replace('data: [DONE]\n\n', '') }, /without \[DONE\]/],
      [{ ...s, body: s.body.replace('data: [DONE]\n\n', `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: 'more' } }] })}\n\ndata: [DONE]\n\n`) }, /content after the proof frame/],
      [sseResponse(ex, { text: 'forged text' }), /text is not the proven output/],
      [sseResponse(ex, { key: generateSigningKey() }), /proof frame: keyid/],
    ];
    for (const [w, reason] of cases) {
      const r = await verifyResponse(w, opts({ baseUrl: server.url }));
      expect(r.valid).toBe(false);
      expect(r.reason).toMatch(reason);
    }
  });

  it('hostile input never throws', async () => {
    const inputs: unknown[] = [null, 42, {}, { status: 200, headers: {}, body: '' }, { status: 200, headers: { 'content-type': 'text/event-stream' }, body: 'data: {\n\n' }, { status: 200, headers: {}, body: new Uint8Array([0xff, 0xfe]) }];
    for (const i of inputs) {
      const r = await verifyResponse(i as Response, opts({ baseUrl: server.url }));
      expect(r.valid).toBe(false);
      expect(typeof r.reason).toBe('string');
    }
    expect((await verifyResponse(jsonResponse(ex), { commitment: { format: 'nope' } as unknown as ModelCommitmentFile, publicKey: ex.key.publicKey })).reason).toMatch(/bad pinned commitment/);
    expect((await verifyResponse(jsonResponse(ex), opts({ publicKey: 'short' }))).reason).toMatch(/bad pinned public key/);
    expect((await verifyResponse(jsonResponse(ex), opts({ baseUrl: server.url, maxBodyBytes: 10 }))).reason).toMatch(/too large/);
  });
});
