import type { KafkaConsumerOverrides } from '../core/consumer-config.js';
import type { CommonErrorHandler } from '../listener/common-error-handler.js';
import type { GenericMessageListener } from '../listener/message-listener.js';
import type { Logger } from '../support/logger.js';
import { DefaultAfterRollbackProcessor, TransactionalErrorHandler } from './default-after-rollback-processor.js';
import type { KafkaTransactionManager } from './kafka-transaction-manager.js';
import { PartitionFence } from './partition-fence.js';
import { StopWhenFencedErrorHandler } from './stop-when-fenced-error-handler.js';
import { TransactionalMessageListener } from './transactional-message-listener.js';

/** What a container needs to know about its transactions (from its ContainerProperties). */
export interface TransactionalContainerSettings {
  transactionManager?: KafkaTransactionManager;
  afterRollbackProcessor?: CommonErrorHandler;
  kafkaConsumerProperties: KafkaConsumerOverrides;
  stopContainerWhenFenced?: boolean;
}

/**
 * The container hooks, in one place so that the container itself only calls them:
 * the listener wrapped in transactions, the after-rollback processor in the error-handler slot,
 * and read_committed consumers.
 *
 * @internal
 */
export const ContainerTransactionSupport = {
  /** The listener the container runs: transactional when a transaction manager is set. */
  listener(settings: TransactionalContainerSettings, listener: GenericMessageListener, fence: PartitionFence | undefined): GenericMessageListener {
    return settings.transactionManager ? TransactionalMessageListener.wrap(listener, settings.transactionManager, fence) : listener;
  },

  /** The container's partition fence (partitions fenced and verified since assignment); undefined when not transactional. */
  fence(settings: TransactionalContainerSettings): PartitionFence | undefined {
    return settings.transactionManager ? new PartitionFence() : undefined;
  },

  /** The error handler for a transactional container (the after-rollback processor); undefined otherwise. */
  errorHandler(settings: TransactionalContainerSettings, logger: Logger): CommonErrorHandler | undefined {
    const manager = settings.transactionManager;
    if (!manager) return undefined;
    const handler = new TransactionalErrorHandler(settings.afterRollbackProcessor ?? new DefaultAfterRollbackProcessor({ logger }), manager);
    return settings.stopContainerWhenFenced ? new StopWhenFencedErrorHandler(handler, logger) : handler;
  },

  /** Consumer overrides: read_committed unless the container's own properties name an isolation level. */
  consumerOverrides(settings: TransactionalContainerSettings): KafkaConsumerOverrides {
    const overrides = settings.kafkaConsumerProperties;
    if (!settings.transactionManager) return overrides;
    if (Array.isArray(overrides)) {
      const list = overrides as readonly string[];
      return list.some((entry) => /^\s*isolation\.level\b/.test(entry)) ? list : [...list, 'isolation.level=read_committed'];
    }
    const settingsObject = overrides as Exclude<KafkaConsumerOverrides, readonly string[]>;
    if (settingsObject.isolationLevel !== undefined || settingsObject.readUncommitted !== undefined) return settingsObject;
    return { ...settingsObject, isolationLevel: 'read_committed' };
  },
};
