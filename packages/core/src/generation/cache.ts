/**
 * On-disk cache of a model commitment, so `zkllm prove` and `ZkModel` do not recommit the
 * weights (Reed–Solomon encoding + Merkle tree) and rebuild the circuit template on every
 * start.
 *
 * One file per key, `<dir>/<key>.zkc`:
 *
 *   "ZKLMCC01" ‖ u32 header length ‖ header JSON ‖ zero padding to 4 bytes ‖ payload
 *   payload = commitment file JSON ‖ layer-0 codeword (4-byte aligned, u32 little-endian)
 *
 * The codeword (the Reed–Solomon encoding, by far the costliest part of committing) and
 * the commitment file (which holds the circuit template) are stored; the committed values
 * are re-packed from the loaded model, their coefficients recomputed, and the Merkle tree
 * rebuilt from the cached codeword.
 *
 * The key is SHA-256 over everything the commitment is a function of: the cache format,
 * commitment/proof/PCS versions and parameters, a fingerprint of the installed
 * `@zkllm/core` and `@zkllm/verifier` code, every committed weight tensor (after
 * quantization), the public quantization parameters, the EOS id and the tokenizer.
 * A change to any of them selects another file, so a stale entry is never read.
 *
 * A present entry is used only after these checks, else it is rebuilt and overwritten:
 * header well-formed and for this key; section sizes fit the PCS parameters; SHA-256 of
 * the payload equals the header's; the commitment file's params hash and digest
 * recompute; its tensor layout is the model's; the Merkle root recomputed from the cached
 * codeword is the file's weights root.
 *
 * What is not re-checked is that the codeword encodes these values (that is the costly
 * step the cache saves). Only a deliberately forged entry, written with matching hashes,
 * could break it; whoever can write the prover's cache directory can as well change the
 * prover, and such proofs would still fail against the digest a verifier pinned.
 */
import * as nodeCrypto from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, utimesSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BabyBear,
  MODEL_COMMITMENT_VERSION,
  PROTOCOL_VERSION,
  bundleLayout,
  canonicalJson,
  foldSchedule,
  modelDigest,
  pcsParamsFor,
  type ModelCommitmentFile,
  type PcsParams,
} from '@zkllm/verifier';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { packBundle } from '../layers/bundle.js';
import { MerkleTree } from '../merkle/tree.js';
import { mobius } from '../pcs/lde.js';
import { publicQuantParams, type QuantizedModel } from '../model/index.js';
import type { PcsProverState } from '../pcs/index.js';
import { modelWeightTensors, type CommittedModel } from './commit.js';
import { commitProvable, type ProvableOptions } from './setup.js';

export const COMMIT_CACHE_FORMAT = 'zkllm-commit-cache/v1';
const MAGIC = new TextEncoder().encode('ZKLMCC01');
const MAX_HEADER_BYTES = 1 << 16;
const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

export interface CommitCacheOptions {
  /** Directory of cache files (created when missing). */
  readonly dir: string;
  /** Most entries kept in `dir`; the least recently used are removed after a write (default 4). */
  readonly maxEntries?: number;
}

export interface CommitCacheReport {
  /** `hit`: loaded; `miss`: no entry, committed; `rebuilt`: an entry failed its checks (see `reason`) and was replaced. */
  readonly status: 'hit' | 'miss' | 'rebuilt';
  readonly path: string;
  /** Why an entry was rejected, or why the new one could not be written. */
  readonly reason?: string;
  /** Whether a new entry was written. */
  readonly written: boolean;
  /** Time to load the entry (hit) or to commit and write it. */
  readonly ms: number;
}

/**
 * Default cache directory: `$ZKLLM_CACHE_DIR`, else the platform's user cache directory
 * (`$XDG_CACHE_HOME/zkllm`, `~/.cache/zkllm`, `~/Library/Caches/zkllm`, `%LOCALAPPDATA%\zkllm\cache`).
 */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env['ZKLLM_CACHE_DIR']) return resolve(env['ZKLLM_CACHE_DIR']);
  if (platform === 'win32') return join(env['LOCALAPPDATA'] ?? join(homedir(), 'AppData', 'Local'), 'zkllm', 'cache');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Caches', 'zkllm');
  return join(env['XDG_CACHE_HOME'] || join(homedir(), '.cache'), 'zkllm');
}

const sha256 = (data: Uint8Array): Uint8Array => nodeCrypto.createHash('sha256').update(data).digest();
const u8 = (a: ArrayBufferView): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

let fingerprint: string | undefined;

/**
 * SHA-256 over the source files of `@zkllm/core` and `@zkllm/verifier` as installed next
 * to this module (`src/` when running from source, `dist/` when built): a cache written by
 * other code is never read, whatever changed.
 */
export function codeFingerprint(): string {
  if (fingerprint !== undefined) return fingerprint;
  const h = nodeCrypto.createHash('sha256');
  const here = dirname(fileURLToPath(import.meta.url));
  const coreRoot = resolve(here, '..');
  const roots = [coreRoot, resolve(coreRoot, '..', '..', 'verifier', basename(coreRoot))];
  for (const root of roots) {
    h.update(`root:${basename(dirname(root))}/${basename(root)}\0`);
    if (!existsSync(root)) {
      // Unusual layouts still get a key, bound by the versions below.
      h.update(`missing\0${MODEL_COMMITMENT_VERSION}\0${PROTOCOL_VERSION}\0`);
      continue;
    }
    const files: string[] = [];
    const walk = (d: string): void => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const p = join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (/\.(m?js|ts)$/.test(e.name) && !/\.(d|test)\.ts$/.test(e.name)) files.push(p);
      }
    };
    walk(root);
    for (const f of files.map((p) => relative(root, p).split('\\').join('/')).sort()) {
      h.update(`${f}\0`).update(readFileSync(join(root, f))).update('\0');
    }
  }
  fingerprint = h.digest('hex');
  return fingerprint;
}

/** The cache key (hex) of a model's commitment under `opts` and `pcs` (default: the parameters commitModel picks). */
export function commitCacheKey(model: QuantizedModel, opts: ProvableOptions = {}, pcs?: PcsParams): string {
  pcs ??= weightPcsParams(model);
  const h = nodeCrypto.createHash('sha256');
  const field = (name: string, v: string | Uint8Array): void => {
    const b = typeof v === 'string' ? new TextEncoder().encode(v) : v;
    h.update(`${name}:${b.length}:`).update(b);
  };
  field('format', COMMIT_CACHE_FORMAT);
  field('versions', `${MODEL_COMMITMENT_VERSION}/${PROTOCOL_VERSION}`);
  field('pcs', canonicalJson(pcs));
  field('code', codeFingerprint());
  field('endian', LITTLE_ENDIAN ? 'le' : 'be');
  for (const [id, t] of modelWeightTensors(model)) {
    field('tensor', `${id}:${t.shape.join('x')}:${t.data.constructor.name}`);
    field('data', ArrayBuffer.isView(t.data) ? u8(t.data) : u8(Float64Array.from(t.data)));
  }
  field('quant', JSON.stringify(publicQuantParams(model)));
  field('eos', String(opts.eosTokenId ?? null));
  field('tokenizer', opts.tokenizer === undefined ? 'none' : JSON.stringify([opts.tokenizer.tokenizer, opts.tokenizer.config]));
  return h.digest('hex');
}

interface Header {
  format: string;
  key: string;
  digest: string;
  numVars: number;
  pcs: PcsParams;
  payloadBytes: number;
  payloadSha256: string;
  sections: { file: [number, number]; codeword: [number, number] };
}

class CacheRejected extends Error {}

const align4 = (n: number): number => (n + 3) & ~3;

function serialize(key: string, c: CommittedModel): Uint8Array {
  const file = new TextEncoder().encode(JSON.stringify(c.file));
  const parts: Uint8Array[] = [file, u8(c.state.codeword)];
  const offs: [number, number][] = [];
  let at = 0;
  for (const p of parts) {
    offs.push([at, p.length]);
    at = align4(at + p.length);
  }
  const payload = new Uint8Array(at);
  parts.forEach((p, i) => payload.set(p, offs[i]![0]));
  const header: Header = {
    format: COMMIT_CACHE_FORMAT,
    key,
    digest: c.file.digest,
    numVars: c.state.numVars,
    pcs: { ...c.state.params },
    payloadBytes: payload.length,
    payloadSha256: bytesToHex(sha256(payload)),
    sections: { file: offs[0]!, codeword: offs[1]! },
  };
  const hb = new TextEncoder().encode(JSON.stringify(header));
  const start = align4(MAGIC.length + 4 + hb.length);
  const out = new Uint8Array(start + payload.length);
  out.set(MAGIC, 0);
  new DataView(out.buffer).setUint32(MAGIC.length, hb.length, true);
  out.set(hb, MAGIC.length + 4);
  out.set(payload, start);
  return out;
}

/** A typed view of `len` bytes at `off` of `buf`, copied when unaligned. */
function u32At(buf: Uint8Array, off: number, len: number): Uint32Array {
  if ((buf.byteOffset + off) % 4 === 0) return new Uint32Array(buf.buffer, buf.byteOffset + off, len / 4);
  return new Uint32Array(buf.slice(off, off + len).buffer);
}

/** What commitModel commits the weights with: pcsParamsFor the bundle's numVars. */
function weightPcsParams(model: QuantizedModel): Readonly<PcsParams> {
  return pcsParamsFor(bundleLayout([...modelWeightTensors(model)].map(([id, t]) => ({ id, shape: t.shape }))).numVars);
}

function deserialize(bytes: Uint8Array, key: string, model: QuantizedModel, pcs: PcsParams): CommittedModel {
  const reject = (why: string): never => {
    throw new CacheRejected(why);
  };
  if (bytes.length < MAGIC.length + 4 || !MAGIC.every((b, i) => bytes[i] === b)) reject('not a commitment cache file');
  const hLen = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(MAGIC.length, true);
  if (hLen > MAX_HEADER_BYTES || MAGIC.length + 4 + hLen > bytes.length) reject('header length out of range');
  let h: Header;
  try {
    h = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(MAGIC.length + 4, MAGIC.length + 4 + hLen))) as Header;
  } catch {
    return reject('header is not JSON');
  }
  if (typeof h !== 'object' || h === null || h.format !== COMMIT_CACHE_FORMAT) reject('unknown cache format');
  if (h.key !== key) reject('entry is for another key');
  if (canonicalJson(h.pcs) !== canonicalJson(pcs)) reject('PCS parameters differ');
  const payload = bytes.subarray(align4(MAGIC.length + 4 + hLen));
  if (payload.length !== h.payloadBytes) reject(`payload is ${payload.length} bytes, header says ${h.payloadBytes}`);
  if (bytesToHex(sha256(payload)) !== h.payloadSha256) reject('payload hash mismatch (corrupted entry)');

  const tensors = modelWeightTensors(model);
  const refs = [...tensors].map(([id, t]) => ({ id, shape: t.shape }));
  const layout = bundleLayout(refs);
  const n = layout.numVars;
  if (h.numVars !== n) reject('numVars differs from the model layout');
  const schedule = foldSchedule(n, pcs);
  const section = (name: keyof Header['sections'], expectLen?: number): [number, number] => {
    const s = h.sections?.[name];
    if (!Array.isArray(s) || s.length !== 2 || !s.every((x) => Number.isInteger(x) && x >= 0)) return reject(`section ${name} malformed`);
    const [off, len] = s;
    if (off + len > payload.length || (name !== 'file' && off % 4 !== 0)) reject(`section ${name} out of range`);
    if (expectLen !== undefined && len !== expectLen) reject(`section ${name} is ${len} bytes, expected ${expectLen}`);
    return [off, len];
  };
  const [fo, fl] = section('file');
  const [wo, wl] = section('codeword', 4 * 2 ** (n + pcs.logBlowup));

  let file: ModelCommitmentFile;
  try {
    file = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload.subarray(fo, fo + fl))) as ModelCommitmentFile;
  } catch {
    return reject('commitment file is not JSON');
  }
  // The digest check of parseModelCommitment, with the prover's (faster) SHA-256.
  const pHash = sha256(new TextEncoder().encode(canonicalJson(file.params)));
  if (bytesToHex(pHash) !== file.paramsHash) reject('commitment params hash does not recompute');
  if (canonicalJson(file.weights?.tensors) !== canonicalJson(refs)) reject('commitment tensor layout differs from the model');
  if (typeof file.weights.root !== 'string' || !/^[0-9a-f]{64}$/.test(file.weights.root)) reject('commitment root malformed');
  const root = hexToBytes(file.weights.root);
  if (bytesToHex(modelDigest(root, layout, pHash)) !== file.digest || file.digest !== h.digest) reject('commitment digest does not recompute');

  // Copy out of the file buffer so the entry's bytes can be released.
  const codeword = u32At(payload, wo, wl).slice();
  const tree = MerkleTree.fromLimbs(codeword, 2 ** schedule.arities[0]!);
  if (bytesToHex(tree.root) !== file.weights.root) reject('Merkle root of the cached codeword is not the commitment root');

  const { vector, tables } = packBundle(BabyBear, layout, tensors);
  const coeffs = mobius(BabyBear, vector.slice());
  const commitment = { root, numVars: n };
  const state: PcsProverState = {
    numVars: n,
    params: Object.freeze({ ...pcs }),
    schedule,
    values: vector.slice(),
    coeffs,
    codeword,
    tree,
    commitment,
  };
  return { file, state, tables };
}

function writeAtomic(path: string, bytes: Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${nodeCrypto.randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  // rename is atomic: a reader sees the old entry or the whole new one, never a part.
  renameSync(tmp, path);
}

function evict(dir: string, keep: number, current: string): void {
  const entries = readdirSync(dir)
    .filter((f) => f.endsWith('.zkc'))
    .map((f) => {
      const p = join(dir, f);
      try {
        return { p, t: statSync(p).mtimeMs };
      } catch {
        return undefined;
      }
    })
    .filter((e): e is { p: string; t: number } => e !== undefined && e.p !== current)
    .sort((a, b) => b.t - a.t);
  for (const e of entries.slice(Math.max(0, keep - 1))) {
    try {
      unlinkSync(e.p);
    } catch {
      // Another process may have removed it first.
    }
  }
}

/**
 * {@link commitProvable} through the on-disk cache: loads a checked entry, or commits and
 * writes one. Failing to write (read-only directory, full disk) is reported, not thrown.
 */
export function commitProvableCached(
  model: QuantizedModel,
  opts: ProvableOptions,
  cache: CommitCacheOptions,
): { committed: CommittedModel; report: CommitCacheReport } {
  const t0 = performance.now();
  const key = commitCacheKey(model, opts);
  const path = join(cache.dir, `${key}.zkc`);
  let rejected: string | undefined;
  if (LITTLE_ENDIAN && existsSync(path)) {
    try {
      const buf = readFileSync(path);
      // A plain Uint8Array view: Buffer's `slice` would share memory instead of copying.
      const committed = deserialize(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), key, model, weightPcsParams(model));
      try {
        const now = new Date();
        utimesSync(path, now, now);
      } catch {
        // Only the eviction order depends on it.
      }
      return { committed, report: { status: 'hit', path, written: false, ms: performance.now() - t0 } };
    } catch (e) {
      // Whatever is wrong with an entry (unreadable, corrupted, malformed in a way the
      // checks did not name), it is not used; the reason is reported.
      rejected = e instanceof CacheRejected ? e.message : `unreadable entry (${e instanceof Error ? e.message : String(e)})`;
    }
  }
  const committed = commitProvable(model, opts);
  let written = false;
  let reason = rejected;
  if (!LITTLE_ENDIAN) reason = 'caching needs a little-endian host';
  else {
    try {
      writeAtomic(path, serialize(key, committed));
      written = true;
      evict(cache.dir, Math.max(1, cache.maxEntries ?? 4), path);
    } catch (e) {
      const why = `cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`;
      reason = reason === undefined ? why : `${reason}; ${why}`;
    }
  }
  const report: CommitCacheReport = {
    status: rejected === undefined ? 'miss' : 'rebuilt',
    path,
    written,
    ms: performance.now() - t0,
    ...(reason !== undefined ? { reason } : {}),
  };
  return { committed, report };
}
