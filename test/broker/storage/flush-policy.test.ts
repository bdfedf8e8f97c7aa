import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { steppedClock, numberedBatch, openLog, partitionDir, testConfig } from './helpers.js';

const leader = { leaderEpoch: 0, assignOffsets: true } as const;

function checkpointed(dir: string): number {
  const lines = fs.readFileSync(path.join(dir, 'recovery-point-offset-checkpoint'), 'utf8').trim().split('\n');
  return Number(lines[2]!.split(' ')[2]);
}

describe('flush policy', () => {
  it('leaves flushing to the OS by default: the recovery point only moves on roll, flush or close', () => {
    const dir = partitionDir();
    const log = openLog(dir, testConfig());
    for (let i = 0; i < 5; i++) log.append(numberedBatch(10), leader);
    expect(log.recoveryPoint).toBe(0);
    log.flush();
    expect(log.recoveryPoint).toBe(50);
    expect(checkpointed(dir)).toBe(50);
  });

  it('flushes after flush.messages offsets', () => {
    const log = openLog(partitionDir(), testConfig({ flushMessages: 25 }));
    log.append(numberedBatch(10), leader);
    log.append(numberedBatch(10), leader);
    expect(log.recoveryPoint).toBe(0);
    log.append(numberedBatch(10), leader);
    expect(log.recoveryPoint).toBe(30);
    log.append(numberedBatch(10), leader);
    expect(log.recoveryPoint).toBe(30);
  });

  it('flushes when flush.ms has passed since the last flush (checked by the caller, injected clock)', () => {
    const clock = steppedClock();
    const log = openLog(partitionDir(), testConfig({ flushMs: 1000 }), { clock });
    log.append(numberedBatch(3), leader);
    clock.advance(999);
    expect(log.flushIfDue()).toBe(false);
    clock.advance(1);
    expect(log.flushIfDue()).toBe(true);
    expect(log.recoveryPoint).toBe(3);
    expect(log.flushIfDue()).toBe(false); // nothing new
  });

  it('with streamwright.fsync.on.append every append is durable before it returns', () => {
    const log = openLog(partitionDir(), testConfig({ fsyncOnAppend: true }));
    log.append(numberedBatch(4), leader);
    expect(log.recoveryPoint).toBe(4);
    log.append(numberedBatch(1), leader);
    expect(log.recoveryPoint).toBe(5);
  });
});
