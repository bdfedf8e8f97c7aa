import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKeys } from '../../protocol/generated/messages.js';
import { tpKey, type TopicPartition } from '../coordinator/transaction/transaction-metadata.js';
import { AclOperation, ResourceType } from '../security/authorizer/acl-binding.js';
import type { HandlerDeps } from './handler-deps.js';
import { apiHandler, type RequestContext } from './api-handler.js';
import { fencedErrorFor } from './txn-errors.js';

type Deps = Pick<HandlerDeps, 'metadata' | 'transactions' | 'auth'>;

interface TxnTopics {
  transactionalId: string;
  producerId: bigint;
  producerEpoch: number;
  verifyOnly: boolean;
  topics: ReadonlyArray<{ name: string; partitions: readonly number[] }>;
}

type TopicResults = Array<{ name: string; resultsByPartition: Array<{ partitionIndex: number; partitionErrorCode: number }> }>;

/**
 * One transaction's partitions: unknown partitions fail with UNKNOWN_TOPIC_OR_PARTITION and
 * then nothing is added (the others get OPERATION_NOT_ATTEMPTED), as Kafka does. Adding
 * answers once the coordinator's ISR has the new state.
 */
async function addPartitions(deps: Deps, txn: TxnTopics, apiVersion: number, context: RequestContext): Promise<TopicResults> {
  const exists = (topic: string, partition: number) => partition >= 0 && partition < (deps.metadata.topic(topic)?.partitions.length ?? 0);
  const partitions: TopicPartition[] = txn.topics.flatMap((t) => t.partitions.map((partition) => ({ topic: t.name, partition })));
  const unknown = partitions.some((tp) => !exists(tp.topic, tp.partition));
  const mayWrite = (topic: string) => deps.auth.allows(context, AclOperation.WRITE, ResourceType.TOPIC, topic);
  let codeOf: (tp: TopicPartition) => number;
  if (!deps.auth.allows(context, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, txn.transactionalId)) {
    codeOf = () => ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
  } else if (partitions.some((tp) => !mayWrite(tp.topic))) {
    codeOf = (tp) => (mayWrite(tp.topic) ? ErrorCode.OPERATION_NOT_ATTEMPTED : ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  } else if (unknown) {
    codeOf = (tp) => (exists(tp.topic, tp.partition) ? ErrorCode.OPERATION_NOT_ATTEMPTED : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  } else if (txn.verifyOnly) {
    const verified = deps.transactions.verifyPartitionsInTransaction(txn.transactionalId, Number(txn.producerId), txn.producerEpoch, partitions);
    codeOf = (tp) => verified.get(tpKey(tp))!;
  } else {
    const error = await deps.transactions.addPartitionsToTransaction(txn.transactionalId, Number(txn.producerId), txn.producerEpoch, partitions);
    codeOf = () => error;
  }
  return txn.topics.map((t) => ({
    name: t.name,
    resultsByPartition: t.partitions.map((partition) => ({ partitionIndex: partition, partitionErrorCode: fencedErrorFor(codeOf({ topic: t.name, partition }), apiVersion, 2) })),
  }));
}

/**
 * AddPartitionsToTxn v0-v5: clients (v0-v3) add the partitions they are about to produce to;
 * v4+ batches several transactions and can only verify (verify_only), as brokers use it
 * before a transaction's first write to a partition (KIP-890).
 */
export function addPartitionsToTxnHandler(deps: Deps) {
  return apiHandler({
    apiKey: ApiKeys.AddPartitionsToTxn,
    minVersion: 0,
    maxVersion: 5,
    async handle(request, context) {
      const version = context.header.apiVersion;
      if (version < 4) {
        const txn = { transactionalId: request.v3AndBelowTransactionalId, producerId: request.v3AndBelowProducerId, producerEpoch: request.v3AndBelowProducerEpoch, verifyOnly: false, topics: request.v3AndBelowTopics };
        return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, resultsByTransaction: [], resultsByTopicV3AndBelow: await addPartitions(deps, txn, version, context) };
      }
      const results = await Promise.all(request.transactions.map(async (txn) => ({ transactionalId: txn.transactionalId, topicResults: await addPartitions(deps, txn, version, context) })));
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, resultsByTransaction: results, resultsByTopicV3AndBelow: [] };
    },
  });
}
