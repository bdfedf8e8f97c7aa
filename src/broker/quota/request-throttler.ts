import { ApiKeys } from '../../protocol/generated/messages.js';
import { CONSUMER_BYTE_RATE, PRODUCER_BYTE_RATE, REQUEST_PERCENTAGE, type ClientQuotaEntry } from './client-quota-entity.js';
import { ClientQuotaManager, type QuotaClient, type QuotaWindows } from './client-quota-manager.js';

/** What the connection knows about a request once its response is ready. */
export interface ThrottledRequest {
  readonly apiKey: number;
  /** The decoded request (Fetch: whether a follower sent it). */
  readonly request: unknown;
  readonly clientId: string | null;
  /** `User:alice`. */
  readonly principal: string;
  /** Size of the request frame. */
  readonly requestBytes: number;
  /** Time spent on the event loop handling it and encoding the response. */
  readonly handlerNanos: number;
}

export interface ThrottlerSettings {
  /** Every client quota, by entity key (the cluster metadata's). */
  readonly quotas: () => ReadonlyMap<string, ClientQuotaEntry>;
  readonly windows: () => QuotaWindows;
  readonly now: () => number;
  /** Runs `callback` after `delayMs` (the broker's clock). */
  readonly schedule: (callback: () => void, delayMs: number) => void;
}

/** Requests that are never throttled: authentication, and the brokers' own cluster actions. */
const EXEMPT = new Set<number>([ApiKeys.SaslHandshake, ApiKeys.SaslAuthenticate, ApiKeys.WriteTxnMarkers]);
/** request_percentage is a share of one thread per second: nanoseconds to percent. */
const NANOS_TO_PERCENT = 100 / 1e9;

const isFollowerFetch = (request: unknown): boolean => {
  const r = request as { replicaId?: number; replicaState?: { replicaId?: number } };
  return (r.replicaState?.replicaId ?? r.replicaId ?? -1) >= 0;
};

/**
 * Client quotas on the request path, as Kafka applies them since KIP-219: Produce records its
 * request bytes against producer_byte_rate, Fetch its response bytes against
 * consumer_byte_rate, every request its handling time against request_percentage. The larger
 * throttle goes into the response's throttle_time_ms, which is sent at once; the connection
 * then reads nothing more from the client for that long. A throttled Fetch is answered empty
 * and its bytes are taken back, as Kafka does.
 */
export class RequestThrottler {
  private readonly produce: ClientQuotaManager;
  private readonly fetch: ClientQuotaManager;
  private readonly request: ClientQuotaManager;

  constructor(private readonly settings: ThrottlerSettings) {
    const lookup = (key: string) => settings.quotas().get(key)?.values;
    this.produce = new ClientQuotaManager(PRODUCER_BYTE_RATE, lookup, settings.windows);
    this.fetch = new ClientQuotaManager(CONSUMER_BYTE_RATE, lookup, settings.windows);
    // Kafka caps a request-time throttle at one window.
    this.request = new ClientQuotaManager(REQUEST_PERCENTAGE, lookup, settings.windows, () => settings.windows().windowMs);
  }

  /** Whether any quota is set: without one the connection skips the accounting. */
  get active(): boolean {
    return this.settings.quotas().size > 0;
  }

  /**
   * The response to send and how long to mute the connection after it. `encode` re-encodes a
   * changed body (throttle_time_ms set, or an empty Fetch).
   */
  throttleResponse(req: ThrottledRequest, body: object, frame: Buffer, encode: (body: object) => Buffer): { frame: Buffer; throttleMs: number } {
    if (EXEMPT.has(req.apiKey) || (req.apiKey === ApiKeys.Fetch && isFollowerFetch(req.request))) return { frame, throttleMs: 0 };
    const client = this.client(req);
    const now = this.settings.now();
    const requestThrottle = this.request.recordAndGetThrottleTimeMs(client, req.handlerNanos * NANOS_TO_PERCENT, now);
    let bandwidthThrottle = 0;
    if (req.apiKey === ApiKeys.Produce) bandwidthThrottle = this.produce.recordAndGetThrottleTimeMs(client, req.requestBytes, now);
    if (req.apiKey === ApiKeys.Fetch) bandwidthThrottle = this.fetch.recordAndGetThrottleTimeMs(client, frame.length, now);
    const throttleMs = Math.max(requestThrottle, bandwidthThrottle);
    if (throttleMs <= 0) return { frame, throttleMs: 0 };
    if (req.apiKey === ApiKeys.Fetch) {
      this.fetch.unrecord(client, frame.length, now);
      return { frame: encode({ throttleTimeMs: throttleMs, errorCode: 0, sessionId: 0, responses: [] }), throttleMs };
    }
    if (!('throttleTimeMs' in body)) return { frame, throttleMs };
    const own = Number((body as { throttleTimeMs: unknown }).throttleTimeMs) || 0;
    return { frame: encode({ ...body, throttleTimeMs: Math.max(own, throttleMs) }), throttleMs };
  }

  /** A Produce with acks=0 gets no response: its bytes still count, and the connection is muted (no request quota, as Kafka). */
  throttleNoResponse(req: ThrottledRequest): number {
    if (req.apiKey !== ApiKeys.Produce) return 0;
    return this.produce.recordAndGetThrottleTimeMs(this.client(req), req.requestBytes, this.settings.now());
  }

  /** Ends a connection's throttle after `delayMs`. */
  afterDelay(delayMs: number, callback: () => void): void {
    this.settings.schedule(callback, delayMs);
  }

  private client(req: ThrottledRequest): QuotaClient {
    const colon = req.principal.indexOf(':');
    return { user: colon >= 0 ? req.principal.slice(colon + 1) : req.principal, clientId: req.clientId ?? '' };
  }
}
