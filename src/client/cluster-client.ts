// A Kafka cluster as the command-line tools see it: bootstrap connection, Metadata, and one
// lazily opened connection per broker so that partition requests go to the partition's leader.
import { ErrorCode, KafkaProtocolError, isRetriable } from '../protocol/error-codes.js';
import { ApiKeys } from '../protocol/generated/messages.js';
import { ZERO_UUID } from '../protocol/schema/uuid.js';
import { ConnectionError } from './errors.js';
import { KafkaConnection, type KafkaConnectionOptions } from './kafka-connection.js';

export interface BrokerAddress {
  host: string;
  port: number;
}

export interface BrokerInfo extends BrokerAddress {
  nodeId: number;
  rack: string | null;
}

export interface PartitionInfo {
  partition: number;
  errorCode: number;
  /** -1 without a leader. */
  leaderId: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
}

export interface TopicInfo {
  name: string;
  /** ZERO_UUID when the broker's Metadata version has no topic ids (before v10). */
  topicId: string;
  isInternal: boolean;
  errorCode: number;
  partitions: PartitionInfo[];
}

export interface ClusterMetadata {
  clusterId: string | null;
  controllerId: number;
  brokers: Map<number, BrokerInfo>;
  topics: TopicInfo[];
}

export interface ClusterClientOptions {
  /** `host:port[,host:port...]` or a list of them. */
  bootstrapServers: string | readonly string[];
  clientId?: string;
  softwareVersion?: string;
  requestTimeoutMs?: number;
  /** How long to keep trying the bootstrap servers (default 10 s). */
  bootstrapTimeoutMs?: number;
  /** TLS options for every connection (SSL and SASL_SSL listeners). */
  tls?: KafkaConnectionOptions['tls'];
  /** SASL credentials for every connection (SASL_PLAINTEXT and SASL_SSL listeners). */
  sasl?: KafkaConnectionOptions['sasl'];
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Parses `host:port` lists; `[v6addr]:port` works too. */
export function parseBootstrapServers(servers: string | readonly string[]): BrokerAddress[] {
  const list = (typeof servers === 'string' ? [servers] : servers).flatMap((s) => s.split(',')).map((s) => s.trim()).filter((s) => s !== '');
  if (list.length === 0) throw new Error('no bootstrap server given');
  return list.map((entry) => {
    const colon = entry.lastIndexOf(':');
    const port = Number(entry.slice(colon + 1));
    let host = entry.slice(0, colon);
    if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
    if (colon <= 0 || !Number.isInteger(port) || port <= 0 || port > 65535 || host === '') throw new Error(`invalid bootstrap server "${entry}" (expected host:port)`);
    return { host, port };
  });
}

/** Why a topic cannot be used yet (an error code), or NONE. */
function topicProblem(topic: TopicInfo | undefined): number {
  if (!topic) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
  if (topic.errorCode !== ErrorCode.NONE) return topic.errorCode;
  if (topic.partitions.length === 0) return ErrorCode.LEADER_NOT_AVAILABLE;
  for (const p of topic.partitions) {
    // REPLICA_NOT_AVAILABLE only says a follower is down; the leader serves.
    if (p.errorCode !== ErrorCode.NONE && p.errorCode !== ErrorCode.REPLICA_NOT_AVAILABLE) return p.errorCode;
    if (p.leaderId < 0) return ErrorCode.LEADER_NOT_AVAILABLE;
  }
  return ErrorCode.NONE;
}

export class ClusterClient {
  private readonly connections = new Map<string, Promise<KafkaConnection>>();
  private brokers = new Map<number, BrokerInfo>();
  private controllerId = -1;
  private closed = false;

  private constructor(
    private readonly options: ClusterClientOptions,
    private readonly bootstrapAddresses: BrokerAddress[],
    private bootstrapConnection: KafkaConnection,
  ) {
    this.connections.set(bootstrapConnection.broker, Promise.resolve(bootstrapConnection));
  }

  /** Connects to the first reachable bootstrap server, retrying the list until the timeout. */
  static async connect(options: ClusterClientOptions): Promise<ClusterClient> {
    const addresses = parseBootstrapServers(options.bootstrapServers);
    const deadline = Date.now() + (options.bootstrapTimeoutMs ?? 10_000);
    let lastError: unknown;
    for (let backoff = 100; ; backoff = Math.min(backoff * 2, 1000)) {
      for (const address of addresses) {
        try {
          const connection = await KafkaConnection.connect(ClusterClient.connectionOptions(options, address));
          return new ClusterClient(options, addresses, connection);
        } catch (error) {
          lastError = error;
        }
      }
      if (Date.now() + backoff > deadline) break;
      await sleep(backoff);
    }
    const cause = lastError instanceof Error && lastError.cause instanceof Error ? lastError.cause : lastError;
    const detail = cause instanceof Error ? cause.message : String(cause);
    throw new ConnectionError(`could not connect to any bootstrap server (${detail})`, addresses.map((a) => `${a.host}:${a.port}`).join(','));
  }

  private static connectionOptions(options: ClusterClientOptions, address: BrokerAddress): KafkaConnectionOptions {
    return { ...address, clientId: options.clientId, softwareVersion: options.softwareVersion, requestTimeoutMs: options.requestTimeoutMs, tls: options.tls, sasl: options.sasl };
  }

  /** A connection for requests any broker can answer (Metadata, DescribeConfigs, ...). */
  async anyConnection(): Promise<KafkaConnection> {
    if (!this.bootstrapConnection.closed) return this.bootstrapConnection;
    for (const address of this.bootstrapAddresses) {
      try {
        this.bootstrapConnection = await this.connectionTo(address);
        return this.bootstrapConnection;
      } catch {
        // try the next one
      }
    }
    for (const broker of this.brokers.values()) {
      try {
        return (this.bootstrapConnection = await this.connectionTo(broker));
      } catch {
        // try the next one
      }
    }
    throw new ConnectionError('no broker reachable', this.bootstrapAddresses.map((a) => `${a.host}:${a.port}`).join(','));
  }

  /** The connection to a broker by node id (from the last Metadata), opened on first use. */
  async connectionToNode(nodeId: number): Promise<KafkaConnection> {
    const broker = this.brokers.get(nodeId);
    if (!broker) {
      await this.metadata([]);
      const refreshed = this.brokers.get(nodeId);
      if (!refreshed) throw new KafkaProtocolError(ErrorCode.BROKER_NOT_AVAILABLE, `broker ${nodeId} is not in the cluster metadata`);
      return this.connectionTo(refreshed);
    }
    return this.connectionTo(broker);
  }

  /** Admin requests that change topics go to the controller when Metadata names one. */
  async controllerConnection(): Promise<KafkaConnection> {
    if (this.controllerId < 0) await this.metadata([]);
    if (this.controllerId >= 0 && this.brokers.has(this.controllerId)) return this.connectionToNode(this.controllerId);
    return this.anyConnection();
  }

  /**
   * Metadata for the given topics (null: all topics). Also refreshes the broker list that
   * {@link connectionToNode} uses.
   */
  async metadata(topics: readonly string[] | null, options: { allowAutoTopicCreation?: boolean } = {}): Promise<ClusterMetadata> {
    const connection = await this.anyConnection();
    const version = connection.versionFor(ApiKeys.Metadata);
    // v0 has no null: an empty array means "all topics" there (so "no topics" lists all too).
    const requested = topics === null ? (version === 0 ? [] : null) : topics.map((name) => ({ name, topicId: ZERO_UUID }));
    const response = await connection.request(ApiKeys.Metadata, version, {
      topics: requested,
      allowAutoTopicCreation: options.allowAutoTopicCreation ?? false,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    });
    this.brokers = new Map(response.brokers.map((b) => [b.nodeId, { nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack }]));
    this.controllerId = response.controllerId;
    return {
      clusterId: response.clusterId,
      controllerId: response.controllerId,
      brokers: this.brokers,
      topics: response.topics
        .filter((t) => t.name !== null && t.name !== '')
        .map((t) => ({
          name: t.name!,
          topicId: t.topicId,
          isInternal: t.isInternal,
          errorCode: t.errorCode,
          partitions: t.partitions
            .map((p) => ({
              partition: p.partitionIndex,
              errorCode: p.errorCode,
              leaderId: p.leaderId,
              leaderEpoch: p.leaderEpoch,
              replicas: p.replicaNodes,
              isr: p.isrNodes,
            }))
            .sort((a, b) => a.partition - b.partition),
        })),
    };
  }

  /**
   * Metadata for topics that must exist with a leader for every partition: retriable errors
   * (topic still being created, leader election, unknown topic while auto-creation runs) are
   * retried until `timeoutMs`; `onRetry` hears about each one. Other errors throw.
   */
  async readyTopics(topics: readonly string[], options: { allowAutoTopicCreation?: boolean; timeoutMs?: number; onRetry?: (error: KafkaProtocolError) => void; stopped?: () => boolean } = {}): Promise<Map<string, TopicInfo>> {
    const deadline = Date.now() + (options.timeoutMs ?? 30_000);
    for (let backoff = 50; ; backoff = Math.min(backoff * 2, 1000)) {
      const metadata = await this.metadata(topics, { allowAutoTopicCreation: options.allowAutoTopicCreation });
      let problem: KafkaProtocolError | null = null;
      for (const name of topics) {
        const code = topicProblem(metadata.topics.find((t) => t.name === name));
        if (code !== ErrorCode.NONE) {
          problem = new KafkaProtocolError(code, `topic ${name}`);
          break;
        }
      }
      if (!problem) return new Map(metadata.topics.filter((t) => topics.includes(t.name)).map((t) => [t.name, t]));
      if (!isRetriable(problem.code) || Date.now() + backoff > deadline || options.stopped?.()) throw problem;
      options.onRetry?.(problem);
      await sleep(backoff);
    }
  }

  close(): void {
    this.closed = true;
    for (const pending of this.connections.values()) pending.then((c) => c.close(), () => undefined);
    this.connections.clear();
    this.bootstrapConnection.close();
  }

  private connectionTo(address: BrokerAddress): Promise<KafkaConnection> {
    if (this.closed) return Promise.reject(new ConnectionError('client closed', `${address.host}:${address.port}`));
    const key = `${address.host}:${address.port}`;
    const existing = this.connections.get(key);
    if (existing) {
      // Reuse an open (or opening) connection; replace a closed one.
      const reusable = existing.then(
        (c) => (c.closed ? null : c),
        () => null,
      );
      return reusable.then((c) => c ?? this.open(key, address));
    }
    return this.open(key, address);
  }

  private open(key: string, address: BrokerAddress): Promise<KafkaConnection> {
    const opening = KafkaConnection.connect(ClusterClient.connectionOptions(this.options, address));
    this.connections.set(key, opening);
    opening.catch(() => {
      if (this.connections.get(key) === opening) this.connections.delete(key);
    });
    return opening;
  }
}
