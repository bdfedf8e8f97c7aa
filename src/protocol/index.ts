// The Kafka wire codec: primitives, schema-driven messages, headers, record batches,
// compression, CRC-32C and error codes. No broker or client logic lives here.
export { ProtocolDecodeError, ProtocolEncodeError } from './errors.js';
export { ByteReader } from './primitives/byte-reader.js';
export { ByteWriter } from './primitives/byte-writer.js';
export type { FieldSpec, MessageSpec } from './schema/spec.js';
export { decodeMessage, encodeMessage, isFlexible, messageCodec, supportsVersion, type MessageCodec } from './schema/compile.js';
export { parseVersions, type VersionRange } from './schema/versions.js';
export { ZERO_UUID, randomUuid, uuidToBytes, uuidToString } from './schema/uuid.js';
export type { MessageInput } from './input.js';
export {
  requestHeaderVersion,
  responseHeaderVersion,
  readRequestHeader,
  writeRequestHeader,
  readResponseHeader,
  writeResponseHeader,
  type RequestHeader,
} from './headers.js';
export {
  decodeRequest,
  decodeRequestBody,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  readRequestHeaderFrom,
  type DecodedRequest,
  type KnownApiKey,
  type RequestOf,
  type ResponseOf,
} from './codec.js';
export { ErrorCode, KafkaProtocolError, errorName, isRetriable } from './error-codes.js';
export * as specs from './generated/specs.js';
export { REQUEST_SPECS, RESPONSE_SPECS } from './generated/specs.js';
export * from './generated/messages.js';
export * from './records/index.js';
export { compress, decompress, compressSync, decompressSync, CompressionError, compressionName } from './compression/index.js';
export { crc32c, crc32cPureJs, crc32cImplementation } from './crc32c.js';
