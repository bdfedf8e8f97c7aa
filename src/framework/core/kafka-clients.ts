import { Kafka, logLevel, type KafkaConfig, type LogEntry } from 'kafkajs';
import type { Logger } from '../support/logger.js';

/** kafkajs warnings that describe normal group behaviour, logged at debug instead. */
const ROUTINE_WARNINGS = [/rebalancing, re-joining/i, /joined the group/i, /Response without match/i];

/**
 * kafkajs logs every error *response* at ERROR, including the retriable group answers it
 * handles itself by rejoining or rediscovering the coordinator (REBALANCE_IN_PROGRESS,
 * NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS, ...); those are logged at debug.
 */
const ROUTINE_RESPONSE_ERRORS = [/group is rebalancing/i, /not the correct coordinator/i, /coordinator is loading/i, /coordinator is not available/i];

/** A template's request stopped before it was sent, to be grouped by leader again (RequestSpansBrokersError). */
const ROUTINE_ERRORS = [/no longer share one leader/];

/** Routes kafkajs' own log lines into the framework logger. */
export function kafkaJsLogCreator(logger: Logger) {
  return () =>
    ({ namespace, level, log }: LogEntry) => {
      const { message, ...extra } = log;
      const details = extra.error ? ` (${String(extra.error)})` : '';
      const line = `kafkajs ${namespace}: ${message}${details}`;
      if (level === logLevel.ERROR) (ROUTINE_RESPONSE_ERRORS.some((p) => p.test(String(extra.error ?? ''))) || ROUTINE_ERRORS.some((p) => p.test(message)) ? logger.debug : logger.error)(line);
      else if (level === logLevel.WARN) (ROUTINE_WARNINGS.some((p) => p.test(message)) ? logger.debug : logger.warn)(line);
      else if (level === logLevel.INFO) logger.debug(line);
      else logger.debug(line);
    };
}

/**
 * A kafkajs client for one producer, consumer or admin. kafkajs keeps the client id on the
 * client, so consumers with their own client id each get their own (clients are cheap: no
 * connection is opened until a producer/consumer/admin connects).
 */
export function createKafka(config: KafkaConfig, logger: Logger, clientId?: string): Kafka {
  return new Kafka({
    logLevel: logLevel.WARN,
    logCreator: config.logCreator ?? kafkaJsLogCreator(logger),
    ...config,
    clientId: clientId ?? config.clientId ?? 'streamwright',
  });
}

/** A short description of where we tried to connect, for error messages. */
export function describeBrokers(config: KafkaConfig): string {
  return Array.isArray(config.brokers) ? config.brokers.join(',') : '(brokers function)';
}
