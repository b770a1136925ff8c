import * as nodeCrypto from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyProof } from '@zkllm/verifier';
import { afterAll, describe, expect, it } from 'vitest';
import { loadModel, quantizeLoaded, writeFixture } from '../model/index.js';
import { ZkModel } from '../zkmodel.js';
import { commitCacheKey, commitProvableCached, defaultCacheDir } from './cache.js';
import { commitProvable } from './setup.js';

const root = mkdtempSync(join(tmpdir(), 'zkllm-cache-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const modelDir = join(root, 'model');
writeFixture('llama-gqa-odd', modelDir);
const loaded = loadModel(modelDir);
const model = quantizeLoaded(loaded);
const opts = { eosTokenId: loaded.config.eosTokenId ?? undefined, tokenizer: loaded.tokenizer.source };

/** Rewrites an entry with `edit` applied to its payload and a matching payload hash (a consistent but wrong entry). */
function rewrite(path: string, edit: (payload: Uint8Array, sections: Record<string, [number, number]>) => void): void {
  const bytes = new Uint8Array(readFileSync(path));
  const hLen = new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + hLen))) as { payloadSha256: string; sections: Record<string, [number, number]> };
  const start = (12 + hLen + 3) & ~3;
  const payload = bytes.slice(start);
  edit(payload, header.sections);
  header.payloadSha256 = nodeCrypto.createHash('sha256').update(payload).digest('hex');
  const hb = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(((12 + hb.length + 3) & ~3) + payload.length);
  out.set(bytes.subarray(0, 8));
  new DataView(out.buffer).setUint32(8, hb.length, true);
  out.set(hb, 12);
  out.set(payload, (12 + hb.length + 3) & ~3);
  writeFileSync(path, out);
}

describe('commitment cache', () => {
  it('a hit gives the same commitment and prover state, and identical proofs', () => {
    const dir = join(root, 'c1');
    const fresh = commitProvable(model, opts);
    const first = commitProvableCached(model, opts, { dir });
    expect(first.report).toMatchObject({ status: 'miss', written: true });
    expect(existsSync(first.report.path)).toBe(true);
    const second = commitProvableCached(model, opts, { dir });
    expect(second.report).toMatchObject({ status: 'hit', written: false, path: first.report.path });
    expect(second.committed.file).toEqual(fresh.file);
    const a = fresh.state;
    const b = second.committed.state;
    expect(b.commitment).toEqual(a.commitment);
    expect(b.values).toEqual(a.values);
    expect(b.coeffs).toEqual(a.coeffs);
    expect(b.codeword).toEqual(a.codeword);
    expect(b.tree.nodes).toEqual(a.tree.nodes);
    expect(b.schedule).toEqual(a.schedule);
    expect([...second.committed.tables.keys()]).toEqual([...fresh.tables.keys()]);

    // Through the product API: a model loaded with the cache proves against the cached
    // state (identical to a fresh one, above), and the proof verifies against a fresh commitment.
    const cached = ZkModel.load(modelDir, { cache: dir });
    const g = cached.generate('Once upon a time', { maxTokens: 3, proof: true });
    expect(cached.cacheReport?.status).toBe('hit');
    const file = JSON.parse(JSON.stringify(fresh.file)) as unknown;
    expect(verifyProof(g.proof!, file, { expectedDigest: fresh.file.digest }).valid).toBe(true);
  });

  it('detects corrupted entries, rebuilds them, and then hits again', () => {
    const dir = join(root, 'c2');
    const { report } = commitProvableCached(model, opts, { dir });
    const path = report.path;
    const good = readFileSync(path);
    const expectRebuilt = (reason: RegExp): void => {
      const r = commitProvableCached(model, opts, { dir }).report;
      expect(r.status).toBe('rebuilt');
      expect(r.reason).toMatch(reason);
      expect(r.written).toBe(true);
      expect(commitProvableCached(model, opts, { dir }).report.status).toBe('hit');
    };

    // A flipped bit anywhere in the payload (here: the codeword).
    const flipped = Buffer.from(good);
    flipped[flipped.length >> 1]! ^= 0x10;
    writeFileSync(path, flipped);
    expectRebuilt(/payload hash mismatch/);
    // Truncated, empty, foreign files.
    writeFileSync(path, good.subarray(0, good.length - 100));
    expectRebuilt(/payload is \d+ bytes/);
    writeFileSync(path, new Uint8Array(0));
    expectRebuilt(/not a commitment cache file/);
    writeFileSync(path, 'ZKLMCC01\xff\xff\xff\xff');
    expectRebuilt(/header length/);
    // Consistent hashes but wrong contents: caught by the root and digest checks.
    rewrite(path, (p, s) => {
      p[s['codeword']![0] + 100]! ^= 1;
    });
    expectRebuilt(/Merkle root of the cached codeword/);
    rewrite(path, (p, s) => {
      const [o, l] = s['file']!;
      const text = new TextDecoder().decode(p.subarray(o, o + l)).replace('"eosTokenId":2', '"eosTokenId":3');
      p.set(new TextEncoder().encode(text), o);
    });
    expectRebuilt(/params hash/);
  });

  it('uses a new key when anything committed changes, and never reads a stale entry', () => {
    const dir = join(root, 'c3');
    const k = commitCacheKey(model, opts);
    expect(commitCacheKey(model, opts)).toBe(k);
    expect(commitCacheKey(model, { ...opts, eosTokenId: 5 })).not.toBe(k);
    expect(commitCacheKey(model, { eosTokenId: opts.eosTokenId })).not.toBe(k);
    const embed = model.embed;
    embed[0]! += 1;
    const kw = commitCacheKey(model, opts);
    embed[0]! -= 1;
    expect(kw).not.toBe(k);

    // An entry written for other weights, placed under this key's file name, is rejected.
    const otherDir = join(root, 'other');
    writeFixture('llama-l2c', otherDir);
    const ol = loadModel(otherDir);
    const other = commitProvableCached(quantizeLoaded(ol), { tokenizer: ol.tokenizer.source }, { dir });
    const mine = commitProvableCached(model, opts, { dir });
    expect(mine.report.status).toBe('miss');
    renameSync(other.report.path, mine.report.path);
    const again = commitProvableCached(model, opts, { dir });
    expect(again.report).toMatchObject({ status: 'rebuilt', reason: 'entry is for another key' });
    expect(again.committed.file.digest).toBe(commitProvable(model, opts).file.digest);
  });

  it('keeps at most maxEntries files and reports unwritable directories', () => {
    const dir = join(root, 'c4');
    commitProvableCached(model, opts, { dir, maxEntries: 2 });
    commitProvableCached(model, { ...opts, eosTokenId: 7 }, { dir, maxEntries: 2 });
    commitProvableCached(model, { ...opts, eosTokenId: 8 }, { dir, maxEntries: 2 });
    const left = readdirSync(dir).filter((f) => f.endsWith('.zkc'));
    expect(left).toHaveLength(2);
    expect(left).toContain(`${commitCacheKey(model, { ...opts, eosTokenId: 8 })}.zkc`);

    const blocker = join(root, 'not-a-dir');
    writeFileSync(blocker, 'x');
    const r = commitProvableCached(model, opts, { dir: join(blocker, 'sub') });
    expect(r.report).toMatchObject({ status: 'miss', written: false });
    expect(r.report.reason).toMatch(/cannot write/);
  });

  it('default directory follows the environment and platform', () => {
    expect(defaultCacheDir({ ZKLLM_CACHE_DIR: '/x/y' }, 'linux')).toBe('/x/y');
    expect(defaultCacheDir({ XDG_CACHE_HOME: '/c' }, 'linux')).toBe(join('/c', 'zkllm'));
    expect(defaultCacheDir({}, 'darwin')).toMatch(/Library[/\\]Caches[/\\]zkllm$/);
    expect(defaultCacheDir({ LOCALAPPDATA: 'C:\\L' }, 'win32')).toBe(join('C:\\L', 'zkllm', 'cache'));
  });
});
