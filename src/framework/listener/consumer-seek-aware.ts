import type { TopicPartition } from '../support/topic-partition.js';
import { topicPartitionKey } from '../support/topic-partition.js';

/**
 * Positions a consumer, as Spring's `ConsumerSeekCallback`. Each call resolves once the seek
 * is handed to the consumer; the consumer applies it between records (the batch in hand stops
 * after the record being processed and the partition is fetched again from the new offset).
 * Partitions not assigned to this consumer are ignored.
 */
export interface ConsumerSeekCallback {
  /** An absolute offset, or a function of the current position. */
  seek(topic: string, partition: number, offset: number | ((current: number) => number)): Promise<void>;
  seekToBeginning(topic: string, partition: number): Promise<void>;
  seekToBeginning(partitions: readonly TopicPartition[]): Promise<void>;
  seekToEnd(topic: string, partition: number): Promise<void>;
  seekToEnd(partitions: readonly TopicPartition[]): Promise<void>;
  /**
   * `toCurrent`: `offset` from the current position; otherwise a negative `offset` counts back
   * from the end and a positive one forward from the beginning.
   */
  seekRelative(topic: string, partition: number, offset: number, toCurrent: boolean): Promise<void>;
  /** The first record at or after `timestamp` (epoch ms); the end when there is none. */
  seekToTimestamp(topic: string, partition: number, timestamp: number): Promise<void>;
  seekToTimestamp(partitions: readonly TopicPartition[], timestamp: number): Promise<void>;
  getGroupId(): string;
}

/**
 * Implemented by a listener bean (or a hand-built container's message listener) to position its
 * consumers, as Spring's `ConsumerSeekAware`; every method is optional. Positions in the maps
 * are the next offset each partition will be read from. `onPartitionsAssigned` runs before any
 * record of the new assignment reaches the listener, also for manual assignment (after the
 * initial offsets are applied).
 */
export interface ConsumerSeekAware {
  /** Once per consumer when it starts; keep the callback to seek later from elsewhere. */
  registerSeekCallback?(callback: ConsumerSeekCallback): void;
  onPartitionsAssigned?(assignments: ReadonlyMap<TopicPartition, number>, callback: ConsumerSeekCallback): void | Promise<void>;
  onPartitionsRevoked?(partitions: readonly TopicPartition[]): void;
  /** With `idleEventInterval`: when a ListenerContainerIdleEvent is published. */
  onIdleContainer?(assignments: ReadonlyMap<TopicPartition, number>, callback: ConsumerSeekCallback): void | Promise<void>;
  /** When the consumer stops. */
  unregisterSeekCallback?(): void;
}

const SEEK_AWARE_METHODS = ['registerSeekCallback', 'onPartitionsAssigned', 'onPartitionsRevoked', 'onIdleContainer', 'unregisterSeekCallback'] as const;

export function isConsumerSeekAware(value: unknown): value is ConsumerSeekAware {
  return typeof value === 'object' && value !== null && SEEK_AWARE_METHODS.some((method) => typeof (value as Record<string, unknown>)[method] === 'function');
}

/**
 * Keeps each partition's seek callback, as Spring's `AbstractConsumerSeekAware`, so that a bean
 * can reposition all of its consumers from anywhere (an HTTP handler asking every instance to
 * rewind, say): `seekToBeginning()`, `seekToEnd()`, `seekToTimestamp(ts)`. Subclasses that
 * override the callbacks call `super`.
 */
export abstract class AbstractConsumerSeekAware implements ConsumerSeekAware {
  private readonly callbacks = new Map<string, { partition: TopicPartition; callback: ConsumerSeekCallback }>();

  registerSeekCallback(_callback: ConsumerSeekCallback): void {
    // Callbacks are kept per partition once partitions are assigned.
  }

  onPartitionsAssigned(assignments: ReadonlyMap<TopicPartition, number>, callback: ConsumerSeekCallback): void | Promise<void> {
    for (const partition of assignments.keys()) this.callbacks.set(topicPartitionKey(partition), { partition, callback });
  }

  onPartitionsRevoked(partitions: readonly TopicPartition[]): void {
    for (const partition of partitions) this.callbacks.delete(topicPartitionKey(partition));
  }

  onIdleContainer(_assignments: ReadonlyMap<TopicPartition, number>, _callback: ConsumerSeekCallback): void | Promise<void> {
    // Nothing by default.
  }

  unregisterSeekCallback(): void {
    // Partitions are forgotten when they are revoked.
  }

  /** The callback of the consumer that has this partition, if any. */
  getSeekCallbackFor(partition: TopicPartition): ConsumerSeekCallback | undefined {
    return this.callbacks.get(topicPartitionKey(partition))?.callback;
  }

  /** Spring 3.3's form: every callback for the partition (one here: partitions belong to one consumer). */
  getSeekCallbacksFor(partition: TopicPartition): ConsumerSeekCallback[] {
    const callback = this.getSeekCallbackFor(partition);
    return callback ? [callback] : [];
  }

  /** Each callback with the partitions it serves. */
  getCallbacksAndTopics(): Map<ConsumerSeekCallback, TopicPartition[]> {
    const result = new Map<ConsumerSeekCallback, TopicPartition[]>();
    for (const { partition, callback } of this.callbacks.values()) result.set(callback, [...(result.get(callback) ?? []), partition]);
    return result;
  }

  /** Every assigned partition, with its callback. */
  getTopicsAndCallbacks(): Map<TopicPartition, ConsumerSeekCallback> {
    return new Map([...this.callbacks.values()].map(({ partition, callback }) => [partition, callback]));
  }

  /** Rewinds every partition of every consumer of this bean. */
  async seekToBeginning(): Promise<void> {
    await Promise.all([...this.getCallbacksAndTopics()].map(([callback, partitions]) => callback.seekToBeginning(partitions)));
  }

  async seekToEnd(): Promise<void> {
    await Promise.all([...this.getCallbacksAndTopics()].map(([callback, partitions]) => callback.seekToEnd(partitions)));
  }

  async seekToTimestamp(timestamp: number): Promise<void> {
    await Promise.all([...this.getCallbacksAndTopics()].map(([callback, partitions]) => callback.seekToTimestamp(partitions, timestamp)));
  }
}
