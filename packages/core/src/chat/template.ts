/**
 * Chat prompts: renders OpenAI-style messages with the model's own Jinja chat template
 * (`tokenizer_config.json` `chat_template`, or `chat_template.jinja`), as
 * `transformers`' `apply_chat_template` does. Models without a template (base models
 * such as the bundled one) get {@link PLAIN_CHAT_TEMPLATE}: the message contents joined
 * by newlines, so a chat request continues the text it was given.
 */
import { Template } from '@huggingface/jinja';

export interface ChatMessage {
  readonly role: string;
  readonly content: string;
}

/** Used when the tokenizer config has no template: contents joined by newlines. */
export const PLAIN_CHAT_TEMPLATE =
  '{% for message in messages %}{{ message.content }}{% if not loop.last %}{{ "\\n" }}{% endif %}{% endfor %}';

export class ChatTemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChatTemplateError';
  }
}

export interface RenderChatOptions {
  readonly bosToken?: string | undefined;
  readonly eosToken?: string | undefined;
  /** Appends the template's assistant prefix (default true). */
  readonly addGenerationPrompt?: boolean;
}

// Parsing a template costs far more than rendering it; servers render per request.
const compiled = new Map<string, Template>();

function compile(source: string): Template {
  let t = compiled.get(source);
  if (t === undefined) {
    try {
      t = new Template(source);
    } catch (e) {
      throw new ChatTemplateError(`the model's chat template does not parse: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (compiled.size > 16) compiled.clear();
    compiled.set(source, t);
  }
  return t;
}

/** Renders `messages` with `template` (default {@link PLAIN_CHAT_TEMPLATE}). */
export function renderChat(messages: readonly ChatMessage[], template: string | undefined, opts: RenderChatOptions = {}): string {
  if (messages.length === 0) throw new ChatTemplateError('a chat needs at least one message');
  for (const [i, m] of messages.entries()) {
    if (typeof m.role !== 'string' || typeof m.content !== 'string') {
      throw new ChatTemplateError(`message ${i} needs a string role and a string content`);
    }
  }
  try {
    return compile(template ?? PLAIN_CHAT_TEMPLATE).render({
      messages: messages.map((m) => ({ role: m.role, content: m.content })),
      bos_token: opts.bosToken ?? '',
      eos_token: opts.eosToken ?? '',
      add_generation_prompt: opts.addGenerationPrompt ?? true,
    });
  } catch (e) {
    if (e instanceof ChatTemplateError) throw e;
    // Templates raise on purpose (e.g. "roles must alternate"), so their message is the error.
    throw new ChatTemplateError(`chat template: ${e instanceof Error ? e.message : String(e)}`);
  }
}
