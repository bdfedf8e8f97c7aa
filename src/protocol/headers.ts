import { ProtocolDecodeError } from './errors.js';
import { ApiKeys } from './generated/messages.js';
import { REQUEST_SPECS, RequestHeader as RequestHeaderSpec, ResponseHeader as ResponseHeaderSpec } from './generated/specs.js';
import type { ByteReader } from './primitives/byte-reader.js';
import type { ByteWriter } from './primitives/byte-writer.js';
import { isFlexible, messageCodec } from './schema/compile.js';

export interface RequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
}

/**
 * Request header v2 for flexible API versions, v1 otherwise; v0 survives only for
 * ControlledShutdown v0. For a key or version we do not know, v1: enough to read the
 * correlation id and answer with an error.
 */
export function requestHeaderVersion(apiKey: number, apiVersion: number): number {
  if (apiKey === ApiKeys.ControlledShutdown && apiVersion === 0) return 0;
  const spec = REQUEST_SPECS[apiKey];
  return spec && isFlexible(spec, apiVersion) ? 2 : 1;
}

/**
 * Response header v1 for flexible versions, v0 otherwise, except ApiVersions: its response
 * always uses v0 so a client can read it before it knows what the broker supports.
 */
export function responseHeaderVersion(apiKey: number, apiVersion: number): number {
  if (apiKey === ApiKeys.ApiVersions) return 0;
  const spec = REQUEST_SPECS[apiKey];
  return spec && isFlexible(spec, apiVersion) ? 1 : 0;
}

export function readRequestHeader(reader: ByteReader): RequestHeader {
  if (reader.remaining < 8) reader.fail('request header needs at least 8 bytes');
  const apiKey = reader.buffer.readInt16BE(reader.offset);
  const apiVersion = reader.buffer.readInt16BE(reader.offset + 2);
  const version = requestHeaderVersion(apiKey, apiVersion);
  const header = messageCodec(RequestHeaderSpec, version).read(reader);
  return {
    apiKey: header.requestApiKey as number,
    apiVersion: header.requestApiVersion as number,
    correlationId: header.correlationId as number,
    // Header v0 has no client id at all.
    clientId: version === 0 ? null : (header.clientId as string | null),
  };
}

export function writeRequestHeader(writer: ByteWriter, header: RequestHeader): void {
  messageCodec(RequestHeaderSpec, requestHeaderVersion(header.apiKey, header.apiVersion)).write(writer, {
    requestApiKey: header.apiKey,
    requestApiVersion: header.apiVersion,
    correlationId: header.correlationId,
    clientId: header.clientId,
  });
}

export function readResponseHeader(reader: ByteReader, apiKey: number, apiVersion: number): number {
  const header = messageCodec(ResponseHeaderSpec, responseHeaderVersion(apiKey, apiVersion)).read(reader);
  return header.correlationId as number;
}

export function writeResponseHeader(writer: ByteWriter, apiKey: number, apiVersion: number, correlationId: number): void {
  messageCodec(ResponseHeaderSpec, responseHeaderVersion(apiKey, apiVersion)).write(writer, { correlationId });
}

/** Throws the decode error for a frame whose size prefix disagrees with its length. */
export function checkFrameSize(frame: Buffer): void {
  if (frame.length < 4) throw new ProtocolDecodeError('frame shorter than its size prefix', 0);
  const size = frame.readInt32BE(0);
  if (size !== frame.length - 4) throw new ProtocolDecodeError(`frame size ${size} but ${frame.length - 4} bytes follow`, 0);
}
