import { Partitioners, type CompressionTypes, type KafkaConfig, type Message, type Producer, type ProducerConfig, type RecordMetadata as KafkaJsRecordMetadata, type TopicMessages, type Transaction } from 'kafkajs';
import { KafkaException } from '../kafka-exception.js';
import { defaultLogger, type Logger } from '../support/logger.js';
import { JsonSerializer } from '../support/serializer/json-serializer.js';
import type { Serializer } from '../support/serializer/serializer.js';
import { StringSerializer } from '../support/serializer/string-serializer.js';
import { createKafka, describeBrokers } from './kafka-clients.js';
import { PartitionInfoLookup, type PartitionInfo } from './partition-info.js';
import { RecordingPartitioner } from './recording-partitioner.js';
import { SharedProducer } from './shared-producer.js';
import type { ProducerInterceptor } from './producer-interceptor.js';

/** Supplies connected producers to templates, as Spring's `ProducerFactory`. */
export abstract class ProducerFactory {
  abstract readonly keySerializer: Serializer;
  abstract readonly valueSerializer: Serializer;
  /** A connected producer; the same one on every call for a non-transactional factory. */
  abstract createProducer(): Promise<Producer>;
  /** Disconnects the producer(s); a later `createProducer()` connects again. */
  abstract close(): Promise<void>;

  /** The transactional id prefix; set, it makes the factory (and its templates) transactional. */
  get transactionIdPrefix(): string | undefined {
    return undefined;
  }

  /** Settings kafkajs takes per send rather than per producer (Kafka's `acks`, `compression.type`). */
  get sendOptions(): ProducerSendOptions {
    return {};
  }

  /**
   * The partition `message` goes to, written onto it (a template groups records by partition
   * before it sends them); undefined when it cannot be known before sending (the topic's
   * metadata is not known yet). Default: the record's own partition, if it names one; a
   * template sends the others one at a time, each partitioned by kafkajs.
   */
  partitionFor(_topic: string, message: Message): number | undefined {
    return message.partition ?? undefined;
  }

  /** The partition's leader as far as the factory knows (undefined: unknown); a template's requests group partitions by leader. */
  leaderOf(_topic: string, _partition: number): number | undefined {
    return undefined;
  }

  /**
   * Sends one request of non-transactional records with the shared producer (kafkajs'
   * `sendBatch` with {@link sendOptions}).
   */
  async sendRecords(topicMessages: TopicMessages[]): Promise<KafkaJsRecordMetadata[]> {
    return (await this.createProducer()).sendBatch({ ...this.sendOptions, topicMessages });
  }

  /** The topic's partitions as the cluster describes them (Spring's `partitionsFor`); empty for a topic the cluster does not have. */
  partitionsFor(topic: string): Promise<PartitionInfo[]> {
    return Promise.reject(new KafkaException(`${this.constructor.name} cannot look up the partitions of ${topic}`));
  }

  /** Interceptors of every template on this factory (Kafka's `interceptor.classes`), before the template's own. */
  get producerInterceptors(): readonly ProducerInterceptor[] {
    return [];
  }

  /** Sends one request of a transaction's records (kafkajs' `sendBatch` of the transaction). */
  sendInTransaction(transaction: Transaction, topicMessages: TopicMessages[]): Promise<KafkaJsRecordMetadata[]> {
    return transaction.sendBatch({ topicMessages });
  }

  /** Whether producers take part in transactions (Spring's `ProducerFactory.transactionCapable()`). */
  isTransactional(): boolean {
    return this.transactionIdPrefix !== undefined;
  }

  /**
   * A transactional producer for exclusive use until the lease is released: the one with
   * transactional id `prefix + suffix`, or, without a suffix, a free one of the factory's pool
   * (`prefix + n`). kafkajs runs one transaction at a time per producer, so a lease on an id
   * waits for the previous holder to release it.
   */
  acquireTransactionalProducer(_suffix?: string): Promise<TransactionalProducerLease> {
    return Promise.reject(new KafkaException('The producer factory is not transactional (no transactionIdPrefix)'));
  }
}

/** kafkajs per-send settings: `acks` (-1 = all, 0, 1) and the compression codec. */
export interface ProducerSendOptions {
  readonly acks?: number;
  readonly compression?: CompressionTypes;
}

/** A transactional producer held by one transaction; `release(true)` discards a fenced or failed producer. */
export interface TransactionalProducerLease {
  readonly producer: Producer;
  readonly transactionalId: string;
  release(discard?: boolean): Promise<void>;
}

export interface DefaultKafkaProducerFactoryOptions {
  /** kafkajs client config; KafkaApplication fills it in when absent. */
  kafka?: KafkaConfig;
  /** kafkajs producer settings (retry, idempotent, ...). */
  producerConfig?: ProducerConfig;
  /** Default: StringSerializer. */
  keySerializer?: Serializer;
  /** Default: JsonSerializer (strings and bytes are written as they are). */
  valueSerializer?: Serializer;
  /**
   * Makes the factory transactional, as Spring's `transactionIdPrefix`: transactional producers
   * get the id `prefix + suffix` (a pool counter for `executeInTransaction`, the group, topic and
   * partition for listener containers) and run with `idempotent: true, maxInFlightRequests: 1`.
   */
  transactionIdPrefix?: string;
  /** Kafka's `acks` and `compression.type`, applied to every non-transactional send (kafkajs takes them per send). */
  sendOptions?: ProducerSendOptions;
  /** Kafka's `interceptor.classes`: they see every send of the factory's templates, in order. */
  producerInterceptors?: readonly ProducerInterceptor[];
  /** How long `partitionsFor` reuses a topic's partitions before it asks the cluster again (default 5000 ms). */
  partitionInfoMaxAge?: number;
  logger?: Logger;
}

/**
 * One shared kafkajs producer, connected on first use, as Spring's
 * `DefaultKafkaProducerFactory`. The partitioner defaults to kafkajs' `DefaultPartitioner`,
 * which places keys like the Java client (murmur2), so Spring and Streamwright producers
 * agree on partitions.
 */
export class DefaultKafkaProducerFactory extends ProducerFactory {
  readonly keySerializer: Serializer;
  readonly valueSerializer: Serializer;
  private kafkaConfig: KafkaConfig | undefined;
  private logger: Logger;
  /** The partitioner of the non-transactional producers, with the topics' metadata as kafkajs last showed it. */
  private readonly partitioner: RecordingPartitioner;
  private readonly shared: SharedProducer;
  private prefix: string | undefined;
  /** Transactional producers by suffix, with the lease chain that serializes their transactions. */
  private readonly transactional = new Map<string, { producer: Promise<Producer>; queue: Promise<void>; holders: number }>();
  /** Pool suffixes (for producer-initiated transactions) not leased right now. */
  private readonly freePool: string[] = [];
  private poolSize = 0;
  /** `partitionsFor`: an admin client connected on the first lookup, with a short per-topic cache. */
  private readonly partitionInfos: PartitionInfoLookup;

  constructor(private readonly options: DefaultKafkaProducerFactoryOptions = {}) {
    super();
    this.prefix = options.transactionIdPrefix;
    this.kafkaConfig = options.kafka;
    this.logger = options.logger ?? defaultLogger();
    this.keySerializer = options.keySerializer ?? new StringSerializer();
    this.valueSerializer = options.valueSerializer ?? new JsonSerializer();
    this.partitioner = new RecordingPartitioner(options.producerConfig?.createPartitioner ?? Partitioners.DefaultPartitioner);
    this.shared = new SharedProducer(() => this.connect(), options.producerConfig?.idempotent === true, this.partitioner, () => this.logger);
    this.partitionInfos = new PartitionInfoLookup(() => this.kafkaConfig, () => this.logger, options.partitionInfoMaxAge);
  }

  applyDefaults(kafka: KafkaConfig, logger: Logger): void {
    this.kafkaConfig ??= kafka;
    this.logger = logger;
  }

  override get transactionIdPrefix(): string | undefined {
    return this.prefix;
  }

  override get sendOptions(): ProducerSendOptions {
    return this.options.sendOptions ?? {};
  }

  override get producerInterceptors(): readonly ProducerInterceptor[] {
    return this.options.producerInterceptors ?? [];
  }

  /** Sets the prefix (KafkaApplication's `producer.transactionIdPrefix`); only before the first transaction. */
  setTransactionIdPrefix(prefix: string | undefined): void {
    if (this.transactional.size > 0) throw new KafkaException('transactionIdPrefix cannot change once transactional producers exist');
    this.prefix = prefix === '' ? undefined : prefix;
  }

  /**
   * The shared non-transactional producer. An idempotent one is replaced after a send that may
   * have reached the log without kafkajs knowing (see `SharedProducer`), so hold on to it only
   * for the work at hand.
   */
  createProducer(): Promise<Producer> {
    return this.shared.get();
  }

  override partitionFor(topic: string, message: Message): number | undefined {
    return this.partitioner.partition(topic, message);
  }

  override leaderOf(topic: string, partition: number): number | undefined {
    return this.partitioner.leaderOf(topic, partition);
  }

  /** Looked up with an admin client on the factory's Kafka config; kept per topic for `partitionInfoMaxAge` ms. */
  override partitionsFor(topic: string): Promise<PartitionInfo[]> {
    return this.partitionInfos.partitionsFor(topic);
  }

  override sendRecords(topicMessages: TopicMessages[]): Promise<KafkaJsRecordMetadata[]> {
    return this.shared.send(topicMessages, this.sendOptions);
  }

  override sendInTransaction(transaction: Transaction, topicMessages: TopicMessages[]): Promise<KafkaJsRecordMetadata[]> {
    // As the shared producer's requests: the partitioner sees to it that each attempt goes to one broker.
    if (topicMessages.length === 1 && topicMessages[0]!.messages.length > 0) this.partitioner.track(topicMessages[0]!.messages);
    return transaction.sendBatch({ topicMessages });
  }

  override async acquireTransactionalProducer(suffix?: string): Promise<TransactionalProducerLease> {
    const prefix = this.prefix;
    if (prefix === undefined) return super.acquireTransactionalProducer(suffix);
    const pooled = suffix === undefined;
    const id = suffix ?? this.freePool.pop() ?? String(this.poolSize++);
    let entry = this.transactional.get(id);
    if (!entry) {
      entry = { producer: this.connect(prefix + id), queue: Promise.resolve(), holders: 0 };
      this.transactional.set(id, entry);
    }
    // Leases of one id run one after another.
    const previous = entry.queue;
    let unlock!: () => void;
    entry.queue = new Promise<void>((resolve) => (unlock = resolve));
    entry.holders++;
    await previous;
    const current = entry;
    let producer: Producer;
    try {
      producer = await current.producer;
    } catch (error) {
      if (this.transactional.get(id) === current) this.transactional.delete(id);
      current.holders--;
      unlock();
      if (pooled) this.freePool.push(id);
      throw error;
    }
    let released = false;
    return {
      producer,
      transactionalId: prefix + id,
      release: async (discard = false) => {
        if (released) return;
        released = true;
        current.holders--;
        if (discard && this.transactional.get(id) === current) {
          // A fenced or broken producer: the next lease of the id connects (and initializes) a new one.
          this.transactional.delete(id);
          await producer.disconnect().catch((error) => this.logger.debug(`Disconnect of transactional producer ${prefix + id} failed: ${messageOf(error)}`));
        }
        unlock();
        if (pooled) this.freePool.push(id);
      },
    };
  }

  async close(): Promise<void> {
    const pending = [...this.transactional.values()].map((e) => e.producer);
    this.transactional.clear();
    this.freePool.length = 0;
    this.poolSize = 0;
    await this.shared.close();
    await this.partitionInfos.close();
    for (const promise of pending) {
      const producer = await promise.catch(() => undefined);
      await producer?.disconnect().catch((error) => this.logger.warn('Producer disconnect failed', error));
    }
  }

  private async connect(transactionalId?: string): Promise<Producer> {
    const config = this.kafkaConfig;
    if (!config) throw new KafkaException('The producer factory has no Kafka client config (kafka.brokers)');
    const producer = createKafka(config, this.logger).producer({
      ...this.options.producerConfig,
      // One partitioner for all: it knows the topics' leaders, by which a template groups records, transactional or not.
      createPartitioner: this.partitioner.factory,
      // kafkajs needs these for transactions (one request in flight keeps the sequence in order).
      ...(transactionalId === undefined ? {} : { transactionalId, idempotent: true, maxInFlightRequests: 1 }),
    });
    try {
      await producer.connect();
      return producer;
    } catch (error) {
      throw new KafkaException(`Producer could not connect to ${describeBrokers(config)}: ${messageOf(error)}`, { cause: error });
    }
  }
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
