/** Kafka's OffsetFetchResponse.NO_METADATA: what a commit without metadata stores and returns. */
export const NO_METADATA = '';

/** One committed offset of a group (Kafka's OffsetAndMetadata). */
export interface OffsetAndMetadata {
  readonly offset: number;
  /** -1 when the committer did not know it (before OffsetCommit v6). */
  readonly leaderEpoch: number;
  readonly metadata: string;
  readonly commitTimestamp: number;
  /** Only set by OffsetCommit v1-v4 with an explicit retention; null means offsets.retention.minutes applies. */
  readonly expireTimestamp: number | null;
}

export interface TopicPartitionOffset extends OffsetAndMetadata {
  readonly topic: string;
  readonly partition: number;
}

/** Map key of a topic-partition (topic names cannot contain NUL). */
export function topicPartitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}
