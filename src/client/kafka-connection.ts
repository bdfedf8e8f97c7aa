// One TCP connection to one Kafka broker: size-prefixed frames, correlation ids, a table of
// pending requests with timeouts, and the ApiVersions handshake that fixes which version of
// each API the two sides share.
import { connect, isIP, type Socket } from 'node:net';
import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { decodeResponse, encodeRequest, type KnownApiKey, type RequestOf, type ResponseOf } from '../protocol/codec.js';
import { ErrorCode, KafkaProtocolError } from '../protocol/error-codes.js';
import { ApiKeys } from '../protocol/generated/messages.js';
import { REQUEST_SPECS } from '../protocol/generated/specs.js';
import type { MessageInput } from '../protocol/input.js';
import { parseVersions, type VersionRange } from '../protocol/schema/versions.js';
import { ConnectionError, RequestTimeoutError, UnsupportedVersionError } from './errors.js';
import type { SaslCredentials } from './sasl-authenticator.js';

export interface KafkaConnectionOptions {
  host: string;
  port: number;
  /** The client.id sent in every request header. */
  clientId?: string;
  /** Sent in ApiVersions v3+ (Kafka checks both against [a-zA-Z0-9.-]). */
  softwareName?: string;
  softwareVersion?: string;
  /** Default 10 s. */
  connectTimeoutMs?: number;
  /** Default 30 s; a Fetch adds its own maxWaitMs on top. */
  requestTimeoutMs?: number;
  /** Connect over TLS with these options (ca, cert, key, ...); the host name is checked as Node does. */
  tls?: TlsConnectionOptions;
  /** Authenticate with SASL (PLAIN or SCRAM) right after the ApiVersions handshake. */
  sasl?: SaslCredentials;
}

export interface RequestOptions {
  timeoutMs?: number;
  /** For acks=0 produce requests: the broker sends no response; resolves once written. */
  noResponse?: boolean;
}

interface Pending {
  readonly apiKey: number;
  readonly decode: (frame: Buffer) => unknown;
  readonly resolve: (body: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/** Responses larger than this are treated as a broken stream rather than buffered. */
const MAX_RESPONSE_BYTES = 512 * 1024 * 1024;

/** The versions this codec can encode and decode, per API key. */
export function codecVersions(apiKey: number): VersionRange {
  const spec = REQUEST_SPECS[apiKey];
  return spec ? parseVersions(spec.versions) : { min: 1, max: 0 };
}

// node:tls and the SASL code are loaded only by connections that use them: most never do, and
// short-lived clients (the test fixture's admin) pay for every module they load.
async function openSocket(host: string, port: number, timeoutMs: number, broker: string, tls?: TlsConnectionOptions): Promise<Socket> {
  const connectTls = tls ? (await import('node:tls')).connect : undefined;
  return new Promise((resolve, reject) => {
    const socket = tls && connectTls ? connectTls({ ...tls, host, port, ...(isIP(host) === 0 ? { servername: host } : {}) }) : connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new ConnectionError(`connection timed out after ${timeoutMs} ms`, broker));
    }, timeoutMs);
    socket.once(tls ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      socket.setNoDelay(true);
      resolve(socket);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(new ConnectionError(error.message, broker, { cause: error }));
    });
  });
}

export class KafkaConnection {
  /** `host:port`, for messages. */
  readonly broker: string;
  private readonly clientId: string;
  private readonly requestTimeoutMs: number;
  private readonly pending = new Map<number, Pending>();
  private readonly brokerVersions = new Map<number, VersionRange>();
  private nextCorrelationId = 0;
  private chunks: Buffer[] = [];
  private buffered = 0;
  private frameSize = -1;
  private closedWith: Error | null = null;

  private constructor(
    private readonly socket: Socket,
    options: KafkaConnectionOptions,
  ) {
    this.broker = `${options.host}:${options.port}`;
    this.clientId = options.clientId ?? 'streamwright';
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => this.fail(new ConnectionError(error.message, this.broker, { cause: error })));
    socket.on('close', () => this.fail(new ConnectionError('connection closed', this.broker)));
  }

  /** Connects and performs the ApiVersions handshake. */
  static async connect(options: KafkaConnectionOptions): Promise<KafkaConnection> {
    const broker = `${options.host}:${options.port}`;
    const socket = await openSocket(options.host, options.port, options.connectTimeoutMs ?? 10_000, broker, options.tls);
    const connection = new KafkaConnection(socket, options);
    try {
      await connection.handshake(options.softwareName ?? 'streamwright', options.softwareVersion ?? '0.0.0');
      if (options.sasl) await (await import('./sasl-authenticator.js')).authenticate(connection, options.sasl);
    } catch (error) {
      connection.close();
      throw error;
    }
    return connection;
  }

  get closed(): boolean {
    return this.closedWith !== null;
  }

  /** The broker's advertised range for an API, if it serves it. */
  brokerRange(apiKey: number): VersionRange | undefined {
    return this.brokerVersions.get(apiKey);
  }

  /**
   * The version to use: the highest both sides know, optionally capped by `max` (e.g. a Fetch
   * without topic ids) and floored by `min`. Throws UnsupportedVersionError without overlap.
   */
  versionFor(apiKey: number, limits: { min?: number; max?: number } = {}): number {
    const ours = codecVersions(apiKey);
    const theirs = this.brokerVersions.get(apiKey);
    const name = REQUEST_SPECS[apiKey]?.name.replace(/Request$/, '') ?? `API ${apiKey}`;
    if (!theirs) throw new UnsupportedVersionError(`broker ${this.broker} does not support ${name}`);
    const max = Math.min(ours.max, theirs.max, limits.max ?? Infinity);
    const min = Math.max(ours.min, theirs.min, limits.min ?? 0);
    if (max < min) throw new UnsupportedVersionError(`no usable version of ${name}: broker ${this.broker} serves ${theirs.min}-${theirs.max}`);
    return max;
  }

  /** Sends one request at an explicit version and resolves with the decoded response body. */
  request<K extends KnownApiKey>(apiKey: K, version: number, body: MessageInput<RequestOf<K>>, options: RequestOptions = {}): Promise<ResponseOf<K>> {
    return this.send(apiKey, version, body, (frame) => decodeResponse(apiKey, version, frame).body, options) as Promise<ResponseOf<K>>;
  }

  /** Rejects every pending request and closes the socket. */
  close(): void {
    this.fail(new ConnectionError('connection closed by the client', this.broker));
  }

  private send(apiKey: number, version: number, body: unknown, decode: (frame: Buffer) => unknown, options: RequestOptions): Promise<unknown> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    const correlationId = this.nextCorrelationId;
    this.nextCorrelationId = (this.nextCorrelationId + 1) & 0x7fffffff;
    let frame: Buffer;
    try {
      frame = encodeRequest({ apiKey: apiKey as KnownApiKey, apiVersion: version, correlationId, clientId: this.clientId }, body as never);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    if (options.noResponse) {
      return new Promise((resolve, reject) => this.socket.write(frame, (error) => (error ? reject(error) : resolve(undefined))));
    }
    return new Promise((resolve, reject) => {
      const timeoutMs = options.timeoutMs ?? this.requestTimeoutMs;
      const timer = setTimeout(() => {
        this.pending.delete(correlationId);
        reject(new RequestTimeoutError(`${REQUEST_SPECS[apiKey]?.name ?? apiKey} to ${this.broker} got no response within ${timeoutMs} ms`));
        // Kafka's clients drop the connection on a request timeout: the stream's state is unknown.
        this.close();
      }, timeoutMs);
      this.pending.set(correlationId, { apiKey, decode, resolve, reject, timer });
      this.socket.write(frame);
    });
  }

  private async handshake(softwareName: string, softwareVersion: string): Promise<void> {
    const ours = codecVersions(ApiKeys.ApiVersions);
    let version = ours.max;
    for (let attempt = 0; ; attempt++) {
      const response = (await this.send(ApiKeys.ApiVersions, version, { clientSoftwareName: softwareName, clientSoftwareVersion: softwareVersion }, (frame) => {
        // A broker that does not know our version answers with a v0 body and error 35.
        const errorCode = frame.length >= 6 ? frame.readInt16BE(4) : ErrorCode.NONE;
        return decodeResponse(ApiKeys.ApiVersions, errorCode === ErrorCode.UNSUPPORTED_VERSION ? 0 : version, frame).body;
      }, {})) as ResponseOf<18>;
      if (response.errorCode === ErrorCode.UNSUPPORTED_VERSION && attempt === 0) {
        const theirs = response.apiKeys.find((k) => k.apiKey === ApiKeys.ApiVersions);
        version = Math.min(ours.max, theirs?.maxVersion ?? 0);
        continue;
      }
      if (response.errorCode !== ErrorCode.NONE) throw new KafkaProtocolError(response.errorCode, `ApiVersions v${version} to ${this.broker}`);
      for (const k of response.apiKeys) this.brokerVersions.set(k.apiKey, { min: k.minVersion, max: k.maxVersion });
      return;
    }
  }

  private onData(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    while (!this.closedWith) {
      if (this.frameSize < 0) {
        if (this.buffered < 4) return;
        this.frameSize = this.take(4).readInt32BE(0);
        if (this.frameSize < 4 || this.frameSize > MAX_RESPONSE_BYTES) {
          this.fail(new ConnectionError(`invalid response size ${this.frameSize}`, this.broker));
          return;
        }
      }
      if (this.buffered < this.frameSize) return;
      const frame = this.take(this.frameSize);
      this.frameSize = -1;
      this.dispatch(frame);
    }
  }

  /** Removes and returns the next n buffered bytes. */
  private take(n: number): Buffer {
    this.buffered -= n;
    const first = this.chunks[0]!;
    if (first.length >= n) {
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const head = this.chunks[0]!;
      const used = Math.min(head.length, n - filled);
      head.copy(out, filled, 0, used);
      filled += used;
      if (used === head.length) this.chunks.shift();
      else this.chunks[0] = head.subarray(used);
    }
    return out;
  }

  private dispatch(frame: Buffer): void {
    const correlationId = frame.readInt32BE(0);
    const pending = this.pending.get(correlationId);
    // A response to a request that already timed out: nobody waits for it any more.
    if (!pending) return;
    this.pending.delete(correlationId);
    clearTimeout(pending.timer);
    let body: unknown;
    try {
      body = pending.decode(frame);
    } catch (error) {
      pending.reject(error as Error);
      return;
    }
    pending.resolve(body);
  }

  private fail(error: Error): void {
    if (this.closedWith) return;
    this.closedWith = error;
    for (const pending of this.pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(error);
    }
    this.pending.clear();
    this.chunks = [];
    this.socket.destroy();
  }
}
