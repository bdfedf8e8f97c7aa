/** The request/reply header formats and the reply consumer's position keeping, without a broker. */
import { describe, expect, test } from 'vitest';
import { CorrelationKey, decodeReplyPartition, encodeReplyPartition } from '../../../src/index.js';
import { ReplyPositionKeeper } from '../../../src/framework/requestreply/reply-position-keeper.js';
import type { ContainerConsumer } from '../../../src/framework/listener/container-consumer.js';

describe('kafka_replyPartition', () => {
  test('is written as a 4-byte big-endian int (Spring)', () => {
    expect(encodeReplyPartition(3)).toEqual(Buffer.from([0, 0, 0, 3]));
    expect(encodeReplyPartition(258)).toEqual(Buffer.from([0, 0, 1, 2]));
  });

  test('is read from Spring\'s int32 and from NestJS\'s decimal string', () => {
    expect(decodeReplyPartition(Buffer.from([0, 0, 0, 7]))).toBe(7);
    expect(decodeReplyPartition(Buffer.from([0, 0, 1, 2]))).toBe(258);
    expect(decodeReplyPartition(Buffer.from('7'))).toBe(7);
    expect(decodeReplyPartition(Buffer.from('12'))).toBe(12);
    // Four ASCII digits are NestJS's "1234", not the int 0x31323334.
    expect(decodeReplyPartition(Buffer.from('1234'))).toBe(1234);
    expect(decodeReplyPartition('5')).toBe(5);
  });

  test('anything else is no partition', () => {
    expect(decodeReplyPartition(undefined)).toBeUndefined();
    expect(decodeReplyPartition(null)).toBeUndefined();
    expect(decodeReplyPartition(Buffer.from('x1'))).toBeUndefined();
    expect(decodeReplyPartition(Buffer.from([0xff, 0xff, 0xff, 0xff]))).toBeUndefined();
    expect(decodeReplyPartition(Buffer.from('-1'))).toBeUndefined();
  });
});

describe('CorrelationKey', () => {
  test('random keys are 16 bytes, distinct, printed in UUID form', () => {
    const keys = Array.from({ length: 100 }, () => CorrelationKey.random());
    expect(keys.every((k) => k.bytes.length === 16)).toBe(true);
    expect(new Set(keys.map((k) => k.hex)).size).toBe(100);
    expect(keys[0]!.toString()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('ReplyPositionKeeper', () => {
  const consumer = () => {
    const seeks: string[] = [];
    return { seeks, consumer: { seek: (tp: { topic: string; partition: number }, offset: number) => seeks.push(`${tp.topic}-${tp.partition}@${offset}`) } as unknown as ContainerConsumer };
  };

  test('seeks every re-assigned partition to max(start offset, last reply + 1); unknown partitions are left alone', () => {
    const keeper = new ReplyPositionKeeper(undefined);
    keeper.startFrom([
      { topic: 'r', partition: 0, offset: 10 },
      { topic: 'r', partition: 1, offset: 5 },
    ]);
    keeper.seen({ topic: 'r', partition: 0, offset: 14 });
    keeper.seen({ topic: 'r', partition: 0, offset: 12 });
    const { seeks, consumer: c } = consumer();
    keeper.onPartitionsAssigned(c, [
      { topic: 'r', partition: 0 },
      { topic: 'r', partition: 1 },
      { topic: 'r', partition: 2 },
    ]);
    expect(seeks).toEqual(['r-0@15', 'r-1@5']);
  });

  test('passes the callbacks on to the container\'s own rebalance listener', async () => {
    const calls: string[] = [];
    const keeper = new ReplyPositionKeeper({
      onPartitionsAssigned: () => void calls.push('assigned'),
      onPartitionsRevokedBeforeCommit: () => void calls.push('before'),
      onPartitionsRevokedAfterCommit: () => void calls.push('after'),
    });
    const { consumer: c } = consumer();
    await keeper.onPartitionsRevokedBeforeCommit(c, []);
    await keeper.onPartitionsRevokedAfterCommit(c, []);
    await keeper.onPartitionsAssigned(c, []);
    expect(calls).toEqual(['before', 'after', 'assigned']);
  });
});
