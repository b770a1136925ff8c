#!/usr/bin/env node
// Asks a zkLLM server a question with plain fetch and checks the answer before trusting
// it: the Ed25519 signature over the response, the body's Content-Digest, and the proof
// that the committed model produced exactly this text for exactly this prompt.
//
//   node examples/verify-client/client.mjs "Call me Ishmael."       # after `npm run build`
//
// Environment: ZKLLM_URL (default http://127.0.0.1:8787/v1), ZKLLM_DIGEST and
// ZKLLM_PUBLIC_KEY to pin the model commitment digest and the server key (without
// them the client trusts what GET /v1/zkllm/model says on first use, and says so).
import { pathToFileURL } from 'node:url';
import { verifyResponse } from '@zkllm/verifier';

/**
 * Sends one chat request and verifies the response. `pin` holds the digest and public
 * key you expect; whatever is not pinned is taken from the server's model resource.
 * Resolves to verifyResponse's result plus `pinned` (what was actually checked against).
 */
export async function verifiedChat({ baseURL, prompt, maxTokens = 4, stream = false, pin = {}, fetch: fetchFn = fetch }) {
  const modelRes = await fetchFn(`${baseURL}/zkllm/model`);
  if (!modelRes.ok) throw new Error(`GET ${baseURL}/zkllm/model answered ${modelRes.status}`);
  const info = await modelRes.json();
  if (pin.digest !== undefined && info.digest !== pin.digest) throw new Error(`the server serves model ${info.digest}, not the pinned ${pin.digest}`);
  const publicKey = pin.publicKey ?? info.public_key;
  const res = await fetchFn(`${baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: info.id, messages: [{ role: 'user', content: prompt }], max_tokens: maxTokens, stream }),
  });
  // The commitment file is checked against the pinned digest inside verifyResponse:
  // a server cannot swap in another model's commitment once the digest is pinned.
  const commitment = pin.digest !== undefined ? { ...info.commitment, digest: pin.digest } : info.commitment;
  const result = await verifyResponse(res, { commitment, publicKey, messages: [prompt], fetch: fetchFn });
  return { ...result, pinned: { digest: commitment.digest, publicKey, trustOnFirstUse: pin.digest === undefined || pin.publicKey === undefined } };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const baseURL = (process.env.ZKLLM_URL ?? 'http://127.0.0.1:8787/v1').replace(/\/$/, '');
  const prompt = process.argv.slice(2).join(' ') || 'Call me Ishmael.';
  const pin = { digest: process.env.ZKLLM_DIGEST || undefined, publicKey: process.env.ZKLLM_PUBLIC_KEY || undefined };
  try {
    const r = await verifiedChat({ baseURL, prompt, maxTokens: 8, pin });
    if (r.pinned.trustOnFirstUse) console.log(`note: model ${r.pinned.digest.slice(0, 16)}… and key ${r.pinned.publicKey} were not pinned (set ZKLLM_DIGEST / ZKLLM_PUBLIC_KEY)`);
    if (!r.valid) {
      console.log(`NOT VERIFIED: ${r.reason}`);
      process.exit(1);
    }
    console.log(`verified proof ${r.proofId} for model ${r.pinned.digest.slice(0, 16)}…`);
    console.log(`prompt: ${JSON.stringify(r.prompt)}`);
    console.log(`answer: ${JSON.stringify(r.text)}`);
  } catch (e) {
    console.error(`verify-client: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(2);
  }
}
