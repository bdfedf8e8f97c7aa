import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BrokerConfig, type ConfigValue } from './config/broker-config.js';
import { ClusterMetadata } from './cluster/cluster-metadata.js';
import { MetadataImage, type ImageRecord } from './cluster/metadata-image.js';
import { authorizerSettings } from './security/authorizer/authorizer-config.js';
import { RequestAuthorizer } from './security/authorizer/request-authorizer.js';
import { StandardAuthorizer } from './security/authorizer/standard-authorizer.js';
import { systemClock, type Clock, type TimerHandle } from './clock.js';
import { Controller } from './cluster/controller.js';
import type { BrokerEndpoint } from './cluster/broker-endpoint.js';
import type { ClusterMembership } from './cluster/cluster-membership.js';
import type { BrokerContext } from './broker-context.js';
import { deleteGroups, describeGroup, listGroups } from './coordinator/group/group-admin.js';
import { createCoordinatorRuntime, createGroupCoordinator, createReplicaManager, createTransactionCoordinator } from './component-wiring.js';
import type { GroupCoordinator } from './coordinator/group/group-coordinator.js';
import type { CoordinatorRuntime } from './coordinator/runtime/coordinator-runtime.js';
import type { TransactionCoordinator } from './coordinator/transaction/transaction-coordinator.js';
import { createHandlers } from './handlers/index.js';
import type { ApiHandler } from './handlers/api-handler.js';
import { consoleLogger, type BrokerLogger } from './logger.js';
import type { ReplicaManager } from './replica-manager.js';
import { ClusterController } from './replication/cluster-controller.js';
import type { ClusterMember } from './replication/cluster-member.js';
import { ClusterChannel, type InterBrokerChannel } from './replication/inter-broker-channel.js';
import type { Faults } from './faults.js';
import { KafkaServer } from './server/kafka-server.js';
import { RequestThrottler } from './quota/request-throttler.js';
import type { ConnectionStats } from './server/connection.js';
import { CredentialStore } from './security/credential-store.js';
import { listenerSecurity } from './security/listener-security.js';
import { resolveListeners, usesSasl, usesTls, type Listener, type ListenerSettings } from './security/listeners.js';
import type { TlsSettings } from './security/tls-settings.js';
import type { SaslCredentials } from '../client/sasl-authenticator.js';
import { interBrokerSaslCredentials, verifyInterBrokerCredentials } from './security/inter-broker-sasl.js';

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
  /**
   * The source of time for every broker timer (sessions, retention, delayed requests,
   * transaction timeouts); default the real clock. Tests pass a ManualClock.
   */
  clock?: Clock;
  /**
   * The in-process cluster this broker joins (replication). Without one the broker runs a
   * controller of its own, a cluster of one, whose metadata file is in `dataDir`.
   */
  cluster?: ClusterController;
  /** Fault injection shared by the brokers of an embedded cluster. */
  faults?: Faults;
  /** SASL/PLAIN users (name to password) every SASL listener accepts, besides its JAAS config. */
  plainUsers?: ReadonlyMap<string, string>;
}

export type { BrokerEndpoint } from './cluster/broker-endpoint.js';

/**
 * One Kafka broker: the TCP server, the API handlers, cluster metadata, the controller,
 * the replica manager that owns the partitions' logs, and the group and transaction
 * coordinators. Everything runs on Node's event loop, so each piece of state has one owner
 * and handlers never race.
 *
 * This is the composition root: it builds every component and hands each the collaborators
 * it uses (a BrokerContext, a metadata view, the replica manager's interface, ...); the
 * handlers, the controller and the replication classes never see the broker itself.
 */
export class KafkaBroker implements ClusterMember, ClusterMembership {
  readonly config: BrokerConfig;
  readonly logger: BrokerLogger;
  /** Node id, configs, logger and clock: what every component may know about this broker. */
  readonly context: BrokerContext;
  /** Connections to the other brokers of the cluster (replica fetchers). */
  readonly interBrokerChannel: InterBrokerChannel;
  readonly nodeId: number;
  readonly dataDir: string;
  readonly clock: Clock;
  /** This broker's own image of the cluster metadata, fed by the cluster's controller. */
  readonly metadata: MetadataImage;
  /** Handles this broker's admin requests (CreateTopics, AlterConfigs, ...) on the cluster's controller. */
  readonly controller: Controller;
  readonly replicaManager: ReplicaManager;
  /** Runs the coordinators' internal topics (placement, creation, loading as leadership moves). */
  readonly coordinatorRuntime: CoordinatorRuntime;
  readonly groupCoordinator: GroupCoordinator;
  readonly transactionCoordinator: TransactionCoordinator;
  readonly handlers: ReadonlyMap<number, ApiHandler>;
  /** The cluster's controller: shared in an embedded cluster, this broker's own when it runs alone. */
  readonly cluster: ClusterController;
  /** Stops the controller this broker runs alone (nothing when it joined a shared one). */
  private readonly closeOwnController: () => void;
  readonly faults: Faults | undefined;
  /** One server per listener, in `listeners` order. */
  private readonly servers = new Map<string, KafkaServer>();
  private readonly boundPorts = new Map<string, number>();
  readonly listenerSettings: ListenerSettings;
  private readonly interBrokerTlsSettings: TlsSettings | null = null;
  /** What this broker authenticates with on a SASL inter-broker listener (null: no SASL). */
  readonly interBrokerSasl: SaslCredentials | null = null;
  private heartbeatTimer: TimerHandle | null = null;
  private state: 'starting' | 'running' | 'stopped' = 'starting';
  private readonly bindHost: string;
  private readonly advertisedHost: string;
  /** Client quotas, shared by every listener: a client's budget is per broker, whatever the listener. */
  private readonly throttler: RequestThrottler;

  private constructor(options: BrokerOptions) {
    this.config = new BrokerConfig(options.config);
    this.logger = options.logger ?? consoleLogger('warn', `broker`);
    for (const name of this.config.unknownStaticNames()) this.logger.warn(`config ${name} is not a config of this broker and is ignored`);
    this.nodeId = options.nodeId ?? this.config.int('node.id');
    this.dataDir = options.dataDir;
    this.clock = options.clock ?? systemClock;
    this.bindHost = options.host ?? '127.0.0.1';
    this.advertisedHost = options.advertisedHost ?? this.bindHost;
    mkdirSync(this.dataDir, { recursive: true });
    const cluster = options.cluster ?? this.controllerOfOne();
    this.cluster = cluster;
    this.closeOwnController = options.cluster ? () => {} : () => cluster.close();
    this.faults = options.faults;
    // What a KRaft broker catches up on before it starts: the controller's state as of now.
    this.metadata = new MetadataImage(cluster.snapshot());
    this.context = { nodeId: this.nodeId, config: this.config, logger: this.logger, clock: this.clock };
    this.interBrokerChannel = new ClusterChannel({
      localId: this.nodeId,
      endpoint: (nodeId) => this.metadata.endpoint(nodeId),
      canReach: (from, to) => !this.faults || this.faults.canReach(from, to),
      tls: () => this.interBrokerTls,
      sasl: () => this.interBrokerSasl,
    });
    this.refreshDynamicConfig();
    this.writeMetaProperties();
    this.controller = new Controller({ context: this.context, metadata: cluster.metadata, membership: cluster, publisher: cluster, elector: cluster });
    this.replicaManager = createReplicaManager(this, (topic, index, isLeader) => this.coordinatorRuntime.onLeadershipChange(topic, index, isLeader));
    this.coordinatorRuntime = createCoordinatorRuntime(this);
    this.groupCoordinator = createGroupCoordinator(this, this.coordinatorRuntime);
    this.transactionCoordinator = createTransactionCoordinator(this, this.coordinatorRuntime, this.groupCoordinator);
    const groups = this.groupCoordinator;
    const authorizer = authorizerSettings((key) => this.config.staticValue(key));
    this.handlers = createHandlers({
      context: this.context,
      metadata: this.metadata,
      membership: this,
      replicas: this.replicaManager,
      controller: this.controller,
      groups,
      groupAdmin: {
        describeGroup: (groupId) => describeGroup(groups, groupId),
        listGroups: (states, types) => listGroups(groups, states, types),
        deleteGroups: (groupIds) => deleteGroups(groups, groupIds),
      },
      transactions: this.transactionCoordinator,
      apiVersions: () => this.apiVersionRanges(),
      auth: new RequestAuthorizer(authorizer && new StandardAuthorizer(authorizer, this.metadata)),
    });
    this.listenerSettings = resolveListeners((key) => this.config.staticValue(key), { host: this.bindHost, port: options.port ?? 0, advertisedHost: this.advertisedHost });
    const interBroker = this.listenerSettings.listeners.find((l) => l.name === this.listenerSettings.interBrokerListener)!;
    if (options.cluster && usesSasl(interBroker.protocol)) {
      // A broker that joins others: replica fetchers and coordinator calls authenticate as this user.
      const enabled = (this.config.listenerValue(interBroker.name, 'sasl.enabled.mechanisms') ?? '').split(',').map((m) => m.trim().toUpperCase());
      this.interBrokerSasl = interBrokerSaslCredentials(this.config, interBroker, enabled);
    }
    this.throttler = new RequestThrottler({
      quotas: () => this.metadata.clientQuotas(),
      windows: () => ({ samples: this.config.int('quota.window.num'), windowMs: this.config.int('quota.window.size.seconds') * 1000 }),
      now: () => this.clock.now(),
      schedule: (callback, delayMs) => void this.clock.setTimeout(callback, delayMs),
    });
    const store = new CredentialStore(this.metadata);
    for (const listener of this.listenerSettings.listeners) {
      const security = listenerSecurity(this.config, listener, store, { plainUsers: options.plainUsers, now: () => this.clock.now() });
      if (listener.name === interBroker.name && usesTls(listener.protocol)) this.interBrokerTlsSettings = security.tls;
      this.servers.set(listener.name, this.createServer(options, security));
    }
  }

  /**
   * The controller of a broker that runs alone: the same controller an embedded cluster shares,
   * with this broker as its one member, keeping its metadata log (`metadata.log`, fsynced per
   * change) in its data dir; a data dir with the older `streamwright-metadata.json` is converted.
   */
  private controllerOfOne(): ClusterController {
    return new ClusterController({
      metadata: ClusterMetadata.loadLog(this.dataDir, { fsync: true }),
      logger: this.logger,
      sessionTimeoutMs: this.config.int('broker.session.timeout.ms'),
      uncleanLeaderElection: this.config.boolean('unclean.leader.election.enable'),
      autoLeaderRebalance: this.config.boolean('auto.leader.rebalance.enable'),
      leaderImbalanceCheckIntervalMs: this.config.int('leader.imbalance.check.interval.seconds') * 1000,
      leaderImbalancePerBrokerPercentage: this.config.int('leader.imbalance.per.broker.percentage'),
      clock: this.clock,
    });
  }

  private createServer(options: BrokerOptions, security: ReturnType<typeof listenerSecurity>): KafkaServer {
    return new KafkaServer({
      security,
      handlers: this.handlers,
      maxRequestBytes: this.config.int('socket.request.max.bytes'),
      connectionsMaxIdleMs: this.config.int('connections.max.idle.ms'),
      // Read for every new connection: AlterConfigs changes them on a running broker, as in Kafka.
      connectionLimits: () => ({
        maxConnections: this.config.int('max.connections'),
        maxConnectionsPerIp: this.config.int('max.connections.per.ip'),
        maxConnectionsPerIpOverrides: this.config.string('max.connections.per.ip.overrides'),
      }),
      logger: this.logger,
      throttler: this.throttler,
      apiVersions: () => this.apiVersionRanges(),
      ...(options.faults
        ? {
            responseFault: (apiKey: number) => options.faults!.responseFault(this.nodeId, apiKey),
            acceptsConnections: () => options.faults!.acceptsConnections(this.nodeId),
          }
        : {}),
    });
  }

  /** The open client connections and what each holds (tests and diagnostics). */
  connectionStats(): ConnectionStats[] {
    return [...this.servers.values()].flatMap((s) => s.connectionStats());
  }

  /** Closes every client connection, keeps listening (fault injection: a broker cut off from clients). */
  dropConnections(): void {
    for (const server of this.servers.values()) server.dropConnections();
  }

  /** TLS for connections to other brokers when the inter-broker listener is SSL (null: plaintext). */
  get interBrokerTls(): { ca?: string; cert: string; key: string; passphrase?: string } | null {
    const tls = this.interBrokerTlsSettings;
    if (!tls) return null;
    return { ...(tls.trustedCertificates ? { ca: tls.trustedCertificates } : {}), cert: tls.certificateChain, key: tls.privateKey, ...(tls.keyPassword ? { passphrase: tls.keyPassword } : {}) };
  }

  /** Opens the data dir (recovering logs as needed) and starts listening. */
  static async start(options: BrokerOptions): Promise<KafkaBroker> {
    const broker = new KafkaBroker(options);
    broker.replicaManager.startup();
    broker.groupCoordinator.startup();
    // After the groups: completing in-doubt transactions commits their pending offsets.
    broker.transactionCoordinator.startup();
    try {
      for (const listener of broker.listenerSettings.listeners) {
        broker.boundPorts.set(listener.name, await broker.servers.get(listener.name)!.listen(listener.port, listener.host));
      }
      // A wrong inter-broker password fails here, not later in every replica fetcher.
      if (broker.interBrokerSasl) await verifyInterBrokerCredentials(broker.interBrokerEndpoint(), broker.interBrokerTls, broker.interBrokerSasl, broker.listenerSettings.interBrokerListener);
    } catch (error) {
      await broker.stop();
      throw error;
    }
    broker.state = 'running';
    const cluster = broker.cluster;
    cluster.register(broker);
    // An isolated broker's heartbeats are lost (fault injection).
    broker.heartbeatTimer = broker.clock.setInterval(() => {
      if (!broker.faults?.isIsolated(broker.nodeId)) cluster.heartbeat(broker.nodeId, broker);
    }, broker.config.int('broker.heartbeat.interval.ms'));
    const bound = broker.listenerSettings.listeners.map((l) => `${l.name}://${l.host}:${broker.boundPorts.get(l.name)}`);
    broker.logger.info(`broker ${broker.nodeId} listening on ${bound.join(',')}`);
    return broker;
  }

  /** The first listener's advertised port (the one `bootstrapServers` names). */
  get port(): number {
    return this.listenerEndpoint(this.listenerSettings.listeners[0]!).port;
  }
  /** The first listener's advertised host. */
  get host(): string {
    return this.listenerEndpoint(this.listenerSettings.listeners[0]!).host;
  }

  /** The address a listener is advertised at (its bound port when it advertises port 0). */
  private listenerEndpoint(listener: Listener): { host: string; port: number } {
    return { host: listener.advertisedHost, port: listener.advertisedPort !== 0 ? listener.advertisedPort : (this.boundPorts.get(listener.name) ?? -1) };
  }

  /** Every listener's advertised address, by name. */
  advertisedListeners(): Record<string, { host: string; port: number }> {
    return Object.fromEntries(this.listenerSettings.listeners.map((l) => [l.name, this.listenerEndpoint(l)]));
  }

  /** The bound listeners as a `listeners` value with the real ports (a restart keeps them). */
  boundListeners(): string {
    return this.listenerSettings.listeners.map((l) => `${l.name}://${l.configuredHost.includes(':') ? `[${l.configuredHost}]` : l.configuredHost}:${this.boundPorts.get(l.name) ?? l.port}`).join(',');
  }

  /** Where the other brokers reach this one: the inter-broker listener's advertised address. */
  private interBrokerEndpoint(): { host: string; port: number } {
    return this.advertisedListeners()[this.listenerSettings.interBrokerListener]!;
  }

  /** This broker's registration: the inter-broker listener's address, and every listener's. */
  endpoint(): BrokerEndpoint {
    const listeners = this.advertisedListeners();
    const inter = listeners[this.listenerSettings.interBrokerListener]!;
    return { nodeId: this.nodeId, host: inter.host, port: inter.port, listeners };
  }

  get isRunning(): boolean {
    return this.state === 'running';
  }

  /**
   * Stops listening, closes every connection and closes the logs cleanly. In a cluster the
   * broker unregisters first (a controlled shutdown), so its leaderships move at once.
   */
  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    this.stopHeartbeats();
    this.cluster.unregister(this.nodeId);
    this.closeOwnController();
    await Promise.all([...this.servers.values()].map((s) => s.close()));
    this.transactionCoordinator.shutdown();
    this.groupCoordinator.shutdown();
    await this.replicaManager.shutdown();
  }

  /**
   * A crash: every socket is destroyed, nothing is flushed or checkpointed (file handles are
   * just closed) and the in-memory state is dropped. The controller notices when the
   * heartbeats stop (broker.session.timeout.ms).
   */
  async kill(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    this.stopHeartbeats();
    this.cluster.crashed(this.nodeId);
    this.closeOwnController();
    const closed = Promise.all([...this.servers.values()].map((s) => s.close()));
    this.transactionCoordinator.shutdown();
    this.groupCoordinator.shutdown();
    this.replicaManager.kill();
    await closed;
  }

  private stopHeartbeats(): void {
    this.clock.clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
  }

  replayMetadata(records: readonly ImageRecord[]): void {
    this.metadata.replay(records);
  }

  loadMetadataSnapshot(records: readonly ImageRecord[]): void {
    const before = new Map([...this.metadata.topics].map((t) => [t.name, { topicId: t.topicId, configs: JSON.stringify(t.configs) }]));
    this.metadata.load(records);
    for (const [name, { topicId }] of before) {
      if (this.metadata.topic(name)?.topicId !== topicId) this.applyTopicDeletion(name);
    }
    for (const topic of this.metadata.topics) {
      this.replicaManager.createPartitions(topic);
      const old = before.get(topic.name);
      if (old && old.topicId === topic.topicId && old.configs !== JSON.stringify(topic.configs)) this.replicaManager.topicConfigChanged(topic.name);
    }
    this.applyDynamicConfig();
  }

  applyTopicPartitions(name: string, inSlices: boolean): Promise<void> | null {
    const topic = this.metadata.topic(name);
    if (!topic) return null;
    if (inSlices) return this.replicaManager.createPartitionsInSlices(topic);
    this.replicaManager.createPartitions(topic);
    return null;
  }

  /**
   * The cluster metadata removed a topic (every running broker applies it, as KRaft brokers
   * replay a RemoveTopic record): its local replicas go, and the group coordinator drops the
   * offsets its groups committed for it, with tombstones.
   */
  applyTopicDeletion(name: string): void {
    this.replicaManager.deletePartitions(name);
    this.groupCoordinator.offsets.onTopicDeleted(name);
  }

  applyLeadership(): void {
    for (const topic of this.metadata.topics) this.replicaManager.applyLeadership(topic);
  }

  applyTopicConfig(name: string): void {
    this.replicaManager.topicConfigChanged(name);
  }

  /**
   * Takes this broker's dynamic configs (its own and the cluster default) from the metadata, as
   * a KRaft broker applies a config record, and passes them on to the topics that inherit them.
   */
  applyDynamicConfig(): void {
    if (!this.refreshDynamicConfig()) return;
    // Topics inherit log.* values (and min.insync.replicas, message.max.bytes, ...) from the broker.
    for (const topic of this.metadata.topics) this.replicaManager.topicConfigChanged(topic.name);
  }

  /**
   * Copies the dynamic broker configs from this broker's image (a copy: the image's maps are
   * replaced by later records). Returns whether they changed.
   */
  refreshDynamicConfig(): boolean {
    const next = {
      broker: { ...this.metadata.dynamicBrokerConfigs(String(this.nodeId)) },
      clusterDefault: { ...this.metadata.dynamicBrokerConfigs('') },
    };
    const changed = JSON.stringify(next) !== JSON.stringify(this.config.dynamic);
    this.config.dynamic = next;
    return changed;
  }

  /**
   * The live brokers as this broker's image has them. With a listener name, each broker's
   * address on that listener (Kafka answers with the listener the request came in on); brokers
   * without that listener are left out.
   */
  liveBrokers(listener?: string): BrokerEndpoint[] {
    const all = this.metadata.liveBrokers();
    if (listener === undefined) return all;
    return all.flatMap((b) => {
      const address = b.listeners?.[listener];
      return address ? [{ ...b, host: address.host, port: address.port }] : [];
    });
  }
  isLive(nodeId: number): boolean {
    return this.metadata.isLive(nodeId);
  }
  /** The active controller as this broker's image has it (the lowest live node id; itself before it knows any). */
  controllerId(): number {
    const id = this.metadata.controllerId();
    return id === -1 ? this.nodeId : id;
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
