// The `streamwright` framework entry point. The framework (KafkaApplication, KafkaTemplate,
// @KafkaListener, ...) lands here; until then it re-exports the protocol-level error types
// that every layer shares.
export { KafkaProtocolError, ErrorCode, errorName, isRetriable } from './protocol/error-codes.js';
