import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BrokerConfig, type ConfigValue } from './config/broker-config.js';
import { ClusterMetadata } from './cluster/cluster-metadata.js';
import { Controller } from './cluster/controller.js';
import { GroupCoordinator } from './coordinator/group/group-coordinator.js';
import { TransactionCoordinator } from './coordinator/transaction/transaction-coordinator.js';
import { createHandlers } from './handlers/index.js';
import type { ApiHandler } from './handlers/api-handler.js';
import { consoleLogger, type BrokerLogger } from './logger.js';
import { ReplicaManager } from './replica-manager.js';
import { KafkaServer } from './server/kafka-server.js';

export interface BrokerOptions {
  /** Directory for the log and metadata; created if missing. */
  dataDir: string;
  /** Kafka's node.id (default: the `node.id` config, else 0). */
  nodeId?: number;
  /** Address to bind (default 127.0.0.1). */
  host?: string;
  /** Port to bind; 0 picks a free one (default 0). */
  port?: number;
  /** Host name put in Metadata responses (default: `host`). */
  advertisedHost?: string;
  /** Broker configs with Kafka's names. */
  config?: Readonly<Record<string, ConfigValue>>;
  logger?: BrokerLogger;
  /** Clock for log rolling and retention; tests inject one. */
  now?: () => number;
}

export interface BrokerEndpoint {
  nodeId: number;
  host: string;
  port: number;
}

/**
 * One Kafka broker: the TCP server, the API handlers, cluster metadata, the controller,
 * the replica manager that owns the partitions' logs, and the group and transaction
 * coordinators. Everything runs on Node's event loop, so each piece of state has one owner
 * and handlers never race.
 */
export class KafkaBroker {
  readonly config: BrokerConfig;
  readonly logger: BrokerLogger;
  readonly nodeId: number;
  readonly dataDir: string;
  readonly now: () => number;
  readonly metadata: ClusterMetadata;
  readonly controller: Controller;
  readonly replicaManager: ReplicaManager;
  readonly groupCoordinator: GroupCoordinator;
  readonly transactionCoordinator: TransactionCoordinator;
  readonly handlers: ReadonlyMap<number, ApiHandler>;
  private readonly server: KafkaServer;
  private readonly bindHost: string;
  private advertisedHost: string;
  private boundPort = -1;

  private constructor(options: BrokerOptions) {
    this.config = new BrokerConfig(options.config);
    this.logger = options.logger ?? consoleLogger('warn', `broker`);
    this.nodeId = options.nodeId ?? this.config.int('node.id');
    this.dataDir = options.dataDir;
    this.now = options.now ?? Date.now;
    this.bindHost = options.host ?? '127.0.0.1';
    this.advertisedHost = options.advertisedHost ?? this.bindHost;
    mkdirSync(this.dataDir, { recursive: true });
    this.metadata = ClusterMetadata.load(this.dataDir);
    this.refreshDynamicConfig();
    this.writeMetaProperties();
    this.controller = new Controller(this);
    this.replicaManager = new ReplicaManager(this);
    this.groupCoordinator = new GroupCoordinator(this);
    this.transactionCoordinator = new TransactionCoordinator(this);
    this.handlers = createHandlers(this);
    this.server = new KafkaServer({
      handlers: this.handlers,
      maxRequestBytes: this.config.int('socket.request.max.bytes'),
      logger: this.logger,
      apiVersions: () => this.apiVersionRanges(),
    });
  }

  /** Opens the data dir (recovering logs as needed) and starts listening. */
  static async start(options: BrokerOptions): Promise<KafkaBroker> {
    const broker = new KafkaBroker(options);
    broker.replicaManager.startup();
    broker.groupCoordinator.startup();
    // After the groups: completing in-doubt transactions commits their pending offsets.
    broker.transactionCoordinator.startup();
    broker.boundPort = await broker.server.listen(options.port ?? 0, broker.bindHost);
    broker.logger.info(`broker ${broker.nodeId} listening on ${broker.bindHost}:${broker.boundPort}`);
    return broker;
  }

  get port(): number {
    return this.boundPort;
  }
  get host(): string {
    return this.advertisedHost;
  }

  /** Stops listening, closes every connection and closes the logs cleanly. */
  async stop(): Promise<void> {
    await this.server.close();
    this.transactionCoordinator.shutdown();
    this.groupCoordinator.shutdown();
    this.replicaManager.shutdown();
  }

  /** Re-reads the dynamic broker configs from cluster metadata after a change. */
  refreshDynamicConfig(): void {
    this.config.dynamic = {
      broker: this.metadata.dynamicBrokerConfigs(String(this.nodeId)),
      clusterDefault: this.metadata.dynamicBrokerConfigs(''),
    };
  }

  liveBrokers(): BrokerEndpoint[] {
    return [{ nodeId: this.nodeId, host: this.advertisedHost, port: this.boundPort }];
  }
  isLive(nodeId: number): boolean {
    return nodeId === this.nodeId;
  }
  controllerId(): number {
    return this.nodeId;
  }

  apiVersionRanges(): Array<{ apiKey: number; minVersion: number; maxVersion: number }> {
    return [...this.handlers.values()]
      .map((h) => ({ apiKey: h.apiKey, minVersion: h.minVersion, maxVersion: h.maxVersion }))
      .sort((a, b) => a.apiKey - b.apiKey);
  }

  /** Kafka's meta.properties, so the data dir looks like a Kafka log dir to its tools. */
  private writeMetaProperties(): void {
    const text = `#\n#${new Date().toUTCString()}\nnode.id=${this.nodeId}\nversion=1\ncluster.id=${this.metadata.clusterId}\n`;
    writeFileSync(join(this.dataDir, 'meta.properties'), text);
  }
}
