/**
 * The kafkajs side of the load: idempotent producers (acks=-1) sending batches over every
 * partition, and a consumer group member committing what it consumed.
 *
 * A kafkajs send that fails after retries may have been stored, and kafkajs would reuse its
 * sequence numbers for the next send: a broker that remembers the failed batch would then
 * answer the next one as its duplicate. So a failed producer is replaced by a new one (a new
 * producer id, a new value prefix), as an application would restart it.
 */
import { Partitioners, type Consumer, type Kafka, type Producer } from 'kafkajs';
import { recordValue, type AckedRecord } from './records.js';

export interface KafkajsProduceLoad {
  readonly acked: AckedRecord[];
  /** Sends that failed (their records are not acknowledged). */
  readonly failedSends: number;
  readonly producersUsed: number;
  stop(): Promise<void>;
}

/**
 * Runs `lanes` producers, each in a loop: one send of `batch` records spread over the
 * partitions, wait for the acknowledgement, repeat, until {@link KafkajsProduceLoad.stop}.
 */
export function startKafkajsProduceLoad(kafka: Kafka, topic: string, partitions: number, prefix: string, lanes: number, batch: number): KafkajsProduceLoad {
  const acked: AckedRecord[] = [];
  let failedSends = 0;
  let producersUsed = 0;
  let stopped = false;
  const newProducer = async (): Promise<{ producer: Producer; name: string }> => {
    const name = `${prefix}.${producersUsed++}`;
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    return { producer, name };
  };
  const lane = async () => {
    let current: { producer: Producer; name: string } | undefined;
    let sequences: number[] = [];
    while (!stopped) {
      if (!current) {
        try {
          current = await newProducer();
          sequences = Array.from({ length: partitions }, () => 0);
        } catch {
          await new Promise((r) => setTimeout(r, 200)); // the broker is down: try again
          continue;
        }
      }
      const messages = Array.from({ length: batch }, (_, i) => {
        const partition = i % partitions;
        return { partition, value: recordValue(current!.name, partition, sequences[partition]!++) };
      });
      try {
        const result = await current.producer.send({ topic, acks: -1, messages });
        for (const meta of result) {
          const base = Number(meta.baseOffset);
          messages.filter((m) => m.partition === meta.partition).forEach((m, i) => acked.push({ partition: m.partition, offset: base + i, value: m.value }));
        }
      } catch {
        failedSends++;
        const failed = current.producer;
        current = undefined;
        await failed.disconnect().catch(() => undefined); // it is being replaced anyway
      }
    }
    await current?.producer.disconnect().catch(() => undefined); // the load is over
  };
  const running = Array.from({ length: lanes }, () => lane());
  return {
    acked,
    get failedSends() {
      return failedSends;
    },
    get producersUsed() {
      return producersUsed;
    },
    async stop() {
      stopped = true;
      await Promise.all(running);
    },
  };
}

export interface CommittingConsumer {
  /** Per partition, the highest offset whose commit the broker acknowledged. */
  readonly committed: Map<number, number>;
  /** Records delivered at an offset below an acknowledged commit: the group went back past it. */
  readonly rewinds: Array<{ partition: number; offset: number; committed: number }>;
  readonly consumed: () => number;
  stop(): Promise<void>;
}

/**
 * One member of `group`, committing the next offset after every batch it processed
 * (autoCommit off). A commit counts as acknowledged when kafkajs reports the OffsetCommit
 * response (its COMMIT_OFFSETS event): `commitOffsets()` itself also resolves when it sent
 * nothing, e.g. while the consumer restarts after losing the broker.
 */
export async function startCommittingConsumer(kafka: Kafka, topic: string, group: string): Promise<CommittingConsumer> {
  const committed = new Map<number, number>();
  const rewinds: CommittingConsumer['rewinds'] = [];
  let consumed = 0;
  const consumer: Consumer = kafka.consumer({ groupId: group, sessionTimeout: 10_000, rebalanceTimeout: 10_000, heartbeatInterval: 1_000, maxWaitTimeInMs: 200, retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 1_000 } });
  consumer.on(consumer.events.COMMIT_OFFSETS, ({ payload }) => {
    for (const t of payload.topics) {
      if (t.topic !== topic) continue;
      for (const p of t.partitions) committed.set(p.partition, Math.max(Number(p.offset), committed.get(p.partition) ?? 0));
    }
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      if (batch.messages.length === 0) return;
      const partition = batch.partition;
      const first = Number(batch.messages[0]!.offset);
      const known = committed.get(partition);
      if (known !== undefined && first < known) rewinds.push({ partition, offset: first, committed: known });
      consumed += batch.messages.length;
      const next = Number(batch.messages.at(-1)!.offset) + 1;
      await consumer.commitOffsets([{ topic, partition, offset: String(next) }]).catch(() => undefined); // a failed commit is not acknowledged: nothing to check
    },
  });
  return {
    committed,
    rewinds,
    consumed: () => consumed,
    stop: () => consumer.disconnect(),
  };
}
