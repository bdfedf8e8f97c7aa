import { ProtocolDecodeError } from './errors.js';
import type { ApiMessages } from './generated/messages.js';
import { REQUEST_SPECS, RESPONSE_SPECS } from './generated/specs.js';
import { readRequestHeader, readResponseHeader, writeRequestHeader, writeResponseHeader, type RequestHeader } from './headers.js';
import type { MessageInput } from './input.js';
import { ByteReader } from './primitives/byte-reader.js';
import { ByteWriter } from './primitives/byte-writer.js';
import { messageCodec, preEncodeArray, supportsVersion } from './schema/compile.js';
import type { PreEncoded } from './schema/field-codec.js';
import type { MessageSpec } from './schema/spec.js';

export type KnownApiKey = keyof ApiMessages;
export type RequestOf<K extends KnownApiKey> = ApiMessages[K]['request'];
export type ResponseOf<K extends KnownApiKey> = ApiMessages[K]['response'];

function specFor(table: Readonly<Record<number, MessageSpec>>, apiKey: number, version: number, kind: string): MessageSpec {
  const spec = table[apiKey];
  if (!spec) throw new ProtocolDecodeError(`unknown API key ${apiKey}`, 0);
  if (!supportsVersion(spec, version)) throw new ProtocolDecodeError(`${kind} ${spec.name} has no version ${version}`, 0);
  return spec;
}

/** Writes a size-prefixed frame: the int32 size is patched in once the body is written. */
function frame(write: (writer: ByteWriter) => void, capacity: number): Buffer {
  const writer = new ByteWriter(capacity);
  const sizeAt = writer.reserve(4);
  write(writer);
  writer.patchInt32(sizeAt, writer.offset - 4);
  return writer.finish();
}

/** Encodes a request with its header, size-prefixed, ready for the socket. */
export function encodeRequest<K extends KnownApiKey>(
  header: RequestHeader & { apiKey: K },
  body: MessageInput<RequestOf<K>>,
  capacity = 256,
): Buffer {
  const codec = messageCodec(specFor(REQUEST_SPECS, header.apiKey, header.apiVersion, 'request'), header.apiVersion);
  return frame((w) => {
    writeRequestHeader(w, header);
    codec.write(w, body);
  }, capacity);
}

export interface DecodedRequest {
  readonly header: RequestHeader;
  readonly body: unknown;
}

/**
 * Decodes one request frame (without its size prefix). Unknown keys and versions raise
 * ProtocolDecodeError after the header is read; use {@link readRequestHeaderFrom} first when
 * the caller must answer such requests.
 */
export function decodeRequest(frameBody: Buffer): DecodedRequest {
  const reader = new ByteReader(frameBody);
  const header = readRequestHeader(reader);
  const spec = specFor(REQUEST_SPECS, header.apiKey, header.apiVersion, 'request');
  const body = messageCodec(spec, header.apiVersion).read(reader);
  if (reader.remaining > 0) reader.fail(`${reader.remaining} trailing bytes after ${spec.name} v${header.apiVersion}`);
  return { header, body };
}

/** Reads just the request header of a frame (without its size prefix), and where the body starts. */
export function readRequestHeaderFrom(frameBody: Buffer): { header: RequestHeader; bodyOffset: number } {
  const reader = new ByteReader(frameBody);
  const header = readRequestHeader(reader);
  return { header, bodyOffset: reader.offset };
}

/** Decodes a request body whose header was read with {@link readRequestHeaderFrom}. */
export function decodeRequestBody<K extends KnownApiKey>(apiKey: K, apiVersion: number, frameBody: Buffer, bodyOffset: number): RequestOf<K> {
  const spec = specFor(REQUEST_SPECS, apiKey, apiVersion, 'request');
  const reader = new ByteReader(frameBody, bodyOffset);
  const body = messageCodec<RequestOf<K>>(spec, apiVersion).read(reader);
  if (reader.remaining > 0) reader.fail(`${reader.remaining} trailing bytes after ${spec.name} v${apiVersion}`);
  return body;
}

/** Encodes a response with its header, size-prefixed. */
export function encodeResponse<K extends KnownApiKey>(
  apiKey: K,
  apiVersion: number,
  correlationId: number,
  body: MessageInput<ResponseOf<K>>,
  capacity = 256,
): Buffer {
  const codec = messageCodec(specFor(RESPONSE_SPECS, apiKey, apiVersion, 'response'), apiVersion);
  return frame((w) => {
    writeResponseHeader(w, apiKey, apiVersion, correlationId);
    codec.write(w, body);
  }, capacity);
}

/**
 * Encodes an array of a response (`path`: field names from the response down, e.g. `topics`,
 * `partitions`) once, to be placed in that field of many responses of the same version.
 */
export function preEncodeResponseArray(apiKey: KnownApiKey, apiVersion: number, path: readonly string[], items: readonly unknown[]): PreEncoded {
  return preEncodeArray(specFor(RESPONSE_SPECS, apiKey, apiVersion, 'response'), apiVersion, path, items);
}

/** Decodes a response frame (without its size prefix) for the request it answers. */
export function decodeResponse<K extends KnownApiKey>(
  apiKey: K,
  apiVersion: number,
  frameBody: Buffer,
): { correlationId: number; body: ResponseOf<K> } {
  const spec = specFor(RESPONSE_SPECS, apiKey, apiVersion, 'response');
  const reader = new ByteReader(frameBody);
  const correlationId = readResponseHeader(reader, apiKey, apiVersion);
  const body = messageCodec<ResponseOf<K>>(spec, apiVersion).read(reader);
  if (reader.remaining > 0) reader.fail(`${reader.remaining} trailing bytes after ${spec.name} v${apiVersion}`);
  return { correlationId, body };
}
