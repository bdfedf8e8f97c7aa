import { ErrorCode } from '../../protocol/error-codes.js';
import type { MetadataView } from '../cluster/metadata-view.js';

interface PartitionCommit {
  topic: string;
  partition: number;
}

/** The commits whose partition exists; the others fail on their own with UNKNOWN_TOPIC_OR_PARTITION. */
export function commitsOfKnownPartitions<T extends PartitionCommit>(metadata: Pick<MetadataView, 'topic'>, wanted: readonly T[]): T[] {
  return wanted.filter((o) => o.partition >= 0 && o.partition < (metadata.topic(o.topic)?.partitions.length ?? 0));
}

/**
 * The per-partition answer of OffsetCommit and TxnOffsetCommit: the coordinator's error for
 * each known commit (`results` in the order of `known`), `otherError` for the rest
 * (UNKNOWN_TOPIC_OR_PARTITION unless told otherwise, e.g. an authorization failure).
 */
export function commitResponse<T extends PartitionCommit>(
  topics: ReadonlyArray<{ name: string; partitions: ReadonlyArray<{ partitionIndex: number }> }>,
  wanted: readonly T[],
  known: readonly T[],
  results: readonly number[],
  otherError: (commit: T) => number = () => ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
) {
  const errors = new Map(known.map((o, i) => [o, results[i]!]));
  const errorOf = (commit: T) => errors.get(commit) ?? otherError(commit);
  let i = 0;
  return {
    throttleTimeMs: 0,
    topics: topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: errorOf(wanted[i++]!) })),
    })),
  };
}
