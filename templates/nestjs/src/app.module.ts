import { Module, type DynamicModule } from '@nestjs/common';
import { AckMode, ConcurrentKafkaListenerContainerFactory, TopicBuilder } from 'streamwright';
import { StreamwrightModule } from 'streamwright/nestjs';
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

/**
 * The application module. StreamwrightModule finds the @KafkaListener methods of these
 * providers, creates the topics and starts the listeners at bootstrap, and stops them
 * gracefully at shutdown; KafkaTemplate and ReplyingKafkaTemplate are injectable by class.
 */
@Module({})
export class AppModule {
  static forKafka(options: AppOptions): DynamicModule {
    const topics = Object.assign(new Topics(), options.topics);
    const groups = { ...DEFAULT_GROUPS, ...options.groups };
    return {
      module: AppModule,
      imports: [
        StreamwrightModule.forRoot({
          kafka: { brokers: options.brokers, clientId: 'streamwright-nest-app' },
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
          topics: [topics.orders, topics.invoices, topics.shipments, topics.quotes].map((name) => TopicBuilder.name(name).partitions(3).build()),
          containerFactories: {
            manualAckFactory: new ConcurrentKafkaListenerContainerFactory({ containerProperties: { ackMode: AckMode.MANUAL_IMMEDIATE } }),
          },
          // Makes a ReplyingKafkaTemplate injectable, reading replies from this topic.
          replyingTemplate: { replyTopic: topics.replies, timeoutMs: 10_000 },
        }),
      ],
      providers: [{ provide: Topics, useValue: topics }, Outcomes, OrderListener, ShippingListener, PricingListener],
    };
  }
}
