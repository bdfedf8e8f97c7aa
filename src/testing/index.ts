// `streamwright/testing`: the embedded broker and test helpers. This is the one place the
// framework side re-exports the broker (the framework itself only talks to Kafka via kafkajs).
export { EmbeddedBroker, EmbeddedKafka, type EmbeddedKafkaOptions } from '../broker/embedded-kafka.js';
export { ManualClock } from '../broker/manual-clock.js';
export type { EmbeddedTopic } from '../broker/embedded-topics.js';
export type { CoordinatorKind, CoordinatorLoadTarget, Faults, IsolateOptions, ResponseFaultTarget } from '../broker/faults.js';
export { KafkaTestUtils } from './kafka-test-utils.js';
export { TestConsumer, type TestConsumerProps } from './test-consumer.js';
export { ContainerTestUtils } from './container-test-utils.js';
