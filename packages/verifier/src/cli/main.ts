#!/usr/bin/env node
/**
 * `zkllm-verify`: checks zkLLM proofs and proven HTTP responses from the command line.
 * Node-only (reads files, talks HTTP); the browser bundle starts at src/index.ts and
 * never reaches this directory.
 *
 *   zkllm-verify --proof FILE --commitment FILE [--digest HEX] [--json]
 *   zkllm-verify --url URL [--prompt TEXT] [--max-tokens N] [--stream]
 *                (--commitment FILE | --digest HEX) [--public-key B64URL] [--json]
 *
 * Exit codes: 0 valid, 1 invalid (or the check could not be completed), 2 usage error.
 */
import { readFileSync } from 'node:fs';
import { bytesToHex } from '@noble/hashes/utils.js';
import { fromBase64Url } from '../codec/base64url.js';
import { parseModelCommitment, type ModelCommitment } from '../generation/commitment.js';
import { decodeTokens } from '../generation/tokens.js';
import { verifyProof } from '../generation/verifier.js';
import { CHAT_COMPLETIONS_PATH, MODEL_PATH } from '../http/contract.js';
import { decodeKey, encodeKey, keyIdOf } from '../http/keys.js';
import { verifyResponse } from '../http/verify-response.js';
import { intFlag, parseFlags, UsageError } from './args.js';

const USAGE = `usage:
  zkllm-verify --proof FILE --commitment FILE [--digest HEX] [--json]
  zkllm-verify --url URL [--prompt TEXT] [--max-tokens N] [--stream]
               (--commitment FILE | --digest HEX) [--public-key B64URL] [--timeout S] [--json]

Checks a proof file against a model commitment, or asks a zkLLM server for a chat
completion and verifies the signed response and its proof. Prints the verified text.
Exit 0 when valid, 1 when invalid or the check could not be completed, 2 on usage errors.`;

const SPEC = {
  proof: 'string',
  commitment: 'string',
  digest: 'string',
  url: 'string',
  prompt: 'string',
  'max-tokens': 'string',
  'public-key': 'string',
  timeout: 'string',
  stream: 'boolean',
  json: 'boolean',
  help: 'boolean',
} as const;

/** An operational failure (file, network, server error): exit 1 with one line. */
class CliError extends Error {
  override name = 'CliError';
}

const MAX_FILE = 256 << 20;

function readFile(path: string, what: string): Buffer {
  try {
    const b = readFileSync(path);
    if (b.length > MAX_FILE) throw new Error(`larger than ${MAX_FILE} bytes`);
    return b;
  } catch (e) {
    throw new CliError(`cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

function readCommitment(path: string, digest: string | undefined): ModelCommitment {
  let json: unknown;
  try {
    json = JSON.parse(readFile(path, 'commitment').toString('utf8'));
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(`commitment ${path} is not JSON`);
  }
  try {
    return parseModelCommitment(json, digest);
  } catch (e) {
    throw new CliError(`commitment ${path}: ${(e as Error).message}`);
  }
}

function checkDigestFlag(d: string | undefined): string | undefined {
  if (d !== undefined && !/^[0-9a-fA-F]{64}$/.test(d)) throw new UsageError('--digest must be 64 hex characters');
  return d?.toLowerCase();
}

/** Proof files are binary; a file holding base64url text (as sent over JSON) is accepted too. */
function proofBytes(file: Buffer): Uint8Array {
  const text = file.toString('latin1').trim();
  if (text.length > 0 && /^[A-Za-z0-9_-]+$/.test(text)) {
    try {
      return fromBase64Url(text);
    } catch {
      // Not base64url after all: verify the raw bytes.
    }
  }
  return new Uint8Array(file);
}

interface Report {
  valid: boolean;
  reason?: string;
  text?: string;
  prompt?: string;
  proofId?: string;
  model?: string;
  promptTokens?: readonly number[];
  outputTokens?: readonly number[];
  stop?: string;
  verifyMs?: number;
}

function print(report: Report, json: boolean): number {
  if (json) process.stdout.write(JSON.stringify(report) + '\n');
  else if (report.valid) process.stdout.write(`VALID (model ${report.model}${report.proofId ? `, proof ${report.proofId}` : ''}, ${report.verifyMs} ms)\n${report.text ?? ''}\n`);
  else process.stdout.write(`INVALID: ${report.reason}\n`);
  return report.valid ? 0 : 1;
}

function verifyFile(flags: ReturnType<typeof parseFlags<typeof SPEC>>): number {
  if (flags.commitment === undefined) throw new UsageError('--proof needs --commitment FILE');
  for (const f of ['prompt', 'max-tokens', 'public-key', 'stream', 'timeout'] as const) if (flags[f] !== undefined) throw new UsageError(`--${f} only applies with --url`);
  const commitment = readCommitment(flags.commitment, checkDigestFlag(flags.digest));
  const bytes = proofBytes(readFile(flags.proof!, 'proof'));
  const t0 = performance.now();
  const r = verifyProof(bytes, commitment);
  const verifyMs = Math.round(performance.now() - t0);
  const model = bytesToHex(commitment.digest);
  if (!r.valid || r.statement === undefined) return print({ valid: false, reason: r.reason ?? 'invalid', model, verifyMs }, flags.json === true);
  const st = r.statement;
  let text: string | undefined;
  let prompt: string | undefined;
  try {
    text = decodeTokens(commitment, st.stop === 'eos' ? st.outputTokens.slice(0, -1) : st.outputTokens);
    prompt = decodeTokens(commitment, st.promptTokens);
  } catch {
    // A commitment without a token table still verifies; the report then has tokens only.
  }
  return print({ valid: true, text, prompt, model, promptTokens: st.promptTokens, outputTokens: st.outputTokens, stop: st.stop, verifyMs }, flags.json === true);
}

interface ModelInfo {
  readonly id: string;
  readonly digest: string;
  readonly commitment: unknown;
  readonly public_key: string;
  readonly key_id: string;
}

async function getJson(url: string, signal: AbortSignal): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, { headers: { accept: 'application/json' }, signal });
  } catch (e) {
    throw new CliError(`cannot reach ${url}: ${errorText(e)}`);
  }
  const text = await res.text();
  if (!res.ok) throw new CliError(`GET ${url} returned ${res.status}${serverMessage(text)}`);
  try {
    return JSON.parse(text);
  } catch {
    throw new CliError(`GET ${url} did not return JSON`);
  }
}

function errorText(e: unknown): string {
  const err = e as Error & { cause?: { code?: string; message?: string } };
  return err.cause?.code ?? err.cause?.message ?? err.message ?? String(e);
}

function serverMessage(text: string): string {
  try {
    const m = (JSON.parse(text) as { error?: { message?: unknown } }).error?.message;
    return typeof m === 'string' ? `: ${m.slice(0, 300).replace(/\s+/g, ' ')}` : '';
  } catch {
    return '';
  }
}

function asModelInfo(v: unknown): ModelInfo {
  const o = v as Record<string, unknown>;
  if (typeof o !== 'object' || o === null || o['object'] !== 'zkllm.model') throw new CliError('the server model resource is not a zkllm.model object');
  for (const k of ['id', 'digest', 'public_key', 'key_id'] as const) if (typeof o[k] !== 'string') throw new CliError(`the server model resource has no ${k}`);
  return o as unknown as ModelInfo;
}

async function verifyUrl(flags: ReturnType<typeof parseFlags<typeof SPEC>>): Promise<number> {
  if (flags.commitment === undefined && flags.digest === undefined) throw new UsageError('--url needs --commitment FILE or --digest HEX to pin the model');
  let base: URL;
  try {
    base = new URL(flags.url!);
  } catch {
    throw new UsageError(`--url is not a URL: ${flags.url!.slice(0, 100)}`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new UsageError('--url must be http or https');
  const digest = checkDigestFlag(flags.digest);
  const maxTokens = intFlag(flags['max-tokens'], 'max-tokens', 8, 1, 4096);
  const timeout = intFlag(flags.timeout, 'timeout', 600, 1, 86_400);
  let pinnedKey: Uint8Array | undefined;
  if (flags['public-key'] !== undefined) {
    try {
      pinnedKey = decodeKey(flags['public-key']);
    } catch (e) {
      throw new UsageError(`--public-key: ${(e as Error).message}`);
    }
  }
  const prompt = flags.prompt ?? 'Hello.';
  const json = flags.json === true;
  const signal = AbortSignal.timeout(timeout * 1000);
  const root = base.href.endsWith('/') ? base.href.slice(0, -1) : base.href;

  const info = asModelInfo(await getJson(root + MODEL_PATH, signal));
  let commitment: ModelCommitment;
  if (flags.commitment !== undefined) {
    commitment = readCommitment(flags.commitment, digest);
    const mine = bytesToHex(commitment.digest);
    if (info.digest !== mine) return print({ valid: false, reason: `the server serves model ${info.digest.slice(0, 16)}…, not the pinned ${mine.slice(0, 16)}…`, model: mine }, json);
  } else {
    try {
      commitment = parseModelCommitment(info.commitment, digest);
    } catch (e) {
      return print({ valid: false, reason: `the server's commitment does not match --digest: ${(e as Error).message}`, model: digest }, json);
    }
  }
  let publicKey: Uint8Array;
  if (pinnedKey !== undefined) {
    publicKey = pinnedKey;
    if (info.public_key !== encodeKey(pinnedKey)) return print({ valid: false, reason: `the server signs with key ${info.key_id.slice(0, 16)}, not the pinned key ${keyIdOf(pinnedKey)}`, model: bytesToHex(commitment.digest) }, json);
  } else {
    try {
      publicKey = decodeKey(info.public_key);
    } catch (e) {
      throw new CliError(`the server's public key is malformed: ${(e as Error).message}`);
    }
    if (keyIdOf(publicKey) !== info.key_id) throw new CliError("the server's key_id does not match its public key");
    // The proof alone binds the text to the pinned model; the key only says which server
    // answered, so an unpinned key is a warning, not a failure.
    process.stderr.write(`zkllm-verify: note: server key ${info.key_id} is not pinned (pass --public-key ${info.public_key} to pin it)\n`);
  }

  const messages = [{ role: 'user', content: prompt }];
  let res: Response;
  const t0 = performance.now();
  try {
    res = await fetch(root + CHAT_COMPLETIONS_PATH, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: flags.stream ? 'text/event-stream' : 'application/json' },
      body: JSON.stringify({ model: info.id, messages, max_tokens: maxTokens, stream: flags.stream === true }),
      signal,
    });
  } catch (e) {
    throw new CliError(`cannot reach ${root}: ${errorText(e)}`);
  }
  if (res.status !== 200) throw new CliError(`POST ${CHAT_COMPLETIONS_PATH} returned ${res.status}${serverMessage(await res.text().catch(() => ''))}`);
  const r = await verifyResponse(res, { commitment, publicKey, messages, signal, proofTimeoutMs: timeout * 1000 });
  const verifyMs = Math.round(performance.now() - t0);
  const model = bytesToHex(commitment.digest);
  if (!r.valid) return print({ valid: false, reason: r.reason ?? 'invalid', proofId: r.proofId, model, verifyMs }, json);
  return print(
    { valid: true, text: r.text, prompt: r.prompt, proofId: r.proofId, model, promptTokens: r.statement!.promptTokens, outputTokens: r.statement!.outputTokens, stop: r.statement!.stop, verifyMs },
    json,
  );
}

async function main(argv: readonly string[]): Promise<number> {
  const flags = parseFlags(argv, SPEC);
  if (flags.help) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  if (flags.proof !== undefined && flags.url !== undefined) throw new UsageError('give either --proof or --url, not both');
  if (flags.proof !== undefined) return verifyFile(flags);
  if (flags.url !== undefined) return verifyUrl(flags);
  throw new UsageError('give --proof FILE or --url URL (see --help)');
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const usage = err instanceof UsageError;
    const msg = err instanceof Error ? err.message : String(err);
    process.stderr.write(`zkllm-verify: ${usage ? 'usage error' : 'error'}: ${msg.split('\n')[0]}\n`);
    process.exitCode = usage ? 2 : 1;
  },
);
