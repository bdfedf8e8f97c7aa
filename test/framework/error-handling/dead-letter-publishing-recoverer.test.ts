/**
 * DeadLetterPublishingRecoverer's options, with a stand-in producer: header growth
 * (appendOriginalHeaders, stripPreviousExceptionHeaders), excluded headers, headers functions,
 * the destination resolver's "nowhere", routing a fatal failure back to its own topic, a
 * destination partition that does not exist, and a failing send.
 */
import { describe, expect, test } from 'vitest';
import {
  ConsumerRecord,
  DeadLetterPublishingRecoverer,
  HeadersToAdd,
  KafkaHeaders,
  ListenerExecutionFailedException,
  MessageConversionException,
  RecordHeaders,
  silentLogger,
  type KafkaOperations,
} from '../../../src/index.js';
import { bytesOnlyOperations } from '../support/bytes-only-operations.js';

interface Sent {
  topic: string;
  partition: number | undefined;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, unknown>;
}

/** A non-transactional template that records what it is asked to send; every topic has `partitions` partitions. */
function fakeTemplate(options: { partitions?: number; fail?: Error } = {}): KafkaOperations & { sent: Sent[]; lookups: string[] } {
  const sent: Sent[] = [];
  const lookups: string[] = [];
  const partitions = options.partitions ?? 1;
  const operations = bytesOnlyOperations(
    async (topic, message) => {
      if (options.fail) throw options.fail;
      // As KafkaTemplate: a send to a partition the topic does not have fails.
      if (message.partition !== undefined && message.partition >= partitions) throw new Error(`Partition ${message.partition} of ${topic} does not exist`);
      sent.push({ ...(message as Sent), topic });
      return [{ topicName: topic, partition: message.partition ?? 0, errorCode: 0, baseOffset: '0' }];
    },
    async (topic) => {
      lookups.push(topic);
      return Array.from({ length: partitions }, (_, partition) => ({ topic, partition, leader: 1, replicas: [1], inSyncReplicas: [1], offlineReplicas: [] }));
    },
  );
  return Object.assign(operations, { sent, lookups });
}

const record = (headers: RecordHeaders = new RecordHeaders()) =>
  new ConsumerRecord<string, string>({ topic: 'orders', partition: 0, offset: 7, timestamp: 1_700_000_000_000, key: 'k', value: 'v', headers });
const failure = (cause: Error = new Error('boom')) => new ListenerExecutionFailedException('Listener failed', 'group-a', { cause });
const values = (sent: Sent, name: string) => {
  const v = sent.headers[name];
  return (Array.isArray(v) ? v : v === undefined ? [] : [v]).map((b) => (b as Buffer).toString('utf8'));
};

describe('DeadLetterPublishingRecoverer', () => {
  test('a record already dead-lettered once: originals appended by default (or kept once), exception headers replaced', async () => {
    const first = fakeTemplate();
    await new DeadLetterPublishingRecoverer(first, { logger: silentLogger }).accept(record(), failure(new Error('first')));
    const again = new RecordHeaders(Object.entries(first.sent[0]!.headers).flatMap(([key, v]) => (Array.isArray(v) ? v : [v]).map((value) => ({ key, value: value as Buffer }))));

    const appending = fakeTemplate();
    await new DeadLetterPublishingRecoverer(appending, { logger: silentLogger }).accept(record(again), failure(new Error('second')));
    expect(values(appending.sent[0]!, KafkaHeaders.DLT_ORIGINAL_TOPIC)).toEqual(['orders', 'orders']);
    expect(values(appending.sent[0]!, KafkaHeaders.DLT_EXCEPTION_MESSAGE)).toEqual(['Listener failed; second']);

    const keeping = fakeTemplate();
    await new DeadLetterPublishingRecoverer(keeping, { appendOriginalHeaders: false, stripPreviousExceptionHeaders: false, logger: silentLogger }).accept(record(again), failure(new Error('second')));
    expect(values(keeping.sent[0]!, KafkaHeaders.DLT_ORIGINAL_TOPIC)).toEqual(['orders']);
    expect(values(keeping.sent[0]!, KafkaHeaders.DLT_EXCEPTION_MESSAGE)).toEqual(['Listener failed; first', 'Listener failed; second']);
  });

  test('excluded headers, extra headers (single ones replace), a custom destination, the timestamp not copied', async () => {
    const template = fakeTemplate({ partitions: 4 });
    const recoverer = new DeadLetterPublishingRecoverer(template, (r) => ({ topic: `${r.topic}.parking`, partition: 3 }), { logger: silentLogger })
      .excludeHeader(HeadersToAdd.EX_STACKTRACE, HeadersToAdd.GROUP)
      .addHeadersFunction(() => [{ key: 'x-reason', value: Buffer.from('audit') }])
      .addHeadersFunction(() => [{ key: 'x-tenant', value: Buffer.from('acme'), single: true }]);
    await recoverer.accept(record(new RecordHeaders([{ key: 'x-tenant', value: Buffer.from('old') }])), failure());
    const [sent] = template.sent;
    expect([sent!.topic, sent!.partition]).toEqual(['orders.parking', 3]);
    expect(sent!.headers[KafkaHeaders.DLT_EXCEPTION_STACKTRACE]).toBeUndefined();
    expect(sent!.headers[KafkaHeaders.DLT_ORIGINAL_CONSUMER_GROUP]).toBeUndefined();
    expect(values(sent!, 'x-reason')).toEqual(['audit']);
    expect(values(sent!, 'x-tenant')).toEqual(['acme']);
    expect((sent!.headers[KafkaHeaders.DLT_ORIGINAL_TIMESTAMP] as Buffer).readBigInt64BE(0)).toBe(1_700_000_000_000n);
    expect('timestamp' in sent!).toBe(false);
  });

  test('no destination: skipped with a warning, or thrown; a fatal failure is not routed back to its own topic', async () => {
    const template = fakeTemplate();
    await new DeadLetterPublishingRecoverer(template, () => null, { logger: silentLogger }).accept(record(), failure());
    expect(template.sent).toEqual([]);
    await expect(new DeadLetterPublishingRecoverer(template, () => null, { throwIfNoDestinationReturned: true, logger: silentLogger }).accept(record(), failure())).rejects.toThrow(/No destination/);
    const sameTopic = new DeadLetterPublishingRecoverer(template, (r) => ({ topic: r.topic }), { logger: silentLogger });
    await sameTopic.accept(record(), failure(new MessageConversionException('bad')));
    expect(template.sent).toEqual([]);
    await sameTopic.accept(record(), failure(new Error('transient')));
    expect(template.sent).toHaveLength(1);
  });

  test("a partition the topic doesn't have goes to the producer's choice; a failing send throws (so the record is retried)", async () => {
    const template = fakeTemplate({ partitions: 1 });
    await new DeadLetterPublishingRecoverer(template, () => ({ topic: 'small-dlt', partition: 5 }), { logger: silentLogger }).accept(record(), failure());
    expect(template.sent.map((s) => s.partition)).toEqual([undefined]);
    expect(template.lookups).toEqual(['small-dlt']);
    await expect(new DeadLetterPublishingRecoverer(template, () => ({ topic: 'small-dlt', partition: 5 }), { verifyPartition: false, logger: silentLogger }).accept(record(), failure())).rejects.toThrow(/does not exist/);
    expect(template.lookups).toEqual(['small-dlt']);
    // No answer about the partitions (the lookup fails, or takes longer than partitionInfoTimeout): the partition is kept as resolved.
    const asked: (number | undefined)[] = [];
    const answer = async (topic: string, message: { partition?: number }) => {
      asked.push(message.partition);
      return [{ topicName: topic, partition: message.partition ?? 0, errorCode: 0, baseOffset: '0' }];
    };
    await new DeadLetterPublishingRecoverer(bytesOnlyOperations(answer), () => ({ topic: 'small-dlt', partition: 5 }), { logger: silentLogger }).accept(record(), failure());
    const neverAnswers = bytesOnlyOperations(answer, () => new Promise<never>(() => undefined));
    await new DeadLetterPublishingRecoverer(neverAnswers, () => ({ topic: 'small-dlt', partition: 5 }), { partitionInfoTimeout: 50, logger: silentLogger }).accept(record(), failure());
    expect(asked).toEqual([5, 5]);
    const failing = fakeTemplate({ fail: new Error('broker unreachable') });
    await expect(new DeadLetterPublishingRecoverer(failing, { logger: silentLogger }).accept(record(), failure())).rejects.toThrow('Dead-letter publication to orders-dlt failed for: orders-0@7: broker unreachable');
  });
});
