import { describe, expect, it } from 'vitest';
import { zkRemoteChatModel } from './client.js';
import { ZkFheChatModel } from './fhe-chat-model.js';
import { ZkRemoteChatModel } from './remote.js';

describe('zkRemoteChatModel', () => {
  const key = 'A'.repeat(43);
  it('returns the verifying remote client by default and with fhe: false', () => {
    expect(zkRemoteChatModel({ baseUrl: 'http://127.0.0.1:1', digest: 'ab'.repeat(32), publicKey: key })).toBeInstanceOf(ZkRemoteChatModel);
    expect(zkRemoteChatModel({ fhe: false, baseUrl: 'http://127.0.0.1:1', digest: 'ab'.repeat(32), publicKey: key })).toBeInstanceOf(ZkRemoteChatModel);
  });

  it('returns the FHE client with fhe: true and passes its pin through', () => {
    const m = zkRemoteChatModel({ fhe: true, baseUrl: 'http://127.0.0.1:1', pin: 'cd'.repeat(32) });
    expect(m).toBeInstanceOf(ZkFheChatModel);
    expect(() => zkRemoteChatModel({ fhe: true, baseUrl: 'http://127.0.0.1:1', pin: 'nope' })).toThrow(/pin must be/);
  });

  it('rejects a non-boolean fhe flag and missing pins', () => {
    expect(() => zkRemoteChatModel({ fhe: 'yes' as unknown as false, baseUrl: 'http://x', digest: 'ab'.repeat(32), publicKey: key })).toThrow(/fhe must be/);
    expect(() => zkRemoteChatModel({ baseUrl: 'http://x', publicKey: key })).toThrow(/pin the model/);
  });
});
