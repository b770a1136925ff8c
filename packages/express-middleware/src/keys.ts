/**
 * The server's Ed25519 signing key: given in the options, or read from a key file that
 * is created (mode 0600, exclusive create so two servers cannot race) on first start.
 * A persisted key keeps signatures checkable against the same pinned public key across
 * restarts.
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { decodeKey, encodeKey, generateSigningKey, keyIdOf, publicKeyFromSecret, type SigningKey } from '@zkllm/verifier';

interface KeyFileJson {
  readonly alg: 'ed25519';
  readonly secret_key: string;
  readonly public_key: string;
  readonly key_id: string;
}

export function signingKeyFromSecret(secret: Uint8Array | string): SigningKey {
  const secretKey = typeof secret === 'string' ? decodeKey(secret) : secret;
  const publicKey = publicKeyFromSecret(secretKey);
  return { secretKey, publicKey, keyId: keyIdOf(publicKey) };
}

function readKeyFile(path: string): SigningKey {
  if (process.platform !== 'win32') {
    const mode = statSync(path).mode & 0o777;
    if ((mode & 0o077) !== 0) throw new Error(`signing key file ${path} is readable by others (mode ${mode.toString(8)}); chmod 600 it`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`signing key file ${path} is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const f = parsed as Partial<KeyFileJson> | null;
  if (typeof f !== 'object' || f === null || f.alg !== 'ed25519' || typeof f.secret_key !== 'string') {
    throw new Error(`signing key file ${path} must hold {"alg":"ed25519","secret_key":"<base64url>"}`);
  }
  const key = signingKeyFromSecret(f.secret_key);
  if (f.public_key !== undefined && f.public_key !== encodeKey(key.publicKey)) throw new Error(`signing key file ${path}: public_key does not match secret_key`);
  return key;
}

/** Reads the key file, or creates it with a fresh key when it does not exist. */
export function loadOrCreateKeyFile(path: string): SigningKey {
  try {
    return readKeyFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const key = generateSigningKey();
  const json: KeyFileJson = { alg: 'ed25519', secret_key: encodeKey(key.secretKey), public_key: encodeKey(key.publicKey), key_id: key.keyId };
  try {
    writeFileSync(path, JSON.stringify(json, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
  } catch (e) {
    // Another process created it first: use theirs, so both sign with one key.
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return readKeyFile(path);
    throw e;
  }
  return key;
}
