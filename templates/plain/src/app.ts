import { Container } from 'inversify';
import { AckMode, ConcurrentKafkaListenerContainerFactory, consoleLogger, KafkaApplication, TopicBuilder } from 'streamwright';
import { OrderListener } from './orders.js';
import { Outcomes } from './outcomes.js';
import { PricingListener } from './pricing.js';
import { ShippingListener } from './shipping.js';
import { DEFAULT_GROUPS, Topics, type Groups } from './topics.js';

export interface AppOptions {
  brokers: string[];
  topics?: Partial<Topics>;
  groups?: Partial<Groups>;
}

/** Wires the application: listeners, topics, the manual-ack container factory and request/reply. */
export async function createApp(options: AppOptions): Promise<KafkaApplication> {
  const topics = Object.assign(new Topics(), options.topics);
  const groups = { ...DEFAULT_GROUPS, ...options.groups };
  const container = new Container({ autobind: true, defaultScope: 'Singleton' });
  container.bind(Topics).toConstantValue(topics);
  container.bind(Outcomes).toSelf();
  return KafkaApplication.create({
    kafka: { brokers: options.brokers, clientId: 'streamwright-app' },
    container,
    // The listeners' ${app.*} placeholders.
    config: {
      properties: {
        'app.topics.orders': topics.orders,
        'app.topics.shipments': topics.shipments,
        'app.topics.quotes': topics.quotes,
        'app.groups.orders': groups.orders,
        'app.groups.shipping': groups.shipping,
        'app.groups.pricing': groups.pricing,
      },
    },
    listeners: [OrderListener, ShippingListener, PricingListener],
    topics: [topics.orders, topics.invoices, topics.shipments, topics.quotes].map((name) => TopicBuilder.name(name).partitions(3).build()),
    containerFactories: {
      manualAckFactory: new ConcurrentKafkaListenerContainerFactory({ containerProperties: { ackMode: AckMode.MANUAL_IMMEDIATE } }),
    },
    // Binds a ReplyingKafkaTemplate that reads replies from this topic.
    replyingTemplate: { replyTopic: topics.replies, timeoutMs: 10_000 },
    logger: consoleLogger('warn'),
  });
}
