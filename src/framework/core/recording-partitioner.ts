import type { ICustomPartitioner, Message, PartitionMetadata } from 'kafkajs';
import { KafkaException } from '../kafka-exception.js';

type Partition = ReturnType<ICustomPartitioner>;

/**
 * Thrown (by the partitioner, inside kafkajs, before the produce requests of an attempt are
 * built) when a request meant for one broker would go to several: kafkajs' metadata moved a
 * leader since the request was grouped. `attemptsBefore` 0: nothing of the request was sent.
 */
export class RequestSpansBrokersError extends KafkaException {
  /** kafkajs gives up on the request at once rather than retrying it. */
  readonly retriable = false;

  constructor(readonly attemptsBefore: number) {
    super('The partitions of a produce request no longer share one leader');
  }
}

/** What the partitioner knows of one request of a template: the attempts kafkajs made at it, and their broker. */
export interface RequestTracker {
  /** Attempts that got as far as building produce requests (so may have sent something). */
  readonly attempts: number;
}

interface Tracked {
  attempts: number;
  /** The request's partitions. */
  readonly partitions: readonly number[];
}

/**
 * The partitioner of a factory's non-transactional producers, shared by all of them (a
 * retired producer's successor goes on where it left off). It writes the partition it picks
 * onto the message, so that a retry of the request (which partitions again) keeps the record
 * there and the caller learns where it went; an explicit partition is kept as it is, as in
 * Kafka. It remembers each topic's partition metadata as kafkajs last showed it, so a template
 * can partition a record itself and group records by partition leader before it sends.
 *
 * kafkajs partitions a request's records on every attempt, just before it builds that
 * attempt's produce requests, with its current metadata. For a tracked request the partitioner
 * counts the attempts and makes sure each goes to one broker only: when the leaders of the
 * request's partitions differ, it throws {@link RequestSpansBrokersError} so that nothing of
 * that attempt is sent (kafkajs 2.2.4's retry of a request spanning brokers re-sequences the
 * partitions still in flight on one broker when another failed, which writes them twice).
 */
export class RecordingPartitioner {
  private partitioner: Partition | undefined;
  private readonly metadata = new Map<string, PartitionMetadata[]>();
  private readonly leaders = new WeakMap<PartitionMetadata[], number[]>();
  private readonly tracked = new WeakMap<Message, Tracked>();

  constructor(private readonly create: ICustomPartitioner) {}

  /** What kafkajs' `createPartitioner` option takes: every producer gets this same partitioner. */
  readonly factory: ICustomPartitioner = () => (args) => {
    const { topic, partitionMetadata, message } = args;
    if (this.metadata.get(topic) !== partitionMetadata) this.metadata.set(topic, partitionMetadata);
    let partition = message.partition;
    if (partition === undefined || partition === null) {
      partition = this.inner()(args);
      message.partition = partition;
    }
    const tracked = this.tracked.get(message);
    if (tracked) this.check(tracked, partitionMetadata, partition);
    return partition;
  };

  /**
   * The partition `message` goes to (written onto it), from the topic's metadata as kafkajs
   * last showed it; undefined while this partitioner has not seen the topic.
   */
  partition(topic: string, message: Message): number | undefined {
    if (message.partition !== undefined && message.partition !== null) return message.partition;
    const partitionMetadata = this.metadata.get(topic);
    if (!partitionMetadata || partitionMetadata.length === 0) return undefined;
    const partition = this.inner()({ topic, partitionMetadata, message });
    message.partition = partition;
    return partition;
  }

  /** The partition's leader as kafkajs last showed it (undefined: not known). */
  leaderOf(topic: string, partition: number): number | undefined {
    const partitionMetadata = this.metadata.get(topic);
    return partitionMetadata ? this.leadersOf(partitionMetadata)[partition] : undefined;
  }

  /**
   * Tracks the request of one topic made of `messages` (in this order): kafkajs partitions
   * its first message first on every attempt, when the partitioner counts the attempt and
   * checks that the leaders of all its (pinned) partitions are one broker.
   */
  track(messages: readonly Message[]): RequestTracker {
    const partitions: number[] = [];
    let last: number | undefined;
    for (const { partition } of messages) {
      if (partition === undefined || partition === null || partition === last) continue;
      last = partition;
      if (!partitions.includes(partition)) partitions.push(partition);
    }
    const tracked: Tracked = { attempts: 0, partitions };
    this.tracked.set(messages[0]!, tracked);
    return tracked;
  }

  private check(tracked: Tracked, partitionMetadata: PartitionMetadata[], partition: number): void {
    const leaders = this.leadersOf(partitionMetadata);
    const leader = leaders[partition];
    for (const other of tracked.partitions) {
      if (leaders[other] !== leader) throw new RequestSpansBrokersError(tracked.attempts);
    }
    tracked.attempts++;
  }

  private leadersOf(partitionMetadata: PartitionMetadata[]): number[] {
    let leaders = this.leaders.get(partitionMetadata);
    if (!leaders) {
      leaders = [];
      for (const p of partitionMetadata) leaders[p.partitionId] = p.leader;
      this.leaders.set(partitionMetadata, leaders);
    }
    return leaders;
  }

  private inner(): Partition {
    this.partitioner ??= this.create();
    return this.partitioner;
  }
}
