import { DefaultKafkaProducerFactory, type ProducerFactory } from '../core/producer-factory.js';
import { KafkaException } from '../kafka-exception.js';
import type { Logger } from '../support/logger.js';
import { KafkaTransactionManager } from './kafka-transaction-manager.js';

export { KafkaTransactionManager };

/**
 * KafkaApplication's transaction wiring: `producer.transactionIdPrefix` goes to the producer
 * factory, and a transactional factory gets a KafkaTransactionManager bound.
 *
 * @internal
 */
export function configureTransactions(
  producerFactory: ProducerFactory,
  transactionIdPrefix: string | undefined,
  bind: (create: () => KafkaTransactionManager) => void,
  logger: Logger,
): void {
  if (transactionIdPrefix !== undefined) {
    if (producerFactory instanceof DefaultKafkaProducerFactory) producerFactory.setTransactionIdPrefix(transactionIdPrefix);
    else if (producerFactory.transactionIdPrefix !== transactionIdPrefix) {
      throw new KafkaException('producer.transactionIdPrefix needs the default producer factory; give your own producer factory a transactionIdPrefix instead');
    }
  }
  if (producerFactory.isTransactional()) bind(() => new KafkaTransactionManager(producerFactory, { logger }));
}
