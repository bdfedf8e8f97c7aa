import { ErrorCode, KafkaProtocolError } from '../../protocol/error-codes.js';
import { ApiKeys, type FetchRequest, type FetchResponse } from '../../protocol/generated/messages.js';
import type { MessageInput } from '../../protocol/input.js';
import type { Partition } from '../cluster/partition.js';
import { partitionKey } from '../delayed-fetch.js';
import { AclOperation, ResourceType } from '../security/authorizer/acl-binding.js';
import type { HandlerDeps } from './handler-deps.js';
import { StorageError } from '../storage/errors.js';
import { apiHandler, type RequestContext } from './api-handler.js';

type Deps = Pick<HandlerDeps, 'context' | 'metadata' | 'replicas' | 'auth'>;

type PartitionData = MessageInput<FetchResponse['responses'][number]['partitions'][number]>;

interface WantedPartition {
  topic: string;
  topicId: string;
  request: FetchRequest['topics'][number]['partitions'][number];
  partition: Partition | undefined;
  /** Set when the topic itself is unknown. */
  topicError?: number;
}

const empty = (index: number, errorCode: number, partition?: Partition): PartitionData => ({
  partitionIndex: index,
  errorCode,
  highWatermark: BigInt(partition?.highWatermark ?? -1),
  lastStableOffset: BigInt(partition?.lastStableOffset ?? -1),
  logStartOffset: BigInt(partition?.logStartOffset ?? -1),
  abortedTransactions: null,
  preferredReadReplica: -1,
  records: null,
});

/**
 * Reads every wanted partition once, within the response's and each partition's byte limits.
 * The first partition with data returns at least one whole batch even when it is larger
 * than the limits (KIP-74), so a consumer can never get stuck behind a big batch.
 */
function readAll(wanted: readonly WantedPartition[], maxBytes: number, isolationLevel: number, replicaId: number): { data: PartitionData[]; bytes: number; hasError: boolean } {
  let budget = maxBytes;
  let bytes = 0;
  let hasError = false;
  const data = wanted.map((w): PartitionData => {
    if (w.topicError !== undefined || !w.partition) {
      hasError = true;
      return empty(w.request.partition, w.topicError ?? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    }
    const partition = w.partition;
    if (!partition.isLeader) {
      hasError = true;
      return empty(w.request.partition, ErrorCode.NOT_LEADER_OR_FOLLOWER, partition);
    }
    const epochError = partition.leaderEpochError(w.request.currentLeaderEpoch);
    if (epochError !== ErrorCode.NONE) {
      hasError = true;
      return empty(w.request.partition, epochError, partition);
    }
    try {
      const limit = Math.max(0, Math.min(w.request.partitionMaxBytes, budget));
      const read = replicaId >= 0
        ? partition.readForFollower(Number(w.request.fetchOffset), limit, bytes === 0)
        : partition.read(Number(w.request.fetchOffset), limit, isolationLevel, bytes === 0);
      bytes += read.records.length;
      budget -= read.records.length;
      return {
        ...empty(w.request.partition, ErrorCode.NONE, partition),
        lastStableOffset: BigInt(read.lastStableOffset),
        abortedTransactions: read.abortedTransactions?.map((t) => ({ producerId: BigInt(t.producerId), firstOffset: BigInt(t.firstOffset) })) ?? null,
        records: read.records,
      };
    } catch (error) {
      // A log deleted under a waiting fetch (DeleteTopics) answers with its storage error.
      const code = error instanceof KafkaProtocolError ? error.code : error instanceof StorageError ? error.errorCode : null;
      if (code === null) throw error;
      hasError = true;
      return empty(w.request.partition, code, partition);
    }
  });
  return { data, bytes, hasError };
}

/** Before v4 a fetch cannot carry magic-2 batches; Kafka without down-conversion refuses it. */
const FIRST_RECORD_BATCH_VERSION = 4;

/**
 * Fetch for consumers and followers (replica id >= 0: in the body up to v14, in ReplicaState
 * from v15). A follower's fetch offset is its log end offset: the leader records it (ISR,
 * high watermark) and serves it everything up to the log end, not just to the high
 * watermark. Only the leader serves fetches (NOT_LEADER_OR_FOLLOWER elsewhere).
 *
 * Answers as soon as min_bytes are there, an error must be reported, or max_wait_ms passes;
 * in between it waits in the purgatory and is woken by appends and high watermark moves.
 * Fetch sessions are declined (session id 0), which KIP-227 allows: clients then keep
 * sending full fetch requests.
 */
export function fetchHandler(deps: Deps) {
  return apiHandler({
    apiKey: ApiKeys.Fetch,
    // v0-3 stay advertised (librdkafka 2.0 checks for v2 before it enables gzip and snappy);
    // their partitions get UNSUPPORTED_VERSION, as from Kafka with message.downconversion.enable=false.
    minVersion: 0,
    maxVersion: 17,
    handle(request, context: RequestContext) {
      const version = context.header.apiVersion;
      if (request.sessionId !== 0 && request.sessionEpoch > 0) {
        return { throttleTimeMs: 0, errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND, sessionId: 0, responses: [] };
      }
      const replicaId = version >= 15 ? request.replicaState.replicaId : request.replicaId;
      const wanted: WantedPartition[] = [];
      // A follower needs CLUSTER_ACTION on the cluster, a consumer READ on each topic.
      const followerAllowed = replicaId < 0 || deps.auth.allows(context, AclOperation.CLUSTER_ACTION, ResourceType.CLUSTER);
      for (const t of request.topics) {
        // v13+ names topics by id only.
        const topic = version >= 13 ? deps.metadata.topicById(t.topicId) : deps.metadata.topic(t.topic);
        const name = topic?.name ?? t.topic;
        const denied = !(replicaId >= 0 ? followerAllowed : deps.auth.allows(context, AclOperation.READ, ResourceType.TOPIC, name));
        for (const p of t.partitions) {
          wanted.push({
            topic: name,
            topicId: t.topicId,
            request: p,
            partition: topic && !denied ? deps.replicas.partition(topic.name, p.partition) : undefined,
            topicError: version < FIRST_RECORD_BATCH_VERSION
              ? ErrorCode.UNSUPPORTED_VERSION
              : version >= 13 && !topic ? ErrorCode.UNKNOWN_TOPIC_ID
              : denied ? ErrorCode.TOPIC_AUTHORIZATION_FAILED
              : topic
                ? (topic.partitions[p.partition] && !deps.replicas.partition(topic.name, p.partition) ? ErrorCode.NOT_LEADER_OR_FOLLOWER : undefined)
                : version >= 13 ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
          });
        }
      }
      const respond = (data: PartitionData[]) => {
        const byTopic = new Map<string, { topic: string; topicId: string; partitions: PartitionData[] }>();
        wanted.forEach((w, i) => {
          const key = version >= 13 ? w.topicId : w.topic;
          let entry = byTopic.get(key);
          if (!entry) byTopic.set(key, (entry = { topic: w.topic, topicId: w.topicId, partitions: [] }));
          entry.partitions.push(data[i]!);
        });
        return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, sessionId: 0, responses: [...byTopic.values()] };
      };

      if (replicaId >= 0) {
        for (const w of wanted) {
          if (w.partition?.isLeader && w.topicError === undefined) {
            w.partition.updateFollowerFetchState(replicaId, Number(w.request.fetchOffset));
            deps.replicas.partitionStateChanged(w.partition);
          }
        }
      }
      // Kafka's fetch.max.bytes: the broker's bound on one response, whatever the client asks.
      const maxBytes = Math.min(request.maxBytes, deps.context.config.int('fetch.max.bytes'));
      const readAllNow = () => readAll(wanted, maxBytes, request.isolationLevel, replicaId);
      if (request.maxWaitMs <= 0 || wanted.length === 0) return respond(readAllNow().data);
      // The purgatory checks at once, then again on every append to these partitions.
      return new Promise((resolve) => {
        deps.replicas.fetchPurgatory.watch(
          {
            tryComplete: () => {
              const attempt = readAllNow();
              if (attempt.bytes < request.minBytes && !attempt.hasError) return false;
              resolve(respond(attempt.data));
              return true;
            },
            forceComplete: () => resolve(respond(readAllNow().data)),
          },
          wanted.map((w) => partitionKey(w.topic, w.request.partition)),
          request.maxWaitMs,
          context.onConnectionClose,
        );
      });
    },
  });
}
