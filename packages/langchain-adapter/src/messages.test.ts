import { describe, expect, test } from 'vitest';
import { AIMessage, ChatMessage, HumanMessage, SystemMessage, ToolMessage } from '@langchain/core/messages';
import { toChatMessages, ZkUnsupportedError } from './messages.js';
import { readZkllmMetadata, ZkMetadataError } from './metadata.js';

describe('toChatMessages', () => {
  test('maps system/human/ai and generic roles to system/user/assistant', () => {
    const out = toChatMessages([
      new SystemMessage('Be brief.'),
      new HumanMessage('Hi'),
      new AIMessage('Hello'),
      new ChatMessage('More?', 'user'),
      new HumanMessage({ content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] }),
    ]);
    expect(out).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello' },
      { role: 'user', content: 'More?' },
      { role: 'user', content: 'ab' },
    ]);
  });

  test('rejects what a text proof cannot cover', () => {
    expect(() => toChatMessages([])).toThrow(ZkUnsupportedError);
    expect(() => toChatMessages([new ToolMessage({ content: 'x', tool_call_id: '1' })])).toThrow(/tool messages are not supported/);
    expect(() => toChatMessages([new ChatMessage('x', 'critic')])).toThrow(/chat role "critic"/);
    expect(() => toChatMessages([new AIMessage({ content: '', tool_calls: [{ name: 'f', args: {}, id: '1' }] })])).toThrow(/tool calls/);
    expect(() => toChatMessages([new HumanMessage({ content: [{ type: 'image_url', image_url: 'data:,' }] })])).toThrow(/"image_url"/);
  });
});

describe('readZkllmMetadata', () => {
  const good = { version: 1, modelDigest: 'ab'.repeat(32), proof: 'AAEC', proofDigest: 'cd'.repeat(32), promptTokens: [1, 2], outputTokens: [3], stop: 'length', verified: true, valid: true };

  test('reads a well-formed record and ignores messages without one', () => {
    expect(readZkllmMetadata({ zkllm: good })).toEqual(good);
    expect(readZkllmMetadata({ other: 1 })).toBeUndefined();
    expect(readZkllmMetadata(undefined)).toBeUndefined();
  });

  test.each([
    ['version', 2],
    ['modelDigest', 'xyz'],
    ['proof', 12],
    ['proofDigest', 'AB'.repeat(32)],
    ['promptTokens', [1, -1]],
    ['outputTokens', 'abc'],
    ['stop', 'stop'],
    ['verified', 'yes'],
    ['valid', 1],
    ['reason', {}],
  ])('rejects a malformed %s', (key, value) => {
    expect(() => readZkllmMetadata({ zkllm: { ...good, [key]: value } })).toThrow(ZkMetadataError);
  });
});
