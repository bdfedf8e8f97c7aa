import type { Consumer } from 'kafkajs';
import { topicPartitionKey, type TopicPartition } from '../support/topic-partition.js';

/** What the pause state drives: the container's kafkajs consumer and its topics. */
export interface PauseTarget {
  /** The kafkajs consumer while the container runs (or starts); undefined otherwise. */
  runningConsumer(): Consumer | undefined;
  /** Every topic the container reads: the configured ones and those of its assignment. */
  topics(): string[];
  /** Pauses single partitions (the container's `ContainerConsumer`, which logs what kafkajs refuses). */
  pausePartitions(partitions: readonly TopicPartition[]): void;
}

/**
 * Why a container's partitions are paused, and the kafkajs pause state that follows from it.
 * Every partition pauses for `pause()`, a nack's sleep or a framework hold (an open circuit
 * breaker); single partitions for `pausePartition()` and for error-handler or retry-topic
 * back-offs. Whenever a reason comes or goes the whole state is applied to kafkajs again,
 * which also happens after each group join (kafkajs forgets pauses of revoked partitions).
 */
export class ContainerPauseState {
  private pauseRequested = false;
  private readonly pausedPartitions = new Map<string, TopicPartition>();
  private nackPausedUntil = 0;
  private nackTimer: NodeJS.Timeout | undefined;
  /** Partitions waiting out an error-handler back-off or a retry-topic due time (issue 6). */
  private readonly backOffs = new Map<string, { partition: TopicPartition; until: number; timer: NodeJS.Timeout }>();
  /** Framework reasons to pause every partition (the circuit breaker), apart from pause()/resume(). */
  private readonly holds = new Set<string>();

  constructor(private readonly target: PauseTarget) {}

  /** `pause()` / `resume()` of the container. */
  setPauseRequested(requested: boolean): void {
    this.pauseRequested = requested;
    this.apply();
  }

  isPauseRequested(): boolean {
    return this.pauseRequested;
  }

  pausePartition(partition: TopicPartition): void {
    this.pausedPartitions.set(topicPartitionKey(partition), { topic: partition.topic, partition: partition.partition });
    this.apply();
  }

  resumePartition(partition: TopicPartition): void {
    this.pausedPartitions.delete(topicPartitionKey(partition));
    this.apply();
  }

  isPartitionPauseRequested(partition: TopicPartition): boolean {
    return this.pausedPartitions.has(topicPartitionKey(partition));
  }

  /** Pauses a partition until `until` (epoch ms); the consumer keeps heartbeating and fetching the others. */
  backOffPartition(partition: TopicPartition, until: number): void {
    const key = topicPartitionKey(partition);
    clearTimeout(this.backOffs.get(key)?.timer);
    const timer = setTimeout(() => {
      if (this.backOffs.get(key)?.timer !== timer) return;
      this.backOffs.delete(key);
      this.apply();
    }, Math.max(0, until - Date.now()));
    this.backOffs.set(key, { partition: { topic: partition.topic, partition: partition.partition }, until, timer });
    this.apply();
  }

  isPartitionBackingOff(partition: TopicPartition): boolean {
    return this.backOffs.has(topicPartitionKey(partition));
  }

  /** Pauses (held) or resumes (released) every partition for a framework reason. */
  setHold(reason: string, held: boolean): void {
    if (held === this.holds.has(reason)) return;
    if (held) this.holds.add(reason);
    else this.holds.delete(reason);
    this.apply();
  }

  /** A nack: every assigned partition pauses for `sleep` ms; `onResumed` runs when the sleep ends. */
  pauseForNack(sleep: number, onResumed?: () => void): void {
    this.nackPausedUntil = Date.now() + sleep;
    this.apply();
    clearTimeout(this.nackTimer);
    this.nackTimer = setTimeout(() => {
      this.nackPausedUntil = 0;
      this.apply();
      onResumed?.();
    }, sleep);
  }

  isNackPaused(): boolean {
    return this.nackPausedUntil > Date.now();
  }

  /** Whether every partition is paused on purpose: `pause()`, a nack's sleep or a framework hold. */
  isPausedEntirely(): boolean {
    return this.pauseRequested || this.isNackPaused() || this.holds.size > 0;
  }

  /** Applies the state to kafkajs: everything paused, or everything resumed but the single partitions. */
  apply(): void {
    const consumer = this.target.runningConsumer();
    if (!consumer) return;
    const topics = [...new Set(this.target.topics())].map((topic) => ({ topic }));
    try {
      if (this.isPausedEntirely()) {
        consumer.pause(topics);
        return;
      }
      consumer.resume(topics);
      const partitions = [...this.pausedPartitions.values(), ...[...this.backOffs.values()].map((b) => b.partition)];
      if (partitions.length > 0) this.target.pausePartitions(partitions);
    } catch {
      // Not running yet: the state is applied again when the group is joined.
    }
  }

  /** The consumer is shutting down: timers stop, nack sleeps, back-offs and holds end (pause requests stay). */
  clear(): void {
    clearTimeout(this.nackTimer);
    this.nackPausedUntil = 0;
    for (const { timer } of this.backOffs.values()) clearTimeout(timer);
    this.backOffs.clear();
    this.holds.clear();
  }
}
