// A bare idempotent/transactional producer for protocol tests: InitProducerId and Produce
// requests through the project's codec, batches with explicit producer id, epoch and sequence.
import { ApiKeys } from '../../../../src/protocol/generated/messages.js';
import { encodeRecordBatchSync } from '../../../../src/protocol/records/index.js';
import type { KafkaConnection } from '../../../../src/client/kafka-connection.js';

export interface ProducerIdentity {
  producerId: bigint;
  producerEpoch: number;
}

export async function initProducerId(client: KafkaConnection, options: { transactionalId?: string | null; timeoutMs?: number; version?: number; producerId?: bigint; producerEpoch?: number } = {}) {
  return client.request(ApiKeys.InitProducerId, options.version ?? 1, {
    transactionalId: options.transactionalId ?? null,
    transactionTimeoutMs: options.timeoutMs ?? 60_000,
    producerId: options.producerId ?? -1n,
    producerEpoch: options.producerEpoch ?? -1,
  });
}

const START = Date.now();

/** A batch of `values` with the producer fields set; the same call twice gives the same bytes (a retry). */
export function batch(producer: ProducerIdentity, baseSequence: number, values: readonly string[], transactional = false): Buffer {
  return encodeRecordBatchSync({
    producerId: producer.producerId,
    producerEpoch: producer.producerEpoch,
    baseSequence,
    transactional,
    // Fixed per call site's content would change the bytes of a retry: one timestamp per process is enough.
    records: values.map((value) => ({ key: null, value, timestamp: START })),
  });
}

/** Produce v7 with acks=-1; resolves with the partition's result. */
export async function produce(client: KafkaConnection, topic: string, partition: number, records: Buffer, transactionalId: string | null = null) {
  const response = await client.request(ApiKeys.Produce, 7, {
    transactionalId,
    acks: -1,
    timeoutMs: 30_000,
    // The codec writes the buffer as it is: a copy keeps the caller's batch reusable for a retry.
    topicData: [{ name: topic, partitionData: [{ index: partition, records: Buffer.from(records) }] }],
  });
  const result = response.responses[0]!.partitionResponses[0]!;
  return { errorCode: result.errorCode, baseOffset: Number(result.baseOffset) };
}
