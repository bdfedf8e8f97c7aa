import type { Message as KafkaJsMessage, Producer, RecordMetadata as KafkaJsRecordMetadata } from 'kafkajs';
import { KafkaException } from '../kafka-exception.js';
import { KafkaHeaders } from '../support/kafka-headers.js';
import { Message } from '../support/message.js';
import { ProducerRecord } from '../support/producer-record.js';
import type { SendResult } from '../support/send-result.js';
import { KafkaProducerException } from './kafka-producer-exception.js';
import { KafkaTemplate, type KafkaTemplateOptions } from './kafka-template.js';
import type { PartitionInfo } from './partition-info.js';
import { DefaultKafkaProducerFactory, type DefaultKafkaProducerFactoryOptions, ProducerFactory } from './producer-factory.js';
import type { TransactionOffset } from '../transaction/kafka-resource-holder.js';

/** A topic pattern and the producer its topics are sent with: a factory, or the settings of a new one. */
export type RoutingTemplateRoutes = ReadonlyMap<RegExp, ProducerFactory | DefaultKafkaProducerFactoryOptions> | readonly (readonly [RegExp, ProducerFactory | DefaultKafkaProducerFactoryOptions])[];

interface Route<K, V> {
  readonly pattern: RegExp;
  readonly template: KafkaTemplate<K, V>;
}

/**
 * A template that picks the producer by destination topic, as Spring's `RoutingKafkaTemplate`:
 * the routes are tried in order and the first pattern that matches the WHOLE topic name (as
 * Java's `Pattern.matches`) wins; each route has its own producer (factory), so topics can go
 * out with different serializers, `acks` or compression. `send(...)` and `sendDefault(...)`
 * take every overload of {@link KafkaTemplate}; a topic no pattern matches is refused.
 *
 * As in Spring, transactions are not supported (a transactional factory is refused, and
 * `executeInTransaction` rejects), nor is `execute` (the topic, so the producer, is unknown).
 * Unlike Spring, `flush()` flushes every route.
 */
export class RoutingKafkaTemplate<K = unknown, V = unknown> extends KafkaTemplate<K, V> {
  private readonly routes: readonly Route<K, V>[];

  constructor(routes: RoutingTemplateRoutes, options: Omit<KafkaTemplateOptions<K, V>, 'allowNonTransactional'> = {}) {
    const factories = [...routes].map(([pattern, producer]) => {
      if (!(pattern instanceof RegExp)) throw new KafkaException(`RoutingKafkaTemplate: route keys are RegExps, got ${String(pattern)}`);
      const factory = producer instanceof ProducerFactory ? producer : new DefaultKafkaProducerFactory({ logger: options.logger, ...producer });
      if (factory.isTransactional()) throw new KafkaException(`RoutingKafkaTemplate: transactional factories are not supported (route ${pattern})`);
      return { pattern, factory };
    });
    if (factories.length === 0) throw new KafkaException('RoutingKafkaTemplate needs at least one route');
    super(factories[0]!.factory, options);
    this.routes = factories.map(({ pattern, factory }) => ({ pattern: wholeName(pattern), template: new KafkaTemplate<K, V>(factory, options) }));
  }

  /** The producer factories of the routes, in order (KafkaApplication gives them its client config). */
  get producerFactories(): ProducerFactory[] {
    return [...new Set(this.routes.map((route) => route.template.producerFactory))];
  }

  /** The factory a topic is sent with (Spring's `getProducerFactory(topic)`), or undefined when no route matches. */
  producerFactoryFor(topic: string): ProducerFactory | undefined {
    return this.route(topic)?.template.producerFactory;
  }

  override send(record: ProducerRecord<K, V>): Promise<SendResult<K, V>>;
  override send(message: Message<V>): Promise<SendResult<K, V>>;
  override send(topic: string, value: V): Promise<SendResult<K, V>>;
  override send(topic: string, key: K, value: V): Promise<SendResult<K, V>>;
  override send(topic: string, partition: number | undefined, key: K, value: V): Promise<SendResult<K, V>>;
  override send(topic: string, partition: number | undefined, timestamp: number | undefined, key: K, value: V): Promise<SendResult<K, V>>;
  override send(...args: unknown[]): Promise<SendResult<K, V>> {
    const topic = destinationOf(args, this.defaultTopic);
    // Without a usable topic the first route's template reports the bad arguments as KafkaTemplate does.
    const route = topic === undefined ? this.routes[0] : this.route(topic);
    if (!route) return Promise.reject(new KafkaProducerException(new ProducerRecord<K, V>(topic!, undefined, undefined, undefined, undefined), `No producer factory found for topic: ${topic}`));
    const template = this.prepared(route.template);
    return (template.send as (...a: unknown[]) => Promise<SendResult<K, V>>)(...args);
  }

  override sendBytes(topic: string, message: KafkaJsMessage): Promise<KafkaJsRecordMetadata[]> {
    const route = this.route(topic);
    if (!route) return Promise.reject(new KafkaException(`No producer factory found for topic: ${topic}`));
    return this.prepared(route.template).sendBytes(topic, message);
  }

  /** Asked through the factory of the topic's route, as Spring's. */
  override partitionsFor(topic: string): Promise<PartitionInfo[]> {
    const route = this.route(topic);
    if (!route) return Promise.reject(new KafkaException(`No producer factory found for topic: ${topic}`));
    return route.template.partitionsFor(topic);
  }

  override async flush(): Promise<void> {
    await Promise.all(this.routes.map((route) => route.template.flush()));
  }

  override isTransactional(): boolean {
    return false;
  }

  override inTransaction(): boolean {
    return false;
  }

  override executeInTransaction<T>(_callback: (template: this) => T | Promise<T>): Promise<T> {
    return Promise.reject(new KafkaException('RoutingKafkaTemplate does not support transactions'));
  }

  override sendOffsetsToTransaction(_offsets: readonly TransactionOffset[], _groupId: string): Promise<void> {
    return Promise.reject(new KafkaException('RoutingKafkaTemplate does not support transactions'));
  }

  override execute<T>(_callback: (producer: Producer) => T | Promise<T>): Promise<T> {
    return Promise.reject(new KafkaException('RoutingKafkaTemplate does not support execute(): the producer depends on the topic'));
  }

  private route(topic: string): Route<K, V> | undefined {
    return this.routes.find((route) => route.pattern.test(topic));
  }

  /** A route's template sees what was set on this one after construction (observer, default topic). */
  private prepared(template: KafkaTemplate<K, V>): KafkaTemplate<K, V> {
    template.observer = this.observer;
    template.defaultTopic = this.defaultTopic;
    return template;
  }
}

/** `pattern` anchored at both ends, as Java's `Pattern.matcher(topic).matches()`. */
function wholeName(pattern: RegExp): RegExp {
  return new RegExp(`^(?:${pattern.source})$`, pattern.flags.replace(/[gy]/g, ''));
}

/** The topic a send goes to, read from its arguments as KafkaTemplate does; undefined when they name none. */
function destinationOf(args: readonly unknown[], defaultTopic: string | undefined): string | undefined {
  const [first] = args;
  if (args.length > 1) return typeof first === 'string' && first.length > 0 ? first : undefined;
  if (first instanceof ProducerRecord) return first.topic;
  if (typeof first !== 'object' || first === null) return undefined;
  if (first instanceof Message || 'payload' in first) {
    const header = (first as { headers?: Record<string, unknown> }).headers?.[KafkaHeaders.TOPIC];
    return typeof header === 'string' ? header : Buffer.isBuffer(header) ? header.toString('utf8') : defaultTopic;
  }
  const topic = (first as { topic?: unknown }).topic;
  return typeof topic === 'string' ? topic : undefined;
}
