/**
 * Proof stores. A record is written when a proof job is accepted (status `pending`)
 * and rewritten when it finishes, so a restarted server knows every Proof-Id it ever
 * handed out. The file store writes each file to a temporary name and renames it into
 * place, so a crash leaves either the old or the new file, never half of one.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StopReason } from '@zkllm/verifier';

export type ProofStatus = 'pending' | 'ready' | 'failed';

export interface ProofRecord {
  readonly id: string;
  readonly status: ProofStatus;
  /** Commitment digest (hex) of the model the proof is for. */
  readonly model: string;
  readonly promptTokens: readonly number[];
  readonly tokens: readonly number[];
  readonly stop: StopReason;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
  readonly updatedAt: number;
  /** Hex SHA-256 of the proof bytes (status `ready`). */
  readonly proofSha256?: string;
  readonly proofBytes?: number;
  /** Why proving failed (status `failed`). */
  readonly error?: string;
}

export interface StoredProof {
  readonly record: ProofRecord;
  /** The proof bytes when `record.status` is `ready`. */
  readonly proof?: Uint8Array;
}

/**
 * Where proofs live. `put` with a proof must make the record and bytes visible together
 * (a reader never sees `ready` without the bytes).
 */
export interface ProofStore {
  put(record: ProofRecord, proof?: Uint8Array): Promise<void>;
  /** Record and bytes; undefined when the id is unknown. */
  get(id: string): Promise<StoredProof | undefined>;
  /** The record alone (cheap: no proof bytes). */
  status(id: string): Promise<ProofRecord | undefined>;
  /** Records still `pending`: jobs that were accepted but not finished (for restarts). */
  pending(): Promise<ProofRecord[]>;
}

/** Proof ids: 16 random bytes as 22 base64url characters. */
export const PROOF_ID_RE = /^[A-Za-z0-9_-]{22}$/;

export function newProofId(): string {
  return randomBytes(16).toString('base64url');
}

export class ProofStoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProofStoreError';
  }
}

const sha256Hex = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

const isTokenList = (v: unknown): v is number[] => Array.isArray(v) && v.every((t) => Number.isInteger(t) && t >= 0);

/** Checks a record read back from storage; throws ProofStoreError on anything malformed. */
export function checkRecord(v: unknown, id: string): ProofRecord {
  if (typeof v !== 'object' || v === null) throw new ProofStoreError(`record ${id} is not an object`);
  const r = v as Record<string, unknown>;
  const ok =
    r['id'] === id &&
    (r['status'] === 'pending' || r['status'] === 'ready' || r['status'] === 'failed') &&
    typeof r['model'] === 'string' &&
    isTokenList(r['promptTokens']) &&
    isTokenList(r['tokens']) &&
    (r['stop'] === 'eos' || r['stop'] === 'length') &&
    typeof r['createdAt'] === 'number' &&
    typeof r['updatedAt'] === 'number' &&
    (r['status'] !== 'ready' || (typeof r['proofSha256'] === 'string' && /^[0-9a-f]{64}$/.test(r['proofSha256']))) &&
    (r['status'] !== 'failed' || typeof r['error'] === 'string');
  if (!ok) throw new ProofStoreError(`record ${id} is malformed`);
  return r as unknown as ProofRecord;
}

/** Filesystem store: `<dir>/<id>.json` (record) and `<dir>/<id>.bin` (proof bytes). */
export class FileProofStore implements ProofStore {
  readonly dir: string;
  private ready: Promise<void>;

  constructor(dir: string) {
    this.dir = dir;
    this.ready = this.init();
  }

  private async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    // Temporary files are leftovers of writes a crash interrupted; their targets are intact.
    for (const name of await readdir(this.dir)) if (name.includes('.tmp-')) await rm(join(this.dir, name), { force: true });
  }

  private path(id: string, ext: 'json' | 'bin'): string {
    // Ids come from URLs: only the exact id alphabet may reach the filesystem.
    if (!PROOF_ID_RE.test(id)) throw new ProofStoreError('invalid proof id');
    return join(this.dir, `${id}.${ext}`);
  }

  private async atomicWrite(path: string, data: Uint8Array | string): Promise<void> {
    const tmp = `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
    try {
      await writeFile(tmp, data, { mode: 0o600, flush: true });
      await rename(tmp, path);
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
  }

  async put(record: ProofRecord, proof?: Uint8Array): Promise<void> {
    await this.ready;
    if (record.status === 'ready' && proof === undefined) throw new ProofStoreError('a ready record needs its proof bytes');
    // Bytes first, record second: a `ready` record is only ever visible after its bytes.
    if (proof !== undefined) await this.atomicWrite(this.path(record.id, 'bin'), proof);
    await this.atomicWrite(this.path(record.id, 'json'), JSON.stringify(record));
  }

  async status(id: string): Promise<ProofRecord | undefined> {
    if (!PROOF_ID_RE.test(id)) return undefined;
    await this.ready;
    let text: string;
    try {
      text = await readFile(this.path(id, 'json'), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new ProofStoreError(`record ${id} is not valid JSON`);
    }
    return checkRecord(parsed, id);
  }

  async get(id: string): Promise<StoredProof | undefined> {
    const record = await this.status(id);
    if (record === undefined || record.status !== 'ready') return record && { record };
    let proof: Uint8Array;
    try {
      proof = new Uint8Array(await readFile(this.path(id, 'bin')));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new ProofStoreError(`proof ${id} is missing its bytes`);
      throw e;
    }
    if (sha256Hex(proof) !== record.proofSha256) throw new ProofStoreError(`proof ${id} does not match its recorded digest`);
    return { record, proof };
  }

  async pending(): Promise<ProofRecord[]> {
    await this.ready;
    const out: ProofRecord[] = [];
    for (const name of await readdir(this.dir)) {
      if (!name.endsWith('.json')) continue;
      const id = name.slice(0, -5);
      if (!PROOF_ID_RE.test(id)) continue;
      try {
        const r = await this.status(id);
        if (r?.status === 'pending') out.push(r);
      } catch {
        // A corrupted record cannot be re-proven (its statement is unreadable); GET on it
        // reports the corruption.
      }
    }
    return out.sort((a, b) => a.createdAt - b.createdAt);
  }
}

/** In-memory store (tests, or servers that do not need proofs to outlive the process). */
export class MemoryProofStore implements ProofStore {
  private readonly map = new Map<string, StoredProof>();

  async put(record: ProofRecord, proof?: Uint8Array): Promise<void> {
    if (record.status === 'ready' && proof === undefined) throw new ProofStoreError('a ready record needs its proof bytes');
    this.map.set(record.id, proof === undefined ? { record } : { record, proof: proof.slice() });
  }

  async get(id: string): Promise<StoredProof | undefined> {
    return this.map.get(id);
  }

  async status(id: string): Promise<ProofRecord | undefined> {
    return this.map.get(id)?.record;
  }

  async pending(): Promise<ProofRecord[]> {
    return [...this.map.values()].map((s) => s.record).filter((r) => r.status === 'pending');
  }
}

export { sha256Hex };
