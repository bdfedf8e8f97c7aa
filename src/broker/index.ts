// `streamwright/broker`: a Kafka-wire-compatible broker in TypeScript.
export { EmbeddedKafka, type EmbeddedKafkaOptions } from './embedded-kafka.js';
export { KafkaBroker, type BrokerOptions } from './kafka-broker.js';
export { consoleLogger, type BrokerLogger, type LogLevel } from './logger.js';
export type { ConfigValue } from './config/broker-config.js';
