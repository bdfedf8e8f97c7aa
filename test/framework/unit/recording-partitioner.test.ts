/**
 * The template's partitioner, called as kafkajs calls it on every attempt of a request: it
 * writes its choice onto the record, keeps explicit partitions, remembers the metadata it was
 * shown, counts a tracked request's attempts and stops an attempt whose partitions no longer
 * share one leader (before kafkajs builds that attempt's produce requests).
 */
import { Partitioners, type Message, type PartitionMetadata } from 'kafkajs';
import { describe, expect, test } from 'vitest';
import { RecordingPartitioner, RequestSpansBrokersError } from '../../../src/framework/core/recording-partitioner.js';
import { provesNothingWritten } from '../../../src/framework/core/send-failure.js';

const metadata = (leaders: number[]): PartitionMetadata[] =>
  leaders.map((leader, partitionId) => ({ partitionId, leader, partitionErrorCode: 0, replicas: [0, 1, 2], isr: [0, 1, 2] }));

/** One attempt of kafkajs at a request of `topic`: every record partitioned, in order. */
function attempt(partitioner: RecordingPartitioner, topic: string, partitionMetadata: PartitionMetadata[], messages: Message[]): number[] {
  const partition = partitioner.factory();
  return messages.map((message) => partition({ topic, partitionMetadata, message }));
}

describe('RecordingPartitioner', () => {
  test('partitions only once kafkajs showed it the topic, as kafkajs would, and writes the partition onto the record', () => {
    const partitioner = new RecordingPartitioner(Partitioners.DefaultPartitioner);
    const keyed: Message = { key: 'k1', value: 'v' };
    expect(partitioner.partition('t', keyed)).toBeUndefined();
    expect(partitioner.partition('t', { partition: 2, value: 'v' })).toBe(2);
    const [fromKafkajs] = attempt(partitioner, 't', metadata([0, 1, 2, 0]), [{ key: 'k1', value: 'v' }]);
    expect(partitioner.partition('t', keyed)).toBe(fromKafkajs);
    expect(keyed.partition).toBe(fromKafkajs);
    expect(partitioner.leaderOf('t', 2)).toBe(2);
    // An explicit partition is kept, whatever the inner partitioner would say.
    expect(attempt(partitioner, 't', metadata([0, 1, 2, 0]), [{ key: 'k1', partition: 3, value: 'v' }])).toEqual([3]);
  });

  test("counts a tracked request's attempts and stops one whose partitions have different leaders", () => {
    const partitioner = new RecordingPartitioner(Partitioners.DefaultPartitioner);
    const messages: Message[] = [0, 3, 0].map((partition) => ({ partition, value: 'v' }));
    const tracker = partitioner.track(messages);
    expect(attempt(partitioner, 't', metadata([0, 1, 2, 0]), messages)).toEqual([0, 3, 0]);
    expect(tracker.attempts).toBe(1);
    // The retry meets new metadata: partition 3 moved to broker 1, so the attempt would span two brokers.
    const error = (() => {
      try {
        attempt(partitioner, 't', metadata([0, 1, 2, 1]), messages);
      } catch (thrown) {
        return thrown;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(RequestSpansBrokersError);
    expect((error as RequestSpansBrokersError).attemptsBefore).toBe(1);
    expect((error as RequestSpansBrokersError).retriable).toBe(false);
    expect(tracker.attempts).toBe(1);
    // Untracked records (someone else's sends through the same producer) are never stopped.
    expect(attempt(partitioner, 't', metadata([0, 1, 2, 1]), [{ partition: 0, value: 'v' }, { partition: 1, value: 'v' }])).toEqual([0, 1]);
  });

  test('a failure proves nothing was written only before any attempt, or as the broker error answer to the only one', () => {
    const protocolError = (type: string) => Object.assign(new Error(type), { name: 'KafkaJSProtocolError', type });
    expect(provesNothingWritten(new RequestSpansBrokersError(0), 0)).toBe(true);
    expect(provesNothingWritten(protocolError('MESSAGE_TOO_LARGE'), 1)).toBe(true);
    expect(provesNothingWritten(protocolError('OUT_OF_ORDER_SEQUENCE_NUMBER'), 1)).toBe(false);
    expect(provesNothingWritten(protocolError('MESSAGE_TOO_LARGE'), 2)).toBe(false);
    expect(provesNothingWritten(Object.assign(new Error('Request Produce timed out'), { name: 'KafkaJSRequestTimeoutError' }), 1)).toBe(false);
  });
});
