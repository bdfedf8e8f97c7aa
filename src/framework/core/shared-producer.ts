import type { Producer, RecordMetadata as KafkaJsRecordMetadata, TopicMessages } from 'kafkajs';
import type { Logger } from '../support/logger.js';
import type { RecordingPartitioner } from './recording-partitioner.js';
import { provesNothingWritten } from './send-failure.js';

/** One producer of the factory and the requests running on it. */
interface Generation {
  readonly producer: Promise<Producer>;
  requests: number;
  retired: boolean;
}

/** Per-request kafkajs settings (`acks`, `compression`). */
export type RequestOptions = Omit<Parameters<Producer['sendBatch']>[0], 'topicMessages'>;

/**
 * The non-transactional producer a factory shares, connected on first use.
 *
 * kafkajs 2.2.4 advances an idempotent producer's sequence numbers only when a request
 * succeeds. A request that failed on the client (its responses lost, its retries used up) may
 * still have reached the log; the next request of the partition would then reuse its sequence
 * number, and the broker, rightly, answers that one as a duplicate of the stored batch: an
 * acknowledgement for a record that is not stored. So after such a failure the producer is
 * retired: later requests go to a new producer (a new producer id, whose sequences start
 * afresh), and the old one is disconnected once the requests still running on it settle.
 * A failure that proves nothing was written keeps the producer.
 */
export class SharedProducer {
  private current: Generation | undefined;
  private readonly retiring = new Set<Generation>();

  constructor(
    private readonly connect: () => Promise<Producer>,
    private readonly idempotent: boolean,
    private readonly partitioner: RecordingPartitioner,
    private readonly logger: () => Logger,
  ) {}

  /** The current producer (a new one after a retirement or a failed connect). */
  get(): Promise<Producer> {
    return this.generation().producer;
  }

  /** Sends one request with the current producer; see the class comment for what a failure does. */
  async send(topicMessages: TopicMessages[], options: RequestOptions): Promise<KafkaJsRecordMetadata[]> {
    const generation = this.generation();
    generation.requests++;
    // The template's requests carry one topic: the partitioner counts their attempts.
    const attempts = topicMessages.length === 1 && topicMessages[0]!.messages.length > 0 ? this.partitioner.track(topicMessages[0]!.messages) : undefined;
    try {
      const producer = await generation.producer;
      return await producer.sendBatch({ ...options, topicMessages });
    } catch (error) {
      if (this.idempotent && attempts && !provesNothingWritten(error, attempts.attempts)) this.retire(generation, error);
      throw error;
    } finally {
      generation.requests--;
      if (generation.retired && generation.requests === 0) void this.disconnect(generation);
    }
  }

  /** Disconnects every producer, retired or not, at once. */
  async close(): Promise<void> {
    const generations = [...this.retiring, ...(this.current ? [this.current] : [])];
    this.current = undefined;
    this.retiring.clear();
    for (const generation of generations) await this.disconnect(generation);
  }

  private generation(): Generation {
    if (this.current) return this.current;
    const generation: Generation = { producer: this.connect(), requests: 0, retired: false };
    // A failed connect is not kept: the next request connects again.
    generation.producer.catch(() => {
      if (this.current === generation) this.current = undefined;
    });
    this.current = generation;
    return generation;
  }

  private retire(generation: Generation, error: unknown): void {
    if (generation.retired) return;
    generation.retired = true;
    this.retiring.add(generation);
    if (this.current === generation) this.current = undefined;
    this.logger().info(`Replacing the idempotent producer after a send that may have reached the log: ${error instanceof Error ? error.message : String(error)}`);
  }

  private async disconnect(generation: Generation): Promise<void> {
    this.retiring.delete(generation);
    const producer = await generation.producer.catch(() => undefined);
    await producer?.disconnect().catch((error: unknown) => this.logger().warn('Producer disconnect failed', error));
  }
}
