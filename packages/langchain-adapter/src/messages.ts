/**
 * LangChain messages to the chat messages ZkModel and OpenAI-compatible servers take.
 *
 * Only plain text conversations can be proven: the proof states prompt token ids, so
 * anything the chat template cannot render as text (images, tool calls, tool results)
 * is rejected up front instead of being silently dropped from the proven prompt.
 */
import type { BaseMessage } from '@langchain/core/messages';
import type { ChatMessage } from '@zkllm/core';

/** Raised for inputs or call options this adapter cannot prove. */
export class ZkUnsupportedError extends Error {
  override name = 'ZkUnsupportedError';
}

export type ChatRole = 'system' | 'user' | 'assistant';

const GENERIC_ROLES: Record<string, ChatRole> = {
  system: 'system',
  developer: 'system',
  user: 'user',
  human: 'user',
  assistant: 'assistant',
  ai: 'assistant',
};

function textContent(message: BaseMessage, index: number): string {
  const content: unknown = message.content;
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    let text = '';
    for (const block of content as unknown[]) {
      if (typeof block === 'string') text += block;
      else if (typeof block === 'object' && block !== null && (block as { type?: unknown }).type === 'text' && typeof (block as { text?: unknown }).text === 'string') {
        text += (block as { text: string }).text;
      } else {
        const kind = typeof block === 'object' && block !== null ? String((block as { type?: unknown }).type) : typeof block;
        throw new ZkUnsupportedError(`message ${index}: content block of type "${kind}" is not supported (zkLLM proves text prompts only)`);
      }
    }
    return text;
  }
  throw new ZkUnsupportedError(`message ${index}: unsupported content`);
}

/**
 * Maps LangChain messages to `{ role, content }` with roles system/user/assistant
 * (system, human and ai messages; generic ChatMessages with one of those roles).
 */
export function toChatMessages(messages: readonly BaseMessage[]): Array<ChatMessage & { role: ChatRole }> {
  if (messages.length === 0) throw new ZkUnsupportedError('no messages to send');
  return messages.map((m, i) => {
    const type = m.type;
    let role: ChatRole | undefined;
    if (type === 'generic') {
      const r = (m as BaseMessage & { role?: unknown }).role;
      role = typeof r === 'string' ? GENERIC_ROLES[r] : undefined;
      if (role === undefined) throw new ZkUnsupportedError(`message ${i}: chat role "${String(r)}" is not supported (use system, user or assistant)`);
    } else {
      role = GENERIC_ROLES[type];
      if (role === undefined) throw new ZkUnsupportedError(`message ${i}: ${type} messages are not supported (zkLLM proves plain system/human/ai conversations)`);
    }
    const toolCalls = (m as BaseMessage & { tool_calls?: unknown[] }).tool_calls;
    if (Array.isArray(toolCalls) && toolCalls.length > 0) throw new ZkUnsupportedError(`message ${i}: AI messages with tool calls are not supported`);
    return { role, content: textContent(m, i) };
  });
}
