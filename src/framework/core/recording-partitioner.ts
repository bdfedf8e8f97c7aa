import type { ICustomPartitioner, Message, PartitionMetadata } from 'kafkajs';

type Partition = ReturnType<ICustomPartitioner>;

/**
 * The partitioner of a factory's non-transactional producers, shared by all of them (a
 * retired producer's successor goes on where it left off). It writes the partition it picks
 * onto the message, so that a retry of the request (which partitions again) keeps the record
 * there and the caller learns where it went; an explicit partition is kept as it is, as in
 * Kafka. It remembers each topic's partition metadata as kafkajs last showed it, so a template
 * can partition a record itself, before it sends, and group records by partition.
 *
 * It also counts the attempts kafkajs made at a request: kafkajs partitions a request's records
 * on every attempt, just before it builds the produce requests of that attempt.
 */
export class RecordingPartitioner {
  private partitioner: Partition | undefined;
  private readonly metadata = new Map<string, PartitionMetadata[]>();
  private readonly tracked = new WeakMap<Message, { attempts: number }>();

  constructor(private readonly create: ICustomPartitioner) {}

  /** What kafkajs' `createPartitioner` option takes: every producer gets this same partitioner. */
  readonly factory: ICustomPartitioner = () => (args) => {
    const { topic, partitionMetadata, message } = args;
    if (this.metadata.get(topic) !== partitionMetadata) this.metadata.set(topic, partitionMetadata);
    const tracked = this.tracked.get(message);
    if (tracked) tracked.attempts++;
    if (message.partition !== undefined && message.partition !== null) return message.partition;
    const partition = this.inner()(args);
    message.partition = partition;
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

  /** Counts the attempts kafkajs makes at the request whose first record is `message`. */
  track(message: Message): { readonly attempts: number } {
    const counter = { attempts: 0 };
    this.tracked.set(message, counter);
    return counter;
  }

  private inner(): Partition {
    this.partitioner ??= this.create();
    return this.partitioner;
  }
}

/**
 * Wraps a partitioner so that the partition it picks is written onto the message (for a
 * transactional producer, whose sends are not grouped by partition beforehand).
 */
export function recordingPartitioner(create: ICustomPartitioner): ICustomPartitioner {
  return () => {
    const partitioner = create();
    return (args) => {
      const partition = partitioner(args);
      args.message.partition = partition;
      return partition;
    };
  };
}
