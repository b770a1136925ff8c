import {
  DEFAULT_FHE_PARAMS,
  FHE_PARAMS,
  KoalaBear,
  BabyBear,
  decodeCiphertexts,
  encodeCiphertexts,
  fheLogQ,
  negacyclicMulNaive,
  toEval,
  fromEvalInPlace,
  validateFheParams,
  verifyFheProof,
  parseFheCommitment,
  type FheCall,
} from '@zkllm/verifier';
import { beforeAll, describe, expect, it } from 'vitest';
import { prng } from '../model/fixtures.js';
import type { QLinear } from '../model/quant/quantize.js';
import { SealSession } from './seal.js';
import { FheServer } from './server.js';
import { randomLinear } from './testing.js';

describe('FHE parameters', () => {
  it('every named set satisfies SEAL 128-bit bounds and the NTT constraints', () => {
    for (const p of Object.values(FHE_PARAMS)) {
      validateFheParams(p);
      expect(fheLogQ(p)).toBeLessThanOrEqual(p.maxLogQ);
    }
  });
  it('negacyclic products in the evaluation domain match schoolbook', () => {
    for (const F of [BabyBear, KoalaBear]) {
      const rand = prng(7);
      const N = 64;
      const a = Uint32Array.from({ length: N }, () => Math.floor(rand() * F.p));
      const b = Uint32Array.from({ length: N }, () => Math.floor(rand() * F.p));
      const ea = toEval(F, a);
      const eb = toEval(F, b);
      const prod = new Uint32Array(N);
      F.mulVec(prod, ea, eb);
      expect(Array.from(fromEvalInPlace(F, prod))).toEqual(Array.from(negacyclicMulNaive(F, a, b)));
    }
  });
});

describe('FHE session and server', () => {
  let seal: SealSession;
  beforeAll(async () => {
    seal = await SealSession.create(DEFAULT_FHE_PARAMS);
  });

  it('encrypts signed vectors and decrypts them exactly', () => {
    const m = [0, 1, -1, 134230016, -134230016, 12345, -999];
    const ct = seal.encrypt(m);
    const back = seal.decrypt(ct);
    expect(Array.from(back.slice(0, m.length))).toEqual(m);
    // The deterministic (q mod t)·m/q rounding term dominates for messages near t/2.
    expect(seal.noiseBudget(ct)).toBeGreaterThanOrEqual(5);
    expect(seal.noiseBudget(seal.encrypt([3, -4]))).toBeGreaterThan(20);
    expect(() => seal.encrypt([134230017])).toThrow(/outside/);
  });

  it('ciphertext codec round-trips and rejects hostile bytes', () => {
    const N = DEFAULT_FHE_PARAMS.polyDegree;
    const ct = seal.encrypt([1, 2, 3]);
    const bytes = encodeCiphertexts([ct, ct], N);
    const back = decodeCiphertexts(bytes, N, 4);
    expect(back.length).toBe(2);
    expect(Array.from(back[1]!.data)).toEqual(Array.from(ct.data));
    expect(() => decodeCiphertexts(bytes, N, 1)).toThrow(/exceeds limit/);
    expect(() => decodeCiphertexts(bytes.subarray(0, bytes.length - 1), N, 4)).toThrow(/truncated|malformed/);
    expect(() => decodeCiphertexts(concatZero(bytes), N, 4)).toThrow(/trailing/);
    expect(() => decodeCiphertexts(bytes, 8192, 4)).toThrow(/degree/);
    const bad = bytes.slice();
    new DataView(bad.buffer).setUint32(bad.length - 4, 0xffffffff, true);
    expect(() => decodeCiphertexts(bad, N, 4)).toThrow(/canonical/);
    const magic = bytes.slice();
    magic[0] = 0;
    expect(() => decodeCiphertexts(magic, N, 4)).toThrow(/magic/);
  });
});


function concatZero(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(b.length + 1);
  out.set(b);
  return out;
}

/** Client-side helper: encrypts x (tokens × cols) chunk by chunk, one digit. */
function encryptRows(seal: SealSession, x: Int32Array, tokens: number, cols: number, chunk: number): Uint8Array {
  const cts = [];
  for (let t = 0; t < tokens; t++) {
    for (let j = 0; j * chunk < cols; j++) cts.push(seal.encrypt(x.subarray(t * cols + j * chunk, t * cols + Math.min(cols, (j + 1) * chunk))));
  }
  return encodeCiphertexts(cts, seal.params.polyDegree);
}

function plainMatvec(l: QLinear, x: Int32Array, t: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < l.rows; r++) {
    let s = l.bias ? l.bias[r]! : 0;
    for (let c = 0; c < l.cols; c++) s += l.w[r * l.cols + c]! * x[t * l.cols + c]!;
    out.push(s);
  }
  return out;
}

describe('homomorphic linear layers and their proofs', () => {
  let seal: SealSession;
  const N = DEFAULT_FHE_PARAMS.polyDegree;
  // Awkward shapes: a block boundary mid-matrix, a short last block, a bias, and one
  // linear wider than N (two column chunks summed homomorphically).
  const lins = [randomLinear('a', 70, 96, 1, true), randomLinear('b', 33, 96, 2), randomLinear('wide', 5, 4100, 3)];
  let server: FheServer;
  beforeAll(async () => {
    seal = await SealSession.create(DEFAULT_FHE_PARAMS);
    server = new FheServer(lins);
  });

  function run(session: string, names: string[], x: Int32Array, tokens: number): { call: FheCall; decoded: number[][][] } {
    const l0 = server.commitment.layout.byName.get(names[0]!)!;
    const inputs = encryptRows(seal, x, tokens, l0.cols, l0.chunk);
    const res = server.evaluate(session, { linears: names, tokens, digits: 1, inputs });
    const outs = res.outputs.map((b) => decodeCiphertexts(b, N, 1000));
    const decoded = names.map((n, li) => {
      const l = server.commitment.layout.byName.get(n)!;
      const rows: number[][] = [];
      for (let t = 0; t < tokens; t++) {
        const row: number[] = [];
        for (let o = 0; o < l.blocks; o++) {
          const m = seal.decrypt(outs[li]![t * l.blocks + o]!);
          for (let r = 0; r < Math.min(l.rowsPerBlock, l.rows - o * l.rowsPerBlock); r++) row.push(m[r * l.chunk + l.chunk - 1]!);
        }
        rows.push(row);
      }
      return rows;
    });
    return { call: { linears: names, tokens, digits: 1, inputs: decodeCiphertexts(inputs, N, 1000), outputs: outs }, decoded };
  }

  it('evaluates exactly, proves, and the client verifies; tampering and other weights are rejected', () => {
    const s = server.openSession();
    const rand = prng(11);
    const x = Int32Array.from({ length: 2 * 96 }, () => Math.floor(rand() * 4095) - 2047);
    const r1 = run(s, ['a', 'b'], x, 2);
    for (let t = 0; t < 2; t++) {
      expect(r1.decoded[0]![t]).toEqual(plainMatvec(lins[0]!, x, t));
      expect(r1.decoded[1]![t]).toEqual(plainMatvec(lins[1]!, x, t));
    }
    const xw = Int32Array.from({ length: 4100 }, () => Math.floor(rand() * 255) - 127);
    const r2 = run(s, ['wide'], xw, 1);
    expect(r2.decoded[0]![0]).toEqual(plainMatvec(lins[2]!, xw, 0));

    const proof = server.prove(s);
    const commitment = parseFheCommitment(JSON.parse(JSON.stringify(server.commitmentJson())), server.commitmentJson().digest);
    const calls = [r1.call, r2.call];
    expect(verifyFheProof(commitment, calls, proof)).toEqual({ valid: true });

    // A tampered output in either limb.
    for (const limb of [0, 1]) {
      const outs = r1.call.outputs.map((l) => l.map((c) => ({ polyDegree: c.polyDegree, data: c.data.slice() })));
      const d = outs[0]![2]!.data;
      const idx = limb * N + 17;
      d[idx] = (d[idx]! + 1) % (limb === 0 ? BabyBear.p : KoalaBear.p);
      const bad = verifyFheProof(commitment, [{ ...r1.call, outputs: outs }, r2.call], proof);
      expect(bad.valid).toBe(false);
    }
    // A c1 tamper in the KoalaBear limb of the wide call.
    const outsW = r2.call.outputs.map((l) => l.map((c) => ({ polyDegree: c.polyDegree, data: c.data.slice() })));
    outsW[0]![0]!.data[3 * N + 5] = (outsW[0]![0]!.data[3 * N + 5]! + 5) % KoalaBear.p;
    expect(verifyFheProof(commitment, [r1.call, { ...r2.call, outputs: outsW }], proof).valid).toBe(false);
    // Dropping a call, flipping proof bytes.
    expect(verifyFheProof(commitment, [r1.call], proof).valid).toBe(false);
    const flipped = proof.slice();
    flipped[40] ^= 1;
    expect(verifyFheProof(commitment, calls, flipped).valid).toBe(false);
    expect(verifyFheProof(commitment, calls, proof.subarray(0, proof.length - 3)).valid).toBe(false);
  });

  it('a server holding other weights cannot pass against the pinned commitment', () => {
    const other = new FheServer([randomLinear('a', 70, 96, 99, true), lins[1]!, lins[2]!]);
    const s = other.openSession();
    const rand = prng(5);
    const x = Int32Array.from({ length: 96 }, () => Math.floor(rand() * 255) - 127);
    const inputs = encryptRows(seal, x, 1, 96, 96);
    const res = other.evaluate(s, { linears: ['a'], tokens: 1, digits: 1, inputs });
    const call: FheCall = { linears: ['a'], tokens: 1, digits: 1, inputs: decodeCiphertexts(inputs, N, 10), outputs: res.outputs.map((b) => decodeCiphertexts(b, N, 10)) };
    const proof = other.prove(s);
    expect(verifyFheProof(other.commitment, [call], proof).valid).toBe(true);
    const pinned = server.commitment;
    const r = verifyFheProof(pinned, [call], proof);
    expect(r.valid).toBe(false);
  });
});
