/**
 * Validation of OpenAI chat-completion requests. Decoding is greedy because the proof
 * states greedy decoding, so every parameter that would change the chosen tokens
 * (sampling, penalties, biases, stop sequences, several choices, tools) is rejected
 * with a 400 rather than silently ignored: a proof must describe the text it comes with.
 */
import type { ChatMessage, ZkModel } from '@zkllm/core';
import { ApiError, invalid } from './errors.js';

export interface ChatRequest {
  readonly messages: ChatMessage[];
  /** Requested completion tokens (undefined: the server default). */
  readonly maxTokens: number | undefined;
  readonly stream: boolean;
  readonly includeUsage: boolean;
}

export interface ValidationLimits {
  /** The only model name accepted in `model`. */
  readonly modelName: string;
  /** Largest `max_tokens` accepted. */
  readonly maxTokens: number;
  readonly maxMessages: number;
  /** Largest total characters of message content (tokenizing is linear in it). */
  readonly maxPromptChars: number;
}

const ROLES = new Set(['system', 'developer', 'user', 'assistant']);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const absent = (v: unknown): boolean => v === undefined || v === null;

function messageContent(c: unknown, i: number): string {
  const param = `messages[${i}].content`;
  if (typeof c === 'string') return c;
  if (Array.isArray(c)) {
    // OpenAI's content-part form; only text parts mean anything to a text model.
    let out = '';
    for (const [j, part] of c.entries()) {
      if (!isObject(part) || part['type'] !== 'text' || typeof part['text'] !== 'string') {
        throw invalid(`${param}[${j}] must be a text part ({"type":"text","text":"..."}); this model reads text only`, `${param}[${j}]`);
      }
      out += part['text'];
    }
    return out;
  }
  throw invalid(`${param} must be a string or an array of text parts`, param);
}

/** Checks the JSON body of `POST /v1/chat/completions`. Throws {@link ApiError}. */
export function parseChatRequest(body: unknown, limits: ValidationLimits): ChatRequest {
  if (!isObject(body)) throw invalid('request body must be a JSON object');
  const model = body['model'];
  if (typeof model !== 'string' || model === '') throw invalid('`model` is required and must be a string', 'model');
  if (model !== limits.modelName) {
    throw new ApiError(404, `The model \`${model.slice(0, 200)}\` does not exist; this server serves \`${limits.modelName}\``, {
      param: 'model',
      code: 'model_not_found',
      type: 'invalid_request_error',
    });
  }
  const msgs = body['messages'];
  if (!Array.isArray(msgs) || msgs.length === 0) throw invalid('`messages` must be a non-empty array', 'messages');
  if (msgs.length > limits.maxMessages) throw invalid(`\`messages\` has ${msgs.length} entries; at most ${limits.maxMessages} are accepted`, 'messages');
  let chars = 0;
  const messages: ChatMessage[] = msgs.map((m: unknown, i) => {
    if (!isObject(m)) throw invalid(`messages[${i}] must be an object`, `messages[${i}]`);
    const role = m['role'];
    if (typeof role !== 'string' || !ROLES.has(role)) {
      throw invalid(`messages[${i}].role must be one of ${[...ROLES].join(', ')}`, `messages[${i}].role`);
    }
    if (!absent(m['tool_calls']) || !absent(m['function_call'])) throw invalid('tool calls are not supported', `messages[${i}].tool_calls`);
    const content = messageContent(m['content'], i);
    chars += content.length;
    return { role, content };
  });
  if (chars > limits.maxPromptChars) throw invalid(`the messages hold ${chars} characters; at most ${limits.maxPromptChars} are accepted`, 'messages', 'context_length_exceeded');

  let maxTokens: number | undefined;
  for (const name of ['max_completion_tokens', 'max_tokens'] as const) {
    const v = body[name];
    if (absent(v)) continue;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw invalid(`\`${name}\` must be a positive integer`, name);
    if (v > limits.maxTokens) throw invalid(`\`${name}\` is ${v}; this server generates at most ${limits.maxTokens} tokens per request`, name);
    maxTokens = maxTokens === undefined ? v : Math.min(maxTokens, v);
  }

  const temperature = body['temperature'];
  if (!absent(temperature) && temperature !== 0) {
    throw invalid('only greedy decoding is proven: `temperature` must be 0 or absent', 'temperature', 'unsupported_value');
  }
  const topP = body['top_p'];
  if (!absent(topP) && topP !== 1) throw invalid('only greedy decoding is proven: `top_p` must be 1 or absent', 'top_p', 'unsupported_value');
  const n = body['n'];
  if (!absent(n) && n !== 1) throw invalid('greedy decoding has one answer: `n` must be 1 or absent', 'n', 'unsupported_value');
  for (const name of ['presence_penalty', 'frequency_penalty'] as const) {
    const v = body[name];
    if (!absent(v) && v !== 0) throw invalid(`\`${name}\` changes the decoded tokens and is not supported (use 0 or omit it)`, name, 'unsupported_value');
  }
  const bias = body['logit_bias'];
  if (!absent(bias) && !(isObject(bias) && Object.keys(bias).length === 0)) throw invalid('`logit_bias` is not supported', 'logit_bias', 'unsupported_value');
  const stop = body['stop'];
  if (!absent(stop) && !(Array.isArray(stop) && stop.length === 0)) {
    throw invalid('stop sequences are not supported: the proof covers the whole greedy generation', 'stop', 'unsupported_value');
  }
  for (const name of ['tools', 'functions'] as const) {
    const v = body[name];
    if (!absent(v) && !(Array.isArray(v) && v.length === 0)) throw invalid(`\`${name}\` are not supported`, name, 'unsupported_value');
  }
  if (body['logprobs'] === true || !absent(body['top_logprobs'])) throw invalid('`logprobs` are not supported', 'logprobs', 'unsupported_value');
  const rf = body['response_format'];
  if (!absent(rf) && !(isObject(rf) && rf['type'] === 'text')) throw invalid('only `response_format: {"type":"text"}` is supported', 'response_format', 'unsupported_value');

  const stream = body['stream'];
  if (!absent(stream) && typeof stream !== 'boolean') throw invalid('`stream` must be a boolean', 'stream');
  const so = body['stream_options'];
  if (!absent(so) && !isObject(so)) throw invalid('`stream_options` must be an object', 'stream_options');
  const includeUsage = isObject(so) && so['include_usage'] === true;
  return { messages, maxTokens, stream: stream === true, includeUsage };
}

/** The prompt's tokens and the number of tokens to generate, with OpenAI's context errors. */
export function planGeneration(model: ZkModel, req: ChatRequest, defaultMaxTokens: number): { promptTokens: number[]; maxTokens: number } {
  let promptTokens: number[];
  try {
    promptTokens = model.promptTokens({ messages: req.messages });
  } catch (e) {
    throw invalid(`the messages cannot be rendered into a prompt: ${e instanceof Error ? e.message : String(e)}`, 'messages');
  }
  const ctx = model.loaded.config.maxPositions;
  const room = ctx - promptTokens.length;
  if (req.maxTokens !== undefined && promptTokens.length + req.maxTokens > ctx) {
    throw invalid(
      `This model's maximum context length is ${ctx} tokens. However, you requested ${promptTokens.length + req.maxTokens} tokens (${promptTokens.length} in the messages, ${req.maxTokens} in the completion).`,
      'messages',
      'context_length_exceeded',
    );
  }
  if (room < 1) {
    throw invalid(`This model's maximum context length is ${ctx} tokens; the messages take ${promptTokens.length}.`, 'messages', 'context_length_exceeded');
  }
  return { promptTokens, maxTokens: req.maxTokens ?? Math.min(defaultMaxTokens, room) };
}
