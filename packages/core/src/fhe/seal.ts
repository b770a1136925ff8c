/**
 * The client's SEAL (node-seal 6.0.3) session: key generation, encryption and decryption.
 * The secret key never leaves this object; the server needs no keys at all, because it
 * only multiplies ciphertexts by plaintexts and adds them, in our own ring arithmetic.
 *
 * Ciphertexts cross between SEAL and our wire format through SEAL's uncompressed
 * serialization: a fixed prefix (SEAL header, parms_id, sizes, then the data array's own
 * header) followed by 2 polys × 2 limbs × N u64 coefficients. The prefix of a fresh
 * ciphertext is kept as a template; a ciphertext coming back from the server is the
 * template plus its coefficients, so SEAL re-validates every coefficient on load.
 *
 * Encryption is SEAL's public-key encryption of zero plus the scaled message Δ·m, where
 * Δ = ⌊q/t⌋ and m is the *signed* coefficient vector: BFV's encryption, but with the
 * centered lift of negative messages, so products with signed weights carry no extra
 * (q mod t)-term in their noise.
 */
import sealModule from 'node-seal';
import type { SEALLibrary } from 'node-seal/implementation/seal.js';
import { FHE_LIMBS, FheError, ciphertextWords, fheDelta, validateFheParams, type FheParams, type RawCiphertext } from '@zkllm/verifier';

type SealLib = SEALLibrary;
// node-seal ships a UMD bundle whose typings describe an ES default export; at run time
// the CommonJS module object is the factory itself.
const sealFactory = sealModule as unknown as () => Promise<SealLib>;
type SealContext = ReturnType<SealLib['Context']>;
type SealCipher = ReturnType<SealLib['CipherText']>;

let sealPromise: Promise<SealLib> | undefined;

/** Loads the SEAL WebAssembly module once per process. */
export function loadSeal(): Promise<SealLib> {
  sealPromise ??= sealFactory();
  return sealPromise;
}

const CT_DATA_OFFSET_FROM_END = (N: number) => ciphertextWords(N) * 8;

export class SealSession {
  readonly params: FheParams;
  private readonly seal: SealLib;
  private readonly context: SealContext;
  private readonly encryptor: ReturnType<SealLib['Encryptor']>;
  private readonly decryptor: ReturnType<SealLib['Decryptor']>;
  private readonly template: Uint8Array;
  private readonly delta: number[];

  private constructor(seal: SealLib, params: FheParams) {
    validateFheParams(params);
    this.seal = seal;
    this.params = params;
    const N = params.polyDegree;
    const parms = seal.EncryptionParameters(seal.SchemeType.bfv);
    parms.setPolyModulusDegree(N);
    const mods = [...FHE_LIMBS.map((F) => BigInt(F.p)), params.specialPrime].map((p) => seal.Modulus(p));
    const vec = seal.Vector();
    // The typings omit the Modulus-instance overload that the binding accepts.
    vec.from(mods.map((m) => m.instance) as unknown as Parameters<typeof vec.from>[0], 'Modulus');
    parms.setCoeffModulus(vec);
    parms.setPlainModulus(seal.Modulus(BigInt(params.plainModulus)));
    this.context = seal.Context(parms, true, seal.SecurityLevel.tc128);
    if (!this.context.parametersSet()) throw new FheError(`SEAL rejected parameter set ${params.name}`);
    const keygen = seal.KeyGenerator(this.context);
    this.encryptor = seal.Encryptor(this.context, keygen.createPublicKey());
    this.decryptor = seal.Decryptor(this.context, keygen.secretKey());
    const zero = this.encryptor.encryptZero() as SealCipher;
    if (zero.isNttForm || zero.size !== 2 || zero.coeffModulusSize !== FHE_LIMBS.length) throw new FheError('unexpected SEAL ciphertext shape');
    const bytes = zero.saveArray(seal.ComprModeType.none);
    zero.delete();
    this.template = bytes.slice(0, bytes.length - CT_DATA_OFFSET_FROM_END(N));
    this.delta = fheDelta(params);
  }

  /** Generates fresh keys for one client. */
  static async create(params: FheParams): Promise<SealSession> {
    return new SealSession(await loadSeal(), params);
  }

  private toRaw(ct: SealCipher): RawCiphertext {
    const N = this.params.polyDegree;
    const bytes = ct.saveArray(this.seal.ComprModeType.none);
    const words = ciphertextWords(N);
    if (bytes.length !== this.template.length + 8 * words) throw new FheError('unexpected SEAL ciphertext size');
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const data = new Uint32Array(words);
    const off = this.template.length;
    for (let i = 0; i < words; i++) {
      if (dv.getUint32(off + 8 * i + 4, true) !== 0) throw new FheError('SEAL coefficient exceeds 32 bits');
      data[i] = dv.getUint32(off + 8 * i, true);
    }
    return { polyDegree: N, data };
  }

  private fromRaw(raw: RawCiphertext): SealCipher {
    const N = this.params.polyDegree;
    const words = ciphertextWords(N);
    if (raw.polyDegree !== N || raw.data.length !== words) throw new FheError('ciphertext of the wrong size');
    const bytes = new Uint8Array(this.template.length + 8 * words);
    bytes.set(this.template);
    const dv = new DataView(bytes.buffer);
    for (let i = 0; i < words; i++) dv.setUint32(this.template.length + 8 * i, raw.data[i]!, true);
    const ct = this.seal.CipherText();
    try {
      ct.loadArray(this.context, bytes);
    } catch {
      ct.delete();
      throw new FheError('SEAL rejected the ciphertext (coefficients not reduced?)');
    }
    return ct;
  }

  /** Encrypts the signed coefficient vector m (length ≤ N, |m_i| < t/2). */
  encrypt(m: ArrayLike<number>): RawCiphertext {
    const N = this.params.polyDegree;
    if (m.length > N) throw new FheError(`message has ${m.length} coefficients, N = ${N}`);
    const half = (this.params.plainModulus - 1) / 2;
    const zero = this.encryptor.encryptZero() as SealCipher;
    const raw = this.toRaw(zero);
    zero.delete();
    FHE_LIMBS.forEach((F, limb) => {
      const d = this.delta[limb]!;
      const c0 = raw.data.subarray(limb * N, limb * N + N);
      for (let i = 0; i < m.length; i++) {
        const v = m[i]!;
        if (!Number.isInteger(v) || Math.abs(v) > half) throw new FheError(`message coefficient ${i} = ${v} outside ±${half}`);
        if (v !== 0) c0[i] = F.add(c0[i]!, F.mul(d, F.fromInt(v)));
      }
    });
    return raw;
  }

  /** Decrypts to signed coefficients in (−t/2, t/2] (length N). */
  decrypt(raw: RawCiphertext): Int32Array {
    const N = this.params.polyDegree;
    const ct = this.fromRaw(raw);
    try {
      const pt = this.decryptor.decrypt(ct);
      if (!pt) throw new FheError('decryption failed');
      const bytes = pt.saveArray(this.seal.ComprModeType.none);
      pt.delete();
      const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      // SEAL header 16 ‖ parms_id 32 ‖ coeff_count u64 ‖ scale f64 ‖ array header 16 ‖ count u64 ‖ u64 data
      const count = Number(dv.getBigUint64(80, true));
      if (count > N || bytes.length !== 88 + 8 * count) throw new FheError('unexpected SEAL plaintext layout');
      const t = this.params.plainModulus;
      const out = new Int32Array(N);
      for (let i = 0; i < count; i++) {
        const v = dv.getUint32(88 + 8 * i, true);
        out[i] = v > (t - 1) / 2 ? v - t : v;
      }
      return out;
    } finally {
      ct.delete();
    }
  }

  /** SEAL's invariant noise budget in bits (0 means the ciphertext no longer decrypts). */
  noiseBudget(raw: RawCiphertext): number {
    const ct = this.fromRaw(raw);
    try {
      return this.decryptor.invariantNoiseBudget(ct);
    } finally {
      ct.delete();
    }
  }
}
