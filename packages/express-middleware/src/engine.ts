/**
 * The parts `zkllm()` and `withProofs()` share: the model and its commitment, the
 * signing key, the proof store, the worker pool, and the proof jobs that tie them
 * together (a `pending` record first, then `ready` with the bytes or `failed`).
 */
import { createHash } from 'node:crypto';
import { basename, join, resolve } from 'node:path';
import { ZkModel, type Generation } from '@zkllm/core';
import { newProofId, type ModelCommitmentFile, type SigningKey } from '@zkllm/verifier';
import { ApiError } from './errors.js';
import { loadOrCreateKeyFile, signingKeyFromSecret } from './keys.js';
import { PoolUnavailableError, ProverPool, QueueFullError, type Reservation } from './pool.js';
import { FileProofStore, sha256Hex, type ProofRecord, type ProofStore } from './store.js';

export type ProofMode = 'sync' | 'async';

export interface ZkllmOptions {
  /** A loaded model or a model directory (default: the bundled model). */
  readonly model?: ZkModel | string;
  /** The name clients send in `model` (default: the model directory's name). */
  readonly modelName?: string;
  /** Directory the prove workers load the model from (default: the model's own directory). */
  readonly modelPath?: string;
  /** Ed25519 secret key (32 bytes, or base64url). Default: read or create `keyFile`. */
  readonly signingKey?: Uint8Array | string;
  /** Key file, created with mode 0600 when missing (default `<storeDir>/signing-key.json`). */
  readonly keyFile?: string;
  /** Directory for the default file store and key file (default `./.zkllm`). */
  readonly storeDir?: string;
  /** Where proofs are kept (default: a {@link FileProofStore} in `<storeDir>/proofs`). */
  readonly store?: ProofStore;
  /**
   * `sync` (default): a response is sent once its proof is ready and carries Proof-Digest.
   * `async`: the response is sent at once; the proof is fetched later (202 until ready).
   */
  readonly proofMode?: ProofMode;
  readonly queue?: {
    /** Proofs made at once, one worker thread each (default 1). */
    readonly concurrency?: number;
    /** Requests waiting for a worker before new ones get 429 (default 8). */
    readonly maxQueue?: number;
  };
  /** Largest `max_tokens` a request may ask for (default 64). */
  readonly maxTokens?: number;
  /** Tokens generated when a request gives no `max_tokens` (default 16). */
  readonly defaultMaxTokens?: number;
  /** Largest request body (express.json `limit`, default `'256kb'`). */
  readonly bodyLimit?: string | number;
  /** Most messages per request (default 256). */
  readonly maxMessages?: number;
}

export interface ProofJob {
  readonly id: string;
  /**
   * Settles when proving ends: the `ready` record and bytes, or the `failed` record.
   * Rejects with PoolUnavailableError when the server shuts down first (the record stays
   * `pending` and is proven after a restart).
   */
  readonly done: Promise<{ record: ProofRecord; proof?: Uint8Array }>;
}

/** How many recent statements are remembered for sharing proofs (ids only, not bytes). */
const RECENT_STATEMENTS = 1024;

function statementKey(r: Pick<ProofRecord, 'model' | 'promptTokens' | 'tokens' | 'stop'>): string {
  return createHash('sha256').update(`${r.model}|${r.promptTokens.join(',')}|${r.tokens.join(',')}|${r.stop}`).digest('hex');
}

export class Engine {
  readonly model: ZkModel;
  readonly commitment: ModelCommitmentFile;
  readonly digest: string;
  readonly modelName: string;
  readonly key: SigningKey;
  readonly store: ProofStore;
  readonly pool: ProverPool;
  readonly proofMode: ProofMode;
  readonly maxTokens: number;
  readonly defaultMaxTokens: number;
  readonly bodyLimit: string | number;
  readonly maxMessages: number;
  /** Resolves once the workers are up and pending proofs from an earlier run are queued. */
  readonly ready: Promise<void>;
  private readonly writes = new Set<Promise<unknown>>();
  /**
   * Recent statements (model, prompt tokens, output tokens, stop) → id of the record
   * holding their proof, settled once it is ready. Greedy decoding makes repeats of a
   * request (client retries, popular prompts) repeat the statement, and one proof proves
   * a statement however often it is asked: repeats share it instead of queueing again.
   */
  private readonly recent = new Map<string, Promise<string>>();
  private closing: Promise<void> | undefined;

  constructor(opts: ZkllmOptions = {}) {
    this.model = opts.model instanceof ZkModel ? opts.model : ZkModel.load(opts.model);
    this.commitment = this.model.commit();
    this.digest = this.commitment.digest;
    this.modelName = opts.modelName ?? basename(resolve(this.model.loaded.dir));
    this.proofMode = opts.proofMode ?? 'sync';
    if (this.proofMode !== 'sync' && this.proofMode !== 'async') throw new RangeError("proofMode must be 'sync' or 'async'");
    const ctx = this.model.loaded.config.maxPositions;
    this.maxTokens = opts.maxTokens ?? Math.min(64, ctx - 1);
    this.defaultMaxTokens = Math.min(opts.defaultMaxTokens ?? 16, this.maxTokens);
    if (!Number.isInteger(this.maxTokens) || this.maxTokens < 1) throw new RangeError('maxTokens must be a positive integer');
    if (!Number.isInteger(this.defaultMaxTokens) || this.defaultMaxTokens < 1) throw new RangeError('defaultMaxTokens must be a positive integer');
    this.bodyLimit = opts.bodyLimit ?? '256kb';
    this.maxMessages = opts.maxMessages ?? 256;
    const storeDir = resolve(opts.storeDir ?? '.zkllm');
    this.key =
      opts.signingKey !== undefined ? signingKeyFromSecret(opts.signingKey) : loadOrCreateKeyFile(opts.keyFile ?? join(storeDir, 'signing-key.json'));
    this.store = opts.store ?? new FileProofStore(join(storeDir, 'proofs'));
    this.pool = new ProverPool({
      // A path given as `model` may be a llama2.c file; a loaded model only knows its directory.
      init: { modelPath: opts.modelPath ?? (typeof opts.model === 'string' ? opts.model : this.model.loaded.dir), digest: this.digest },
      concurrency: opts.queue?.concurrency,
      maxQueue: opts.queue?.maxQueue,
    });
    this.ready = this.recover();
    // Failures are reported by requests (503) and by awaiting `ready`.
    this.ready.catch(() => undefined);
  }

  /** Re-queues proofs an earlier run accepted but did not finish. */
  private async recover(): Promise<void> {
    for (const record of await this.store.pending()) {
      if (record.model !== this.digest) {
        await this.store.put({ ...record, status: 'failed', error: `the server no longer serves model ${record.model}`, updatedAt: Date.now() });
        continue;
      }
      const done = this.track(this.prove(record, this.pool.force(record)));
      done.catch(() => undefined);
      this.remember(statementKey(record), done);
    }
    await this.pool.ready;
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.writes.add(p);
    void p.finally(() => this.writes.delete(p)).catch(() => undefined);
    return p;
  }

  private checkOpen(): void {
    if (this.closing !== undefined) throw new ApiError(503, 'the server is shutting down', { type: 'service_unavailable', code: 'shutting_down', retryAfter: 5 });
  }

  /** Reserves a proving slot before generating; throws 429 / 503 ApiErrors. */
  reserve(): Reservation {
    this.checkOpen();
    try {
      return this.pool.reserve();
    } catch (e) {
      if (e instanceof QueueFullError) throw new ApiError(429, 'too many proofs are queued; retry later', { code: 'queue_full', retryAfter: e.retryAfter });
      if (e instanceof PoolUnavailableError) throw new ApiError(503, e.message, { type: 'service_unavailable', code: 'prover_unavailable', retryAfter: e.retryAfter });
      throw e;
    }
  }

  /**
   * Records the generation as `pending` under `id` and gets it a proof: shared with an
   * earlier job for the same statement when there is one (the slot, if any, is released),
   * else queued on `slot`, or on a slot reserved now (throws 429 / 503 ApiErrors before
   * anything is written).
   */
  async startProof(id: string, g: Pick<Generation, 'promptTokens' | 'tokens' | 'stop'>, slot?: Reservation): Promise<ProofJob> {
    // A request holding a slot (a stream under way) still gets its record: if the pool
    // is closing, the record stays pending and the next run proves it.
    if (slot === undefined) this.checkOpen();
    const now = Date.now();
    const record: ProofRecord = { id, status: 'pending', model: this.digest, promptTokens: g.promptTokens, tokens: g.tokens, stop: g.stop, createdAt: now, updatedAt: now };
    const key = statementKey(record);
    const prior = this.recent.get(key);
    const own = prior === undefined ? (slot ?? this.reserve()) : undefined;
    if (prior !== undefined) slot?.release();
    // The pending record is on disk before proving starts, so a crash cannot lose the job.
    const written = this.store.put(record);
    const running =
      own !== undefined
        ? written.then(
            () => own.run(record),
            (e: unknown) => {
              own.release();
              throw e;
            },
          )
        : written.then(() => prior!.then((priorId) => this.storedProof(priorId)));
    const done = this.track(this.prove(record, running));
    done.catch(() => undefined);
    // Remembered before any await, so a concurrent repeat finds this job.
    if (own !== undefined) this.remember(key, done);
    await written;
    return { id, done };
  }

  private remember(key: string, done: ProofJob['done']): void {
    const ready = done.then((r) => (r.record.status === 'ready' ? r.record.id : Promise.reject(new Error(r.record.error ?? 'proving failed'))));
    // Failed statements are forgotten, so a later request proves them afresh.
    ready.catch(() => {
      if (this.recent.get(key) === ready) this.recent.delete(key);
    });
    this.recent.delete(key);
    this.recent.set(key, ready);
    if (this.recent.size > RECENT_STATEMENTS) this.recent.delete(this.recent.keys().next().value!);
  }

  private async storedProof(id: string): Promise<Uint8Array> {
    const stored = await this.store.get(id);
    if (stored?.proof === undefined) throw new Error(`the shared proof ${id} is no longer in the store`);
    return stored.proof;
  }

  private async prove(record: ProofRecord, running: Promise<Uint8Array>): Promise<{ record: ProofRecord; proof?: Uint8Array }> {
    let proof: Uint8Array;
    try {
      proof = await running;
    } catch (e) {
      // Shutting down: the record stays pending for the next run to prove.
      if (e instanceof PoolUnavailableError && this.closing !== undefined) throw e;
      const failed: ProofRecord = { ...record, status: 'failed', error: e instanceof Error ? e.message : String(e), updatedAt: Date.now() };
      await this.store.put(failed);
      return { record: failed };
    }
    const ready: ProofRecord = { ...record, status: 'ready', proofSha256: sha256Hex(proof), proofBytes: proof.length, updatedAt: Date.now() };
    await this.store.put(ready, proof);
    return { record: ready, proof };
  }

  newProofId(): string {
    return newProofId();
  }

  /**
   * Seconds a client should wait before polling a pending proof again. Polls cost one
   * store read, so the hint stays short even when the queue is long.
   */
  retryAfter(): number {
    return Math.min(5, this.pool.estimateWait());
  }

  /**
   * Stops taking requests (503), stops the workers and waits for store writes. Queued
   * proofs stay `pending` in the store and are proven when a server starts on it again;
   * with `drain: true` they are finished first.
   */
  close(opts: { drain?: boolean } = {}): Promise<void> {
    this.closing ??= (async () => {
      await this.pool.close(opts);
      while (this.writes.size > 0) await Promise.allSettled([...this.writes]);
    })();
    return this.closing;
  }
}
