/**
 * One entry point for remote zkLLM servers: `zkRemoteChatModel({ baseUrl, ... })` verifies
 * each answer's generation proof against a pinned model commitment and server key;
 * with `fhe: true` the prompt never leaves the client in the clear (BFV split inference
 * against a `zkllmFhe()` server, every homomorphic step proven and checked against the
 * pinned FHE commitment).
 */
import { ZkFheChatModel, type ZkFheChatModelFields } from './fhe-chat-model.js';
import { ZkRemoteChatModel, type ZkRemoteChatModelFields } from './remote.js';

export type ZkRemoteClientFields = (ZkRemoteChatModelFields & { readonly fhe?: false }) | (ZkFheChatModelFields & { readonly fhe: true });

/** The remote chat model for `fields`: {@link ZkFheChatModel} when `fhe: true`, else {@link ZkRemoteChatModel}. */
export function zkRemoteChatModel(fields: ZkRemoteChatModelFields & { readonly fhe?: false }): ZkRemoteChatModel;
export function zkRemoteChatModel(fields: ZkFheChatModelFields & { readonly fhe: true }): ZkFheChatModel;
export function zkRemoteChatModel(fields: ZkRemoteClientFields): ZkRemoteChatModel | ZkFheChatModel;
export function zkRemoteChatModel(fields: ZkRemoteClientFields): ZkRemoteChatModel | ZkFheChatModel {
  if (typeof fields !== 'object' || fields === null) throw new TypeError('zkRemoteChatModel needs an options object');
  const { fhe, ...rest } = fields;
  if (fhe === true) return new ZkFheChatModel(rest as ZkFheChatModelFields);
  if (fhe !== undefined && fhe !== false) throw new TypeError('fhe must be true or false');
  return new ZkRemoteChatModel(rest as ZkRemoteChatModelFields);
}
