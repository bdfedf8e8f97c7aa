import { describe, expect, test } from 'vitest';
import { AckHandler } from '../../../src/framework/listener/ack-handler.js';
import { AckMode } from '../../../src/framework/listener/ack-mode.js';
import { ContainerProperties, type ContainerPropertiesInit } from '../../../src/framework/listener/container-properties.js';
import type { OffsetToCommit } from '../../../src/framework/listener/offset-tracker.js';
import { ConsumerRecord } from '../../../src/framework/support/consumer-record.js';
import { silentLogger } from '../../../src/framework/support/logger.js';

const record = (offset: number) => new ConsumerRecord({ topic: 't', partition: 0, offset });

function handler(init: ContainerPropertiesInit, clock = { now: 0 }) {
  const commits: number[] = [];
  const committer = async (offsets: readonly OffsetToCommit[]) => {
    commits.push(offsets[0]!.offset);
  };
  const ack = new AckHandler(new ContainerProperties({ topics: ['t'], ...init }), committer, silentLogger, () => clock.now);
  return { ack, commits, clock };
}

async function processAll(ack: AckHandler, offsets: number[]) {
  for (const offset of offsets) {
    ack.delivered(record(offset));
    await ack.recordProcessed(record(offset));
  }
}

describe('AckHandler commit points', () => {
  test('RECORD commits after every record', async () => {
    const { ack, commits } = handler({ ackMode: AckMode.RECORD });
    await processAll(ack, [0, 1, 2]);
    expect(commits).toEqual([1, 2, 3]);
  });

  test('BATCH commits at the end of the batch only', async () => {
    const { ack, commits } = handler({ ackMode: AckMode.BATCH });
    await processAll(ack, [0, 1, 2]);
    expect(commits).toEqual([]);
    await ack.batchEnd();
    expect(commits).toEqual([3]);
  });

  test('COUNT commits every ackCount records, and not at a batch end before that', async () => {
    const { ack, commits } = handler({ ackMode: AckMode.COUNT, ackCount: 2 });
    await processAll(ack, [0, 1, 2]);
    await ack.batchEnd();
    expect(commits).toEqual([2]);
    await processAll(ack, [3]);
    expect(commits).toEqual([2, 4]);
  });

  test('TIME commits once ackTime has passed since the last commit', async () => {
    const { ack, commits, clock } = handler({ ackMode: AckMode.TIME, ackTime: 1000 });
    clock.now = 10;
    await processAll(ack, [0, 1]);
    await ack.batchEnd();
    await ack.onPoll();
    expect(commits).toEqual([]);
    clock.now = 1000;
    await ack.onPoll();
    expect(commits).toEqual([2]);
  });

  test('COUNT_TIME commits on whichever comes first', async () => {
    const { ack, commits, clock } = handler({ ackMode: AckMode.COUNT_TIME, ackCount: 3, ackTime: 1000 });
    await processAll(ack, [0, 1, 2]);
    expect(commits).toEqual([3]);
    await processAll(ack, [3]);
    clock.now = 5000;
    await ack.onPoll();
    expect(commits).toEqual([3, 4]);
  });

  test('MANUAL waits for acknowledgments and commits the contiguous prefix at batch end', async () => {
    const { ack, commits } = handler({ ackMode: AckMode.MANUAL });
    await processAll(ack, [0, 1, 2]);
    await ack.batchEnd();
    expect(commits).toEqual([]);
    await ack.acknowledge([record(0), record(2)]);
    await ack.batchEnd();
    expect(commits).toEqual([1]);
    await ack.acknowledge([record(1)]);
    await ack.onPoll();
    expect(commits).toEqual([1, 3]);
  });

  test('MANUAL_IMMEDIATE commits on acknowledge', async () => {
    const { ack, commits } = handler({ ackMode: AckMode.MANUAL_IMMEDIATE });
    await processAll(ack, [0, 1]);
    await ack.acknowledge([record(0)]);
    expect(commits).toEqual([1]);
  });

  test('skipped records count as done in manual modes', async () => {
    const { ack, commits } = handler({ ackMode: AckMode.MANUAL });
    ack.delivered(record(0));
    await ack.recordProcessed(record(0), true);
    await ack.batchEnd();
    expect(commits).toEqual([1]);
  });

  test('a failing commit is retried commitRetries times, then reported', async () => {
    let calls = 0;
    const reported: unknown[] = [];
    const props = new ContainerProperties({ topics: ['t'], ackMode: AckMode.RECORD, commitRetries: 2, commitCallback: (_o, error) => reported.push(error) });
    const ack = new AckHandler(props, async () => {
      calls++;
      throw new Error('coordinator unavailable');
    }, silentLogger);
    ack.delivered(record(0));
    await expect(ack.recordProcessed(record(0))).rejects.toThrow('coordinator unavailable');
    expect(calls).toBe(3);
    expect(reported).toHaveLength(1);
  });

  test('rebalance errors are not retried', async () => {
    let calls = 0;
    const ack = new AckHandler(new ContainerProperties({ topics: ['t'], ackMode: AckMode.RECORD }), async () => {
      calls++;
      throw Object.assign(new Error('rebalance'), { type: 'REBALANCE_IN_PROGRESS' });
    }, silentLogger);
    ack.delivered(record(0));
    await expect(ack.recordProcessed(record(0))).rejects.toThrow('rebalance');
    expect(calls).toBe(1);
  });

  test('syncCommits: false commits in the background, still in order', async () => {
    const commits: number[] = [];
    let release: () => void = () => undefined;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    const ack = new AckHandler(new ContainerProperties({ topics: ['t'], ackMode: AckMode.RECORD, syncCommits: false }), async (offsets) => {
      await blocked;
      commits.push(offsets[0]!.offset);
    }, silentLogger);
    await processAll(ack, [0, 1]);
    expect(commits).toEqual([]);
    release();
    await ack.flush();
    expect(commits).toEqual([1, 2]);
  });
});
