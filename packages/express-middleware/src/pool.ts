/**
 * A fixed set of prove workers (worker_threads) fed from one bounded FIFO.
 *
 * Capacity is `concurrency` proofs in flight plus `maxQueue` waiting; callers reserve a
 * slot before generating (so a stream that has started is sure to get its proof) and
 * turn the reservation into a job when the generation is finished. A worker that dies
 * fails its job and is replaced; a worker that cannot start (for example because its
 * model does not match the served commitment) makes the pool unavailable.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { StopReason } from '@zkllm/verifier';
import type { FromWorker, ToWorker, WorkerInit } from './worker/protocol.js';

export interface ProveInput {
  readonly promptTokens: readonly number[];
  readonly tokens: readonly number[];
  readonly stop: StopReason;
}

export class QueueFullError extends Error {
  readonly retryAfter: number;
  constructor(retryAfter: number) {
    super('the proof queue is full; retry later');
    this.name = 'QueueFullError';
    this.retryAfter = retryAfter;
  }
}

export class PoolUnavailableError extends Error {
  readonly retryAfter: number;
  constructor(message: string, retryAfter = 5) {
    super(message);
    this.name = 'PoolUnavailableError';
    this.retryAfter = retryAfter;
  }
}

/** A reserved queue slot: `run` it once, or `release` it. */
export interface Reservation {
  run(input: ProveInput): Promise<Uint8Array>;
  release(): void;
}

export interface ProverPoolOptions {
  readonly init: WorkerInit;
  /** Workers proving at once (default 1). */
  readonly concurrency?: number;
  /** Jobs waiting for a worker, reservations included (default 8). */
  readonly maxQueue?: number;
}

interface Job {
  readonly id: number;
  readonly input: ProveInput;
  readonly resolve: (proof: Uint8Array) => void;
  readonly reject: (e: Error) => void;
  started?: number;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  job: Job | undefined;
}

/** Source of the eval'd bootstrap: the built worker, or (from TypeScript sources) the worker via dev hooks. */
function bootstrap(): string {
  const self = import.meta.url;
  if (self.endsWith('.ts')) {
    const loader = new URL('./worker/dev-loader.mjs', self).href;
    const entry = new URL('./worker/prove-worker.ts', self).href;
    return `import('node:module').then((m) => { m.register(${JSON.stringify(loader)}); return import(${JSON.stringify(entry)}); })`;
  }
  return `import(${JSON.stringify(new URL('./worker/prove-worker.js', self).href)})`;
}

export class ProverPool {
  readonly concurrency: number;
  readonly maxQueue: number;
  private readonly init: WorkerInit;
  private readonly slots: Slot[] = [];
  private readonly waiting: Job[] = [];
  private reserved = 0;
  /** Jobs given to `force` (restart recovery) may exceed `maxQueue`. */
  private nextJob = 1;
  private closed = false;
  private failure: string | undefined;
  private avgMs = 30_000;
  private readyResolve!: () => void;
  private readyReject!: (e: Error) => void;
  /** Resolves when the first worker is ready; rejects when none can start. */
  readonly ready: Promise<void>;

  constructor(opts: ProverPoolOptions) {
    this.init = opts.init;
    this.concurrency = opts.concurrency ?? 1;
    this.maxQueue = opts.maxQueue ?? 8;
    if (!Number.isInteger(this.concurrency) || this.concurrency < 1 || this.concurrency > 64) throw new RangeError('queue.concurrency must be an integer in [1, 64]');
    if (!Number.isInteger(this.maxQueue) || this.maxQueue < 0 || this.maxQueue > 100_000) throw new RangeError('queue.maxQueue must be an integer in [0, 100000]');
    this.ready = new Promise<void>((res, rej) => {
      this.readyResolve = res;
      this.readyReject = rej;
    });
    this.ready.catch(() => undefined);
    for (let i = 0; i < this.concurrency; i++) this.slots.push(this.spawn());
  }

  /** Jobs waiting (reservations included) and proofs in flight. */
  get stats(): { waiting: number; running: number; reserved: number; concurrency: number; maxQueue: number; available: boolean } {
    return {
      waiting: this.waiting.length + this.reserved,
      running: this.slots.filter((s) => s.job !== undefined).length,
      reserved: this.reserved,
      concurrency: this.concurrency,
      maxQueue: this.maxQueue,
      available: this.failure === undefined && !this.closed,
    };
  }

  /** Seconds until a new job would likely start. */
  estimateWait(): number {
    const ahead = this.waiting.length + this.reserved + this.slots.filter((s) => s.job !== undefined).length;
    return Math.max(1, Math.ceil((ahead / this.concurrency) * (this.avgMs / 1000)));
  }

  private check(): void {
    if (this.closed) throw new PoolUnavailableError('the server is shutting down');
    if (this.failure !== undefined) throw new PoolUnavailableError(`the prover is unavailable: ${this.failure}`, 30);
  }

  /** Reserves a slot; throws QueueFullError or PoolUnavailableError. Synchronous. */
  reserve(): Reservation {
    this.check();
    const idle = this.slots.filter((s) => s.job === undefined).length;
    // Idle workers absorb reservations beyond the waiting line.
    if (this.waiting.length + this.reserved >= this.maxQueue + idle) throw new QueueFullError(Math.min(300, this.estimateWait()));
    this.reserved++;
    let used = false;
    const take = (): void => {
      if (used) throw new Error('reservation already used');
      used = true;
      this.reserved--;
    };
    return {
      run: (input) => {
        take();
        return this.enqueue(input);
      },
      release: () => {
        if (!used) take();
      },
    };
  }

  /** Queues a job without the capacity check (jobs already promised to clients). */
  force(input: ProveInput): Promise<Uint8Array> {
    this.check();
    return this.enqueue(input);
  }

  private enqueue(input: ProveInput): Promise<Uint8Array> {
    if (this.closed) return Promise.reject(new PoolUnavailableError('the server is shutting down'));
    if (this.failure !== undefined) return Promise.reject(new PoolUnavailableError(`the prover is unavailable: ${this.failure}`, 30));
    return new Promise<Uint8Array>((resolve, reject) => {
      this.waiting.push({ id: this.nextJob++, input, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.waiting.length === 0) return;
      if (!slot.ready || slot.job !== undefined) continue;
      const job = this.waiting.shift()!;
      slot.job = job;
      job.started = Date.now();
      const msg: ToWorker = { type: 'prove', job: job.id, promptTokens: [...job.input.promptTokens], tokens: [...job.input.tokens], stop: job.input.stop };
      slot.worker.postMessage(msg);
    }
  }

  private spawn(): Slot {
    // Each prover splits its hot loops across helper threads (ZKLLM_THREADS, @zkllm/core):
    // share the cores between the concurrent provers unless the operator chose a count.
    const env: Record<string, string | undefined> = { ...process.env };
    env['ZKLLM_THREADS'] ??= String(Math.max(1, Math.floor(availableParallelism() / this.concurrency)));
    const worker = new Worker(bootstrap(), { eval: true, workerData: this.init, env });
    const slot: Slot = { worker, ready: false, job: undefined };
    worker.on('message', (m: FromWorker) => this.onMessage(slot, m));
    worker.on('error', (e) => this.onExit(slot, `prove worker error: ${e.message}`));
    worker.on('exit', (code) => this.onExit(slot, `prove worker exited with code ${code}`));
    return slot;
  }

  private onMessage(slot: Slot, m: FromWorker): void {
    switch (m.type) {
      case 'ready':
        slot.ready = true;
        this.readyResolve();
        this.dispatch();
        return;
      case 'fatal':
        this.fail(m.message);
        return;
      case 'done':
      case 'failed': {
        const job = slot.job;
        if (job === undefined || job.id !== m.job) return;
        slot.job = undefined;
        if (m.type === 'done') {
          this.avgMs = 0.7 * this.avgMs + 0.3 * (Date.now() - job.started!);
          job.resolve(m.proof);
        } else job.reject(new Error(m.message));
        this.dispatch();
        return;
      }
    }
  }

  private onExit(slot: Slot, reason: string): void {
    const i = this.slots.indexOf(slot);
    if (i < 0) return; // already handled (error is followed by exit)
    this.slots.splice(i, 1);
    slot.job?.reject(new Error(reason));
    slot.job = undefined;
    if (this.closed || this.failure !== undefined) return;
    if (!slot.ready) {
      // A worker that never became ready will not do better on a retry.
      this.fail(reason);
      return;
    }
    this.slots.push(this.spawn());
    this.dispatch();
  }

  private fail(reason: string): void {
    if (this.failure !== undefined) return;
    this.failure = reason;
    this.readyReject(new PoolUnavailableError(`the prover is unavailable: ${reason}`, 30));
    for (const job of this.waiting.splice(0)) job.reject(new PoolUnavailableError(`the prover is unavailable: ${reason}`, 30));
    for (const s of this.slots.splice(0)) void s.worker.terminate();
  }

  /**
   * Stops the workers. With `drain`, waits for the queued and running jobs first;
   * otherwise they are rejected with PoolUnavailableError (callers keep their records
   * pending, to be proven after a restart).
   */
  async close(opts: { drain?: boolean } = {}): Promise<void> {
    if (opts.drain && this.failure === undefined) {
      while (this.waiting.length > 0 || this.slots.some((s) => s.job !== undefined)) await new Promise((r) => setTimeout(r, 50));
    }
    this.closed = true;
    const err = new PoolUnavailableError('the server is shutting down');
    for (const job of this.waiting.splice(0)) job.reject(err);
    const slots = this.slots.splice(0);
    for (const s of slots) {
      s.job?.reject(err);
      s.job = undefined;
    }
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }
}
