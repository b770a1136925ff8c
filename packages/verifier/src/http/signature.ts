/**
 * The subset of RFC 9421 (HTTP Message Signatures) that zkLLM responses use: Ed25519
 * signatures over HTTP fields and the `@status` derived component, with the parameters
 * `created`, `expires`, `keyid`, `alg`, `nonce` and `tag`. Component parameters (`;sf`,
 * `;key`, `;req`, ...) are not supported and are rejected when verifying.
 *
 * Signature base (RFC 9421 §2.5): one line per covered component,
 *   "<name>": <value>
 * then, without a trailing newline,
 *   "@signature-params": <the serialised inner list of names with its parameters>
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { keyIdOf } from './keys.js';
import {
  isInnerList,
  parseDictionary,
  serializeDictionary,
  serializeInnerList,
  type BareItem,
  type Parameters,
  type SfInnerList,
} from './sf.js';

export const SIGNATURE_ALG = 'ed25519';

/** Signature parameters, serialised in this order: created, expires, nonce, keyid, alg, tag. */
export interface SignatureParams {
  readonly created?: number;
  readonly expires?: number;
  readonly nonce?: string;
  readonly keyid?: string;
  readonly alg?: string;
  readonly tag?: string;
}

export interface ComponentValue {
  /** Lower-case field name, or a derived component such as `@status`. */
  readonly name: string;
  readonly value: string;
}

export class SignatureError extends Error {
  override name = 'SignatureError';
}

const NAME_RE = /^@?[a-z0-9!#$%&'*+\-.^_`|~]+$/;
// Field values as RFC 9110 allows them after trimming: visible ASCII, SP and HTAB inside.
const VALUE_RE = /^[\x21-\x7e]([\x20-\x7e\t]*[\x21-\x7e])?$|^$/;

function paramsList(p: SignatureParams): Parameters {
  const out: Array<readonly [string, BareItem]> = [];
  if (p.created !== undefined) out.push(['created', p.created]);
  if (p.expires !== undefined) out.push(['expires', p.expires]);
  if (p.nonce !== undefined) out.push(['nonce', p.nonce]);
  if (p.keyid !== undefined) out.push(['keyid', p.keyid]);
  if (p.alg !== undefined) out.push(['alg', p.alg]);
  if (p.tag !== undefined) out.push(['tag', p.tag]);
  return out;
}

function innerList(names: readonly string[], params: SignatureParams | Parameters): SfInnerList {
  return { items: names.map((n) => ({ value: n, params: [] })), params: Array.isArray(params) ? (params as Parameters) : paramsList(params as SignatureParams) };
}

/**
 * The RFC 9421 signature base for `components` (in order) and `params`. Throws on
 * duplicate or malformed component names and on values that could not be HTTP field
 * values (control characters, line breaks), so no value can forge an extra line.
 */
export function signatureBase(components: readonly ComponentValue[], params: SignatureParams | Parameters): string {
  const seen = new Set<string>();
  let base = '';
  for (const { name, value } of components) {
    if (!NAME_RE.test(name)) throw new SignatureError(`invalid component name ${JSON.stringify(name)}`);
    if (seen.has(name)) throw new SignatureError(`component ${name} listed twice`);
    seen.add(name);
    if (name === '@signature-params') throw new SignatureError('@signature-params cannot be a covered component');
    const v = value.replace(/^[ \t]+|[ \t]+$/g, '');
    if (!VALUE_RE.test(v)) throw new SignatureError(`component ${name} has a value that is not a valid field value`);
    base += `"${name}": ${v}\n`;
  }
  return base + `"@signature-params": ${serializeInnerList(innerList(components.map((c) => c.name), params))}`;
}

export interface SignedHeaders {
  /** `Signature-Input` field value. */
  readonly signatureInput: string;
  /** `Signature` field value. */
  readonly signature: string;
}

/** Signs `components` with Ed25519 under `label`; `keyid` and `alg` are filled in from the key. */
export function signMessage(opts: {
  readonly components: readonly ComponentValue[];
  readonly secretKey: Uint8Array;
  readonly created?: number;
  readonly expires?: number;
  readonly tag?: string;
  readonly label?: string;
}): SignedHeaders {
  const label = opts.label ?? 'zkllm';
  const publicKey = ed25519.getPublicKey(opts.secretKey);
  const created = opts.created ?? Math.floor(Date.now() / 1000);
  const params: SignatureParams = { created, expires: opts.expires, keyid: keyIdOf(publicKey), alg: SIGNATURE_ALG, tag: opts.tag };
  const base = signatureBase(opts.components, params);
  const sig = ed25519.sign(new TextEncoder().encode(base), opts.secretKey);
  const list = innerList(
    opts.components.map((c) => c.name),
    params,
  );
  return {
    signatureInput: serializeDictionary([[label, list]]),
    signature: serializeDictionary([[label, { value: sig, params: [] }]]),
  };
}

export interface VerifySignatureOptions {
  /** `Signature-Input` field value as received. */
  readonly signatureInput: string | null | undefined;
  /** `Signature` field value as received. */
  readonly signature: string | null | undefined;
  /** The pinned Ed25519 public key (32 raw bytes). */
  readonly publicKey: Uint8Array;
  /** Value of a covered component, or undefined when the message does not have it. */
  readonly resolve: (name: string) => string | undefined;
  /** Components the signature must cover. */
  readonly required: readonly string[];
  /** Components the signature may cover besides the required ones (default none). */
  readonly optional?: readonly string[];
  /** Required `tag` parameter; when undefined, a signature carrying a tag is rejected. */
  readonly tag?: string;
  readonly label?: string;
  /** Current time, unix seconds (default: now). */
  readonly now?: number;
  /** Largest accepted clock skew for `created` in the future / `expires` in the past (default 300 s). */
  readonly maxSkewSeconds?: number;
}

export type VerifySignatureResult =
  | { readonly valid: true; readonly created: number; readonly covered: readonly string[] }
  | { readonly valid: false; readonly reason: string };

/** Verifies one labelled RFC 9421 Ed25519 signature; never throws. */
export function verifyMessageSignature(o: VerifySignatureOptions): VerifySignatureResult {
  try {
    return verifyInner(o);
  } catch (e) {
    return { valid: false, reason: `signature check failed: ${(e as Error).message}` };
  }
}

function verifyInner(o: VerifySignatureOptions): VerifySignatureResult {
  const fail = (reason: string): VerifySignatureResult => ({ valid: false, reason });
  const label = o.label ?? 'zkllm';
  if (o.signatureInput == null || o.signatureInput === '') return fail('missing Signature-Input');
  if (o.signature == null || o.signature === '') return fail('missing Signature');
  let inputDict, sigDict;
  try {
    inputDict = parseDictionary(o.signatureInput);
  } catch (e) {
    return fail(`malformed Signature-Input: ${(e as Error).message}`);
  }
  try {
    sigDict = parseDictionary(o.signature);
  } catch (e) {
    return fail(`malformed Signature: ${(e as Error).message}`);
  }
  const input = inputDict.find(([k]) => k === label)?.[1];
  const sigMember = sigDict.find(([k]) => k === label)?.[1];
  if (input === undefined) return fail(`Signature-Input has no "${label}" signature`);
  if (sigMember === undefined) return fail(`Signature has no "${label}" signature`);
  if (!isInnerList(input)) return fail('Signature-Input member is not an inner list');
  if (isInnerList(sigMember) || !(sigMember.value instanceof Uint8Array) || sigMember.params.length > 0) return fail('Signature member is not a byte sequence');
  const sig = sigMember.value;
  if (sig.length !== 64) return fail(`an Ed25519 signature is 64 bytes, got ${sig.length}`);

  const names: string[] = [];
  for (const item of input.items) {
    if (typeof item.value !== 'string') return fail('a covered component is not a string');
    if (item.params.length > 0) return fail(`component parameters are not supported (${item.value})`);
    if (names.includes(item.value)) return fail(`component ${item.value} is covered twice`);
    names.push(item.value);
  }
  const allowed = new Set([...o.required, ...(o.optional ?? [])]);
  for (const n of o.required) if (!names.includes(n)) return fail(`signature does not cover ${n}`);
  for (const n of names) if (!allowed.has(n)) return fail(`signature covers unexpected component ${n}`);

  const p: Record<string, BareItem> = {};
  for (const [k, v] of input.params) p[k] = v;
  for (const k of Object.keys(p)) if (!['created', 'expires', 'nonce', 'keyid', 'alg', 'tag'].includes(k)) return fail(`unknown signature parameter ${k}`);
  if (p['alg'] !== SIGNATURE_ALG) return fail(`alg must be "${SIGNATURE_ALG}"`);
  const keyid = keyIdOf(o.publicKey);
  if (typeof p['keyid'] !== 'string') return fail('keyid parameter missing');
  if (p['keyid'] !== keyid) return fail(`keyid ${p['keyid']} is not the pinned key (${keyid})`);
  if (typeof p['created'] !== 'number' || p['created'] < 0) return fail('created parameter missing or invalid');
  if (p['expires'] !== undefined && typeof p['expires'] !== 'number') return fail('expires parameter invalid');
  if (p['nonce'] !== undefined && typeof p['nonce'] !== 'string') return fail('nonce parameter invalid');
  if (o.tag === undefined ? p['tag'] !== undefined : p['tag'] !== o.tag) return fail(o.tag === undefined ? 'unexpected tag parameter' : `tag must be "${o.tag}"`);
  const now = o.now ?? Math.floor(Date.now() / 1000);
  const skew = o.maxSkewSeconds ?? 300;
  if (p['created'] > now + skew) return fail(`signature created ${p['created'] - now} s in the future`);
  if (typeof p['expires'] === 'number' && p['expires'] < now - skew) return fail('signature expired');

  const components: ComponentValue[] = [];
  for (const name of names) {
    const value = o.resolve(name);
    if (value === undefined) return fail(`covered component ${name} is missing from the message`);
    components.push({ name, value });
  }
  const base = signatureBase(components, input.params);
  if (!ed25519.verify(sig, new TextEncoder().encode(base), o.publicKey, { zip215: false })) return fail('bad signature');
  return { valid: true, created: p['created'], covered: names };
}
