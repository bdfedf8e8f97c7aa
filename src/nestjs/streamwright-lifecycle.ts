import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, ModuleRef } from '@nestjs/core';
import { KafkaApplication } from '../framework/container/kafka-application.js';
import { STREAMWRIGHT_LOGGER } from './streamwright-module-options.js';
import type { Logger } from '../framework/support/logger.js';
import { discoverListenerBeans } from './nest-bean-source.js';

/**
 * Runs the KafkaApplication with the Nest application:
 *
 * - `onModuleInit`: every provider exists, so the `@KafkaListener` providers are registered
 *   (bad declarations fail the application's init, as they fail `KafkaApplication.create`);
 *   request-scoped and transient ones are resolved per record through the `ModuleRef`;
 * - `onApplicationBootstrap`: creates the declared topics and starts the containers, resolving
 *   once each has its partitions, so `app.init()`/`listen()` returns with listeners ready;
 * - `onApplicationShutdown` (`app.close()`, or a signal with `enableShutdownHooks()`): each
 *   consumer finishes its record, commits and leaves its group; producers flush and close.
 */
@Injectable()
export class StreamwrightLifecycle implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(KafkaApplication) private readonly app: KafkaApplication,
    @Inject(DiscoveryService) private readonly discovery: DiscoveryService,
    @Inject(STREAMWRIGHT_LOGGER) private readonly logger: Logger,
    @Inject(ModuleRef) private readonly moduleRef: ModuleRef,
  ) {}

  onModuleInit(): void {
    this.app.registerListenerBeans(discoverListenerBeans(this.discovery, this.logger, this.moduleRef));
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.app.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.app.stop();
  }
}
