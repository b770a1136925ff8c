import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { fromBase64Url } from '../codec/base64url.js';
import { fromBase64, toBase64 } from '../codec/base64url.js';
import {
  PROOF_FRAME_TAG,
  PROOF_RESOURCE_COMPONENTS,
  RESPONSE_COMPONENTS,
  formatProofFrame,
  isProofId,
  newProofId,
  parseProofLink,
  proofFrameComponents,
  proofResourceHeaders,
  proofResponseHeaders,
  proofStreamFrame,
} from './contract.js';
import { checkDigestHeader, contentDigest, parseDigestHeader } from './digest.js';
import { decodeKey, encodeKey, generateSigningKey, keyIdOf, publicKeyFromSecret } from './keys.js';
import { parseDictionary, serializeDictionary, SfToken } from './sf.js';
import { signMessage, signatureBase, verifyMessageSignature, type VerifySignatureOptions } from './signature.js';

// A fixed key so the known-answer tests are reproducible.
const SECRET = sha256(new TextEncoder().encode('zkllm http test key'));
const PUBLIC = publicKeyFromSecret(SECRET);
const MODEL = 'ab'.repeat(32);
const PROOF_ID = 'AAECAwQFBgcICQoLDA0ODw';
const NOW = 1_750_000_000;

describe('base64 and structured fields', () => {
  it('round-trips standard base64 of every length mod 3 and rejects junk', () => {
    for (const n of [0, 1, 2, 3, 31, 32, 33]) {
      const b = Uint8Array.from({ length: n }, (_, i) => (i * 37 + 11) & 255);
      expect(fromBase64(toBase64(b))).toEqual(b);
      expect(fromBase64(toBase64(b).replace(/=+$/, ''))).toEqual(b);
    }
    expect(toBase64(new TextEncoder().encode('hello'))).toBe('aGVsbG8=');
    for (const bad of ['a', 'aGVs*G8=', 'aGVsbG8=x', 'a===', '=aGV']) expect(() => fromBase64(bad)).toThrow(RangeError);
  });

  it('parses and re-serialises dictionaries with inner lists and parameters', () => {
    const text = 'sig1=("@method" "content-digest");created=1618884473;keyid="k\\"1";alg=ed25519, b=:AQID:, c, d=?0;x=-5';
    const d = parseDictionary(text);
    expect(d.map(([k]) => k)).toEqual(['sig1', 'b', 'c', 'd']);
    expect(serializeDictionary(d)).toBe(text);
    expect((d[1]![1] as { value: Uint8Array }).value).toEqual(Uint8Array.of(1, 2, 3));
    expect(((d[0]![1] as { params: [string, unknown][] }).params[2]![1] as SfToken).value).toBe('ed25519');
  });

  it('rejects malformed, duplicate and oversized input', () => {
    for (const bad of [
      '',
      'A=1',
      'a=1,',
      'a=1 b=2',
      'a=1, a=2',
      'a=("x";p=1;p=2)',
      'a=("x"',
      'a="unterminated',
      'a="bad\\n"',
      'a=:AQID',
      'a=:A*ID:',
      'a=1.5',
      'a=1234567890123456',
      'a=?2',
      'a=("x""y")',
      'a=%',
      'a=1;',
      'a=' + '1,a='.repeat(3000),
      `a=(${'"x" '.repeat(70)})`,
    ]) expect(() => parseDictionary(bad), bad).toThrow();
  });
});

describe('RFC 9530 digests', () => {
  it('formats sha-256 as a dictionary byte sequence and checks it', () => {
    // SHA-256("hello") = 2cf24dba...
    expect(contentDigest('hello')).toBe('sha-256=:LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=:');
    expect(parseDigestHeader('sha-512=:AQID:, sha-256=:LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=:').get('sha-256')).toEqual(sha256(new TextEncoder().encode('hello')));
    expect(checkDigestHeader(contentDigest('hello'), 'hello')).toBeUndefined();
    expect(checkDigestHeader(contentDigest('hello'), 'hellO')).toMatch(/does not match/);
    expect(checkDigestHeader(undefined, 'x')).toBe('missing');
    expect(checkDigestHeader('sha-512=:AQID:', 'x')).toMatch(/no sha-256/);
    expect(checkDigestHeader('sha-256=:AQID:', 'x')).toMatch(/3 bytes/);
    expect(checkDigestHeader('sha-256="x"', 'x')).toMatch(/malformed/);
    expect(checkDigestHeader('sha-256', 'x')).toMatch(/malformed/);
  });
});

describe('keys', () => {
  it('derives the key id from the raw public key and round-trips base64url', () => {
    const k = generateSigningKey();
    expect(k.publicKey).toEqual(publicKeyFromSecret(k.secretKey));
    expect(k.keyId).toHaveLength(16);
    expect(keyIdOf(PUBLIC)).toBe(encodeKey(sha256(PUBLIC)).slice(0, 16));
    expect(decodeKey(encodeKey(k.publicKey))).toEqual(k.publicKey);
    expect(() => decodeKey(encodeKey(k.publicKey.subarray(1)))).toThrow(/32 bytes/);
    expect(() => decodeKey('!!')).toThrow();
    expect(() => keyIdOf(new Uint8Array(31))).toThrow();
  });
});

describe('RFC 9421 signature base', () => {
  it('reproduces the RFC 9421 §B.2.6 Ed25519 example and verifies its signature', () => {
    const components = [
      { name: 'date', value: 'Tue, 20 Apr 2021 02:07:55 GMT' },
      { name: '@method', value: 'POST' },
      { name: '@path', value: '/foo' },
      { name: '@authority', value: 'example.com' },
      { name: 'content-type', value: 'application/json' },
      { name: 'content-length', value: '18' },
    ];
    const base = signatureBase(components, { created: 1618884473, keyid: 'test-key-ed25519' });
    expect(base).toBe(
      '"date": Tue, 20 Apr 2021 02:07:55 GMT\n"@method": POST\n"@path": /foo\n"@authority": example.com\n' +
        '"content-type": application/json\n"content-length": 18\n' +
        '"@signature-params": ("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"',
    );
    // The RFC's test-key-ed25519 public key (§B.1.4) and signature sig-b26.
    const pk = fromBase64Url('JrQLj5P_89iXES9-vFgrIy29clF9CC_oPPsw3c5D0bs');
    const sig = fromBase64('wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==');
    expect(ed25519.verify(sig, new TextEncoder().encode(base), pk, { zip215: false })).toBe(true);
  });

  it('has the documented shape for a proven response', () => {
    const h = proofResponseHeaders({ status: 200, body: '{"a":1}', proofId: PROOF_ID, proof: Uint8Array.of(1, 2, 3), modelDigest: MODEL, secretKey: SECRET, created: NOW });
    const keyid = keyIdOf(PUBLIC);
    expect(h['Signature-Input']).toBe(`zkllm=("@status" "content-digest" "proof-id" "zkllm-model" "proof-digest");created=${NOW};keyid="${keyid}";alg="ed25519"`);
    expect(h['Link']).toBe(`</v1/zkllm/proofs/${PROOF_ID}>; rel="proof"`);
    expect(h['Proof-Digest']).toBe(contentDigest(Uint8Array.of(1, 2, 3)));
    const base = signatureBase(
      [
        { name: '@status', value: '200' },
        { name: 'content-digest', value: h['Content-Digest']! },
        { name: 'proof-id', value: PROOF_ID },
        { name: 'zkllm-model', value: MODEL },
        { name: 'proof-digest', value: h['Proof-Digest']! },
      ],
      { created: NOW, keyid, alg: 'ed25519' },
    );
    expect(base).toBe(
      `"@status": 200\n"content-digest": ${contentDigest('{"a":1}')}\n"proof-id": ${PROOF_ID}\n"zkllm-model": ${MODEL}\n` +
        `"proof-digest": ${contentDigest(Uint8Array.of(1, 2, 3))}\n` +
        `"@signature-params": ("@status" "content-digest" "proof-id" "zkllm-model" "proof-digest");created=${NOW};keyid="${keyid}";alg="ed25519"`,
    );
    const sig = fromBase64(h['Signature']!.slice('zkllm=:'.length, -1));
    expect(ed25519.verify(sig, new TextEncoder().encode(base), PUBLIC)).toBe(true);
    // Ed25519 is deterministic: the whole header set is a known answer for this key.
    expect(proofResponseHeaders({ status: 200, body: '{"a":1}', proofId: PROOF_ID, proof: Uint8Array.of(1, 2, 3), modelDigest: MODEL, secretKey: SECRET, created: NOW })).toEqual(h);
  });

  it('rejects names and values that would break the line format', () => {
    expect(() => signatureBase([{ name: 'A', value: 'x' }], {})).toThrow(/component name/);
    expect(() => signatureBase([{ name: 'x', value: 'a\n"@status": 200' }], {})).toThrow(/field value/);
    expect(() => signatureBase([{ name: 'x', value: 'a\rb' }], {})).toThrow(/field value/);
    expect(() => signatureBase([{ name: 'x', value: '1' }, { name: 'x', value: '2' }], {})).toThrow(/twice/);
    expect(signatureBase([{ name: 'x', value: '  padded\t' }], {})).toBe('"x": padded\n"@signature-params": ("x")');
  });
});

describe('signature verification', () => {
  const headers = proofResponseHeaders({ status: 200, body: 'body', proofId: PROOF_ID, proof: Uint8Array.of(9), modelDigest: MODEL, secretKey: SECRET, created: NOW });
  const lower = (h: Record<string, string>) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
  const opts = (h: Record<string, string>, status = 200, extra: Partial<VerifySignatureOptions> = {}): VerifySignatureOptions => {
    const l = lower(h);
    return {
      signatureInput: l['signature-input'],
      signature: l['signature'],
      publicKey: PUBLIC,
      resolve: (n) => (n === '@status' ? String(status) : l[n]),
      required: RESPONSE_COMPONENTS,
      optional: ['proof-digest'],
      now: NOW,
      ...extra,
    };
  };

  it('accepts the genuine headers', () => {
    const r = verifyMessageSignature(opts(headers));
    expect(r).toMatchObject({ valid: true, created: NOW });
    expect(verifyMessageSignature(opts(headers, 200, { now: NOW - 299 })).valid).toBe(true);
  });

  const cases: Array<[string, () => VerifySignatureOptions, RegExp]> = [
    ['changed status', () => opts(headers, 201), /bad signature/],
    ['changed content digest', () => opts({ ...headers, 'Content-Digest': contentDigest('other') }), /bad signature/],
    ['changed proof id', () => opts({ ...headers, 'Proof-Id': newProofId() }), /bad signature/],
    ['changed model', () => opts({ ...headers, 'Zkllm-Model': 'cd'.repeat(32) }), /bad signature/],
    ['changed proof digest', () => opts({ ...headers, 'Proof-Digest': contentDigest('x') }), /bad signature/],
    ['wrong key', () => ({ ...opts(headers), publicKey: generateSigningKey().publicKey }), /keyid .* is not the pinned key/],
    ['wrong keyid', () => opts({ ...headers, 'Signature-Input': headers['Signature-Input']!.replace(/keyid="[^"]+"/, 'keyid="AAAAAAAAAAAAAAAA"') }), /keyid/],
    ['missing covered header', () => opts(Object.fromEntries(Object.entries(headers).filter(([k]) => k !== 'Proof-Digest'))), /proof-digest is missing/],
    ['component dropped from the input', () => opts({ ...headers, 'Signature-Input': headers['Signature-Input']!.replace(' "zkllm-model"', '') }), /does not cover zkllm-model/],
    ['extra component', () => opts({ ...headers, 'Signature-Input': headers['Signature-Input']!.replace('("@status"', '("@status" "date"'), date: 'x' }), /unexpected component date/],
    ['duplicate component', () => opts({ ...headers, 'Signature-Input': headers['Signature-Input']!.replace('("@status"', '("@status" "@status"') }), /covered twice/],
    ['component parameter', () => opts({ ...headers, 'Signature-Input': headers['Signature-Input']!.replace('"proof-id"', '"proof-id";sf') }), /component parameters/],
    ['created changed', () => opts({ ...headers, 'Signature-Input': headers['Signature-Input']!.replace(`created=${NOW}`, `created=${NOW - 1}`) }), /bad signature/],
    ['created in the future', () => opts(headers, 200, { now: NOW - 301 }), /in the future/],
    ['wrong alg', () => opts({ ...headers, 'Signature-Input': headers['Signature-Input']!.replace('"ed25519"', '"rsa-pss-sha512"') }), /alg/],
    ['unknown parameter', () => opts({ ...headers, 'Signature-Input': headers['Signature-Input']! + ';foo=1' }), /unknown signature parameter/],
    ['unexpected tag', () => opts({ ...headers, 'Signature-Input': headers['Signature-Input']! + ';tag="x"' }), /unexpected tag/],
    ['required tag absent', () => opts(headers, 200, { tag: PROOF_FRAME_TAG }), /tag must be/],
    ['other label only', () => opts({ ...headers, 'Signature-Input': headers['Signature-Input']!.replace('zkllm=', 'other='), Signature: headers['Signature']!.replace('zkllm=', 'other=') }), /no "zkllm" signature/],
    ['missing Signature', () => opts(Object.fromEntries(Object.entries(headers).filter(([k]) => k !== 'Signature'))), /missing Signature$/],
    ['missing Signature-Input', () => opts(Object.fromEntries(Object.entries(headers).filter(([k]) => k !== 'Signature-Input'))), /missing Signature-Input/],
    ['malformed Signature-Input', () => opts({ ...headers, 'Signature-Input': 'zkllm=("@status"' }), /malformed Signature-Input/],
    ['malformed Signature', () => opts({ ...headers, Signature: 'zkllm=:not base64:' }), /malformed Signature/],
    ['short signature', () => opts({ ...headers, Signature: 'zkllm=:AQID:' }), /64 bytes/],
    ['signature is a string', () => opts({ ...headers, Signature: 'zkllm="abc"' }), /not a byte sequence/],
    ['input is an item', () => opts({ ...headers, 'Signature-Input': 'zkllm="x"' }), /not an inner list/],
    [
      'flipped signature bit',
      () => {
        const sig = fromBase64(headers['Signature']!.slice(7, -1));
        sig[5]! ^= 1;
        return opts({ ...headers, Signature: `zkllm=:${toBase64(sig)}:` });
      },
      /bad signature/,
    ],
  ];
  for (const [name, make, reason] of cases) {
    it(`rejects: ${name}`, () => {
      const r = verifyMessageSignature(make());
      expect(r.valid).toBe(false);
      expect(r.valid ? '' : r.reason).toMatch(reason);
    });
  }
});

describe('proof resource and SSE proof frame', () => {
  it('signs the proof resource over its five components', () => {
    const proof = Uint8Array.of(5, 6, 7);
    const h = proofResourceHeaders({ proof, proofId: PROOF_ID, modelDigest: MODEL, secretKey: SECRET, created: NOW });
    expect(h['Proof-Digest']).toBe(contentDigest(proof));
    expect(h['Content-Digest']).toBe(contentDigest(proof));
    const l = Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
    const base = { signatureInput: l['signature-input'], signature: l['signature'], publicKey: PUBLIC, required: PROOF_RESOURCE_COMPONENTS, now: NOW };
    expect(verifyMessageSignature({ ...base, resolve: (n) => (n === '@status' ? '200' : l[n]) }).valid).toBe(true);
    expect(verifyMessageSignature({ ...base, resolve: (n) => (n === '@status' ? '202' : l[n]) }).valid).toBe(false);
  });

  it('builds a frame whose signature covers its digests, id and model, with a tag', () => {
    const frame = proofStreamFrame({ proofId: PROOF_ID, content: 'Hello', prompt: 'Hi', proof: Uint8Array.of(1), modelDigest: MODEL, secretKey: SECRET, created: NOW });
    expect(frame).toMatchObject({ proof_id: PROOF_ID, proof_url: `/v1/zkllm/proofs/${PROOF_ID}`, content_digest: contentDigest('Hello'), proof_digest: contentDigest(Uint8Array.of(1)), model: MODEL, prompt: 'Hi' });
    expect(frame.signature_input).toBe(`zkllm=("content-digest" "proof-id" "zkllm-model" "proof-digest");created=${NOW};keyid="${keyIdOf(PUBLIC)}";alg="ed25519";tag="${PROOF_FRAME_TAG}"`);
    const check = (f: typeof frame) => {
      const comps = new Map(proofFrameComponents(f).map((c) => [c.name, c.value]));
      return verifyMessageSignature({ signatureInput: f.signature_input, signature: f.signature, publicKey: PUBLIC, resolve: (n) => comps.get(n), required: ['content-digest', 'proof-id', 'zkllm-model'], optional: ['proof-digest'], tag: PROOF_FRAME_TAG, now: NOW });
    };
    expect(check(frame).valid).toBe(true);
    expect(check({ ...frame, content_digest: contentDigest('Hellp') }).valid).toBe(false);
    expect(check({ ...frame, proof_digest: contentDigest('x') }).valid).toBe(false);
    const { proof_digest: _, ...noDigest } = frame;
    expect(check(noDigest).valid).toBe(false);
    expect(formatProofFrame(frame)).toBe(`event: proof\ndata: ${JSON.stringify(frame)}\n\n`);
    // A frame signature cannot pass as response headers: those must cover @status and carry no tag.
    const asHeaders = verifyMessageSignature({ signatureInput: frame.signature_input, signature: frame.signature, publicKey: PUBLIC, resolve: () => '200', required: RESPONSE_COMPONENTS, optional: ['proof-digest'], now: NOW });
    expect(asHeaders.valid).toBe(false);
  });

  it('async frames and responses leave the proof digest out', () => {
    const frame = proofStreamFrame({ proofId: PROOF_ID, content: '', prompt: '', modelDigest: MODEL, secretKey: SECRET, created: NOW });
    expect(frame.proof_digest).toBeUndefined();
    expect(frame.signature_input).not.toContain('proof-digest');
    const h = proofResponseHeaders({ status: 200, body: new Uint8Array(0), proofId: PROOF_ID, modelDigest: MODEL, secretKey: SECRET, created: NOW });
    expect(h['Proof-Digest']).toBeUndefined();
    expect(h['Signature-Input']).not.toContain('proof-digest');
  });

  it('validates proof ids, digests and links', () => {
    const id = newProofId();
    expect(isProofId(id)).toBe(true);
    expect(id).toHaveLength(22);
    expect(isProofId('AAECAwQFBgcICQoLDA0ODx')).toBe(false); // non-zero trailing bits
    expect(isProofId('../../etc/passwd')).toBe(false);
    expect(() => proofResponseHeaders({ status: 200, body: '', proofId: 'x', modelDigest: MODEL, secretKey: SECRET })).toThrow(/proof id/);
    expect(() => proofResponseHeaders({ status: 200, body: '', proofId: PROOF_ID, modelDigest: 'AB', secretKey: SECRET })).toThrow(/modelDigest/);
    expect(parseProofLink(`</v1/zkllm/proofs/${PROOF_ID}>; rel="proof"`)).toBe(`/v1/zkllm/proofs/${PROOF_ID}`);
    expect(parseProofLink('<https://a/x>; rel=next, <https://b/p>; title="t"; rel="alternate proof"')).toBe('https://b/p');
    expect(parseProofLink('<https://a/x>; rel=next')).toBeUndefined();
    expect(parseProofLink(undefined)).toBeUndefined();
  });
});
