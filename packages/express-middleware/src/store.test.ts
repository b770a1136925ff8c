/** Proof stores: round trips, restarts, atomic writes, and corrupted or hostile input. */
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadOrCreateKeyFile } from './keys.js';
import { FileProofStore, MemoryProofStore, newProofId, ProofStoreError, sha256Hex, type ProofRecord, type ProofStore } from './store.js';

const root = mkdtempSync(join(tmpdir(), 'zkllm-store-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = (): string => join(root, `s${n++}`);

function record(status: ProofRecord['status'] = 'pending', extra: Partial<ProofRecord> = {}): ProofRecord {
  return { id: newProofId(), status, model: 'ab'.repeat(32), promptTokens: [1, 5, 9], tokens: [7, 2], stop: 'eos', createdAt: Date.now(), updatedAt: Date.now(), ...extra };
}

const ready = (r: ProofRecord, proof: Uint8Array): ProofRecord => ({ ...r, status: 'ready', proofSha256: sha256Hex(proof), proofBytes: proof.length });

describe.each([
  ['FileProofStore', (): ProofStore => new FileProofStore(fresh())],
  ['MemoryProofStore', (): ProofStore => new MemoryProofStore()],
])('%s', (_name, make) => {
  it('keeps pending, ready and failed records; lists only pending ones', async () => {
    const s = make();
    const a = record();
    const b = record();
    const c = record();
    await s.put(a);
    await s.put(b);
    await s.put(c);
    const proof = new Uint8Array([1, 2, 3, 250]);
    await s.put(ready(b, proof), proof);
    await s.put({ ...c, status: 'failed', error: 'boom' });
    expect((await s.status(a.id))?.status).toBe('pending');
    expect(await s.get(b.id)).toEqual({ record: ready(b, proof), proof });
    expect((await s.get(c.id))?.record.error).toBe('boom');
    expect((await s.pending()).map((r) => r.id)).toEqual([a.id]);
    expect(await s.get(newProofId())).toBeUndefined();
  });

  it('refuses a ready record without bytes', async () => {
    await expect(make().put({ ...record(), status: 'ready', proofSha256: '00'.repeat(32) })).rejects.toThrow(ProofStoreError);
  });
});

describe('FileProofStore on disk', () => {
  it('survives a restart: a new store on the same directory sees every record', async () => {
    const dir = fresh();
    const s1 = new FileProofStore(dir);
    const p = record();
    const r = record();
    const proof = new Uint8Array(1000).map((_, i) => i & 255);
    await s1.put(p);
    await s1.put(r);
    await s1.put(ready(r, proof), proof);
    const s2 = new FileProofStore(dir);
    expect((await s2.pending()).map((x) => x.id)).toEqual([p.id]);
    expect((await s2.get(r.id))?.proof).toEqual(proof);
    // Files are private to the server's user; no temporary files remain.
    for (const f of readdirSync(dir)) {
      expect(f).toMatch(/^[A-Za-z0-9_-]{22}\.(json|bin)$/);
      if (process.platform !== 'win32') expect(statSync(join(dir, f)).mode & 0o077).toBe(0);
    }
  });

  it('removes leftovers of interrupted writes on open', async () => {
    const dir = fresh();
    const s1 = new FileProofStore(dir);
    const r = record();
    await s1.put(r);
    writeFileSync(join(dir, `${r.id}.json.tmp-1-abc`), '{"half":');
    const s2 = new FileProofStore(dir);
    expect((await s2.status(r.id))?.id).toBe(r.id);
    expect(readdirSync(dir).some((f) => f.includes('.tmp-'))).toBe(false);
  });

  it('reports corrupted records and proof bytes instead of serving them', async () => {
    const dir = fresh();
    const s = new FileProofStore(dir);
    const a = record();
    const b = record();
    const c = record();
    const proof = new Uint8Array([9, 9, 9, 9]);
    await s.put(a);
    await s.put(ready(b, proof), proof);
    await s.put(ready(c, proof), proof);
    writeFileSync(join(dir, `${a.id}.json`), '{"id": "trunc');
    writeFileSync(join(dir, `${b.id}.bin`), new Uint8Array([9, 9, 9, 8]));
    rmSync(join(dir, `${c.id}.bin`));
    await expect(s.status(a.id)).rejects.toThrow(/not valid JSON/);
    await expect(s.get(b.id)).rejects.toThrow(/does not match its recorded digest/);
    await expect(s.get(c.id)).rejects.toThrow(/missing its bytes/);
    // A record whose fields are wrong (or that claims another id) is malformed.
    writeFileSync(join(dir, `${a.id}.json`), JSON.stringify({ ...a, id: b.id }));
    await expect(s.status(a.id)).rejects.toThrow(/malformed/);
    writeFileSync(join(dir, `${a.id}.json`), JSON.stringify({ ...a, tokens: [-1] }));
    await expect(s.status(a.id)).rejects.toThrow(/malformed/);
    // Corrupted records are skipped when listing pending work, not fatal.
    expect(await s.pending()).toEqual([]);
  });

  it('never lets an id reach the filesystem unless it is a proof id', async () => {
    const dir = fresh();
    const s = new FileProofStore(dir);
    writeFileSync(join(root, 'secret.json'), JSON.stringify(record()));
    for (const id of ['../secret', '..%2Fsecret', 'a'.repeat(21), 'a'.repeat(23), `${'a'.repeat(21)}/`, '']) {
      expect(await s.status(id)).toBeUndefined();
      expect(await s.get(id)).toBeUndefined();
    }
    await expect(s.put({ ...record(), id: '../../evil' })).rejects.toThrow(/invalid proof id/);
    expect(existsSync(join(root, 'evil.json'))).toBe(false);
  });
});

describe('signing key file', () => {
  it('is created with mode 0600, reused on restart, and refused when others can read it', () => {
    const path = join(fresh(), 'k', 'signing-key.json');
    const k1 = loadOrCreateKeyFile(path);
    if (process.platform !== 'win32') expect(statSync(path).mode & 0o777).toBe(0o600);
    const k2 = loadOrCreateKeyFile(path);
    expect(k2.publicKey).toEqual(k1.publicKey);
    expect(k2.keyId).toBe(k1.keyId);
    if (process.platform !== 'win32') {
      chmodSync(path, 0o644);
      expect(() => loadOrCreateKeyFile(path)).toThrow(/readable by others/);
      chmodSync(path, 0o600);
    }
    const json = JSON.parse(readFileSync(path, 'utf8')) as Record<string, string>;
    writeFileSync(path, JSON.stringify({ ...json, public_key: json['public_key']!.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) }), { mode: 0o600 });
    expect(() => loadOrCreateKeyFile(path)).toThrow(/does not match/);
    writeFileSync(path, 'nope', { mode: 0o600 });
    expect(() => loadOrCreateKeyFile(path)).toThrow(/not valid JSON/);
  });
});
