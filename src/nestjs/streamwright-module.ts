import { Module, type DynamicModule, type FactoryProvider, type Provider } from '@nestjs/common';
import { DiscoveryModule, ModuleRef } from '@nestjs/core';
import { KafkaListenerEndpointRegistry } from '../framework/config/kafka-listener-endpoint-registry.js';
import { KafkaApplication } from '../framework/container/kafka-application.js';
import { ConsumerFactory } from '../framework/core/consumer-factory.js';
import { KafkaAdmin } from '../framework/core/kafka-admin.js';
import { KafkaTemplate } from '../framework/core/kafka-template.js';
import { ProducerFactory } from '../framework/core/producer-factory.js';
import { KafkaException } from '../framework/kafka-exception.js';
import { AggregatingReplyingKafkaTemplate } from '../framework/requestreply/aggregating-replying-kafka-template.js';
import { ReplyingKafkaTemplate } from '../framework/requestreply/replying-kafka-template.js';
import type { Logger } from '../framework/support/logger.js';
import { KafkaTransactionManager } from '../framework/transaction/kafka-transaction-manager.js';
import { NestBeanSource } from './nest-bean-source.js';
import { nestLogger } from './nest-logger.js';
import { StreamwrightLifecycle } from './streamwright-lifecycle.js';
import { STREAMWRIGHT_LOGGER, STREAMWRIGHT_MODULE_OPTIONS, type StreamwrightModuleAsyncOptions, type StreamwrightModuleOptions } from './streamwright-module-options.js';

/** Services always present, injectable by class. */
const SERVICES = [KafkaTemplate, KafkaAdmin, KafkaListenerEndpointRegistry, ProducerFactory, ConsumerFactory] as const;
/** Present when the options configure them; injecting one that is not configured fails on use with a clear error. */
const OPTIONAL_SERVICES = [
  { type: ReplyingKafkaTemplate, option: "replyingTemplate: { replyTopic: '…' }" },
  { type: AggregatingReplyingKafkaTemplate, option: "aggregatingReplyingTemplate: { replyTopic: '…', releaseStrategy }" },
  { type: KafkaTransactionManager, option: "producer: { transactionIdPrefix: '…' }" },
] as const;

/**
 * Streamwright in a Nest application: one KafkaApplication whose listeners are ordinary Nest
 * providers. `@KafkaListener`, `@KafkaHandler`, `@RetryableTopic`, `@DltHandler` and `@SendTo`
 * on any provider are found and run in Streamwright's listener containers; `KafkaTemplate`,
 * `ReplyingKafkaTemplate`, `KafkaAdmin`, `KafkaListenerEndpointRegistry`, `KafkaApplication`
 * (and `KafkaTransactionManager` with `producer.transactionIdPrefix`) are injectable by class
 * everywhere (the module is global). Topics in the options are created
 * at bootstrap, and the containers start then and stop at shutdown (docs/nestjs.md).
 */
@Module({})
export class StreamwrightModule {
  static forRoot(options: StreamwrightModuleOptions): DynamicModule {
    return StreamwrightModule.define([{ provide: STREAMWRIGHT_MODULE_OPTIONS, useValue: options }], []);
  }

  /** Options from a factory with injected dependencies, e.g. `inject: [ConfigService], useFactory: (config) => ({ kafka: { brokers: [config.get('KAFKA')] } })`. */
  static forRootAsync(options: StreamwrightModuleAsyncOptions): DynamicModule {
    if (typeof options?.useFactory !== 'function') throw new KafkaException('StreamwrightModule.forRootAsync needs useFactory');
    return StreamwrightModule.define([{ provide: STREAMWRIGHT_MODULE_OPTIONS, useFactory: options.useFactory, inject: options.inject ?? [] }], options.imports ?? []);
  }

  private static define(optionsProviders: Provider[], imports: NonNullable<StreamwrightModuleAsyncOptions['imports']>): DynamicModule {
    const logger: FactoryProvider<Logger> = {
      provide: STREAMWRIGHT_LOGGER,
      inject: [STREAMWRIGHT_MODULE_OPTIONS],
      useFactory: (options: StreamwrightModuleOptions) => options.logger ?? nestLogger(),
    };
    const application: FactoryProvider<Promise<KafkaApplication>> = {
      provide: KafkaApplication,
      inject: [STREAMWRIGHT_MODULE_OPTIONS, STREAMWRIGHT_LOGGER, ModuleRef],
      useFactory: (options: StreamwrightModuleOptions, log: Logger, moduleRef: ModuleRef) =>
        KafkaApplication.create({ ...options, logger: log, beans: new NestBeanSource(moduleRef) }),
    };
    const services: Provider[] = SERVICES.map((type) => ({ provide: type, inject: [KafkaApplication], useFactory: (app: KafkaApplication) => app.get<unknown>(type) }));
    const optional: Provider[] = OPTIONAL_SERVICES.map(({ type, option }) => ({
      provide: type,
      inject: [KafkaApplication],
      useFactory: (app: KafkaApplication) => (app.container.isCurrentBound(type) ? app.get<unknown>(type) : notConfigured(type.name, option)),
    }));
    return {
      module: StreamwrightModule,
      global: true,
      imports: [DiscoveryModule, ...imports],
      providers: [...optionsProviders, logger, application, ...services, ...optional, StreamwrightLifecycle],
      exports: [KafkaApplication, ...SERVICES, ...OPTIONAL_SERVICES.map(({ type }) => type)],
    };
  }
}

/** Stands in for a template the options did not configure: using it throws a KafkaException saying what to configure. */
function notConfigured(name: string, option: string): object {
  const fail = (): never => {
    throw new KafkaException(`${name} is not configured: give StreamwrightModule's options ${option}`);
  };
  return { sendAndReceive: fail, start: fail, stop: fail, send: fail, executeInTransaction: fail };
}
