import { describe, expect, it } from 'vitest';
import { verifyProof } from '@zkllm/verifier';
import { ZkModel, type StreamStep } from './zkmodel.js';
import { renderChat, ChatTemplateError, PLAIN_CHAT_TEMPLATE } from './chat/template.js';

describe('chat templates', () => {
  it('renders the plain template as newline-joined contents', () => {
    expect(renderChat([{ role: 'system', content: 'A' }, { role: 'user', content: 'B' }], undefined)).toBe('A\nB');
    expect(renderChat([{ role: 'user', content: 'x' }], PLAIN_CHAT_TEMPLATE)).toBe('x');
  });

  it('renders a model template with bos/eos and the generation prompt flag', () => {
    const tpl = "{{ bos_token }}{% for m in messages %}[{{ m.role }}]{{ m.content }}{{ eos_token }}{% endfor %}{% if add_generation_prompt %}[assistant]{% endif %}";
    const msgs = [{ role: 'user', content: 'hi' }];
    expect(renderChat(msgs, tpl, { bosToken: '<s>', eosToken: '</s>' })).toBe('<s>[user]hi</s>[assistant]');
    expect(renderChat(msgs, tpl, { bosToken: '<s>', eosToken: '</s>', addGenerationPrompt: false })).toBe('<s>[user]hi</s>');
  });

  it('turns template failures and bad messages into ChatTemplateError', () => {
    expect(() => renderChat([], undefined)).toThrow(ChatTemplateError);
    expect(() => renderChat([{ role: 'user', content: 3 as unknown as string }], undefined)).toThrow(/string content/);
    expect(() => renderChat([{ role: 'user', content: 'x' }], '{% if %}')).toThrow(ChatTemplateError);
    expect(() => renderChat([{ role: 'user', content: 'x' }], "{{ raise_exception('roles must alternate') }}")).toThrow(/roles must alternate/);
  });
});

describe('ZkModel prompts and streaming', () => {
  const model = ZkModel.load();

  it('accepts text, chat messages and token ids as prompts', () => {
    const text = model.promptTokens('Call me Ishmael.');
    expect(model.promptTokens({ messages: [{ role: 'user', content: 'Call me Ishmael.' }] })).toEqual(text);
    expect(model.promptTokens({ tokens: text })).toEqual(text);
    expect(() => model.promptTokens({ tokens: [1, 99999] })).toThrow(/outside the vocabulary/);
    expect(() => model.promptTokens({ tokens: [] })).toThrow(/no tokens/);
  });

  it('streams the same tokens and text as generate', async () => {
    const g = model.generate('Call me Ishmael.', { maxTokens: 8 });
    const steps: StreamStep[] = [];
    const it = model.stream('Call me Ishmael.', { maxTokens: 8 });
    let r = await it.next();
    while (!r.done) {
      steps.push(r.value);
      r = await it.next();
    }
    expect(steps.map((s) => s.token)).toEqual(g.tokens);
    expect(steps.map((s) => s.delta).join('')).toBe(g.text);
    expect(r.value.tokens).toEqual(g.tokens);
    expect(r.value.stop).toBe('length');
  });

  it('stops on EOS with stop = "eos", and that generation proves and verifies', () => {
    // Make the model's third greedy token its EOS: generation must stop before it.
    const m = ZkModel.load();
    const free = m.generate('Call me Ishmael.', { maxTokens: 4 });
    (m.loaded.config as { eosTokenId: number | undefined }).eosTokenId = free.tokens[2]!;
    const g = m.generate('Call me Ishmael.', { maxTokens: 4, proof: true });
    expect(g.stop).toBe('eos');
    expect(g.tokens).toEqual(free.tokens.slice(0, 3));
    expect(g.text).toBe(m.decode(free.tokens.slice(0, 2)));
    const r = verifyProof(g.proof!, m.commit());
    expect(r.reason).toBeUndefined();
    expect(r.valid).toBe(true);
    expect(r.statement?.stop).toBe('eos');
  });
});
