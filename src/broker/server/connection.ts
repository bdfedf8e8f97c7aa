import type { Socket } from 'node:net';
import { encodeResponse, decodeRequestBody, readRequestHeaderFrom, type KnownApiKey } from '../../protocol/codec.js';
import { ProtocolDecodeError } from '../../protocol/errors.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKeys } from '../../protocol/generated/messages.js';
import type { RequestHeader } from '../../protocol/headers.js';
import { CLOSE_CONNECTION, NO_RESPONSE, type ApiHandler } from '../handlers/api-handler.js';
import type { BrokerLogger } from '../logger.js';
import { SecuritySession } from '../security/security-session.js';
import type { RequestThrottler } from '../quota/request-throttler.js';
import { FrameReader, FrameSizeError } from './frame-reader.js';

/** Past this many requests read but not yet taken up, the connection stops reading from its socket. */
const MAX_HELD_REQUESTS = 512;
/**
 * Past this many bytes of responses the client has not taken yet, the connection stops reading
 * (and dispatching requests already read) until they drain, as Kafka mutes a channel: a client
 * that sends and never reads holds this much, not every response it asked for.
 */
const MAX_UNSENT_RESPONSE_BYTES = 8 * 1024 * 1024;

interface PendingResponse {
  frame: Buffer | null;
  done: boolean;
  /** The handler asked for the connection to close once the responses before this one are written. */
  close: boolean;
  /** Client quotas: read nothing more from the client for this long once this response is written. */
  throttleMs: number;
}

type Outcome = Buffer | typeof NO_RESPONSE | typeof CLOSE_CONNECTION;

export interface ConnectionOptions {
  readonly handlers: ReadonlyMap<number, ApiHandler>;
  readonly maxRequestBytes: number;
  readonly logger: BrokerLogger;
  /** ApiVersions ranges, for the error body sent to an unknown ApiVersions version. */
  readonly apiVersions: () => Array<{ apiKey: number; minVersion: number; maxVersion: number }>;
  /** Fault injection (src/broker/faults.ts): decided when the request arrives. */
  readonly responseFault?: (apiKey: number) => { drop: boolean; delayMs: number } | null;
  /**
   * connections.max.idle.ms: a connection with no request in flight and no bytes in or out for
   * this long is closed (negative: never).
   */
  readonly connectionsMaxIdleMs?: number;
  /** The security state of a new connection (listener, principal, SASL); default: PLAINTEXT, User:ANONYMOUS. */
  readonly newSession?: (socket: Socket) => SecuritySession;
  /** Client quotas (KIP-219): throttle_time_ms in responses and muting; default: none. */
  readonly throttler?: RequestThrottler;
}

/** What a connection holds right now (tests and diagnostics). */
export interface ConnectionStats {
  readonly clientAddress: string;
  /** Bytes of a request that has not fully arrived. */
  readonly bufferedRequestBytes: number;
  /** The request being worked on, or whose response is not written yet: 0 or 1. */
  readonly pendingResponses: number;
  /** Requests read but not dispatched yet (the connection is muted). */
  readonly heldRequests: number;
  /** Response bytes written but not yet taken by the client. */
  readonly unsentResponseBytes: number;
  /** The listener it came in on and its principal (`User:ANONYMOUS` until authenticated). */
  readonly listener: string;
  readonly principal: string;
}

/**
 * One client connection: splits frames and processes its requests one at a time, in order, as
 * Kafka's socket server does: the connection is muted from the moment a request is taken up
 * until its response is written (or it needed none), and requests that arrive meanwhile wait
 * their turn. A request that waits (a long-polling Fetch, an acks=-1 Produce) holds up only
 * its own connection. A malformed frame closes this connection only.
 */
export class Connection {
  private readonly frames: FrameReader;
  private readonly pending: PendingResponse[] = [];
  /** Frames read while the connection was muted, dispatched once it is not. */
  private readonly held: Buffer[] = [];
  private dispatching = false;
  readonly clientAddress: string;
  private closed = false;
  /** What waiting requests registered to be dropped when this connection closes. */
  private readonly closeCallbacks = new Set<() => void>();
  private readonly idleMs: number;
  /** The idle timer fired while requests were in flight: restart it once they are answered. */
  private idleWhileBusy = false;
  /**
   * After a failed authentication: half-close and let the client close, so that what it sent
   * meanwhile does not reset the connection before it has read the error.
   */
  private closeGracefully = false;
  /** Listener, principal and SASL state (src/broker/security). */
  readonly session: SecuritySession;
  /** A response over a client quota was written: nothing is taken up until this ends. */
  private throttled = false;

  constructor(
    private readonly socket: Socket,
    private readonly options: ConnectionOptions,
  ) {
    this.session = options.newSession?.(socket) ?? new SecuritySession({ listener: 'PLAINTEXT', protocol: 'PLAINTEXT' });
    // Before SASL authentication completes, frames are held to sasl.server.max.receive.size.
    this.frames = new FrameReader(() => this.session.maxFrameBytes(options.maxRequestBytes));
    this.clientAddress = `${socket.remoteAddress}:${socket.remotePort}`;
    socket.setNoDelay(true);
    socket.on('data', (chunk) => this.onData(chunk));
    socket.on('error', (error) => this.options.logger.debug(`connection ${this.clientAddress}: ${error.message}`));
    socket.on('close', () => this.release());
    socket.on('drain', () => this.resumeIfDrained());
    const idleMs = options.connectionsMaxIdleMs ?? -1;
    this.idleMs = idleMs > 0 && idleMs < 2 ** 31 ? idleMs : 0;
    if (this.idleMs > 0) {
      // The socket's own timer counts from the last byte read or written.
      socket.setTimeout(this.idleMs);
      socket.on('timeout', () => this.onIdle());
    }
  }

  get stats(): ConnectionStats {
    return {
      clientAddress: this.clientAddress,
      bufferedRequestBytes: this.frames.bufferedBytes,
      pendingResponses: this.pending.length,
      heldRequests: this.held.length,
      unsentResponseBytes: this.socket.writableLength,
      listener: this.session.listener,
      principal: this.session.principal,
    };
  }

  /**
   * No bytes for connections.max.idle.ms. A connection that waits for a response (a long-poll
   * Fetch, a JoinGroup) is not idle: the broker owes it an answer.
   */
  private onIdle(): void {
    if (this.closed) return;
    if (this.pending.length > 0) {
      this.idleWhileBusy = true;
      return;
    }
    const partial = this.frames.bufferedBytes > 0 ? ` with ${this.frames.bufferedBytes} bytes of an incomplete request` : '';
    this.options.logger.warn(`closing connection from ${this.clientAddress}: idle for connections.max.idle.ms (${this.idleMs} ms)${partial}`);
    this.close();
  }

  /** The socket is gone: nothing this connection buffered or queued outlives it. */
  private release(): void {
    this.closed = true;
    this.frames.clear();
    this.pending.length = 0;
    this.held.length = 0;
    for (const callback of [...this.closeCallbacks]) callback();
    this.closeCallbacks.clear();
  }

  close(): void {
    this.closed = true;
    this.socket.destroy();
  }

  private readonly onConnectionClose = (callback: () => void): (() => void) => {
    if (this.closed) {
      callback();
      return () => undefined;
    }
    this.closeCallbacks.add(callback);
    return () => this.closeCallbacks.delete(callback);
  };

  private onData(chunk: Buffer): void {
    let frames: Buffer[];
    try {
      frames = this.frames.push(chunk);
    } catch (error) {
      if (!(error instanceof FrameSizeError)) throw error;
      this.options.logger.warn(`closing connection from ${this.clientAddress}: ${error.message}`);
      this.close();
      return;
    }
    this.held.push(...frames);
    this.dispatchHeld();
  }

  /**
   * Muted: a request is in progress (its response not written yet), or the client has not taken
   * enough of the responses already written. No further request is taken up meanwhile.
   */
  private get muted(): boolean {
    return this.pending.length > 0 || this.throttled || this.socket.writableLength > MAX_UNSENT_RESPONSE_BYTES;
  }

  /**
   * Whether to stop reading the socket: the client sends much more than it waits for, or does
   * not read its responses. Short of that the socket is read while muted, so that a client that
   * closes its end while its request waits (a long poll) is noticed.
   */
  private get backlogged(): boolean {
    return this.held.length >= MAX_HELD_REQUESTS || this.socket.writableLength > MAX_UNSENT_RESPONSE_BYTES;
  }

  /** Takes up the next request read, unless muted; pauses the socket while backlogged. */
  private dispatchHeld(): void {
    if (this.dispatching) return; // a response written on the way calls back here
    this.dispatching = true;
    try {
      while (this.held.length > 0 && !this.closed && !this.muted) this.dispatch(this.held.shift()!);
    } finally {
      this.dispatching = false;
    }
    if (this.closed) return;
    if (this.backlogged || this.throttled) this.socket.pause();
    else if (this.socket.isPaused()) this.socket.resume();
  }

  private dispatch(frame: Buffer): void {
    if (this.session.discardsRequests) return;
    if (this.session.expectsRawToken) return this.dispatchRawToken(frame);
    let header: RequestHeader;
    let bodyOffset: number;
    try {
      ({ header, bodyOffset } = readRequestHeaderFrom(frame));
    } catch (error) {
      return this.reject(`malformed request header: ${(error as Error).message}`);
    }
    const handler = this.options.handlers.get(header.apiKey);
    if (!handler) return this.reject(`unsupported API key ${header.apiKey}`);
    if (header.apiVersion < handler.minVersion || header.apiVersion > handler.maxVersion) {
      // Kafka answers an ApiVersions version it does not know with a v0 body: error 35 and its
      // ranges, so the client can retry with a version both sides know. Other APIs: close.
      if (header.apiKey === ApiKeys.ApiVersions) {
        const body = { errorCode: ErrorCode.UNSUPPORTED_VERSION, apiKeys: this.options.apiVersions() };
        this.respondInOrder(header, () => encodeResponse(ApiKeys.ApiVersions, 0, header.correlationId, body));
        return;
      }
      return this.reject(`unsupported version ${header.apiVersion} of API ${header.apiKey}`);
    }
    const refused = this.session.admit(header.apiKey);
    if (refused !== null) return this.reject(refused);
    let request: unknown;
    try {
      request = decodeRequestBody(header.apiKey as KnownApiKey, header.apiVersion, frame, bodyOffset);
    } catch (error) {
      if (!(error instanceof ProtocolDecodeError)) throw error;
      return this.reject(`malformed request (API ${header.apiKey} v${header.apiVersion}): ${error.message}`);
    }
    const encodeBody = (body: unknown): Buffer => encodeResponse(header.apiKey as KnownApiKey, header.apiVersion, header.correlationId, body as never);
    const throttler = this.options.throttler?.active ? this.options.throttler : null;
    let throttleMs = 0;
    let handlerNanos = 0;
    const quotaRequest = () => ({ apiKey: header.apiKey, request, clientId: header.clientId, principal: this.session.principal, requestBytes: frame.length, handlerNanos });
    const encode = (body: unknown): Outcome => {
      if (body === CLOSE_CONNECTION) return body;
      if (body === NO_RESPONSE) {
        if (throttler) throttleMs = throttler.throttleNoResponse(quotaRequest());
        return body;
      }
      if (!throttler) return encodeBody(body);
      const started = process.hrtime.bigint();
      const encoded = encodeBody(body);
      handlerNanos += Number(process.hrtime.bigint() - started);
      const throttled = throttler.throttleResponse(quotaRequest(), body as object, encoded, encodeBody);
      throttleMs = throttled.throttleMs;
      return throttled.frame;
    };
    const fault = this.options.responseFault?.(header.apiKey) ?? null;
    const work = () => {
      const started = throttler ? process.hrtime.bigint() : 0n;
      const result = handler.handle(request as never, {
        header,
        clientAddress: this.clientAddress,
        onConnectionClose: this.onConnectionClose,
        session: this.session,
        closeAfterResponse: (delayMs) => this.closeAfterResponse(header, delayMs),
      });
      if (throttler) handlerNanos += Number(process.hrtime.bigint() - started);
      const encoded = result instanceof Promise ? result.then(encode) : encode(result);
      if (fault === null) return encoded;
      const kept = Promise.resolve(encoded).then((frame) => (fault.drop ? NO_RESPONSE : frame));
      return fault.delayMs > 0 ? kept.then((frame) => new Promise<typeof frame>((resolve) => setTimeout(() => resolve(frame), fault.delayMs))) : kept;
    };
    this.respondInOrder(header, work, () => throttleMs);
  }

  /** A SASL token after a v0 handshake: answered with a bare token, or the connection closes. */
  private dispatchRawToken(frame: Buffer): void {
    const header: RequestHeader = { apiKey: ApiKeys.SaslAuthenticate, apiVersion: -1, correlationId: -1, clientId: null };
    this.respondInOrder(header, () => this.session.rawToken(frame) ?? CLOSE_CONNECTION);
  }

  /** Closes the connection once the responses queued so far are written, `delayMs` later (a failed authentication). */
  private closeAfterResponse(header: RequestHeader, delayMs: number): void {
    this.closeGracefully = true;
    this.respondInOrder(header, () => (delayMs > 0 ? new Promise((resolve) => setTimeout(() => resolve(CLOSE_CONNECTION), delayMs)) : CLOSE_CONNECTION));
  }

  /**
   * Runs a request's work and slots its encoded response into the queue, which is written in
   * request order whatever order the work finishes in.
   */
  private respondInOrder(header: RequestHeader, work: () => Outcome | Promise<Outcome>, throttleMs?: () => number): void {
    const slot: PendingResponse = { frame: null, done: false, close: false, throttleMs: 0 };
    this.pending.push(slot);
    const finish = (frame: Outcome) => {
      if (this.closed) return;
      slot.done = true;
      slot.close = frame === CLOSE_CONNECTION;
      slot.frame = frame === NO_RESPONSE || frame === CLOSE_CONNECTION ? null : frame;
      slot.throttleMs = throttleMs?.() ?? 0;
      this.flush();
    };
    const fail = (error: unknown) => {
      // A handler bug must not take the broker down: drop this client, which will reconnect.
      this.options.logger.error(`request API ${header.apiKey} v${header.apiVersion} failed: ${(error as Error)?.stack ?? error}`);
      this.close();
    };
    try {
      const result = work();
      if (result instanceof Promise) result.then(finish, fail);
      else finish(result);
    } catch (error) {
      fail(error);
    }
  }

  private flush(): void {
    if (this.closed) return;
    let wrote = false;
    while (this.pending.length > 0 && this.pending[0]!.done) {
      const slot = this.pending.shift()!;
      if (slot.close) {
        if (wrote) this.socket.uncork();
        this.options.logger.debug(`closing connection from ${this.clientAddress} as its request asked`);
        this.closed = true;
        // Written responses go out first; then the socket closes both ways, as Kafka closes the channel.
        if (this.closeGracefully) {
          this.socket.end();
          setTimeout(() => this.socket.destroy(), 5_000).unref();
        } else {
          this.socket.end(() => this.socket.destroy());
        }
        return;
      }
      if (slot.frame) {
        if (!wrote) this.socket.cork();
        wrote = true;
        this.socket.write(slot.frame);
      }
      if (slot.throttleMs > 0) this.startThrottling(slot.throttleMs);
    }
    if (wrote) this.socket.uncork();
    if (this.idleWhileBusy && this.pending.length === 0) {
      this.idleWhileBusy = false;
      this.socket.setTimeout(this.idleMs);
    }
    this.resumeIfDrained();
  }

  /**
   * KIP-219: the response over quota has gone out with its throttle_time_ms; the socket is
   * not read, and requests already read are not taken up, until the throttle time has passed.
   */
  private startThrottling(throttleMs: number): void {
    this.throttled = true;
    this.socket.pause();
    this.options.throttler!.afterDelay(throttleMs, () => {
      this.throttled = false;
      if (!this.closed) this.dispatchHeld();
    });
  }

  /** A response was written or the client took some: the next request may be taken up. */
  private resumeIfDrained(): void {
    if (this.closed || this.socket.writableLength > MAX_UNSENT_RESPONSE_BYTES / 2) return;
    this.dispatchHeld();
  }

  private reject(reason: string): void {
    this.options.logger.warn(`closing connection from ${this.clientAddress}: ${reason}`);
    this.close();
  }
}
