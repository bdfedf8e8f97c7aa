// `streamwright/broker`: a Kafka-wire-compatible broker in TypeScript.
export { EmbeddedBroker, EmbeddedKafka, type EmbeddedKafkaOptions } from './embedded-kafka.js';
export { ManualClock } from './manual-clock.js';
export { systemClock, type Clock, type TimerHandle } from './clock.js';
export type { EmbeddedTopic } from './embedded-topics.js';
export { ClusterController, type ClusterControllerOptions } from './replication/cluster-controller.js';
export { KafkaBroker, type BrokerOptions } from './kafka-broker.js';
export { Faults, type CoordinatorKind, type CoordinatorLoadTarget, type IsolateOptions, type ResponseFault, type ResponseFaultTarget } from './faults.js';
export { consoleLogger, type BrokerLogger, type LogLevel } from './logger.js';
export type { ConfigValue } from './config/broker-config.js';
export { UnsupportedConfigError } from './config/unsupported-configs.js';
export { InvalidConfigError } from './config/broker-config.js';
