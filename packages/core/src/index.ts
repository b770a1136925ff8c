/** @zkllm/core — prover, model engine and CLI. */
export * from './sumcheck/index.js';
export * from './lookup/index.js';
export * from './statements/index.js';
export * from './merkle/index.js'; export * from './pcs/index.js';
export * from './model/index.js';
export * from './layers/index.js';
export * from './generation/index.js';
export { ZkModel, type ZkModelLoadOptions, type Generation, type GenerateOptions, type GenerationRecord, type Prompt, type StreamStep } from './zkmodel.js';
export { renderChat, PLAIN_CHAT_TEMPLATE, ChatTemplateError, type ChatMessage, type RenderChatOptions } from './chat/template.js';
export * from './fhe/index.js';
