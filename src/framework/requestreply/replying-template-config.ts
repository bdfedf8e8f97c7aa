import { randomUUID } from 'node:crypto';
import type { KafkaConfig } from 'kafkajs';
import { TopicBuilder, type NewTopic } from '../config/topic-builder.js';
import { parseConsumerOverrides, type ConsumerSettings, type KafkaConsumerOverrides } from '../core/consumer-config.js';
import type { ConsumerFactory } from '../core/consumer-factory.js';
import type { KafkaAdmin } from '../core/kafka-admin.js';
import type { ProducerFactory } from '../core/producer-factory.js';
import type { ProducerListener } from '../core/producer-listener.js';
import type { ApplicationEventPublisher } from '../event/application-event-publisher.js';
import { KafkaException } from '../kafka-exception.js';
import { AckMode } from '../listener/ack-mode.js';
import { ContainerProperties } from '../listener/container-properties.js';
import { KafkaMessageListenerContainer } from '../listener/kafka-message-listener-container.js';
import type { Logger } from '../support/logger.js';
import { AggregatingReplyingKafkaTemplate, type ReleaseStrategy } from './aggregating-replying-kafka-template.js';
import { pinnedPartitionAssigner } from './pinned-partition-assigner.js';
import { ReplyingKafkaTemplate, type RequestReplyOptions } from './replying-kafka-template.js';

/** `KafkaApplicationOptions.replyingTemplate`: a ReplyingKafkaTemplate bound in the container. */
export interface ReplyingTemplateConfig {
  /** The topic replies come back on; shared by every instance of the application. */
  replyTopic: string;
  /** Default reply timeout in ms (default 5000). */
  timeoutMs?: number;
  /**
   * The reply consumer's group. Default `<clientId>-replies-<random UUID>`: a group of its own
   * per application instance, which is what keeps replies from being lost or misrouted when
   * instances come and go (docs/request-reply.md). A fixed id must still be unique per instance.
   */
  groupId?: string;
  /**
   * Read only this partition of the reply topic (pinned, as with Spring's manual assignment) and
   * ask for replies on it with `kafka_replyPartition`. Each instance needs its own number and
   * the topic enough partitions. Default: read every partition and keep the replies that
   * match (every instance sees every reply).
   */
  replyPartition?: number;
  /** Log other instances' replies at DEBUG (default true: the reply topic is shared by design). */
  sharedReplyTopic?: boolean;
  /** The default `replyType` replies are converted to. */
  replyType?: RequestReplyOptions['replyType'];
  /** Reply consumer settings over the application's (default `auto.offset.reset=latest`). */
  consumerConfig?: KafkaConsumerOverrides;
  /** How long the first request waits for the reply consumer's partitions (default 30000 ms). */
  assignmentTimeout?: number;
  /** Text correlation ids and reply partitions, as NestJS's Kafka transport needs (see `ReplyingKafkaTemplateOptions.textHeaders`). */
  textHeaders?: boolean;
  /** Request/reply header names (Spring's `correlationHeaderName`, ...); responders must use the same (the container factory's options of the same names). */
  correlationHeaderName?: string;
  replyTopicHeaderName?: string;
  replyPartitionHeaderName?: string;
}

/** `KafkaApplicationOptions.aggregatingReplyingTemplate`: an AggregatingReplyingKafkaTemplate bound in the container. */
export interface AggregatingReplyingTemplateConfig extends ReplyingTemplateConfig {
  /** A count of replies, or `(replies, timedOut) => boolean`. */
  releaseStrategy: number | ReleaseStrategy;
  /** Resolve with the replies gathered so far at the timeout, if the strategy agrees (default false). */
  returnPartialOnTimeout?: boolean;
}

/** What the application lends its templates. */
export interface ReplyingTemplateDependencies {
  readonly kafka: KafkaConfig;
  readonly producerFactory: ProducerFactory;
  readonly consumerFactory: ConsumerFactory;
  readonly admin: KafkaAdmin;
  readonly logger: Logger;
  readonly publisher?: ApplicationEventPublisher;
  /** The application's ProducerListener: request sends report to it like the KafkaTemplate's. */
  readonly producerListener?: ProducerListener;
}

/** The reply container of a template: one consumer, a group of its own, `latest`, the reply topic only. */
export function createReplyContainer(
  consumerFactory: ConsumerFactory,
  config: Pick<ReplyingTemplateConfig, 'replyTopic' | 'groupId' | 'replyPartition' | 'consumerConfig'> & { clientId?: string; logger: Logger; publisher?: ApplicationEventPublisher },
): KafkaMessageListenerContainer {
  const topic = config.replyTopic;
  if (typeof topic !== 'string' || topic.length === 0) throw new KafkaException('replyTopic must be a non-empty topic name');
  const pinned = config.replyPartition;
  if (pinned !== undefined && (!Number.isInteger(pinned) || pinned < 0)) throw new KafkaException(`replyPartition must be a partition number, got ${String(pinned)}`);
  const prefix = config.clientId ?? 'streamwright';
  const groupId = config.groupId ?? `${prefix}-replies-${randomUUID()}`;
  const settings: ConsumerSettings = { autoOffsetReset: 'latest', ...parseConsumerOverrides(config.consumerConfig, config.logger) };
  if (pinned !== undefined) settings.partitionAssigners = [pinnedPartitionAssigner(topic, pinned, config.logger)];
  const properties = new ContainerProperties({
    topics: [topic],
    groupId,
    clientId: `${prefix}-replies`,
    // Commits keep the reply group's positions; the template's position keeper covers the rest.
    ackMode: AckMode.BATCH,
    kafkaConsumerProperties: settings,
  });
  return new KafkaMessageListenerContainer(consumerFactory, properties, { listenerId: `${groupId}`, logger: config.logger, applicationEventPublisher: config.publisher });
}

/**
 * Builds the templates `KafkaApplication.create` was asked for; the application binds them,
 * starts them after its listener containers and stops them first.
 */
export function createReplyingTemplates(
  options: { replyingTemplate?: ReplyingTemplateConfig; aggregatingReplyingTemplate?: AggregatingReplyingTemplateConfig },
  deps: ReplyingTemplateDependencies,
): { replying?: ReplyingKafkaTemplate; aggregating?: AggregatingReplyingKafkaTemplate; topics: NewTopic[] } {
  const topics: NewTopic[] = [];
  const container = (config: ReplyingTemplateConfig) => {
    if (!config || typeof config !== 'object') throw new KafkaException('replyingTemplate needs { replyTopic }');
    const built = createReplyContainer(deps.consumerFactory, { ...config, clientId: deps.kafka.clientId, logger: deps.logger, publisher: deps.publisher });
    const partitions = config.replyPartition === undefined ? undefined : config.replyPartition + 1;
    const declared = topics.find((t) => t.name === config.replyTopic);
    if (!declared || (partitions ?? 0) > (declared.numPartitions ?? 0)) {
      if (declared) topics.splice(topics.indexOf(declared), 1);
      topics.push(partitions === undefined ? TopicBuilder.name(config.replyTopic).build() : TopicBuilder.name(config.replyTopic).partitions(partitions).build());
    }
    return built;
  };
  const common = (config: ReplyingTemplateConfig) => ({
    defaultReplyTimeout: config.timeoutMs,
    sharedReplyTopic: config.sharedReplyTopic ?? true,
    replyType: config.replyType,
    assignmentTimeout: config.assignmentTimeout,
    textHeaders: config.textHeaders,
    correlationHeaderName: config.correlationHeaderName,
    replyTopicHeaderName: config.replyTopicHeaderName,
    replyPartitionHeaderName: config.replyPartitionHeaderName,
    admin: deps.admin,
    logger: deps.logger,
    producerListener: deps.producerListener,
  });
  const result: { replying?: ReplyingKafkaTemplate; aggregating?: AggregatingReplyingKafkaTemplate; topics: NewTopic[] } = { topics };
  if (options.replyingTemplate) {
    const config = options.replyingTemplate;
    result.replying = new ReplyingKafkaTemplate(deps.producerFactory, container(config), common(config));
  }
  if (options.aggregatingReplyingTemplate) {
    const config = options.aggregatingReplyingTemplate;
    result.aggregating = new AggregatingReplyingKafkaTemplate(deps.producerFactory, container(config), {
      ...common(config),
      releaseStrategy: config.releaseStrategy,
      returnPartialOnTimeout: config.returnPartialOnTimeout,
    });
  }
  return result;
}
