/** Messages between the server thread and prove workers. */
import type { StopReason } from '@zkllm/verifier';

export interface WorkerInit {
  readonly modelPath: string;
  readonly tokenizerDir?: string;
  /** The commitment digest the server publishes; a worker whose model differs refuses to start. */
  readonly digest: string;
}

export type ToWorker = {
  readonly type: 'prove';
  readonly job: number;
  readonly promptTokens: number[];
  readonly tokens: number[];
  readonly stop: StopReason;
};

export type FromWorker =
  | { readonly type: 'ready' }
  | { readonly type: 'fatal'; readonly message: string }
  | { readonly type: 'done'; readonly job: number; readonly proof: Uint8Array }
  | { readonly type: 'failed'; readonly job: number; readonly message: string };
