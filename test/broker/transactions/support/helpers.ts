// Shared by the transaction tests: kafkajs clients against the embedded broker, a consumer
// that collects what it sees, raw Fetch/ListOffsets through the project's codec, and polling.
import { Kafka, logLevel, type Consumer, type KafkaConfig } from 'kafkajs';
import { ApiKeys } from '../../../../src/protocol/generated/messages.js';
import { absoluteRecords, decodeRecordBatchesSync } from '../../../../src/protocol/records/index.js';
import type { KafkaConnection } from '../../../../src/client/kafka-connection.js';

export function kafkaClient(bootstrap: string, extra: Partial<KafkaConfig> = {}): Kafka {
  return new Kafka({
    clientId: 'txn-test',
    brokers: [bootstrap],
    logLevel: logLevel.NOTHING,
    retry: { initialRetryTime: 100, maxRetryTime: 1000, retries: 10 },
    ...extra,
  });
}


export interface Seen {
  partition: number;
  offset: number;
  key: string | null;
  value: string | null;
}

/**
 * Runs a kafkajs consumer (read_committed unless `readUncommitted`) from the beginning of
 * `topic` until `done` holds for what it saw, then stops it. The consumer reads in offset
 * order per partition, so a record that comes after another one proves the earlier one was
 * (or was not) delivered.
 */
export async function consumeUntil(kafka: Kafka, topic: string, done: (seen: Seen[]) => boolean, options: { readUncommitted?: boolean; groupId?: string; timeoutMs?: number } = {}): Promise<Seen[]> {
  const consumer: Consumer = kafka.consumer({
    groupId: options.groupId ?? `reader-${topic}-${Math.random().toString(36).slice(2)}`,
    readUncommitted: options.readUncommitted ?? false,
    maxWaitTimeInMs: 200,
    sessionTimeout: 10_000,
    heartbeatInterval: 1000,
  });
  const seen: Seen[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        seen.push({ partition, offset: Number(message.offset), key: message.key?.toString() ?? null, value: message.value?.toString() ?? null });
        if (done(seen)) finish();
      },
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`consumer saw ${JSON.stringify(seen)} only`)), options.timeoutMs ?? 30_000)));
    try {
      await Promise.race([finished, timeout]);
    } finally {
      clearTimeout(timer);
    }
    return seen;
  } finally {
    await consumer.disconnect();
  }
}

export interface RawFetch {
  errorCode: number;
  highWatermark: number;
  lastStableOffset: number;
  abortedTransactions: Array<{ producerId: number; firstOffset: number }> | null;
  batches: Array<{ baseOffset: number; isControl: boolean; isTransactional: boolean; producerId: number; values: Array<string | null>; offsets: number[] }>;
}

async function fetchOnce(client: KafkaConnection, topic: string, partition: number, offset: number, isolationLevel: 0 | 1) {
  const response = await client.request(ApiKeys.Fetch, 11, {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 10 * 1024 * 1024,
    isolationLevel,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic, topicId: '00000000-0000-0000-0000-000000000000', partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset: BigInt(offset), lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 10 * 1024 * 1024 }] }],
    forgottenTopicsData: [],
    rackId: '',
  });
  return response.responses[0]!.partitions[0]!;
}

/**
 * Fetch v11 of a partition from `offset` with the given isolation level (0 / 1), repeated
 * as a consumer would until it reaches the LSO (read_committed) or the high watermark (a
 * fetch stops at the end of a segment). The aborted transactions of all responses are
 * concatenated (null when the broker sent null).
 */
export async function rawFetch(client: KafkaConnection, topic: string, partition: number, offset: number, isolationLevel: 0 | 1): Promise<RawFetch> {
  const out: RawFetch = { errorCode: 0, highWatermark: -1, lastStableOffset: -1, abortedTransactions: null, batches: [] };
  for (let next = offset; ; ) {
    const p = await fetchOnce(client, topic, partition, next, isolationLevel);
    out.errorCode = p.errorCode;
    out.highWatermark = Number(p.highWatermark);
    out.lastStableOffset = Number(p.lastStableOffset);
    if (p.abortedTransactions !== null) {
      out.abortedTransactions ??= [];
      for (const a of p.abortedTransactions) {
        if (!out.abortedTransactions.some((x) => x.firstOffset === Number(a.firstOffset))) out.abortedTransactions.push({ producerId: Number(a.producerId), firstOffset: Number(a.firstOffset) });
      }
    }
    const decoded = decodeRecordBatchesSync(p.records ?? Buffer.alloc(0)).filter((b) => Number(b.baseOffset) + b.lastOffsetDelta >= next);
    for (const b of decoded) {
      const records = absoluteRecords(b);
      out.batches.push({
        baseOffset: Number(b.baseOffset),
        isControl: b.isControl,
        isTransactional: b.isTransactional,
        producerId: Number(b.producerId),
        values: records.map((r) => r.value?.toString() ?? null),
        offsets: records.map((r) => Number(r.offset)),
      });
      next = Number(b.baseOffset) + b.lastOffsetDelta + 1;
    }
    const bound = isolationLevel === 1 ? out.lastStableOffset : out.highWatermark;
    if (p.errorCode !== 0 || decoded.length === 0 || next >= bound) return out;
  }
}

/** ListOffsets v3 LATEST with the given isolation level. */
export async function latestOffset(client: KafkaConnection, topic: string, partition: number, isolationLevel: 0 | 1): Promise<number> {
  const response = await client.request(ApiKeys.ListOffsets, 3, {
    replicaId: -1,
    isolationLevel,
    topics: [{ name: topic, partitions: [{ partitionIndex: partition, currentLeaderEpoch: -1, timestamp: -1n, maxNumOffsets: 1 }] }],
  });
  return Number(response.topics[0]!.partitions[0]!.offset);
}
