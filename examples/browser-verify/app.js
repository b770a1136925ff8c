// Browser side of the example: plain ESM, no build step. `./zkllm-verifier.js` is the
// browser build of @zkllm/verifier, served by serve.mjs.
import { parseModelCommitment, verifyResponse } from './zkllm-verifier.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
let info;

async function loadServerInfo() {
  info = await (await fetch('/v1/zkllm/model')).json();
  $('digest').value = params.get('digest') ?? '';
  $('key').value = params.get('key') ?? '';
  $('server-info').textContent = `server model ${info.id}: digest ${info.digest}, key ${info.public_key}`;
  $('go').disabled = false;
  document.body.dataset.state = 'ready';
}

/** Changes the assistant text (JSON) or one streamed piece (SSE), keeping the signed headers. */
async function tamper(res) {
  const body = await res.text();
  const forged = res.headers.get('content-type')?.startsWith('text/event-stream')
    ? body.replace(/"delta":\{"content":"([^"\\]+)"/, '"delta":{"content":"$1!"')
    : body.replace(/"content":"((?:[^"\\]|\\.)*)"/, '"content":"$1 (edited)"');
  return new Response(forged, { status: res.status, headers: res.headers });
}

async function askAndVerify() {
  $('go').disabled = true;
  document.body.dataset.state = 'working';
  $('verdict').className = '';
  $('verdict').textContent = 'generating and proving… (tens of seconds)';
  $('text').textContent = '';
  $('detail').textContent = '';
  try {
    const pinnedDigest = $('digest').value.trim() || info.digest;
    const publicKey = $('key').value.trim() || info.public_key;
    // A digest typed by the user pins the server's commitment file; parsing recomputes it.
    const commitment = parseModelCommitment(info.commitment, pinnedDigest);
    const messages = [{ role: 'user', content: $('prompt').value }];
    const stream = $('stream').checked;
    let res = await fetch('/v1/chat/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: info.id, messages, max_tokens: Number($('max-tokens').value), stream }),
    });
    if (res.status !== 200) throw new Error(`server answered ${res.status}: ${await res.text()}`);
    if ($('tamper').checked) res = await tamper(res);
    const t0 = performance.now();
    const r = await verifyResponse(res, { commitment, publicKey, messages, baseUrl: location.origin });
    const ms = Math.round(performance.now() - t0);
    $('verdict').className = r.valid ? 'valid' : 'invalid';
    $('verdict').textContent = r.valid ? 'VALID' : 'INVALID';
    $('text').textContent = r.valid ? r.text : '';
    $('detail').textContent = r.valid
      ? `proof ${r.proofId} for model ${pinnedDigest.slice(0, 16)}…, ${r.statement.outputTokens.length} tokens, checked in ${ms} ms` +
        ($('digest').value.trim() && $('key').value.trim() ? '' : ' (not pinned: trusting the server on first use)')
      : r.reason;
  } catch (e) {
    $('verdict').className = 'invalid';
    $('verdict').textContent = 'ERROR';
    $('detail').textContent = String(e?.message ?? e);
  } finally {
    $('go').disabled = false;
    document.body.dataset.state = 'done';
  }
}

$('go').addEventListener('click', askAndVerify);
loadServerInfo().catch((e) => {
  $('server-info').textContent = `cannot load /v1/zkllm/model: ${e.message}`;
  document.body.dataset.state = 'error';
});
