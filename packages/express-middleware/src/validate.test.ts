/** Request validation: every rejected field gets an OpenAI-shaped 4xx naming the parameter. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFixture, ZkModel } from '@zkllm/core';
import { afterAll, describe, expect, it } from 'vitest';
import { ApiError, toApiError } from './errors.js';
import { parseChatRequest, planGeneration } from './validate.js';

const limits = { modelName: 'm', maxTokens: 8, maxMessages: 4, maxPromptChars: 100 };
const ok = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };

function rejects(body: unknown): ApiError {
  try {
    parseChatRequest(body, limits);
  } catch (e) {
    expect(e).toBeInstanceOf(ApiError);
    return e as ApiError;
  }
  throw new Error(`accepted ${JSON.stringify(body)}`);
}

describe('parseChatRequest', () => {
  it('accepts a minimal request and OpenAI content parts', () => {
    expect(parseChatRequest(ok, limits)).toEqual({ messages: [{ role: 'user', content: 'hi' }], maxTokens: undefined, stream: false, includeUsage: false });
    const r = parseChatRequest(
      { ...ok, messages: [{ role: 'system', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] }], max_tokens: 3, temperature: 0, n: 1, top_p: 1, stream: true, stream_options: { include_usage: true } },
      limits,
    );
    expect(r).toEqual({ messages: [{ role: 'system', content: 'ab' }], maxTokens: 3, stream: true, includeUsage: true });
    expect(parseChatRequest({ ...ok, max_tokens: 5, max_completion_tokens: 2 }, limits).maxTokens).toBe(2);
  });

  it.each([
    ['not an object', [1, 2], 400, null],
    ['no model', { messages: ok.messages }, 400, 'model'],
    ['unknown model', { ...ok, model: 'gpt-4o' }, 404, 'model'],
    ['no messages', { model: 'm' }, 400, 'messages'],
    ['empty messages', { model: 'm', messages: [] }, 400, 'messages'],
    ['too many messages', { model: 'm', messages: Array(5).fill(ok.messages[0]) }, 400, 'messages'],
    ['message not an object', { model: 'm', messages: ['hi'] }, 400, 'messages[0]'],
    ['bad role', { model: 'm', messages: [{ role: 'tool', content: 'x' }] }, 400, 'messages[0].role'],
    ['numeric content', { model: 'm', messages: [{ role: 'user', content: 5 }] }, 400, 'messages[0].content'],
    ['image part', { model: 'm', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }] }] }, 400, 'messages[0].content[0]'],
    ['prompt too long', { model: 'm', messages: [{ role: 'user', content: 'x'.repeat(101) }] }, 400, 'messages'],
    ['max_tokens 0', { ...ok, max_tokens: 0 }, 400, 'max_tokens'],
    ['max_tokens fractional', { ...ok, max_tokens: 1.5 }, 400, 'max_tokens'],
    ['max_tokens string', { ...ok, max_tokens: '3' }, 400, 'max_tokens'],
    ['max_tokens over the cap', { ...ok, max_tokens: 9 }, 400, 'max_tokens'],
    ['max_completion_tokens over the cap', { ...ok, max_completion_tokens: 1000 }, 400, 'max_completion_tokens'],
    ['sampling temperature', { ...ok, temperature: 0.7 }, 400, 'temperature'],
    ['top_p', { ...ok, top_p: 0.9 }, 400, 'top_p'],
    ['n = 2', { ...ok, n: 2 }, 400, 'n'],
    ['penalty', { ...ok, presence_penalty: 1 }, 400, 'presence_penalty'],
    ['logit_bias', { ...ok, logit_bias: { '5': 10 } }, 400, 'logit_bias'],
    ['stop sequences', { ...ok, stop: ['\n'] }, 400, 'stop'],
    ['tools', { ...ok, tools: [{ type: 'function' }] }, 400, 'tools'],
    ['logprobs', { ...ok, logprobs: true }, 400, 'logprobs'],
    ['json mode', { ...ok, response_format: { type: 'json_object' } }, 400, 'response_format'],
    ['stream not boolean', { ...ok, stream: 'yes' }, 400, 'stream'],
  ])('rejects %s', (_name, body, status, param) => {
    const e = rejects(body);
    expect(e.status).toBe(status);
    expect(e.param).toBe(param);
    const b = e.body();
    expect(Object.keys(b.error).sort()).toEqual(['code', 'message', 'param', 'type']);
    expect(b.error.message.length).toBeGreaterThan(5);
  });
});

describe('toApiError', () => {
  it('maps body-parser errors to 413/400/415 and hides unexpected ones', () => {
    const bp = (type: string, status: number) => Object.assign(new Error(type), { type, status });
    expect(toApiError(bp('entity.too.large', 413)).status).toBe(413);
    expect(toApiError(bp('entity.parse.failed', 400)).code).toBe('invalid_json');
    expect(toApiError(bp('charset.unsupported', 415)).status).toBe(415);
    const hidden = toApiError(new Error('secret path /etc/x'));
    expect(hidden.status).toBe(500);
    expect(hidden.message).not.toMatch(/secret/);
  });
});

describe('planGeneration', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zkllm-validate-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  writeFixture('llama-l2c', join(dir, 'm'));
  const model = ZkModel.load(join(dir, 'm'));
  const ctx = model.loaded.config.maxPositions;

  it('uses the default when max_tokens is absent, bounded by the context window', () => {
    const req = parseChatRequest(ok, limits);
    const p = planGeneration(model, req, 4);
    expect(p.promptTokens).toEqual(model.promptTokens({ messages: ok.messages }));
    expect(p.maxTokens).toBe(4);
    const long = { role: 'user', content: 'ab '.repeat(15) };
    const n = model.promptTokens({ messages: [long] }).length;
    expect(n).toBeLessThan(ctx);
    expect(planGeneration(model, parseChatRequest({ model: 'm', messages: [long] }, { ...limits, maxPromptChars: 10_000 }), 1000).maxTokens).toBe(ctx - n);
  });

  it('rejects prompt + max_tokens beyond the context window with context_length_exceeded', () => {
    const long = { role: 'user', content: 'ab '.repeat(15) };
    const n = model.promptTokens({ messages: [long] }).length;
    const req = { ...parseChatRequest({ model: 'm', messages: [long] }, { ...limits, maxPromptChars: 10_000 }), maxTokens: ctx - n + 1 };
    let err: ApiError | undefined;
    try {
      planGeneration(model, req, 4);
    } catch (e) {
      err = e as ApiError;
    }
    expect(err?.status).toBe(400);
    expect(err?.code).toBe('context_length_exceeded');
    const huge = { role: 'user', content: 'xq'.repeat(ctx * 2) };
    const req2 = parseChatRequest({ model: 'm', messages: [huge] }, { ...limits, maxPromptChars: 10_000 });
    expect(() => planGeneration(model, req2, 4)).toThrow(/maximum context length/);
  });
});
