// The `streamwright` entry point: the application framework (KafkaApplication, KafkaTemplate,
// @KafkaListener, containers, ...) plus the protocol-level error types every layer shares.
export * from './framework/index.js';
export { KafkaProtocolError, ErrorCode, errorName, isRetriable } from './protocol/error-codes.js';
