/** The prover pool's admission rules: bounded queue, unavailable workers, shutdown. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFixture, ZkModel } from '@zkllm/core';
import { afterAll, describe, expect, it } from 'vitest';
import { PoolUnavailableError, ProverPool, QueueFullError, type Reservation } from './pool.js';

const dir = mkdtempSync(join(tmpdir(), 'zkllm-pool-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFixture('llama-l2c', join(dir, 'm'));
const model = ZkModel.load(join(dir, 'm'));
const digest = model.commit().digest;

describe('ProverPool', () => {
  it('admits concurrency + maxQueue reservations, then throws QueueFullError until one is released', async () => {
    const pool = new ProverPool({ init: { modelPath: join(dir, 'm'), digest }, concurrency: 1, maxQueue: 2 });
    try {
      const held: Reservation[] = [pool.reserve(), pool.reserve(), pool.reserve()];
      let full: unknown;
      try {
        pool.reserve();
      } catch (e) {
        full = e;
      }
      expect(full).toBeInstanceOf(QueueFullError);
      expect((full as QueueFullError).retryAfter).toBeGreaterThanOrEqual(1);
      expect(pool.stats).toMatchObject({ waiting: 3, running: 0, concurrency: 1, maxQueue: 2, available: true });
      held.pop()!.release();
      held.push(pool.reserve());
      // Releasing twice must not free a second slot.
      held[0]!.release();
      held[0]!.release();
      held.push(pool.reserve());
      expect(() => pool.reserve()).toThrow(QueueFullError);
      for (const r of held) r.release();
      expect(pool.stats.waiting).toBe(0);
      await pool.ready;
    } finally {
      await pool.close();
    }
  });

  it('rejects work with PoolUnavailableError when closed', async () => {
    const pool = new ProverPool({ init: { modelPath: join(dir, 'm'), digest }, concurrency: 1, maxQueue: 1 });
    const slot = pool.reserve();
    await pool.close();
    expect(() => pool.reserve()).toThrow(/shutting down/);
    await expect(slot.run({ promptTokens: [1, 2], tokens: [3], stop: 'length' })).rejects.toBeInstanceOf(PoolUnavailableError);
    expect(pool.stats.available).toBe(false);
  });

  it('becomes unavailable (503) when a worker loads a model that is not the served commitment', async () => {
    const pool = new ProverPool({ init: { modelPath: join(dir, 'm'), digest: '00'.repeat(32) }, concurrency: 1, maxQueue: 4 });
    try {
      const slot = pool.reserve();
      const job = slot.run({ promptTokens: [1, 2], tokens: [3], stop: 'length' });
      await expect(pool.ready).rejects.toThrow(/commits to [0-9a-f]{64}, not to the served 0{64}/);
      await expect(job).rejects.toBeInstanceOf(PoolUnavailableError);
      expect(() => pool.reserve()).toThrow(PoolUnavailableError);
      expect(pool.stats.available).toBe(false);
    } finally {
      await pool.close();
    }
  });

  it('validates its limits', () => {
    const init = { modelPath: join(dir, 'm'), digest };
    expect(() => new ProverPool({ init, concurrency: 0 })).toThrow(RangeError);
    expect(() => new ProverPool({ init, maxQueue: -1 })).toThrow(RangeError);
    expect(() => new ProverPool({ init, maxQueue: 1.5 })).toThrow(RangeError);
  });
});
