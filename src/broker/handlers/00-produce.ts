import { ErrorCode, KafkaProtocolError } from '../../protocol/error-codes.js';
import { ApiKeys } from '../../protocol/generated/messages.js';
import {
  CorruptRecordBatchError,
  UnsupportedRecordFormatError,
  decodeRecordBatchSync,
  validateBatches,
  type ValidatedBatch,
} from '../../protocol/records/index.js';
import type { Partition } from '../cluster/partition.js';
import { INTERNAL_TOPICS } from '../cluster/topic-names.js';
import type { KafkaBroker } from '../kafka-broker.js';
import type { TopicSettings } from '../replica-manager.js';
import { NO_RESPONSE, apiHandler } from './api-handler.js';

interface PartitionResult {
  index: number;
  errorCode: number;
  errorMessage: string | null;
  baseOffset: bigint;
  logAppendTimeMs: bigint;
  logStartOffset: bigint;
}

const failure = (index: number, errorCode: number, errorMessage: string | null = null): PartitionResult => ({
  index, errorCode, errorMessage, baseOffset: -1n, logAppendTimeMs: -1n, logStartOffset: -1n,
});

/**
 * Checks a produced records blob the way Kafka's LogValidator does for client writes:
 * complete magic-2 batches with valid CRCs, offsets consistent with record counts, each
 * batch within max.message.bytes, keys present on compacted topics, timestamps in range.
 */
function validate(records: Buffer, settings: TopicSettings, now: number): ValidatedBatch[] {
  const config = settings.log;
  let batches: ValidatedBatch[];
  try {
    batches = validateBatches(records, { clientRules: true });
  } catch (error) {
    if (error instanceof UnsupportedRecordFormatError) throw new KafkaProtocolError(ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT, error.message);
    if (error instanceof CorruptRecordBatchError) {
      throw new KafkaProtocolError(error.reason === 'invalid' ? ErrorCode.INVALID_RECORD : ErrorCode.CORRUPT_MESSAGE, error.message);
    }
    throw error;
  }
  if (batches.length === 0) throw new KafkaProtocolError(ErrorCode.INVALID_RECORD, 'Produce request contains no record batch');
  for (const batch of batches) {
    if (batch.size > config.maxMessageBytes) {
      throw new KafkaProtocolError(ErrorCode.MESSAGE_TOO_LARGE, `The record batch size ${batch.size} bytes exceeds max.message.bytes (${config.maxMessageBytes})`);
    }
    const maxTimestamp = Number(batch.header.maxTimestamp);
    if (config.messageTimestampType === 'CreateTime' && maxTimestamp >= 0) {
      if (now - maxTimestamp > settings.messageTimestampBeforeMaxMs || maxTimestamp - now > settings.messageTimestampAfterMaxMs) {
        throw new KafkaProtocolError(ErrorCode.INVALID_TIMESTAMP, `Timestamp ${maxTimestamp} of the batch is out of range`);
      }
    }
    if (config.cleanupPolicy.includes('compact')) {
      let decoded;
      try {
        decoded = decodeRecordBatchSync(records, batch.position);
      } catch (error) {
        if (error instanceof CorruptRecordBatchError) throw new KafkaProtocolError(ErrorCode.CORRUPT_MESSAGE, error.message);
        throw error;
      }
      if (decoded.records.some((r) => r.key === null)) {
        throw new KafkaProtocolError(ErrorCode.INVALID_RECORD, 'Compacted topic cannot accept message without key');
      }
    }
  }
  return batches;
}

/**
 * Transactional batches must come with the request's transactional id and belong to the
 * producer's open transaction on this partition (the coordinator checks: KIP-890 part 1).
 */
function checkTransactionalWrite(broker: KafkaBroker, transactionalId: string | null, partition: Partition, batches: readonly ValidatedBatch[]): void {
  for (const { header } of batches) {
    if (!header.isTransactional) continue;
    if (transactionalId === null) throw new KafkaProtocolError(ErrorCode.INVALID_TXN_STATE, 'transactional records need the producer\'s transactional id');
    const error = broker.transactionCoordinator.verifyTransactionalWrite(transactionalId, Number(header.producerId), header.producerEpoch, partition.topic, partition.index);
    if (error !== ErrorCode.NONE) throw new KafkaProtocolError(error, `transactional records of producer ${header.producerId} (epoch ${header.producerEpoch}) are not part of an open transaction of ${transactionalId} on ${partition.topic}-${partition.index}`);
  }
}

function appendToPartition(broker: KafkaBroker, partition: Partition, records: Buffer | null, acks: number, transactionalId: string | null): PartitionResult {
  if (records === null) return failure(partition.index, ErrorCode.CORRUPT_MESSAGE, 'null records');
  const settings = partition.settings;
  try {
    const now = broker.now();
    const batches = validate(records, settings, now);
    checkTransactionalWrite(broker, transactionalId, partition, batches);
    if (acks === -1) {
      const isr = broker.metadata.topic(partition.topic)!.partitions[partition.index]!.isr.length;
      if (isr < settings.minInsyncReplicas) {
        throw new KafkaProtocolError(ErrorCode.NOT_ENOUGH_REPLICAS, `The size of the current ISR ${isr} is insufficient to satisfy the min.isr requirement of ${settings.minInsyncReplicas}`);
      }
    }
    // Producer ids, epochs and sequence numbers are checked by the log; a retried batch gets its original offset.
    const info = partition.appendRecordsAsLeader(records, settings.log.messageTimestampType === 'LogAppendTime' ? now : null, 'client');
    return {
      index: partition.index,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      baseOffset: BigInt(info.baseOffset),
      logAppendTimeMs: BigInt(info.logAppendTime),
      logStartOffset: BigInt(info.logStartOffset),
    };
  } catch (error) {
    if (error instanceof KafkaProtocolError) {
      broker.logger.debug(`produce to ${partition.topic}-${partition.index} failed: ${error.message}`);
      return failure(partition.index, error.code, error.message);
    }
    throw error;
  }
}

/**
 * Produce, acks 0, 1 and -1 (acks=0 gets no response). Only magic-2 record batches are
 * stored; v0-2 stay advertised because librdkafka 2.0 enables gzip and snappy only when the
 * broker's range includes v2, and their magic 0/1 message sets are answered with
 * UNSUPPORTED_FOR_MESSAGE_FORMAT. Idempotent and transactional batches go through the
 * partition's producer state (OUT_OF_ORDER_SEQUENCE_NUMBER, INVALID_PRODUCER_EPOCH; a retry
 * of a batch already written gets its original offset and NONE, as modern Kafka answers).
 */
export function produceHandler(broker: KafkaBroker) {
  return apiHandler({
    apiKey: ApiKeys.Produce,
    minVersion: 0,
    maxVersion: 11,
    handle(request) {
      const acks = request.acks;
      const validAcks = acks === 0 || acks === 1 || acks === -1;
      const responses = request.topicData.map((topic) => ({
        name: topic.name,
        partitionResponses: topic.partitionData.map((p) => {
          if (!validAcks) return failure(p.index, ErrorCode.INVALID_REQUIRED_ACKS);
          if (INTERNAL_TOPICS.has(topic.name)) return failure(p.index, ErrorCode.INVALID_TOPIC_EXCEPTION, `Cannot append to internal topic ${topic.name}`);
          const partition = broker.replicaManager.partition(topic.name, p.index);
          if (!partition) return failure(p.index, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'This server does not host this topic-partition.');
          return appendToPartition(broker, partition, p.records, acks, request.transactionalId);
        }),
      }));
      if (acks === 0) return NO_RESPONSE;
      return { responses, throttleTimeMs: 0 };
    },
  });
}
