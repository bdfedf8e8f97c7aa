import { ConnectionError } from '../../../client/errors.js';
import { KafkaConnection } from '../../../client/kafka-connection.js';
import type { SaslCredentials } from '../../../client/sasl-authenticator.js';
import type { KnownApiKey, RequestOf, ResponseOf } from '../../../protocol/codec.js';
import type { MessageInput } from '../../../protocol/input.js';

/** Longer than a coordinator write waits for the ISR on the other side (COORDINATOR_WRITE_TIMEOUT_MS in runtime/coordinator-context.ts). */
const REQUEST_TIMEOUT_MS = 40_000;
const CONNECT_TIMEOUT_MS = 5_000;

/** Requests to the other brokers of the cluster (the request channel the transaction coordinator is given). */
export interface BrokerRequestChannel {
  /** Sends one request to broker `nodeId` at the highest version both sides know (capped by `limits`). */
  request<K extends KnownApiKey>(nodeId: number, apiKey: K, body: MessageInput<RequestOf<K>>, limits?: { min?: number; max?: number }): Promise<ResponseOf<K>>;
  /** Closes every connection (broker shutdown): requests in flight fail. */
  close(): void;
}

/** Where the other brokers are and how to reach them. */
export interface InterBrokerRoutes {
  readonly localId: number;
  /** A registered broker's inter-broker address (undefined: not registered). */
  endpoint(nodeId: number): { host: string; port: number } | undefined;
  /** False while fault injection cuts this broker off from `nodeId`. */
  canReach(nodeId: number): boolean;
  /** TLS for the inter-broker listener (null: plaintext). */
  tls(): { ca?: string; cert: string; key: string; passphrase?: string } | null;
  /** SASL credentials for a SASL inter-broker listener (null: none). */
  sasl(): SaslCredentials | null;
}

interface Open {
  readonly address: string;
  readonly connection: Promise<KafkaConnection>;
}

/**
 * The transaction coordinator's connections to the other brokers of the cluster (Kafka's
 * inter-broker NetworkClient of the TransactionMarkerChannelManager and the
 * AddPartitionsToTxnManager): one Kafka-protocol connection per broker, opened on first use
 * with the ApiVersions handshake and again after it broke or the broker moved. A broker cut
 * off by fault injection (`faults.isolate`) reaches nobody, as with the replica fetchers.
 */
export class InterBrokerConnections implements BrokerRequestChannel {
  private readonly open = new Map<number, Open>();
  private closed = false;

  constructor(private readonly routes: InterBrokerRoutes) {}

  /** Sends one request to broker `nodeId` at the highest version both sides know (capped by `limits`). */
  async request<K extends KnownApiKey>(nodeId: number, apiKey: K, body: MessageInput<RequestOf<K>>, limits: { min?: number; max?: number } = {}): Promise<ResponseOf<K>> {
    const connection = await this.connectionTo(nodeId);
    return connection.request(apiKey, connection.versionFor(apiKey, limits), body);
  }

  private async connectionTo(nodeId: number): Promise<KafkaConnection> {
    if (!this.routes.canReach(nodeId)) throw new ConnectionError(`broker ${this.routes.localId} cannot reach broker ${nodeId} (isolated)`, `broker ${nodeId}`);
    if (this.closed) throw new ConnectionError('the broker is shutting down', `broker ${nodeId}`);
    const endpoint = this.routes.endpoint(nodeId);
    if (!endpoint) throw new ConnectionError(`broker ${nodeId} is not registered`, `broker ${nodeId}`);
    const address = `${endpoint.host}:${endpoint.port}`;
    const existing = this.open.get(nodeId);
    if (existing && existing.address === address) {
      const connection = await existing.connection.catch(() => null);
      if (connection && !connection.closed) return connection;
    }
    existing?.connection.then((c) => c.close(), () => undefined);
    const connection = KafkaConnection.connect({
      host: endpoint.host,
      port: endpoint.port,
      clientId: `streamwright-broker-${this.routes.localId}`,
      ...tlsOption(this.routes.tls()),
      ...saslOption(this.routes.sasl()),
      connectTimeoutMs: CONNECT_TIMEOUT_MS,
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
    });
    this.open.set(nodeId, { address, connection });
    connection.catch(() => {
      if (this.open.get(nodeId)?.connection === connection) this.open.delete(nodeId);
    });
    const opened = await connection;
    // Shut down while connecting: do not leave the socket behind.
    if (this.closed) opened.close();
    return opened;
  }

  /** Closes every connection (broker shutdown): requests in flight fail with a ConnectionError. */
  close(): void {
    this.closed = true;
    for (const { connection } of this.open.values()) connection.then((c) => c.close(), () => undefined);
    this.open.clear();
  }
}

const tlsOption = (tls: ReturnType<InterBrokerRoutes['tls']>) => (tls ? { tls } : {});
const saslOption = (sasl: SaslCredentials | null) => (sasl ? { sasl } : {});
