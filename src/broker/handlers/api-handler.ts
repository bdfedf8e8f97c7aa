import type { KnownApiKey, RequestOf, ResponseOf } from '../../protocol/codec.js';
import type { RequestHeader } from '../../protocol/headers.js';
import type { MessageInput } from '../../protocol/input.js';
import type { SecuritySession } from '../security/security-session.js';

/** Returned by a handler for requests that get no response (Produce with acks=0). */
export const NO_RESPONSE = Symbol('no response');

/**
 * Returned by a handler that answers by closing the connection (after the responses before
 * it): Kafka's closeConnection, e.g. for an acks=0 Produce that failed, so that the producer,
 * which gets no response, notices, refreshes its metadata and retries.
 */
export const CLOSE_CONNECTION = Symbol('close connection');

export interface RequestContext {
  readonly header: RequestHeader;
  /** host:port of the client, for logs and DescribeGroups' clientHost. */
  readonly clientAddress: string;
  /**
   * Runs `callback` once when the client's connection closes; returns a function that
   * unregisters it. Requests that wait (delayed fetches and produces) use it so that nothing
   * is kept for a client that has gone.
   */
  readonly onConnectionClose?: (callback: () => void) => () => void;
  /** The connection's listener, principal and SASL state (absent for requests made in-process). */
  readonly session?: SecuritySession;
  /** Closes the connection `delayMs` after this request's response is written (failed authentication). */
  readonly closeAfterResponse?: (delayMs: number) => void;
}

export type HandlerResult<K extends KnownApiKey> = MessageInput<ResponseOf<K>> | typeof NO_RESPONSE | typeof CLOSE_CONNECTION;

/**
 * One Kafka API: the versions this broker serves (advertised in ApiVersions exactly) and the
 * function that turns a decoded request into a response.
 */
export interface ApiHandler<K extends KnownApiKey = KnownApiKey> {
  readonly apiKey: K;
  readonly minVersion: number;
  readonly maxVersion: number;
  handle(request: RequestOf<K>, context: RequestContext): HandlerResult<K> | Promise<HandlerResult<K>>;
}

/** Builds a handler with its key's types inferred. */
export function apiHandler<K extends KnownApiKey>(handler: ApiHandler<K>): ApiHandler<K> {
  return handler;
}
