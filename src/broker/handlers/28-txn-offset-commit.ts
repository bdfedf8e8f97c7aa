import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKeys } from '../../protocol/generated/messages.js';
import { GROUP_METADATA_TOPIC } from '../coordinator/group/group-metadata-manager.js';
import { AclOperation, ResourceType } from '../security/authorizer/acl-binding.js';
import type { HandlerDeps } from './handler-deps.js';
import { apiHandler } from './api-handler.js';
import { commitResponse, commitsOfKnownPartitions } from './offset-commit-results.js';

type Deps = Pick<HandlerDeps, 'groups' | 'metadata' | 'transactions' | 'auth'>;

/**
 * TxnOffsetCommit v0-v4, sent to the group coordinator: offsets committed in the producer's
 * transaction, visible to OffsetFetch once the transaction commits. v3+ carries the
 * consumer's member id and generation, checked like OffsetCommit. The write is verified with
 * the transaction coordinator first (KIP-890), over the wire when that is another broker.
 */
export function txnOffsetCommitHandler(deps: Deps) {
  return apiHandler({
    apiKey: ApiKeys.TxnOffsetCommit,
    minVersion: 0,
    maxVersion: 4,
    handle(request, context) {
      const version = context.header.apiVersion;
      const failAll = (errorCode: number) => ({ throttleTimeMs: 0, topics: request.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })) })) });
      if (!deps.auth.allows(context, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, request.transactionalId)) return failAll(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
      if (!deps.auth.allows(context, AclOperation.READ, ResourceType.GROUP, request.groupId)) return failAll(ErrorCode.GROUP_AUTHORIZATION_FAILED);
      const mayRead = (topic: string) => deps.auth.allows(context, AclOperation.READ, ResourceType.TOPIC, topic);
      const producerId = Number(request.producerId);
      const offsetsPartition = { topic: GROUP_METADATA_TOPIC, partition: deps.groups.groupManager.partitionFor(request.groupId) };
      const write = { producerId, producerEpoch: request.producerEpoch, ...offsetsPartition };
      // A group partition still loading answers first, before any verification, as Kafka's handleTxnCommitOffsets.
      if (deps.groups.validateGroupStatus(request.groupId, true) === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) {
        return { throttleTimeMs: 0, topics: request.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS })) })) };
      }
      return deps.transactions.verification.verifyThen(request.transactionalId, [write], 'txnOffsetCommit', (verificationGuard) => {
        const wanted = request.topics.flatMap((t) =>
          t.partitions.map((p) => ({
            topic: t.name,
            partition: p.partitionIndex,
            offset: Number(p.committedOffset),
            leaderEpoch: p.committedLeaderEpoch,
            metadata: p.committedMetadata,
          })),
        );
        const known = commitsOfKnownPartitions(deps.metadata, wanted.filter((o) => mayRead(o.topic)));
        const results = deps.groups.offsets.commitTransactionalOffsets({
          transactionalId: request.transactionalId,
          groupId: request.groupId,
          producerId,
          producerEpoch: request.producerEpoch,
          generationId: version >= 3 ? request.generationId : -1,
          memberId: version >= 3 ? request.memberId : '',
          groupInstanceId: version >= 3 ? request.groupInstanceId : null,
          offsets: known,
          verificationGuard,
        });
        return commitResponse(request.topics, wanted, known, results, (o) => (mayRead(o.topic) ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.TOPIC_AUTHORIZATION_FAILED));
      });
    },
  });
}
