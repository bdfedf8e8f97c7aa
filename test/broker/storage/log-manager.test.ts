import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { LogManager } from '../../../src/broker/storage/log-manager.js';
import { batch, listDir, steppedClock, numberedBatch, readAll, tempDir, testConfig } from './helpers.js';

const leader = { leaderEpoch: 0, assignOffsets: true } as const;

function manager(dataDir = tempDir(), clock = steppedClock()) {
  const logs = new LogManager({ dataDir, clock });
  return { logs, dataDir, clock };
}

describe('LogManager', () => {
  it('opens one <topic>-<partition> directory per log and hands back the same log', () => {
    const { logs, dataDir } = manager();
    const a = logs.getOrCreateLog('orders', 0, testConfig(), 'AAAAAAAAAAAAAAAAAAAAAA');
    const b = logs.getOrCreateLog('orders.v2', 11, testConfig());
    expect(logs.getOrCreateLog('orders', 0, testConfig())).toBe(a);
    expect(logs.getLog('orders.v2', 11)).toBe(b);
    expect(listDir(dataDir)).toEqual(['orders-0', 'orders.v2-11']);
    expect(fs.readFileSync(path.join(dataDir, 'orders-0', 'partition.metadata'), 'utf8')).toBe('version: 0\ntopic_id: AAAAAAAAAAAAAAAAAAAAAA\n');
    expect([a.topic, a.partition, b.topic, b.partition]).toEqual(['orders', 0, 'orders.v2', 11]);
    logs.shutdown();
  });

  it('deletes a log with its directory', () => {
    const { logs, dataDir } = manager();
    const log = logs.getOrCreateLog('gone', 2, testConfig());
    log.append(numberedBatch(3), leader);
    expect(logs.deleteLog('gone', 2)).toBe(true);
    expect(fs.existsSync(path.join(dataDir, 'gone-2'))).toBe(false);
    expect(logs.getLog('gone', 2)).toBeUndefined();
    expect(logs.deleteLog('gone', 2)).toBe(false);
    // Recreating starts from scratch.
    expect(logs.getOrCreateLog('gone', 2, testConfig()).logEndOffset).toBe(0);
    logs.shutdown();
  });

  it('shuts down cleanly and reopens everything', () => {
    const { logs, dataDir } = manager();
    logs.getOrCreateLog('t', 0, testConfig()).append(numberedBatch(4), leader);
    logs.getOrCreateLog('t', 1, testConfig()).append(numberedBatch(2), leader);
    logs.shutdown();
    // One marker for the data directory, as Kafka writes it, not one per partition.
    expect(fs.existsSync(path.join(dataDir, '.kafka_cleanshutdown'))).toBe(true);
    expect(fs.existsSync(path.join(dataDir, 't-0', '.kafka_cleanshutdown'))).toBe(false);
    const again = new LogManager({ dataDir });
    expect(fs.existsSync(path.join(dataDir, '.kafka_cleanshutdown'))).toBe(false);
    expect(again.getOrCreateLog('t', 0, testConfig()).logEndOffset).toBe(4);
    expect(readAll(again.getOrCreateLog('t', 1, testConfig())).map((r) => r.value)).toEqual(['m0', 'm1']);
    again.shutdown();
  });

  it('runs retention, flush.ms and the cleaner over every log on demand', async () => {
    const clock = steppedClock();
    const { logs } = manager(tempDir(), clock);
    const expiring = logs.getOrCreateLog('expiring', 0, testConfig({ retentionMs: 1000, flushMs: 500 }));
    const compacted = logs.getOrCreateLog('compacted', 0, testConfig({ cleanupPolicy: 'compact', segmentBytes: 300 }));
    expiring.append(numberedBatch(2, 'old', { timestamp: clock.now() }), leader);
    expiring.roll();
    expiring.append(numberedBatch(2, 'new', { timestamp: clock.now() + 5000 }), leader);
    expiring.highWatermark = expiring.logEndOffset;
    for (let i = 0; i < 10; i++) compacted.append(batch([{ key: 'k', value: `v${i}` }]), leader);
    compacted.highWatermark = compacted.logEndOffset;

    clock.advance(2000);
    expect(logs.runRetention()).toBe(1);
    expect(expiring.logStartOffset).toBe(2);

    const unflushed = expiring.recoveryPoint;
    expiring.append(numberedBatch(1), leader);
    expect(logs.flushDirtyLogs()).toBeGreaterThanOrEqual(1);
    expect(expiring.recoveryPoint).toBeGreaterThan(unflushed);

    const results = await logs.runCleaner();
    expect(results).toHaveLength(1);
    expect(results[0]!.cleaned).toBe(true);
    expect(readAll(compacted).filter((r) => r.offset < compacted.activeSegment.baseOffset)).toHaveLength(1);
    logs.shutdown();
  });
});

describe('LogManager timers', () => {
  it('runs retention every log.retention.check.interval.ms once started, and stops at shutdown', () => {
    vi.useFakeTimers();
    try {
      const clock = steppedClock();
      const logs = new LogManager({ dataDir: tempDir(), clock, retentionCheckIntervalMs: 10_000, cleanerEnabled: false });
      const log = logs.getOrCreateLog('timed', 0, testConfig({ retentionMs: 1000 }));
      log.append(numberedBatch(2, 'old', { timestamp: clock.now() }), leader);
      log.roll();
      log.append(numberedBatch(2, 'new', { timestamp: clock.now() + 60_000 }), leader);
      log.highWatermark = log.logEndOffset;
      clock.advance(5000);
      logs.startup();
      vi.advanceTimersByTime(9_999);
      expect(log.logStartOffset).toBe(0);
      vi.advanceTimersByTime(1);
      expect(log.logStartOffset).toBe(2);
      logs.shutdown();
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});
