/**
 * @zkllm/langchain — LangChain.js chat models for provable zkLLM inference: a local
 * provable model, a verifying client for remote zkLLM servers, and a verifying
 * callback handler.
 */
export { ZkChatModel, DEFAULT_MAX_TOKENS, checkCallOptions, type ZkChatModelFields, type ZkChatModelCallOptions, type ProveProgress } from './chat-model.js';
export { toChatMessages, ZkUnsupportedError, type ChatRole } from './messages.js';
export { readZkllmMetadata, proofBytes, sha256Hex, ZkMetadataError, ZKLLM_METADATA_VERSION, type ZkllmMetadata } from './metadata.js';
export { checkZkllmMetadata, pinCommitment, type CommitmentInput, type MetadataCheck, type MetadataCheckOptions } from './verify.js';
export { ZkVerifyCallbackHandler, ZkVerificationError, type ZkVerification, type ZkVerifyCallbackHandlerOptions, type ZkTokenizer } from './callback.js';
export { ZkRemoteChatModel, ZkRemoteVerificationError, ZkRemoteHttpError, type ZkRemoteChatModelFields, type ZkRemoteChatModelCallOptions } from './remote.js';
export { ZkFheChatModel, type ZkFheChatModelFields, type ZkFheChatModelCallOptions, type ZkFheMetadata } from './fhe-chat-model.js';
export { zkRemoteChatModel, type ZkRemoteClientFields } from './client.js';
