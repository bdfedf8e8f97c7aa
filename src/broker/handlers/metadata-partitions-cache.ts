import { preEncodeResponseArray } from '../../protocol/codec.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKeys, type MetadataResponse } from '../../protocol/generated/messages.js';
import type { PreEncoded } from '../../protocol/schema/field-codec.js';
import type { MessageInput } from '../../protocol/input.js';
import type { TopicMetadata } from '../cluster/cluster-metadata.js';
import type { MetadataRevisions } from '../cluster/metadata-view.js';

export type PartitionResponse = MessageInput<MetadataResponse['topics'][number]['partitions'][number]>;


interface Entry {
  readonly topicRevision: number;
  readonly brokersRevision: number;
  readonly partitions: readonly PartitionResponse[];
  /** The partitions as each Metadata version encodes them, made on first use. */
  readonly encoded: Map<number, PreEncoded>;
}

/**
 * The partitions part of a topic's Metadata answer, built (and encoded, per version) once from the image and reused until
 * the image changes the topic (leaders, epochs, ISRs, partitions) or the live brokers (a
 * partition's error and offline replicas). Nothing in it depends on who asks: authorization and
 * authorized operations stay per request. Keyed by the image's topic object, so a replaced or
 * deleted topic's entry goes with it.
 */
export class MetadataPartitionsCache {
  private readonly entries = new WeakMap<TopicMetadata, Entry>();

  constructor(
    private readonly image: MetadataRevisions,
    private readonly isLive: (nodeId: number) => boolean,
  ) {}

  /** The partitions of `topic`, a topic of the image (never of another broker's or the controller's state). */
  /** The partitions of `topic` encoded for Metadata `version`: the response copies the bytes. */
  encodedPartitions(topic: TopicMetadata, version: number): PreEncoded {
    const entry = this.entry(topic);
    let encoded = entry.encoded.get(version);
    if (encoded === undefined) {
      encoded = preEncodeResponseArray(ApiKeys.Metadata, version, ['topics', 'partitions'], entry.partitions);
      entry.encoded.set(version, encoded);
    }
    return encoded;
  }

  private entry(topic: TopicMetadata): Entry {
    const topicRevision = this.image.topicRevision(topic.name);
    const brokersRevision = this.image.brokersRevision;
    const cached = this.entries.get(topic);
    if (cached !== undefined && cached.topicRevision === topicRevision && cached.brokersRevision === brokersRevision) return cached;
    const entry: Entry = { topicRevision, brokersRevision, partitions: describePartitions(topic, this.isLive), encoded: new Map() };
    this.entries.set(topic, entry);
    return entry;
  }
}

/** The partitions of a topic as Metadata answers them, built afresh. */
export function describePartitions(topic: TopicMetadata, isLive: (nodeId: number) => boolean): PartitionResponse[] {
  const partitions = new Array<PartitionResponse>(topic.partitions.length);
  for (let i = 0; i < topic.partitions.length; i++) {
    const p = topic.partitions[i]!;
    partitions[i] = {
      // A partition without a live leader (replication: its ISR is gone and unclean election is off).
      errorCode: p.leaderId >= 0 && isLive(p.leaderId) ? ErrorCode.NONE : ErrorCode.LEADER_NOT_AVAILABLE,
      partitionIndex: p.partition,
      leaderId: p.leaderId,
      leaderEpoch: p.leaderEpoch,
      replicaNodes: [...p.replicas],
      isrNodes: [...p.isr],
      offlineReplicas: p.replicas.filter((id) => !isLive(id)),
    };
  }
  return partitions;
}
