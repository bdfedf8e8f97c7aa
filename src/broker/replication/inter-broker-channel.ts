import { ConnectionError } from '../../client/errors.js';
import { KafkaConnection, type KafkaConnectionOptions } from '../../client/kafka-connection.js';
import type { SaslCredentials } from '../../client/sasl-authenticator.js';
import type { BrokerEndpoint } from '../cluster/broker-endpoint.js';

/** How a component's connections to another broker identify themselves and time out. */
export interface ChannelOptions {
  clientId: string;
  connectTimeoutMs: number;
  requestTimeoutMs?: number;
}

/**
 * How a broker reaches the other brokers of its cluster: their registered addresses, whether
 * they can be reached at all (fault injection cuts an isolated broker off), and Kafka-protocol
 * connections to them over the inter-broker listener.
 */
export interface InterBrokerChannel {
  canReach(nodeId: number): boolean;
  /** The address broker `nodeId` registered with; undefined when it is not registered. */
  endpoint(nodeId: number): BrokerEndpoint | undefined;
  /** A new connection to broker `nodeId`, after the ApiVersions handshake; fails with a ConnectionError when it cannot be reached. */
  connect(nodeId: number, options: ChannelOptions): Promise<KafkaConnection>;
}

/** What a broker's channel is built from: the cluster's registrations, fault injection, TLS and SASL. */
export interface ClusterChannelSource {
  readonly localId: number;
  readonly endpoint: (nodeId: number) => BrokerEndpoint | undefined;
  readonly canReach: (from: number, to: number) => boolean;
  /** TLS options when the inter-broker listener is SSL, else null (read on each connect). */
  readonly tls: () => NonNullable<KafkaConnectionOptions['tls']> | null;
  /** SASL credentials when the inter-broker listener is SASL_PLAINTEXT or SASL_SSL, else null. */
  readonly sasl: () => SaslCredentials | null;
}

/** The channel of a broker in an in-process cluster (one broker alone has no one to reach). */
export class ClusterChannel implements InterBrokerChannel {
  constructor(private readonly source: ClusterChannelSource) {}

  canReach(nodeId: number): boolean {
    return this.source.canReach(this.source.localId, nodeId);
  }

  endpoint(nodeId: number): BrokerEndpoint | undefined {
    return this.source.endpoint(nodeId);
  }

  async connect(nodeId: number, options: ChannelOptions): Promise<KafkaConnection> {
    if (!this.canReach(nodeId)) throw new ConnectionError(`broker ${this.source.localId} cannot reach broker ${nodeId} (isolated)`, `broker ${nodeId}`);
    const endpoint = this.endpoint(nodeId);
    if (!endpoint) throw new ConnectionError(`broker ${nodeId} is not registered`, `broker ${nodeId}`);
    const tls = this.source.tls();
    const sasl = this.source.sasl();
    return KafkaConnection.connect({ host: endpoint.host, port: endpoint.port, ...options, ...(tls ? { tls } : {}), ...(sasl ? { sasl } : {}) });
  }
}
